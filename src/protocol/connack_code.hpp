#pragma once
// Internal: 3.1/3.1.1 CONNACK return codes <-> MQTT 5 reason codes.

#include <braid/protocol/reason_code.hpp>

#include <cstdint>
#include <optional>

namespace braid::protocol::detail {

inline std::optional<reason_code> connack_reason_from_v3(std::uint8_t code) noexcept {
  switch (code) {
  case 0:
    return reason_code::success;
  case 1:
    return reason_code::unsupported_protocol_version;
  case 2:
    return reason_code::client_identifier_not_valid;
  case 3:
    return reason_code::server_unavailable;
  case 4:
    return reason_code::bad_user_name_or_password;
  case 5:
    return reason_code::not_authorized;
  default:
    return std::nullopt;
  }
}

inline std::optional<std::uint8_t> connack_reason_to_v3(reason_code rc) noexcept {
  for (std::uint8_t code = 0; code <= 5; ++code) {
    if (connack_reason_from_v3(code) == rc) {
      return code;
    }
  }
  return std::nullopt;
}

/// SUBACK return codes before MQTT 5: granted QoS 0..2 or failure 0x80.
inline bool is_v3_suback_code(reason_code rc) noexcept {
  auto v = static_cast<std::uint8_t>(rc);
  return v <= 2 || v == 0x80;
}

} // namespace braid::protocol::detail
