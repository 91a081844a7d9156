#pragma once
// The default session store: everything in RAM. It survives reconnects, not
// a restart of the process.

#include <braid/protocol/session/id_set.hpp>
#include <braid/protocol/session/store.hpp>

#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace braid::protocol {

class memory_store final : public session_store {
public:
  void add(stored_publish record) override;
  stored_publish* find(std::uint64_t sequence) override;
  void update(const stored_publish&) override {}
  void remove(std::uint64_t sequence) override;
  std::vector<std::uint64_t> sequences() const override;

  void add_incoming(std::uint16_t packet_id) override;
  bool contains_incoming(std::uint16_t packet_id) const override;
  bool remove_incoming(std::uint16_t packet_id) override;
  std::size_t incoming_count() const override { return incoming_count_; }
  void clear_incoming() override;
  void remember_delivered(replay_memory::entry delivered, std::size_t capacity) override {
    replays_.remember(delivered, capacity);
  }
  bool delivered_before(replay_memory::entry e) const override { return replays_.matches(e); }
  /// The replay guard's memory, oldest first.
  std::vector<replay_memory::entry> delivered() const { return replays_.entries(); }

  void add_subscription(const subscription& s) override;
  void remove_subscription(std::string_view filter) override;
  std::vector<subscription> subscriptions() const override { return subscriptions_; }

  void clear(bool keep_subscriptions) override;

  std::size_t size() const noexcept { return live_; }
  /// Slots the ring holds (memory in use grows with this).
  std::size_t slots() const noexcept { return ring_.size(); }

private:
  // Records by sequence, in a ring that keeps its storage: slot (head_ + i)
  // holds sequence first_ + i. Acknowledgements come mostly in order, so the
  // front empties and its slots are reused: no allocation in steady state.
  std::optional<stored_publish>& slot(std::uint64_t sequence) noexcept {
    return ring_[(head_ + static_cast<std::size_t>(sequence - first_)) & (ring_.size() - 1)];
  }
  void grow();
  void drop_empty_front() noexcept;

  // Records left far behind the front (one message unacknowledged while
  // thousands pass) move here, so that the ring stays as small as the
  // messages that are live.
  std::map<std::uint64_t, stored_publish> stragglers_;
  std::vector<std::optional<stored_publish>> ring_;
  std::size_t head_ = 0;
  std::size_t span_ = 0; // slots from first_ to the last sequence added
  std::uint64_t first_ = 0;
  std::size_t live_ = 0;
  id_set incoming_; // 8 KiB from the first incoming QoS 2 message on
  std::size_t incoming_count_ = 0;
  replay_memory replays_; // empty unless the replay guard is on
  std::vector<subscription> subscriptions_;
};

} // namespace braid::protocol
