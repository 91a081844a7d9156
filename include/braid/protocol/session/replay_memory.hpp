#pragma once
// The replay guard's memory (session_config::replay_guard): the latest
// incoming QoS 1 or QoS 2 messages delivered, each by its packet id and a
// digest of its topic and payload, so that a broker's resend of one of them
// (DUP 1, after the exchange was over) can be recognised and not delivered
// again.

#include <braid/protocol/bytes.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace braid::protocol {

/// A 64-bit digest of a message's topic and payload (stable across runs and
/// builds: the durable store keeps it). Not cryptographic: it tells a resend
/// from another message the broker sent with the same packet id.
std::uint64_t message_digest(std::string_view topic, byte_view payload) noexcept;

class replay_memory {
public:
  struct entry {
    std::uint16_t packet_id = 0;
    std::uint64_t digest = 0;
    bool operator==(const entry&) const = default;
  };

  /// A message was delivered: it becomes the newest entry; beyond `capacity`
  /// entries the oldest are forgotten (capacity 0 forgets everything).
  void remember(entry e, std::size_t capacity);
  /// Whether the newest entry with this packet id has this digest: the
  /// message is one already delivered. An older entry with the id does not
  /// count (the broker has since used the id for another message).
  bool matches(entry e) const noexcept;
  void clear() noexcept;
  std::size_t size() const noexcept { return ring_.size(); }
  /// The entries, oldest first.
  std::vector<entry> entries() const;

private:
  // A ring: once full, next_ is the oldest entry and the next to overwrite.
  std::vector<entry> ring_;
  std::size_t next_ = 0;
};

} // namespace braid::protocol
