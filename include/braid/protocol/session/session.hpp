#pragma once
// The client session state machine, sans-I/O: everything an MQTT client must
// remember and decide — CONNECT/CONNACK, QoS 0/1/2 flows both ways, packet
// ids, the in-flight window and queue, keep alive, resending after a
// reconnect, MQTT 5 flow control, topic aliases, enhanced authentication —
// with no sockets, threads, clocks or randomness. Time comes in as `now_ms`
// (milliseconds on any monotonic scale), bytes as spans, timers as
// timer_fired; what to do comes out as actions() and output bytes.
//
// Running a session:
//   1. connection_opened(now) when the transport is up: CONNECT is written.
//   2. bytes_received(data, now) for every chunk read.
//   3. timer_fired(t, now) when an armed timer expires.
//   4. connection_closed(ec, now) when the transport is gone, however it went.
// After each call: carry out actions() in order, then clear_actions(); call
// make_durable() before writing the output (swap_output), so that with a
// durable store a record is durable before the packet that depends on it is
// sent (a PUBLISH, PUBREL, or the PUBREC of an incoming QoS 2 message).
//
// Requests (publish, subscribe, ...) may be made in any state: while there is
// no connection they wait (bounded) and go out after the next CONNACK.

#include <braid/detail/ring_queue.hpp>
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/session/actions.hpp>
#include <braid/protocol/session/errors.hpp>
#include <braid/protocol/session/packet_id_pool.hpp>
#include <braid/protocol/session/sequence_queue.hpp>
#include <braid/protocol/session/store.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace braid::protocol {

/// MQTT 5 enhanced authentication (AUTH exchange), supplied by the user.
class authenticator {
public:
  virtual ~authenticator() = default;
  /// The Authentication Method sent in CONNECT and AUTH.
  virtual std::string method() const = 0;
  /// Authentication Data for CONNECT, or for AUTH when re-authenticating.
  virtual bytes initial_data() = 0;
  /// Answers a challenge (AUTH "continue authentication"); an error fails the
  /// connection with it.
  virtual std::error_code respond(const bytes& challenge, bytes& response) = 0;
  /// The exchange succeeded (CONNACK or AUTH success), with the server's final data.
  virtual void succeeded(const bytes& /*final_data*/) {}
};

/// What happens to in-flight QoS 1/2 messages when the broker has lost the session.
enum class session_lost_policy : std::uint8_t {
  republish, ///< send them again as new messages (the default); counted in `connected`
  fail,      ///< complete them with session_errc::session_lost
};

/// What publish does with a QoS 1/2 message that finds the queue full
/// (session_config::queue_limit).
enum class overflow_policy : std::uint8_t {
  fail,  ///< publish returns session_errc::queue_full
  block, ///< the message waits in the session, in order, and enters the queue
         ///< when room appears; every later publish (QoS 0 too) waits behind it
};

