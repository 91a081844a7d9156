#include <braid/store/store_errors.hpp>

#include <string>

namespace braid {
namespace {

class store_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.store"; }
  std::string message(int ev) const override {
    switch (static_cast<store_errc>(ev)) {
    case store_errc::cannot_open:
      return "the store file cannot be opened";
    case store_errc::not_a_store:
      return "the store file is damaged or is not a braid store";
    case store_errc::newer_format:
      return "the store file was written by a newer braid";
    case store_errc::in_use:
      return "the store file is in use by another process";
    case store_errc::disk_full:
      return "the store could not commit: disk full";
    case store_errc::write_failed:
      return "the store could not commit: write error";
    case store_errc::no_client_id:
      return "a durable store needs a client id";
    }
    return "unknown braid.store error";
  }
};

} // namespace

const std::error_category& store_category() noexcept {
  static const store_category_impl instance;
  return instance;
}

} // namespace braid
