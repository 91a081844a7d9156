#pragma once
// Protocol versions and QoS levels shared by every packet.

#include <cstdint>
#include <string_view>

namespace braid::protocol {

/// The MQTT protocol level carried in CONNECT.
enum class protocol_version : std::uint8_t {
  v3_1 = 3,   ///< MQTT 3.1, protocol name "MQIsdp"
  v3_1_1 = 4, ///< MQTT 3.1.1, protocol name "MQTT"
  v5 = 5,     ///< MQTT 5.0, protocol name "MQTT"
};

/// Quality of service of a PUBLISH or a subscription.
enum class qos : std::uint8_t {
  at_most_once = 0,
  at_least_once = 1,
  exactly_once = 2,
};

/// "3.1", "3.1.1" or "5.0".
std::string_view to_string(protocol_version v) noexcept;

} // namespace braid::protocol