struct session_config {
  /// Client id, version, clean start, keep alive, will, credentials and MQTT 5
  /// properties of every CONNECT. An MQTT 5 Assigned Client Identifier
  /// replaces an empty client id for the connections that follow.
  connect connect_packet;
  /// When a 3.1.1 CONNECT is refused with "unsupported protocol version",
  /// offer 3.1 on the next connection.
  bool fallback_to_3_1 = false;
  /// Most unacknowledged QoS 1/2 publishes at once (the in-flight window); in
  /// MQTT 5 also at most the broker's Receive Maximum. 1 keeps strict order.
  /// The default, 20, is mosquitto's max_inflight_messages: mosquitto 2.0
  /// answers a QoS 2 PUBLISH beyond it with PUBREC "quota exceeded", which
  /// MQTT 3.1.1 cannot carry, and drops the message (see
  /// docs/broker-restarts.md). Raise it for brokers that allow more.
  std::uint16_t window = 20;
  /// Most QoS 1/2 publishes accepted and waiting for the window (beyond it,
  /// publish fails with session_errc::queue_full).
  std::size_t queue_limit = 100'000;
  /// Beyond queue_limit: fail, or hold the message until the queue has room
  /// (held messages are bounded only by the caller; see fail_blocked_publishes).
  overflow_policy on_queue_full = overflow_policy::fail;
  /// Most QoS 0 publishes and subscribe/unsubscribe requests held while there
  /// is no connection.
  std::size_t offline_limit = 10'000;
  session_lost_policy on_session_lost = session_lost_policy::republish;
  /// Subscribe again to every remembered subscription when the broker has lost the session.
  bool resubscribe = true;
  /// How long to wait for PINGRESP (0: the keep alive interval).
  std::uint64_t ping_timeout_ms = 0;
  /// How long to wait for CONNACK (0: no limit here).
  std::uint64_t connack_timeout_ms = 0;
  /// Largest packet accepted from the broker. In MQTT 5 it is announced as
  /// Maximum Packet Size when connect_packet does not set one.
  std::size_t max_incoming_packet_size = 268'435'460;
  /// MQTT 5: give repeated topics an alias, within the broker's Topic Alias Maximum.
  bool auto_topic_alias = true;
  /// MQTT 5 [MQTT-3.2.2-4]: close when the broker reports a session present
  /// that this client has no state for (clean start off, nothing stored, never
  /// connected in this process). Off by default: a restarted subscriber with
  /// a memory store would otherwise lose the messages the broker kept for it;
  /// the durable store gives such a client its state back.
  bool strict_session_present = false;
  /// The broker sets DUP on every resend of a PUBLISH, as MQTT-3.3.1-1
  /// requires. Then a QoS 2 PUBLISH with DUP 0 whose packet id is still
  /// waiting for its PUBREL is a new message: the broker forgot the earlier
  /// exchange (mosquitto restarted from state saved before it) and reused
  /// the id. It is delivered. Off: every PUBLISH with such an id is taken for
  /// a resend and not delivered, which loses such a new message.
  bool dup_flag_marks_resends = true;
  /// Decides, before a new incoming message is delivered and acknowledged,
  /// whether to take it. A message not taken is neither delivered nor
  /// acknowledged (no PUBACK, no PUBREC; a QoS 0 message is dropped): with a
  /// persistent session the broker keeps it and sends it again on the next
  /// connection. For a consumer that takes a number of messages and stops
  /// (`braid sub -C N`), so that what it does not process stays at the broker.
  /// Empty: every message is taken. Runs inside bytes_received: it must not
  /// call the session (or the client that runs it).
  std::function<bool(const publish&)> take_message{};
  /// Incoming QoS 1/2 messages are acknowledged (PUBACK; PUBREC for QoS 2)
  /// when acknowledge() says the application has processed them, not on
  /// receipt. A message not yet acknowledged when the connection is lost is
  /// sent again by the broker (persistent session); while the application
  /// still holds it, the resend is not delivered again, and the
  /// acknowledgement goes out on the connection in place when it comes. A
  /// QoS 2 message is delivered once. See acknowledge().
  bool manual_acknowledgement = false;
  /// With manual_acknowledgement: most messages delivered and not yet
  /// acknowledged. At the limit acknowledgements_full() says so, and the
  /// runner stops reading the connection until acknowledge() makes room. In
  /// MQTT 5 it is announced as Receive Maximum (a lower Receive Maximum in
  /// connect_packet is the limit instead), so that the broker itself sends no
  /// more; an MQTT 3 broker keeps to its own in-flight limit (mosquitto:
  /// max_inflight_messages, 20). Messages read before reading stopped are
  /// still delivered, so a broker that does not keep to the limit (mosquitto
  /// 2.0.11 sends past the Receive Maximum once it releases messages it had
  /// queued) can go past it by what one read held; it is not disconnected.
  std::uint16_t unacknowledged_limit = 100;
  /// The replay guard: how many delivered messages of each QoS (1 and 2) the
  /// session remembers, so that a broker's resend of a message whose
  /// exchange is already over is not delivered again. 0 (the default): off.
  ///
  /// MQTT frees a packet id once its exchange is over (PUBACK; PUBCOMP for
  /// QoS 2), so a PUBLISH that comes later with the id is a new message. Yet
  /// a broker may send one it already completed again, with DUP 1: mosquitto
  /// does, after a cut or a restart from its saved state, and a QoS 2
  /// message then reaches the application twice. With the guard on, a
  /// PUBLISH with DUP 1 whose packet id and digest (message_digest of topic
  /// and payload) match the latest message delivered with that id is
  /// acknowledged as the protocol requires (PUBACK; PUBREC, then PUBCOMP for
  /// the PUBREL) and not delivered; session_counters::replays counts it. A
  /// PUBLISH with DUP 0 is always delivered: brokers reuse ids for new
  /// messages.
  ///
  /// The memory of QoS 2 messages is part of the session's state: the store
  /// keeps it (a sqlite_store across a restart of the client). That of QoS 1
  /// lives in this session object only: after a restart the broker's resends
  /// of QoS 1 messages are delivered again (at least once still holds).
  ///
  /// The risk: a new message is dropped if it has the same packet id, topic
  /// and payload as the latest message delivered with that id, and its first
  /// transmission was lost (so the broker resent it with DUP 1). A broker
  /// that hands out ids in turn (mosquitto) reuses an id only after 65,535
  /// other messages, past what the guard remembers, unless it restarts
  /// from state saved earlier (and then a message with the same id, topic
  /// and payload is most often the very message sent again). So this takes
  /// a broker that went back in its ids, an application that sends identical
  /// messages on one topic, and a cut at that very message.
  ///
  /// Sizing: a broker that restarts from its saved state replays what was in
  /// flight when it saved, so the guard must remember every message
  /// delivered since: the message rate times the broker's save interval
  /// (mosquitto: autosave_interval). Keep it below 65,535, so that an id
  /// handed out in turn is forgotten before it comes round again.
  /// default_replay_guard (16,384, 256 KiB a QoS) covers four seconds at
  /// 4,000 messages a second.
  std::size_t replay_guard = 0;
  static constexpr std::size_t default_replay_guard = 16'384;
  /// MQTT 5 enhanced authentication; not owned, must outlive the session.
  authenticator* auth = nullptr;
};

