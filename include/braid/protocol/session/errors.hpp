#pragma once
// Errors of the session state machine (category "braid.session") and MQTT
// reason codes as error codes (category "braid.mqtt").
//
// Completions carry a std::error_code: a session_errc when Braid decided
// (misuse, limits, connection lost), a reason_code error when the broker
// answered with a reason code of 0x80 or more, a protocol errc when the broker
// sent bytes that break the protocol.

#include <braid/protocol/reason_code.hpp>

#include <system_error>

namespace braid::protocol {

enum class session_errc {
  // --- the caller's mistakes (invalid argument)
  not_connected = 1,       ///< operation needs a connection and there is none
  already_connected,       ///< connection_opened while a connection is open
  queue_full,              ///< the publish queue is at its bound (overflow policy "fail")
  request_limit,           ///< too many subscribe/unsubscribe/ping requests outstanding
  qos_not_supported,       ///< QoS above the broker's Maximum QoS
  retain_not_supported,    ///< retain requested but the broker's Retain Available is 0
  packet_too_large,        ///< packet over the broker's Maximum Packet Size
  not_in_protocol_version, ///< MQTT 5 feature requested on an older connection
  invalid_request,         ///< a rule of the session: topic alias out of range, Subscription
                           ///< Identifier on a publish, Session Expiry raised at DISCONNECT
                           ///< (packet validation errors come as braid.protocol errc)
  // --- what happened to the connection
  connection_lost,     ///< the connection closed before the request completed
  keep_alive_timeout,  ///< no packet from the broker within the keep alive window
  connack_timeout,     ///< no CONNACK in time
  server_disconnected, ///< the broker sent DISCONNECT (reason in the event)
  session_lost,        ///< broker lost the session; pending messages failed (policy)
  cancelled,           ///< the request was cancelled before it was sent
  // --- the broker's mistakes (protocol errors)
  unexpected_packet,             ///< a packet not allowed from a server or in this state
  session_present_without_state, ///< session present on a clean start
  topic_alias_invalid,           ///< incoming topic alias 0, over our maximum, or unknown
  receive_maximum_exceeded,      ///< more unacknowledged QoS 1/2 PUBLISH than we allow
  packet_id_mismatch,            ///< SUBACK/UNSUBACK reason count does not match the request
  disconnecting,                 ///< a disconnect is in progress
  // --- the caller's mistake (manual acknowledgement)
  not_awaiting_acknowledgement, ///< no delivered message waits for this acknowledgement
  // --- what the broker did with a message
  /// An MQTT 3.1/3.1.1 broker answered a QoS 2 PUBLISH with PUBACK
  /// (RabbitMQ, for one, takes QoS 2 as QoS 1): it accepted the message and
  /// delivers it at least once, not exactly once. The exchange is over;
  /// sending it again would make a second copy. (An MQTT 5 broker announces
  /// its Maximum QoS instead: a QoS 2 publish then fails with qos_not_supported.)
  qos_downgraded,
};

const std::error_category& session_category() noexcept;

/// Whether `ec` says the broker broke the protocol: a malformed packet or a
/// protocol error in what it sent (braid.protocol codes other than invalid
/// arguments), or a session rule it broke (unexpected_packet,
/// session_present_without_state, topic_alias_invalid,
/// receive_maximum_exceeded, packet_id_mismatch).
bool is_broker_violation(const std::error_code& ec) noexcept;

inline std::error_code make_error_code(session_errc e) noexcept {
  return {static_cast<int>(e), session_category()};
}

/// The category of MQTT reason codes used as errors: value = reason code,
/// message = the spec's name ("Not authorized").
const std::error_category& mqtt_reason_category() noexcept;

inline std::error_code make_error_code(reason_code rc) noexcept {
  return {static_cast<int>(rc), mqtt_reason_category()};
}

} // namespace braid::protocol

template <>
struct std::is_error_code_enum<braid::protocol::session_errc> : std::true_type {};
