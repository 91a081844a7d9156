#pragma once
// The value model of every MQTT control packet, one model for 3.1, 3.1.1 and
// 5.0: the protocol version is given to the encoder and decoder, and fields
// that a version lacks (properties, most reason codes) must hold their default
// there.
//
// Reason codes are MQTT 5 values in every version. 3.1/3.1.1 CONNACK return
// codes map to them (1 -> 0x84 unsupported protocol version, 2 -> 0x85 client
// identifier not valid, 3 -> 0x88 server unavailable, 4 -> 0x86 bad user name
// or password, 5 -> 0x87 not authorized) and SUBACK return codes are the same
// values (0, 1, 2, 0x80).

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/packet_type.hpp>
#include <braid/protocol/property.hpp>
#include <braid/protocol/reason_code.hpp>
#include <braid/protocol/shared_bytes.hpp>
#include <braid/protocol/version.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace braid::protocol {

/// The will message of a CONNECT.
struct will_message {
  std::string topic{};
  bytes payload{};
  enum qos qos = qos::at_most_once;
  bool retain = false;
  properties props{}; ///< will properties (MQTT 5)
  bool operator==(const will_message&) const = default;
};

struct connect {
  protocol_version version = protocol_version::v3_1_1;
  std::string client_id{};
  bool clean_start = true; ///< "clean session" before MQTT 5
  std::uint16_t keep_alive = 60;
  std::optional<will_message> will{};
  std::optional<std::string> username{};
  std::optional<bytes> password{};
  properties props{};
  bool operator==(const connect&) const = default;
};

struct connack {
  bool session_present = false;
  reason_code reason = reason_code::success;
  properties props{};
  bool operator==(const connack&) const = default;
};

/// A PUBLISH whose strings and payload are borrowed. The encoder takes this
/// form so that a caller can publish without copying (see encode_publish_header).
struct publish_view {
  std::string_view topic;
  byte_view payload;
  enum qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0; ///< required (non-zero) for QoS 1 and 2
  const properties* props = nullptr;
};

struct publish {
  std::string topic{};    ///< may be empty in MQTT 5 when a Topic Alias is set
  shared_bytes payload{}; ///< shared, not copied, when the publish is copied
  enum qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0; ///< required (non-zero) for QoS 1 and 2
  properties props{};

  publish_view view() const noexcept {
    return {topic, payload, qos, retain, dup, packet_id, &props};
  }
  bool operator==(const publish&) const = default;
};

/// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
template <packet_type Type>
struct basic_publish_response {
  static constexpr packet_type type = Type;
  std::uint16_t packet_id = 0;
  reason_code reason = reason_code::success; ///< MQTT 5 only
  properties props{};                        ///< MQTT 5 only
  bool operator==(const basic_publish_response&) const = default;
};
using puback = basic_publish_response<packet_type::puback>;
using pubrec = basic_publish_response<packet_type::pubrec>;
using pubrel = basic_publish_response<packet_type::pubrel>;
using pubcomp = basic_publish_response<packet_type::pubcomp>;

/// MQTT 5 retain handling subscription option.
enum class retain_handling : std::uint8_t {
  send_on_subscribe = 0,
  send_if_new_subscription = 1,
  do_not_send = 2,
};

struct subscription_options {
  enum qos max_qos = qos::at_most_once;
  bool no_local = false;                                                     ///< MQTT 5 only
  bool retain_as_published = false;                                          ///< MQTT 5 only
  enum retain_handling retain_handling = retain_handling::send_on_subscribe; ///< MQTT 5 only
  bool operator==(const subscription_options&) const = default;
};

struct subscription {
  std::string filter{};
  subscription_options options;
  bool operator==(const subscription&) const = default;
};

struct subscribe {
  std::uint16_t packet_id = 0;
  std::vector<subscription> subscriptions{};
  properties props{};
  bool operator==(const subscribe&) const = default;
};

struct suback {
  std::uint16_t packet_id = 0;
  std::vector<reason_code> reasons{}; ///< one per filter, in order
  properties props{};
  bool operator==(const suback&) const = default;
};

struct unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters{};
  properties props{};
  bool operator==(const unsubscribe&) const = default;
};

struct unsuback {
  std::uint16_t packet_id = 0;
  std::vector<reason_code> reasons{}; ///< one per filter in MQTT 5; empty before
  properties props{};
  bool operator==(const unsuback&) const = default;
};

struct pingreq {
  bool operator==(const pingreq&) const = default;
};
struct pingresp {
  bool operator==(const pingresp&) const = default;
};

struct disconnect {
  reason_code reason = reason_code::normal_disconnection; ///< MQTT 5 only
  properties props{};                                     ///< MQTT 5 only
  bool operator==(const disconnect&) const = default;
};

/// MQTT 5 only.
struct auth {
  reason_code reason = reason_code::success;
  properties props{};
  bool operator==(const auth&) const = default;
};

/// Any control packet; the alternative index + 1 is the packet type.
using packet = std::variant<connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe,
                            suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth>;

inline packet_type type_of(const packet& p) noexcept {
  return static_cast<packet_type>(p.index() + 1);
}

namespace detail {
template <class T, class Variant>
struct variant_index;
template <class T, class... Ts>
struct variant_index<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    // Counts the alternatives before the first T.
    (void)((std::is_same_v<T, Ts> ? false : (++i, true)) && ...);
    return i;
  }();
};
} // namespace detail

/// The packet type of a packet struct: packet_type_of<pubrel> == packet_type::pubrel.
template <class P>
inline constexpr packet_type
    packet_type_of = static_cast<packet_type>(detail::variant_index<P, packet>::value + 1);

} // namespace braid::protocol