/// Running totals of a session's application messages, for monitoring.
struct session_counters {
  struct per_qos {
    std::uint64_t messages = 0;
    std::uint64_t payload_bytes = 0;
    bool operator==(const per_qos&) const = default;
  };
  /// PUBLISH packets written, by QoS (index 0..2); resends not included.
  std::array<per_qos, 3> sent{};
  /// Messages delivered (message_received), by QoS; resends the session
  /// recognised (QoS 2 DUP, held messages) not included.
  std::array<per_qos, 3> received{};
  /// PUBLISH (DUP) and PUBREL packets resent after a reconnect.
  std::uint64_t resent = 0;
  /// Resends of messages already delivered that the replay guard recognised
  /// and did not deliver again (session_config::replay_guard).
  std::uint64_t replays = 0;
  /// Milliseconds from the last PINGREQ to its PINGRESP; nullopt until one came.
  std::optional<std::uint64_t> round_trip_ms{};
  bool operator==(const session_counters&) const = default;
};

/// Where a session stands.
enum class session_state : std::uint8_t {
  disconnected, ///< no connection
  connecting,   ///< CONNECT sent, waiting for CONNACK
  connected,    ///< CONNACK accepted
  closing,      ///< close_connection asked for; waiting for connection_closed
};

/// What the broker granted in CONNACK (MQTT 5; MQTT 3 gets the defaults).
struct broker_limits {
  std::uint16_t receive_maximum = 65535;
  qos maximum_qos = qos::exactly_once;
  bool retain_available = true;
  std::size_t maximum_packet_size = 268'435'460;
  std::uint16_t topic_alias_maximum = 0;
  bool wildcard_subscription_available = true;
  bool subscription_identifier_available = true;
  bool shared_subscription_available = true;
  std::uint16_t keep_alive = 0; ///< seconds: ours, or the Server Keep Alive
};

