#include <braid/client_errors.hpp>

#include <string>

namespace braid {
namespace {

class client_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.client"; }
  std::string message(int ev) const override {
    switch (static_cast<client_errc>(ev)) {
    case client_errc::not_in_profile:
      return "operation not allowed by the client's profile (publisher or subscriber)";
    case client_errc::connect_timeout:
      return "no CONNACK within the connect timeout";
    case client_errc::no_brokers:
      return "no broker URL given";
    case client_errc::closed_before_connack:
      return "the broker closed the connection without answering CONNECT (does it speak this "
             "MQTT version? MQTT 3.1.1-only brokers close on an MQTT 5 CONNECT)";
    }
    return "unknown braid.client error";
  }
};

} // namespace

const std::error_category& client_category() noexcept {
  static const client_category_impl instance;
  return instance;
}

} // namespace braid
