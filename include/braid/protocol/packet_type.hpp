#pragma once
// MQTT control packet types (the high nibble of the first byte).

#include <cstdint>
#include <string_view>

namespace braid::protocol {

enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15, ///< MQTT 5 only
};

/// "CONNECT", "PUBLISH", ...; "reserved" for values outside 1..15.
std::string_view to_string(packet_type t) noexcept;

} // namespace braid::protocol