class session {
public:
  /// `store` holds the session state and must outlive the session; records
  /// already in it (a durable store) are resumed: queued ones are sent and
  /// in-flight ones resent after the next CONNACK.
  session(session_config config, session_store& store);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // --- connection events -------------------------------------------------
  /// The transport is up: writes CONNECT.
  void connection_opened(std::uint64_t now_ms);
  /// Bytes read from the transport, any chunking.
  void bytes_received(byte_view data, std::uint64_t now_ms);
  /// Shared payloads this large or more are not copied into the output: the
  /// output refers to them, and a write gathers them after their header.
  static constexpr std::size_t kSharedPayloadMin = 4096;
  /// While a large packet is arriving: where its next bytes may be read
  /// straight from the transport, saving a copy, and what keeps that space
  /// alive until the read ends. Empty at other times: read into your own
  /// buffer and call bytes_received.
  struct read_space {
    std::span<std::uint8_t> space;
    std::shared_ptr<void> keep;
  };
  read_space direct_read_space();
  /// `data` was read into the space direct_read_space() gave. Ignored if the
  /// packet it belonged to was abandoned meanwhile (the connection failed),
  /// or if it does not lie within that space.
  void bytes_received_in_place(byte_view data, std::uint64_t now_ms);
  /// An armed timer expired.
  void timer_fired(timer_id timer, std::uint64_t now_ms);
  /// The transport is closed (by either side, for `reason`). Requests in
  /// flight that cannot survive (ping, disconnect) fail with connection_lost;
  /// publishes stay in the store and subscribe/unsubscribe go out again after
  /// the next CONNACK.
  void connection_closed(std::error_code reason, std::uint64_t now_ms);
  /// The runner stopped reading the transport (back-pressure: the application
  /// is behind) or started again. While reading is paused, an unanswered
  /// PINGREQ does not fail the connection — the PINGRESP is likely waiting
  /// unread — and another PINGREQ goes out each ping timeout so that the
  /// broker's keep alive holds; once reading resumes the broker is judged
  /// again (keep_alive_timeout at the next ping timeout without a packet).
  /// A new connection starts with reading not paused. Produces no actions.
  void set_reading_paused(bool paused, std::uint64_t now_ms);
  /// No connection will come for the publishes blocked for queue room
  /// (overflow_policy::block): the runner gave up reconnecting, or was
  /// closed. They complete with `reason`. What is in the queue stays.
  void fail_blocked_publishes(std::error_code reason, std::uint64_t now_ms);

  // --- requests ----------------------------------------------------------
  // Each returns the request id that the completion will carry, or an error
  // (nothing is sent then). Misuse errors come from the protocol category
  // (packet validation) or session_errc.

