#pragma once
// MQTT 5 properties (spec 2.2.2): identifiers, value types, and the ordered
// property list carried by packets. 3.1 and 3.1.1 packets have none.

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/packet_type.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace braid::protocol {

enum class property_id : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

/// The wire type of a property's value (spec 1.5).
enum class property_type : std::uint8_t {
  byte,
  two_byte_integer,
  four_byte_integer,
  variable_byte_integer,
  utf8_string,
  binary_data,
  utf8_string_pair,
};

/// Where a property may appear: a packet, or the will properties of CONNECT.
enum class property_scope : std::uint8_t {
  packet,
  will,
};

/// True for the identifiers MQTT 5 defines.
bool is_known_property(std::uint8_t id) noexcept;

/// The value type of a known property.
property_type type_of(property_id id) noexcept;

/// True when the property may appear in `type` (or in will properties when
/// `scope` is will; `type` is then ignored).
bool is_allowed(property_id id, packet_type type,
                property_scope scope = property_scope::packet) noexcept;

/// True when the property may appear more than once in one packet (User
/// Property anywhere; Subscription Identifier in a PUBLISH).
bool may_repeat(property_id id, packet_type type) noexcept;

/// "Message Expiry Interval", ...
std::string_view to_string(property_id id) noexcept;

struct user_property {
  std::string key{};
  std::string value{};
  bool operator==(const user_property&) const = default;
};

/// One property: integers of every width are held as uint32_t.
struct property {
  property_id id{};
  std::variant<std::uint32_t, std::string, bytes, user_property> value{};
  bool operator==(const property&) const = default;
};

/// An ordered list of properties, as they appear on the wire. Adding does not
/// validate: the encoder checks types, ranges, duplicates and where each
/// property is allowed, and reports what is wrong.
class properties {
public:
  using const_iterator = std::vector<property>::const_iterator;

  properties() = default;

  properties& add(property_id id, std::uint32_t value);
  properties& add(property_id id, std::string value);
  properties& add(property_id id, bytes value);
  properties& add_user_property(std::string key, std::string value);
  void push_back(property p) { items_.push_back(std::move(p)); }

  /// First integer value of `id`, if present.
  std::optional<std::uint32_t> integer(property_id id) const noexcept;
  /// First string value of `id`, or nullptr.
  const std::string* string(property_id id) const noexcept;
  /// First binary value of `id`, or nullptr.
  const bytes* binary(property_id id) const noexcept;
  /// Every user property, in order.
  std::vector<user_property> user_properties() const;
  /// Every subscription identifier, in order.
  std::vector<std::uint32_t> subscription_identifiers() const;

  bool contains(property_id id) const noexcept;
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  void clear() noexcept { items_.clear(); }

  bool operator==(const properties&) const = default;

private:
  std::vector<property> items_{};
};

/// The MQTT 5 wire form of `props` (length, then the items) as in a packet of
/// `type`, checked as the encoder checks it. For keeping properties outside a
/// packet (the durable store).
std::error_code encode_properties(const properties& props, packet_type type, bytes& out);
/// Reads what encode_properties wrote, checked as the decoder checks it; an
/// error when the bytes are not exactly one property list.
std::error_code decode_properties(byte_view in, packet_type type, properties& out);

} // namespace braid::protocol
