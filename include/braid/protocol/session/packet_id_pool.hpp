#pragma once
// Packet identifiers in use on one session: never hands out an id that is
// still in use by any packet type, and cycles through 1..65535 so that an id
// just freed is not reused at once.

#include <braid/protocol/session/id_set.hpp>

#include <bitset>
#include <cstdint>
#include <optional>

namespace braid::protocol {

class packet_id_pool {
public:
  /// The next free id after the last one handed out, or nullopt when all
  /// 65535 are in use.
  std::optional<std::uint16_t> allocate();
  /// Marks `id` used (an id resumed from a store). Returns false if it already was.
  bool reserve(std::uint16_t id);
  /// Frees `id`; freeing an id not in use does nothing.
  void release(std::uint16_t id) noexcept;
  bool in_use(std::uint16_t id) const noexcept { return id != 0 && used_.test(id); }
  std::size_t size() const noexcept { return count_; }
  /// Bit i set: id i in use.
  const std::bitset<65536>& used() const noexcept { return used_.bits(); }
  void clear() noexcept;

private:
  id_set used_; // 8 KiB from the first id on
  std::size_t count_ = 0;
  std::uint16_t last_ = 0;
};

} // namespace braid::protocol
