#pragma once
// A set of 16-bit packet identifiers: one bit each, 8 KiB, allocated when
// the first id goes in and kept from then on (so that steady traffic does
// not allocate). A session that never uses it — a connection that only
// subscribes at QoS 0, say — holds a null pointer instead.

#include <bitset>
#include <cstdint>
#include <memory>

namespace braid::protocol {

class id_set {
public:
  using bits_type = std::bitset<65536>;

  id_set() = default;
  id_set(const id_set& other)
      : bits_(other.bits_ ? std::make_unique<bits_type>(*other.bits_) : nullptr) {}
  id_set& operator=(const id_set& other) {
    if (this != &other) {
      bits_ = other.bits_ ? std::make_unique<bits_type>(*other.bits_) : nullptr;
    }
    return *this;
  }
  id_set(id_set&&) noexcept = default;
  id_set& operator=(id_set&&) noexcept = default;
  ~id_set() = default;

  bool test(std::uint16_t id) const noexcept { return bits_ && bits_->test(id); }
  void set(std::uint16_t id) {
    if (!bits_) {
      bits_ = std::make_unique<bits_type>();
    }
    bits_->set(id);
  }
  void reset(std::uint16_t id) noexcept {
    if (bits_) {
      bits_->reset(id);
    }
  }
  /// Empties the set (keeping its storage).
  void clear() noexcept {
    if (bits_) {
      bits_->reset();
    }
  }
  /// Bit i set: id i in the set.
  const bits_type& bits() const noexcept {
    static const bits_type none;
    return bits_ ? *bits_ : none;
  }

private:
  std::unique_ptr<bits_type> bits_;
};

} // namespace braid::protocol