  /// QoS 0 completes once written to the output; QoS 1 on PUBACK; QoS 2 on
  /// PUBCOMP (or an error reason code in PUBACK/PUBREC). Under
  /// overflow_policy::block a message beyond the queue limit is accepted and
  /// waits (blocked()); if it then cannot be sent, its completion says why.
  std::error_code publish(struct publish message, request_id& id, std::uint64_t now_ms);
  /// The same with borrowed topic, payload and properties: a QoS 0 publish on
  /// a connection is encoded at once and copies nothing; otherwise the message
  /// is copied, since it must be kept.
  std::error_code publish(const publish_view& message, request_id& id, std::uint64_t now_ms);
  /// Completes on SUBACK with a reason code per subscription.
  std::error_code subscribe(std::vector<subscription> subscriptions, properties props,
                            request_id& id, std::uint64_t now_ms);
  /// Completes on UNSUBACK.
  std::error_code unsubscribe(std::vector<std::string> filters, properties props, request_id& id,
                              std::uint64_t now_ms);
  /// Sends PINGREQ; completes on PINGRESP. Needs a connection.
  std::error_code ping(request_id& id, std::uint64_t now_ms);
  /// Sends DISCONNECT (MQTT 5: with `reason` and `props`, e.g. Session Expiry
  /// Interval) and asks for the connection to close. Completes at once.
  std::error_code disconnect(reason_code reason, properties props, request_id& id,
                             std::uint64_t now_ms);
  /// MQTT 5: starts a re-authentication with the configured authenticator;
  /// completes when the broker answers AUTH success.
  std::error_code reauthenticate(request_id& id, std::uint64_t now_ms);
  /// session_config::manual_acknowledgement: the application has processed
  /// the incoming message with this QoS and packet id; its PUBACK (QoS 1) or
  /// PUBREC (QoS 2) goes out now, or, for a message delivered before the
  /// connection in place (or while there is none), when the broker sends the
  /// message again. `reason` (MQTT 5; 3.1.1 sends success)
  /// is the acknowledgement's reason code: a failure (0x80 and above) tells
  /// the broker the message was not accepted and ends a QoS 2 exchange.
  /// Errors: session_errc::not_awaiting_acknowledgement when no delivered
  /// message waits for it (QoS 0, already acknowledged, unknown id, manual
  /// acknowledgement off, or the broker lost the session meanwhile and will
  /// not send the message again); session_errc::invalid_request for a reason
  /// code that PUBACK / PUBREC cannot carry. When a packet id was delivered
  /// twice (the broker reused it for a new message), the acknowledgement goes
  /// out once both are acknowledged.
  std::error_code acknowledge(qos q, std::uint16_t packet_id, reason_code reason,
                              std::uint64_t now_ms);
  /// Cancels a publish that is still queued or blocked (not yet sent): it
  /// completes with session_errc::cancelled. Returns false when the request cannot be cancelled.
  bool cancel(request_id id);

  // --- durability --------------------------------------------------------
  /// Makes the store's changes durable (session_store::flush); call it before
  /// writing the output. When the store fails: the publishes whose records
  /// it could not keep complete with its error, the output not yet taken is
  /// dropped (it may announce what is not durable) and the connection is
  /// closed with the error; what the store kept goes out again on the next
  /// connection, after a flush that succeeds. Returns the store's error.
  std::error_code make_durable(std::uint64_t now_ms);

  // --- outputs -----------------------------------------------------------
  const std::vector<action>& actions() const noexcept { return actions_; }
  void clear_actions() noexcept { actions_.clear(); }
  /// Moves the pending actions into `out` (cleared first), leaving none.
  /// Both vectors keep their storage: the session's list, once grown to the
  /// largest burst, takes actions without allocating.
  void take_actions(std::vector<action>& out) {
    out.clear();
    out.insert(out.end(), std::make_move_iterator(actions_.begin()),
               std::make_move_iterator(actions_.end()));
    actions_.clear();
  }
  /// Bytes to write, coalesced: every packet produced since the last swap.
  /// A payload of kSharedPayloadMin bytes or more is a shared part of the
  /// output, not copied into it: write the parts in order
  /// (output_buffer::for_each_part), or flatten() them; view() alone holds
  /// only the copied bytes when has_shared().
  bool has_output() const noexcept { return !output_.empty(); }
  const output_buffer& output() const noexcept { return output_; }
  /// Hands the pending output to the caller in exchange for an empty buffer
  /// (which keeps its storage for reuse).
  void swap_output(output_buffer& empty) noexcept;

