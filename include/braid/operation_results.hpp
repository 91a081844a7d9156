#pragma once
// What the broker answered to an operation, as its completion handler gets
// it: the reason code(s), the MQTT 5 properties of the acknowledgement
// (Reason String, User Properties), and the packet identifier used.

#include <braid/protocol/packets.hpp>
#include <braid/protocol/property.hpp>
#include <braid/protocol/reason_code.hpp>

#include <cstdint>
#include <vector>

namespace braid {

/// async_publish's result. Converts to its reason code, so a handler may
/// take a protocol::reason_code instead.
struct publish_result {
  /// The broker's: PUBACK (QoS 1) or PUBREC/PUBCOMP (QoS 2), e.g.
  /// no_matching_subscribers; success for QoS 0.
  protocol::reason_code reason = protocol::reason_code::success;
  /// MQTT 5 properties of the PUBACK or PUBCOMP (or of a PUBREC that ended
  /// the exchange with an error); empty for QoS 0 and MQTT 3.
  protocol::properties props{};
  /// The packet identifier the message was last sent with (the seed's
  /// msgId); 0 for QoS 0 or when the publish did not complete with an answer.
  std::uint16_t packet_id = 0;

  operator protocol::reason_code() const noexcept { return reason; }
};

/// async_subscribe's and async_unsubscribe's result: a reason code per
/// filter, in order (it is that vector: a handler may take a
/// std::vector<protocol::reason_code> instead), plus the SUBACK/UNSUBACK's
/// MQTT 5 properties and packet identifier. MQTT 3 UNSUBACK has no codes.
struct subscribe_result : std::vector<protocol::reason_code> {
  protocol::properties props{};
  std::uint16_t packet_id = 0;
};
using unsubscribe_result = subscribe_result;

/// async_reauthenticate's result: the broker's AUTH (reason success) and its
/// properties (Authentication Data, Reason String, User Properties).
struct auth_result {
  protocol::reason_code reason = protocol::reason_code::success;
  protocol::properties props{};
};

} // namespace braid
