#include <braid/protocol/property.hpp>

#include <array>

namespace braid::protocol {
namespace {

constexpr std::uint32_t bit(packet_type t) noexcept {
  return std::uint32_t{1} << static_cast<unsigned>(t);
}
constexpr std::uint32_t will_bit = 1; // packet type 0 is reserved: bit 0 marks will properties

struct property_info {
  std::string_view name;
  property_type type = property_type::byte;
  std::uint32_t allowed = 0; // bit per packet type, bit 0 = will properties
};

using enum packet_type;
constexpr std::uint32_t all_acks =
    bit(puback) | bit(pubrec) | bit(pubrel) | bit(pubcomp) | bit(suback) | bit(unsuback);

// MQTT 5.0 section 2.2.2.2, table 2-4.
constexpr std::array<property_info, 0x2B> table = [] {
  std::array<property_info, 0x2B> t{};
  auto set = [&t](int id, std::string_view name, property_type type, std::uint32_t allowed) {
    t[static_cast<std::size_t>(id)] = {name, type, allowed};
  };
  using pt = property_type;
  set(0x01, "Payload Format Indicator", pt::byte, bit(publish) | will_bit);
  set(0x02, "Message Expiry Interval", pt::four_byte_integer, bit(publish) | will_bit);
  set(0x03, "Content Type", pt::utf8_string, bit(publish) | will_bit);
  set(0x08, "Response Topic", pt::utf8_string, bit(publish) | will_bit);
  set(0x09, "Correlation Data", pt::binary_data, bit(publish) | will_bit);
  set(0x0B, "Subscription Identifier", pt::variable_byte_integer, bit(publish) | bit(subscribe));
  set(0x11, "Session Expiry Interval", pt::four_byte_integer,
      bit(connect) | bit(connack) | bit(disconnect));
  set(0x12, "Assigned Client Identifier", pt::utf8_string, bit(connack));
  set(0x13, "Server Keep Alive", pt::two_byte_integer, bit(connack));
  set(0x15, "Authentication Method", pt::utf8_string, bit(connect) | bit(connack) | bit(auth));
  set(0x16, "Authentication Data", pt::binary_data, bit(connect) | bit(connack) | bit(auth));
  set(0x17, "Request Problem Information", pt::byte, bit(connect));
  set(0x18, "Will Delay Interval", pt::four_byte_integer, will_bit);
  set(0x19, "Request Response Information", pt::byte, bit(connect));
  set(0x1A, "Response Information", pt::utf8_string, bit(connack));
  set(0x1C, "Server Reference", pt::utf8_string, bit(connack) | bit(disconnect));
  set(0x1F, "Reason String", pt::utf8_string,
      bit(connack) | all_acks | bit(disconnect) | bit(auth));
  set(0x21, "Receive Maximum", pt::two_byte_integer, bit(connect) | bit(connack));
  set(0x22, "Topic Alias Maximum", pt::two_byte_integer, bit(connect) | bit(connack));
  set(0x23, "Topic Alias", pt::two_byte_integer, bit(publish));
  set(0x24, "Maximum QoS", pt::byte, bit(connack));
  set(0x25, "Retain Available", pt::byte, bit(connack));
  set(0x26, "User Property", pt::utf8_string_pair,
      bit(connect) | bit(connack) | bit(publish) | will_bit | all_acks | bit(subscribe) |
          bit(unsubscribe) | bit(disconnect) | bit(auth));
  set(0x27, "Maximum Packet Size", pt::four_byte_integer, bit(connect) | bit(connack));
  set(0x28, "Wildcard Subscription Available", pt::byte, bit(connack));
  set(0x29, "Subscription Identifier Available", pt::byte, bit(connack));
  set(0x2A, "Shared Subscription Available", pt::byte, bit(connack));
  return t;
}();

const property_info& info(property_id id) noexcept {
  return table[static_cast<std::size_t>(id)];
}

} // namespace

bool is_known_property(std::uint8_t id) noexcept {
  return id < table.size() && !table[id].name.empty();
}

property_type type_of(property_id id) noexcept {
  return info(id).type;
}

bool is_allowed(property_id id, packet_type type, property_scope scope) noexcept {
  if (!is_known_property(static_cast<std::uint8_t>(id))) {
    return false;
  }
  auto mask = scope == property_scope::will ? will_bit : bit(type);
  return (info(id).allowed & mask) != 0;
}

bool may_repeat(property_id id, packet_type type) noexcept {
  return id == property_id::user_property ||
         (id == property_id::subscription_identifier && type == packet_type::publish);
}

std::string_view to_string(property_id id) noexcept {
  return is_known_property(static_cast<std::uint8_t>(id)) ? info(id).name : "unknown property";
}

properties& properties::add(property_id id, std::uint32_t value) {
  items_.push_back({id, value});
  return *this;
}

properties& properties::add(property_id id, std::string value) {
  items_.push_back({id, std::move(value)});
  return *this;
}

properties& properties::add(property_id id, bytes value) {
  items_.push_back({id, std::move(value)});
  return *this;
}

properties& properties::add_user_property(std::string key, std::string value) {
  items_.push_back({property_id::user_property, user_property{std::move(key), std::move(value)}});
  return *this;
}

std::optional<std::uint32_t> properties::integer(property_id id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* v = std::get_if<std::uint32_t>(&p.value)) {
        return *v;
      }
    }
  }
  return std::nullopt;
}

const std::string* properties::string(property_id id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* v = std::get_if<std::string>(&p.value)) {
        return v;
      }
    }
  }
  return nullptr;
}

const bytes* properties::binary(property_id id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      if (const auto* v = std::get_if<bytes>(&p.value)) {
        return v;
      }
    }
  }
  return nullptr;
}

std::vector<user_property> properties::user_properties() const {
  std::vector<user_property> out;
  for (const auto& p : items_) {
    if (const auto* v = std::get_if<user_property>(&p.value)) {
      out.push_back(*v);
    }
  }
  return out;
}

std::vector<std::uint32_t> properties::subscription_identifiers() const {
  std::vector<std::uint32_t> out;
  for (const auto& p : items_) {
    if (p.id == property_id::subscription_identifier) {
      if (const auto* v = std::get_if<std::uint32_t>(&p.value)) {
        out.push_back(*v);
      }
    }
  }
  return out;
}

bool properties::contains(property_id id) const noexcept {
  for (const auto& p : items_) {
    if (p.id == id) {
      return true;
    }
  }
  return false;
}

} // namespace braid::protocol
