#pragma once
// Errors of the protocol layer: the std::error_code category "braid.protocol".
//
// The decoder reports what a peer got wrong (a malformed packet or a protocol
// error); the encoder reports what the caller got wrong (invalid argument).
// `kind_of(errc)` tells the two apart, `to_reason_code` gives the MQTT 5 reason
// code to put in a DISCONNECT.

#include <cstdint>
#include <system_error>

namespace braid::protocol {

enum class reason_code : std::uint8_t;

enum class errc {
  // --- framing
  remaining_length_too_long = 1, ///< remaining length uses more than 4 bytes
  packet_too_large,              ///< packet exceeds the configured maximum size
  invalid_packet_type,           ///< packet type 0, or AUTH (15) before MQTT 5
  invalid_fixed_header_flags,    ///< reserved flag bits wrong for the packet type
  truncated,                     ///< a field runs past the end of the packet
  trailing_bytes,                ///< bytes left after the last field of the packet
  malformed_variable_integer,    ///< variable byte integer over 4 bytes or not minimal
  // --- fields
  invalid_qos,                  ///< QoS 3
  dup_on_qos0,                  ///< DUP flag set on a QoS 0 PUBLISH
  packet_id_zero,               ///< packet identifier 0 where one is required
  invalid_utf8,                 ///< string is not well-formed UTF-8 (or encodes a surrogate)
  utf8_contains_null,           ///< string contains U+0000
  string_too_long,              ///< string or binary data longer than 65535 bytes
  topic_name_empty,             ///< PUBLISH topic empty (and no topic alias)
  topic_name_wildcard,          ///< '+' or '#' in a topic name
  topic_filter_empty,           ///< empty topic filter
  topic_filter_invalid,         ///< misplaced wildcard in a topic filter
  shared_subscription_invalid,  ///< "$share/group/filter" malformed
  no_topic_filters,             ///< SUBSCRIBE or UNSUBSCRIBE without any topic filter
  invalid_subscription_options, ///< reserved bits set, retain handling 3, or No Local on a shared
                                ///< subscription
  // --- CONNECT / CONNACK
  protocol_name_mismatch,       ///< protocol name is not "MQIsdp" / "MQTT" for the level
  unsupported_protocol_version, ///< protocol level not 3, 4 or 5
  invalid_connect_flags,        ///< CONNECT reserved flag set
  invalid_will_flags,           ///< will QoS/retain set without the will flag, or will QoS 3
  password_without_username,    ///< password flag without user name flag (3.1, 3.1.1)
  invalid_connack_flags,        ///< CONNACK acknowledge flags other than session present
  // --- properties and reason codes (MQTT 5)
  unknown_property,        ///< property identifier not defined by MQTT 5
  property_not_allowed,    ///< property not allowed in this packet
  property_duplicated,     ///< property appears twice where the spec forbids it
  invalid_property_value,  ///< property value out of its range (e.g. Receive Maximum 0)
  property_type_mismatch,  ///< property value of the wrong type for its identifier
  reason_code_not_allowed, ///< reason code not allowed for this packet
  // --- caller misuse on encode
  buffer_too_small,        ///< the destination buffer cannot hold the packet
  not_in_protocol_version, ///< packet or field does not exist in this protocol version
  client_id_empty,         ///< empty client id without clean session (3.1.1) or in 3.1
};

const std::error_category& protocol_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

/// Who is at fault for an error.
enum class error_kind {
  malformed_packet, ///< the bytes cannot be parsed (MQTT 5 reason 0x81)
  protocol_error,   ///< parsed, but breaks a rule of the protocol (0x82)
  invalid_argument, ///< the caller asked for something that cannot be encoded
};

error_kind kind_of(errc e) noexcept;

/// The MQTT 5 reason code a client sends in DISCONNECT for this error when it
/// was found in a packet received from the peer.
reason_code to_reason_code(errc e) noexcept;

} // namespace braid::protocol

template <>
struct std::is_error_code_enum<braid::protocol::errc> : std::true_type {};
