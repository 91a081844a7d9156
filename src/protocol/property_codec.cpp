#include "property_codec.hpp"

#include <braid/protocol/topic.hpp>
#include <braid/protocol/utf8.hpp>

#include <cstdint>

namespace braid::protocol::detail {
namespace {

constexpr std::uint32_t max_value(property_type t) noexcept {
  switch (t) {
  case property_type::byte:
    return 0xFF;
  case property_type::two_byte_integer:
    return 0xFFFF;
  case property_type::variable_byte_integer:
    return wire::max_variable_integer;
  default:
    return 0xFFFF'FFFF;
  }
}

// Value ranges the spec sets beyond the wire type (a value outside is a
// protocol error, 5.0 section 3.1.2.11 and 3.2.2.3).
bool integer_in_range(property_id id, std::uint32_t v) noexcept {
  switch (id) {
  case property_id::payload_format_indicator:
  case property_id::request_problem_information:
  case property_id::request_response_information:
  case property_id::maximum_qos:
  case property_id::retain_available:
  case property_id::wildcard_subscription_available:
  case property_id::subscription_identifier_available:
  case property_id::shared_subscription_available:
    return v <= 1;
  case property_id::receive_maximum:
  case property_id::maximum_packet_size:
  case property_id::topic_alias:
  case property_id::subscription_identifier:
    return v != 0;
  default:
    return true;
  }
}

std::error_code check_value(const property& p) noexcept {
  auto type = type_of(p.id);
  switch (type) {
  case property_type::byte:
  case property_type::two_byte_integer:
  case property_type::four_byte_integer:
  case property_type::variable_byte_integer: {
    const auto* v = std::get_if<std::uint32_t>(&p.value);
    if (v == nullptr) {
      return errc::property_type_mismatch;
    }
    if (*v > max_value(type) || !integer_in_range(p.id, *v)) {
      return errc::invalid_property_value;
    }
    return {};
  }
  case property_type::utf8_string: {
    const auto* v = std::get_if<std::string>(&p.value);
    if (v == nullptr) {
      return errc::property_type_mismatch;
    }
    // A Response Topic is a topic name: no wildcards (5.0 3.3.2-14).
    return p.id == property_id::response_topic ? validate_topic_name(*v) : validate_utf8_string(*v);
  }
  case property_type::binary_data: {
    const auto* v = std::get_if<bytes>(&p.value);
    if (v == nullptr) {
      return errc::property_type_mismatch;
    }
    return v->size() > 0xFFFF ? make_error_code(errc::string_too_long) : std::error_code{};
  }
  case property_type::utf8_string_pair: {
    const auto* v = std::get_if<user_property>(&p.value);
    if (v == nullptr) {
      return errc::property_type_mismatch;
    }
    if (auto ec = validate_utf8_string(v->key)) {
      return ec;
    }
    return validate_utf8_string(v->value);
  }
  }
  return errc::unknown_property;
}

// Identity and placement checks shared by encoder and decoder. `seen` holds a
// bit per property identifier already met in this list.
std::error_code check_placement(const property& p, packet_type type, property_scope scope,
                                std::uint64_t& seen) noexcept {
  auto raw = static_cast<std::uint8_t>(p.id);
  if (!is_known_property(raw)) {
    return errc::unknown_property;
  }
  if (!is_allowed(p.id, type, scope)) {
    return errc::property_not_allowed;
  }
  auto mask = std::uint64_t{1} << raw;
  auto context = scope == property_scope::will ? packet_type::connect : type;
  if ((seen & mask) != 0 && !may_repeat(p.id, context)) {
    return errc::property_duplicated;
  }
  seen |= mask;
  return {};
}

std::error_code read_value(wire::reader& in, property& p) {
  std::error_code ec;
  switch (type_of(p.id)) {
  case property_type::byte: {
    std::uint8_t v = 0;
    ec = in.u8(v);
    p.value = std::uint32_t{v};
    break;
  }
  case property_type::two_byte_integer: {
    std::uint16_t v = 0;
    ec = in.u16(v);
    p.value = std::uint32_t{v};
    break;
  }
  case property_type::four_byte_integer: {
    std::uint32_t v = 0;
    ec = in.u32(v);
    p.value = v;
    break;
  }
  case property_type::variable_byte_integer: {
    std::uint32_t v = 0;
    ec = in.variable_integer(v);
    p.value = v;
    break;
  }
  case property_type::utf8_string: {
    std::string_view v;
    ec = in.string_view_field(v);
    p.value = std::string{v};
    break;
  }
  case property_type::binary_data: {
    byte_view v;
    ec = in.length_prefixed(v);
    p.value = bytes{v.begin(), v.end()};
    break;
  }
  case property_type::utf8_string_pair: {
    std::string_view k;
    std::string_view v;
    ec = in.string_view_field(k);
    if (!ec) {
      ec = in.string_view_field(v);
    }
    p.value = user_property{std::string{k}, std::string{v}};
    break;
  }
  }
  return ec;
}

// Reads one property; on error `in` is left at the offending field.
std::error_code read_property(wire::reader& in, packet_type type, property_scope scope,
                              std::uint64_t& seen, properties& out) {
  auto start = in.offset();
  std::uint32_t raw_id = 0;
  if (auto ec = in.variable_integer(raw_id)) {
    return ec;
  }
  if (raw_id > 0xFF || !is_known_property(static_cast<std::uint8_t>(raw_id))) {
    in.rewind_to(start);
    return errc::unknown_property;
  }
  property p{static_cast<property_id>(raw_id), std::uint32_t{0}};
  if (auto ec = check_placement(p, type, scope, seen)) {
    in.rewind_to(start);
    return ec;
  }
  auto value_start = in.offset();
  if (auto ec = read_value(in, p)) {
    return ec;
  }
  if (auto ec = check_value(p)) {
    in.rewind_to(value_start);
    return ec;
  }
  out.push_back(std::move(p));
  return {};
}

} // namespace

std::error_code check_properties(const properties& props, packet_type type, property_scope scope) {
  std::uint64_t seen = 0;
  for (const auto& p : props) {
    if (auto ec = check_placement(p, type, scope, seen)) {
      return ec;
    }
    if (auto ec = check_value(p)) {
      return ec;
    }
  }
  if (properties_size(props) > wire::max_variable_integer) {
    return errc::packet_too_large;
  }
  return {};
}

std::size_t properties_size(const properties& props) noexcept {
  wire::size_counter counter;
  for (const auto& p : props) {
    counter.u8(0);
    switch (type_of(p.id)) {
    case property_type::byte:
      counter.u8(0);
      break;
    case property_type::two_byte_integer:
      counter.u16(0);
      break;
    case property_type::four_byte_integer:
      counter.u32(0);
      break;
    case property_type::variable_byte_integer: {
      const auto* v = std::get_if<std::uint32_t>(&p.value);
      counter.variable_integer(v != nullptr ? *v : 0);
      break;
    }
    case property_type::utf8_string: {
      const auto* v = std::get_if<std::string>(&p.value);
      counter.string(v != nullptr ? std::string_view{*v} : std::string_view{});
      break;
    }
    case property_type::binary_data: {
      const auto* v = std::get_if<bytes>(&p.value);
      counter.binary(v != nullptr ? byte_view{*v} : byte_view{});
      break;
    }
    case property_type::utf8_string_pair: {
      const auto* v = std::get_if<user_property>(&p.value);
      if (v != nullptr) {
        counter.string(v->key);
        counter.string(v->value);
      }
      break;
    }
    }
  }
  return counter.size();
}

std::error_code read_properties(wire::reader& in, packet_type type, properties& out,
                                property_scope scope) {
  std::uint32_t length = 0;
  if (auto ec = in.variable_integer(length)) {
    return ec;
  }
  auto base = in.offset();
  byte_view block_bytes;
  if (auto ec = in.raw(length, block_bytes)) {
    in.rewind_to(base - wire::variable_integer_size(length)); // at the property length
    return ec;
  }
  // Values are read from the property block alone: one running past the
  // property length is truncated even when the packet has more bytes.
  wire::reader block{block_bytes};
  std::uint64_t seen = 0;
  while (!block.at_end()) {
    auto start = block.offset();
    auto ec = read_property(block, type, scope, seen, out);
    if (ec) {
      in.rewind_to(base + (ec == errc::truncated ? start : block.offset()));
      return ec;
    }
  }
  return {};
}

} // namespace braid::protocol::detail

namespace braid::protocol {

std::error_code encode_properties(const properties& props, packet_type type, bytes& out) {
  if (auto ec = detail::check_properties(props, type)) {
    return ec;
  }
  wire::size_counter counter;
  detail::write_properties(counter, props);
  out.resize(counter.size());
  wire::byte_writer writer(out.data());
  detail::write_properties(writer, props);
  return {};
}

std::error_code decode_properties(byte_view in, packet_type type, properties& out) {
  out.clear();
  wire::reader reader{in};
  if (auto ec = detail::read_properties(reader, type, out)) {
    return ec;
  }
  return reader.at_end() ? std::error_code{} : make_error_code(errc::trailing_bytes);
}

} // namespace braid::protocol