  // --- state -------------------------------------------------------------
  session_state state() const noexcept { return state_; }
  protocol_version version() const noexcept { return config_.connect_packet.version; }
  const broker_limits& limits() const noexcept { return limits_; }
  /// Unacknowledged QoS 1/2 publishes (sent, waiting for the broker).
  std::size_t in_flight() const noexcept { return in_flight_; }
  /// QoS 1/2 publishes waiting for the window.
  std::size_t queued() const noexcept { return queue_.size(); }
  /// QoS 0 publishes waiting for a connection (session_config::offline_limit).
  std::size_t offline_queued() const noexcept { return offline_qos0_.size(); }
  const session_counters& counters() const noexcept { return counters_; }
  /// Publishes waiting for room in the queue (overflow_policy::block).
  std::size_t blocked() const noexcept { return blocked_.size(); }
  bool reading_paused() const noexcept { return reading_paused_; }
  /// Messages delivered and not yet acknowledged (manual_acknowledgement).
  std::size_t unacknowledged() const noexcept { return unacknowledged_; }
  /// unacknowledged() reached the limit: stop reading until acknowledge().
  bool acknowledgements_full() const noexcept;
  /// The window in force: the configured one, within the broker's Receive Maximum.
  std::uint16_t window() const noexcept;
  void set_window(std::uint16_t window);
  const session_config& config() const noexcept { return config_; }
  session_store& store() noexcept { return store_; }
  const packet_id_pool& packet_ids() const noexcept { return ids_; }

private:
  // A subscribe, unsubscribe or ping waiting for a connection or an answer.
  struct pending_request {
    request_id id = 0; ///< 0 for the session's own resubscription (no completion)
    request_kind kind = request_kind::ping;
    std::uint16_t packet_id = 0; ///< 0 while not sent on this connection
    bool sent = false;
    packet message; ///< the SUBSCRIBE or UNSUBSCRIBE to send
  };
  struct alias_table;
  alias_table& aliases();

  // connection (session.cpp)
  void write_connect();
  void reset_connection_state();
  void on_connack(connack& p, std::uint64_t now_ms);
  void apply_connack_properties(const properties& props);
  void resume_session(connected& event);
  void lose_session(connected& event);
  void resubscribe(connected& event);
  void forget_resubscription();
  std::vector<std::pair<std::uint16_t, std::uint64_t>> sorted_in_flight() const;
  void fail_connection(std::error_code ec, reason_code rc);
  void request_close(std::error_code ec);
  void complete(request_id id, request_kind kind, std::error_code ec);
  void note_sent(std::uint64_t now_ms);
  void arm(timer_id t, std::uint64_t delay_ms);
  void disarm(timer_id t);
  std::uint64_t keep_alive_ms() const noexcept;
  void on_keep_alive(std::uint64_t now_ms);
  std::uint64_t ping_timeout_ms() const noexcept;
  std::uint64_t next_request_id();
  // outgoing messages (session_publish.cpp)
  template <class Packet>
  void write(const Packet& p);
  void write_publish(const stored_publish& record, bool dup);
  /// `payload`, when given, owns view.payload: a large one is then shared with
  /// the output rather than copied into it.
  void write_publish_view(publish_view view, bool dup, const shared_bytes* payload = nullptr);
  void encode_publish_into_output(const publish_view& view, const shared_bytes* payload);
  void send_qos0(request_id id, const struct publish& message);
  std::error_code check_request(const struct publish& message, std::size_t& size) const;
  std::error_code accept(struct publish&& message, request_id& id, std::size_t size = 0);
  bool has_room(const struct publish& message) const noexcept;
  bool admit_blocked();
  void send_what_fits();
  bool send_from_queue(std::uint64_t sequence);
  void finish_publish(std::uint64_t sequence, std::uint16_t packet_id, std::error_code ec,
                      reason_code rc, properties props);
  void complete_publish(request_id id, std::error_code ec, reason_code rc, properties props,
                        std::uint16_t packet_id = 0);
  std::error_code check_against_broker(const struct publish& message, std::size_t size = 0) const;
  std::uint64_t in_flight_sequence(std::uint16_t packet_id) const;
  template <packet_type T>
  void on_publish_response(basic_publish_response<T>& p);
  // incoming packets (session_receive.cpp)
  void fail_decoding(std::error_code error);
  void dispatch(packet& p, std::uint64_t now_ms);
  void on_publish(struct publish& p);
  void deliver(struct publish& p);
  bool is_replay(const struct publish& p) const;
  void answer_replay(const struct publish& p);
  bool resolve_topic_alias(struct publish& p);
  std::uint16_t our_topic_alias_maximum() const noexcept;
  std::uint16_t our_receive_maximum() const noexcept;
  void on_pubrel(pubrel& p);
  // acknowledgement by the application (session_acknowledge.cpp)
  // A message delivered under manual_acknowledgement.
  struct held_message {
    std::uint16_t packet_id = 0;
    qos q = qos::at_least_once;
    std::uint16_t deliveries = 0; ///< not yet acknowledged; 0: acknowledged while offline
    reason_code reason = reason_code::success; ///< of an acknowledgement made while offline
    /// Delivered on an earlier connection and not yet sent again on this one:
    /// the acknowledgement waits for the resend, which would otherwise be
    /// taken for a new message.
    bool before_reconnect = false;
  };
  void hold(struct publish& p);
  held_message* find_held(qos q, std::uint16_t packet_id);
  void answer(qos q, std::uint16_t packet_id, reason_code reason);
  void release_held(held_message* held);
  std::uint16_t unacknowledged_limit() const noexcept;
  void on_disconnect(struct disconnect& p);
  void report_redirect(reason_code reason, const properties& props);
  void on_auth(auth& p);
  // requests that wait for an answer, and the answers (session_requests.cpp)
  void on_suback(suback& p);
  void on_unsuback(unsuback& p);
  void on_pingresp();
  std::error_code add_request(request_kind kind, packet message, request_id& id);
  enum class send_result : std::uint8_t { sent, wait, dropped };
  send_result send_request(pending_request& r);
  void send_unsent_requests();
  bool resend_next();
  pending_request* find_sent_request(request_kind kind, std::uint16_t packet_id);
  void erase_request(const pending_request* r);

