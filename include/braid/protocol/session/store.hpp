#pragma once
// Where a session keeps what must outlive a connection (and, with a durable
// store, the process): outgoing QoS 1/2 messages queued or in flight, incoming
// QoS 2 packet ids awaiting PUBREL, and the subscriptions to restore.
//
// The session calls the store synchronously and in the order things happen;
// a durable store may batch its writes (group commit) as long as a record is
// durable before flush() returns: the runner calls session::make_durable()
// before it writes the session's output. Records are keyed by a sequence
// number the session assigns in acceptance order, so loading gives the
// original order.

#include <braid/protocol/packets.hpp>
#include <braid/protocol/session/replay_memory.hpp>

#include <cstdint>
#include <system_error>
#include <vector>

namespace braid::protocol {

/// How far an outgoing QoS 1/2 message got.
enum class publish_state : std::uint8_t {
  queued,   ///< accepted, not sent on any connection yet
  sent,     ///< PUBLISH sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2)
  released, ///< PUBREC received and PUBREL sent; waiting for PUBCOMP (QoS 2)
};

struct stored_publish {
  std::uint64_t sequence = 0; ///< acceptance order, strictly increasing
  publish message{};          ///< packet_id is 0 while queued
  publish_state state = publish_state::queued;
  bool operator==(const stored_publish&) const = default;
};

class session_store {
public:
  virtual ~session_store() = default;

  /// Adds a new record (state queued). The session checked the message
  /// before adding it, and sends records as they are, without checking them
  /// again: a store that reads records back from elsewhere (a file) must
  /// refuse any that is not valid (sqlite_store refuses an invalid topic).
  virtual void add(stored_publish record) = 0;
  /// The record with this sequence, or nullptr. Valid until the next call
  /// that adds or removes a record.
  virtual stored_publish* find(std::uint64_t sequence) = 0;
  /// The record's state or packet id changed (a durable store writes it).
  virtual void update(const stored_publish& record) = 0;
  virtual void remove(std::uint64_t sequence) = 0;
  /// Every record, in sequence order.
  virtual std::vector<std::uint64_t> sequences() const = 0;
  /// The lowest sequence new records may take: a durable store may still
  /// hold traces of removed records below it (0: no such constraint).
  virtual std::uint64_t next_free_sequence() const { return 0; }

  /// Incoming QoS 2 packet ids received (PUBREC sent) and not yet released.
  virtual void add_incoming(std::uint16_t packet_id) = 0;
  virtual bool contains_incoming(std::uint16_t packet_id) const = 0;
  /// Returns whether the id was there.
  virtual bool remove_incoming(std::uint16_t packet_id) = 0;
  virtual std::size_t incoming_count() const = 0;
  /// Forgets every incoming id and the replay guard's memory (the broker
  /// lost the session: it will not resend what it sent before).
  virtual void clear_incoming() = 0;

  /// The replay guard's memory of the incoming QoS 2 messages delivered
  /// (session_config::replay_guard; see replay_memory). It belongs to the
  /// session: a durable store keeps it across a restart of the client, in
  /// the same commit as the incoming id of the message.
  virtual void remember_delivered(replay_memory::entry delivered, std::size_t capacity) = 0;
  /// Whether the latest message delivered with this packet id had this digest.
  virtual bool delivered_before(replay_memory::entry e) const = 0;

  /// Subscriptions to restore when the broker has lost the session.
  virtual void add_subscription(const subscription& s) = 0;
  virtual void remove_subscription(std::string_view filter) = 0;
  virtual std::vector<subscription> subscriptions() const = 0;

  /// Forgets the messages, incoming ids and the replay guard's memory (a
  /// clean start); keeps subscriptions when `keep_subscriptions`.
  virtual void clear(bool keep_subscriptions) = 0;

  /// Whether changes wait for flush() to become durable. The memory store
  /// has none.
  virtual bool dirty() const { return false; }
  /// Makes every change so far durable, all in one transaction (group
  /// commit). On failure none of them is durable; the store keeps them and
  /// tries again at the next flush, except the records that
  /// not_durable() lists, which the session then removes and fails.
  virtual std::error_code flush() { return {}; }
  /// The records added since the last successful flush, in sequence order.
  virtual std::vector<std::uint64_t> not_durable() const { return {}; }
};

} // namespace braid::protocol
