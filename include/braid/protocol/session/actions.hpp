#pragma once
// What a session asks of the code that runs it (the Asio binding, or a test).
//
// After every input the runner takes session::actions() and carries them out
// in order, then writes session output (see session::swap_output). The session
// never waits: timers are armed and cancelled through actions and come back as
// session::timer_fired.

#include <braid/protocol/packets.hpp>
#include <braid/protocol/server_reference.hpp>

#include <cstdint>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace braid::protocol {

/// Identifies a request made to a session; completions name it. For a QoS 1/2
/// publish it is also the message's sequence number in the store.
using request_id = std::uint64_t;

enum class timer_id : std::uint8_t {
  keep_alive,      ///< time to check whether a PINGREQ is due
  ping_timeout,    ///< the broker did not answer a PINGREQ in time
  connack_timeout, ///< the broker did not answer CONNECT in time
};

/// Arm `timer` to fire after `delay_ms`, replacing any earlier arming of it.
struct arm_timer {
  timer_id timer{};
  std::uint64_t delay_ms = 0;
  bool operator==(const arm_timer&) const = default;
};

struct cancel_timer {
  timer_id timer{};
  bool operator==(const cancel_timer&) const = default;
};

/// An application message from the broker. QoS 2
/// messages are delivered once, whatever the broker resends.
struct message_received {
  publish message{}; ///< topic alias resolved: `topic` is always the full topic
  bool operator==(const message_received&) const = default;
};

enum class request_kind : std::uint8_t {
  publish,
  subscribe,
  unsubscribe,
  ping,
  disconnect,
  reauthenticate,
};

/// A request finished: `error` is empty on success.
struct request_completed {
  request_id id = 0;
  request_kind kind = request_kind::publish;
  std::error_code error{};
  /// PUBACK / PUBCOMP (or failing PUBREC) reason for a publish; the AUTH
  /// reason for a re-authentication.
  reason_code reason = reason_code::success;
  /// One per filter for subscribe and unsubscribe (MQTT 3: unsubscribe has none).
  std::vector<reason_code> reasons{};
  properties props{}; ///< properties of the acknowledgement (MQTT 5)
  /// The packet identifier the request went out with (publish at QoS 1/2,
  /// subscribe, unsubscribe), when it was answered; else 0.
  std::uint16_t packet_id = 0;
  bool operator==(const request_completed&) const = default;
};

/// CONNACK accepted the connection.
struct connected {
  connack ack{};                ///< session present, MQTT 5 properties
  std::size_t resent = 0;       ///< PUBLISH and PUBREL resent from the session
  std::size_t republished = 0;  ///< in-flight messages sent again as new (session lost)
  std::size_t failed = 0;       ///< in-flight messages failed (session lost, policy fail)
  std::size_t resubscribed = 0; ///< subscriptions restored (session lost)
  bool operator==(const connected&) const = default;
};

/// A CONNACK refusal that another attempt will not fix: unsupported protocol
/// version, client identifier not valid, bad user name or password, not
/// authorized, banned, bad authentication method.
bool is_permanent_refusal(reason_code reason) noexcept;

/// CONNACK refused the connection. A close_connection follows.
struct connection_refused {
  connack ack{};
  /// The broker refused 3.1.1 and the session will offer 3.1 on the next
  /// connection (session_config::fallback_to_3_1).
  bool retry_with_3_1 = false;
  /// Another attempt will not fix this refusal: a reconnecting runner gives
  /// up. (Not when the session will retry with 3.1.)
  bool permanent() const noexcept { return !retry_with_3_1 && is_permanent_refusal(ack.reason); }
  bool operator==(const connection_refused&) const = default;
};

/// The broker sent DISCONNECT (MQTT 5): reason code, reason string, server
/// reference. A close_connection follows.
struct server_disconnected {
  disconnect packet{};
  bool operator==(const server_disconnected&) const = default;
};

/// MQTT 5: a CONNACK or DISCONNECT with reason Use another server (0x9C) or
/// Server moved (0x9D) named where to connect instead, in a Server Reference.
/// Comes before the connection_refused or server_disconnected of that packet.
struct server_redirect {
  /// Server moved: the new server replaces the old one from now on. Use
  /// another server: only the next connection goes there.
  bool permanent = false;
  std::string reference;                 ///< the Server Reference as the broker sent it
  std::vector<server_reference> servers; ///< what it names, in order (may be empty)
  bool operator==(const server_redirect&) const = default;
};

/// Close the network connection, after writing any pending output, then call
/// session::connection_closed. `reason` is empty for a requested disconnect.
struct close_connection {
  std::error_code reason{};
  bool operator==(const close_connection&) const = default;
};

/// Space opened in the publish queue after it was full.
struct queue_space_available {
  bool operator==(const queue_space_available&) const = default;
};

using action = std::variant<arm_timer, cancel_timer, message_received, request_completed, connected,
                            connection_refused, server_redirect, server_disconnected,
                            close_connection, queue_space_available>;

} // namespace braid::protocol