  session_config config_;
  session_store& store_;
  session_state state_ = session_state::disconnected;
  decoder decoder_;
  packet incoming_; // reused for every decoded packet
  output_buffer output_;
  std::vector<action> actions_;
  packet_id_pool ids_;
  broker_limits limits_;

  std::uint64_t next_id_ = 1;
  sequence_queue queue_; // sequences of queued QoS 1/2 publishes, in order
  std::vector<std::pair<std::uint16_t, std::uint64_t>> in_flight_ids_; // packet id -> sequence
  std::size_t in_flight_ = 0;
  bool queue_was_full_ = false;
  braid::detail::ring_queue<std::pair<request_id, struct publish>>
      offline_qos0_; // QoS 0 waiting for a connection
  braid::detail::ring_queue<std::pair<request_id, struct publish>>
      blocked_; // waiting for queue room, in order
  std::vector<pending_request> requests_;
  bool ids_exhausted_ = false; // a request waits for a free packet id
  sequence_queue resend_;      // in-flight messages to resend on this connection, in order
  std::vector<std::uint64_t>
      release_order_; // QoS 2 messages in flight and released, in PUBREC order
  std::unique_ptr<alias_table> aliases_;
  std::vector<held_message> held_; // delivered, waiting for acknowledge()
  std::size_t unacknowledged_ = 0; // deliveries in held_
  // The replay guard's memory of QoS 1 messages (QoS 2's is in the store);
  // made at the first one.
  std::unique_ptr<replay_memory> qos1_delivered_;

  bool had_session_ = false; // a CONNACK accepted with clean start off
  std::uint64_t now_ms_ = 0; // the time given with the input being handled
  std::uint64_t last_sent_ms_ = 0;
  std::uint64_t ping_sent_ms_ = 0;
  bool ping_outstanding_ = false;
  bool reading_paused_ = false; // the runner does not read: see set_reading_paused
  std::optional<request_id> reauth_request_;
  session_counters counters_;
  std::optional<std::uint64_t> pingreq_sent_ms_; // for counters_.round_trip_ms
  std::uint8_t armed_timers_ = 0;                // bit per timer_id
};

} // namespace braid::protocol
