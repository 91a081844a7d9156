#include <braid/protocol/session/packet_id_pool.hpp>

namespace braid::protocol {

std::optional<std::uint16_t> packet_id_pool::allocate() {
  if (count_ == 65535) {
    return std::nullopt;
  }
  auto id = last_;
  do {
    id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  } while (used_.test(id));
  used_.set(id);
  ++count_;
  last_ = id;
  return id;
}

bool packet_id_pool::reserve(std::uint16_t id) {
  if (id == 0 || used_.test(id)) {
    return false;
  }
  used_.set(id);
  ++count_;
  return true;
}

void packet_id_pool::release(std::uint16_t id) noexcept {
  if (id != 0 && used_.test(id)) {
    used_.reset(id);
    --count_;
  }
}

void packet_id_pool::clear() noexcept {
  used_.clear();
  count_ = 0;
}

} // namespace braid::protocol
