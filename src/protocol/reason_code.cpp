#include <braid/protocol/packet_type.hpp>
#include <braid/protocol/reason_code.hpp>
#include <braid/protocol/version.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace braid::protocol {
namespace {

// MQTT 5.0 table 2-6 and the reason code tables of each packet (3.2.2.2, 3.4.2.1,
// 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1, 3.15.2.1).
constexpr std::array<std::uint8_t, 22> connack_codes{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                                     0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                                     0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr std::array<std::uint8_t, 9> puback_codes{0x00, 0x10, 0x80, 0x83, 0x87,
                                                   0x90, 0x91, 0x97, 0x99};
constexpr std::array<std::uint8_t, 2> pubrel_codes{0x00, 0x92};
constexpr std::array<std::uint8_t, 12> suback_codes{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                                    0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 7> unsuback_codes{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr std::array<std::uint8_t, 29> disconnect_codes{
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr std::array<std::uint8_t, 3> auth_codes{0x00, 0x18, 0x19};

bool contains(std::span<const std::uint8_t> codes, reason_code rc) noexcept {
  return std::find(codes.begin(), codes.end(), static_cast<std::uint8_t>(rc)) != codes.end();
}

} // namespace

bool is_allowed(packet_type type, reason_code rc) noexcept {
  switch (type) {
  case packet_type::connack:
    return contains(connack_codes, rc);
  case packet_type::puback:
  case packet_type::pubrec:
    return contains(puback_codes, rc);
  case packet_type::pubrel:
  case packet_type::pubcomp:
    return contains(pubrel_codes, rc);
  case packet_type::suback:
    return contains(suback_codes, rc);
  case packet_type::unsuback:
    return contains(unsuback_codes, rc);
  case packet_type::disconnect:
    return contains(disconnect_codes, rc);
  case packet_type::auth:
    return contains(auth_codes, rc);
  default:
    return false;
  }
}

std::string_view to_string(reason_code rc, packet_type context) noexcept {
  switch (static_cast<std::uint8_t>(rc)) {
  case 0x00:
    if (context == packet_type::suback) {
      return "Granted QoS 0";
    }
    return context == packet_type::disconnect ? "Normal disconnection" : "Success";
  case 0x01:
    return "Granted QoS 1";
  case 0x02:
    return "Granted QoS 2";
  case 0x04:
    return "Disconnect with Will Message";
  case 0x10:
    return "No matching subscribers";
  case 0x11:
    return "No subscription existed";
  case 0x18:
    return "Continue authentication";
  case 0x19:
    return "Re-authenticate";
  case 0x80:
    return "Unspecified error";
  case 0x81:
    return "Malformed Packet";
  case 0x82:
    return "Protocol Error";
  case 0x83:
    return "Implementation specific error";
  case 0x84:
    return "Unsupported Protocol Version";
  case 0x85:
    return "Client Identifier not valid";
  case 0x86:
    return "Bad User Name or Password";
  case 0x87:
    return "Not authorized";
  case 0x88:
    return "Server unavailable";
  case 0x89:
    return "Server busy";
  case 0x8A:
    return "Banned";
  case 0x8B:
    return "Server shutting down";
  case 0x8C:
    return "Bad authentication method";
  case 0x8D:
    return "Keep Alive timeout";
  case 0x8E:
    return "Session taken over";
  case 0x8F:
    return "Topic Filter invalid";
  case 0x90:
    return "Topic Name invalid";
  case 0x91:
    return "Packet Identifier in use";
  case 0x92:
    return "Packet Identifier not found";
  case 0x93:
    return "Receive Maximum exceeded";
  case 0x94:
    return "Topic Alias invalid";
  case 0x95:
    return "Packet too large";
  case 0x96:
    return "Message rate too high";
  case 0x97:
    return "Quota exceeded";
  case 0x98:
    return "Administrative action";
  case 0x99:
    return "Payload format invalid";
  case 0x9A:
    return "Retain not supported";
  case 0x9B:
    return "QoS not supported";
  case 0x9C:
    return "Use another server";
  case 0x9D:
    return "Server moved";
  case 0x9E:
    return "Shared Subscriptions not supported";
  case 0x9F:
    return "Connection rate exceeded";
  case 0xA0:
    return "Maximum connect time";
  case 0xA1:
    return "Subscription Identifiers not supported";
  case 0xA2:
    return "Wildcard Subscriptions not supported";
  default:
    return "unknown reason code";
  }
}

std::string_view to_string(packet_type t) noexcept {
  switch (t) {
  case packet_type::connect:
    return "CONNECT";
  case packet_type::connack:
    return "CONNACK";
  case packet_type::publish:
    return "PUBLISH";
  case packet_type::puback:
    return "PUBACK";
  case packet_type::pubrec:
    return "PUBREC";
  case packet_type::pubrel:
    return "PUBREL";
  case packet_type::pubcomp:
    return "PUBCOMP";
  case packet_type::subscribe:
    return "SUBSCRIBE";
  case packet_type::suback:
    return "SUBACK";
  case packet_type::unsubscribe:
    return "UNSUBSCRIBE";
  case packet_type::unsuback:
    return "UNSUBACK";
  case packet_type::pingreq:
    return "PINGREQ";
  case packet_type::pingresp:
    return "PINGRESP";
  case packet_type::disconnect:
    return "DISCONNECT";
  case packet_type::auth:
    return "AUTH";
  }
  return "reserved";
}

std::string_view to_string(protocol_version v) noexcept {
  switch (v) {
  case protocol_version::v3_1:
    return "3.1";
  case protocol_version::v3_1_1:
    return "3.1.1";
  case protocol_version::v5:
    return "5.0";
  }
  return "unknown";
}

} // namespace braid::protocol
