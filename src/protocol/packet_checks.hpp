#pragma once
// Internal: the rules a packet must satisfy to be encoded in a protocol
// version. The decoder enforces the same rules on what it reads.

#include <braid/protocol/error.hpp>
#include <braid/protocol/packets.hpp>

#include <system_error>

namespace braid::protocol::detail {

std::error_code check(const connect& p, protocol_version v);
std::error_code check(const connack& p, protocol_version v);
std::error_code check(const publish_view& p, protocol_version v);
std::error_code check(const publish& p, protocol_version v);
std::error_code check(const subscribe& p, protocol_version v);
std::error_code check(const suback& p, protocol_version v);
std::error_code check(const unsubscribe& p, protocol_version v);
std::error_code check(const unsuback& p, protocol_version v);
std::error_code check(const pingreq& p, protocol_version v);
std::error_code check(const pingresp& p, protocol_version v);
std::error_code check(const disconnect& p, protocol_version v);
std::error_code check(const auth& p, protocol_version v);

template <packet_type T>
std::error_code check(const basic_publish_response<T>& p, protocol_version v);

/// Checks a reason code and properties of a packet that has both in MQTT 5
/// and neither before (acks, DISCONNECT, AUTH).
std::error_code check_reason_and_properties(packet_type type, reason_code rc,
                                            const properties& props, protocol_version v);

/// Checks the subscription options byte rules for one subscription.
std::error_code check_options(const subscription& s, protocol_version v);

template <packet_type T>
std::error_code check(const basic_publish_response<T>& p, protocol_version v) {
  if (p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  return check_reason_and_properties(T, p.reason, p.props, v);
}

} // namespace braid::protocol::detail
