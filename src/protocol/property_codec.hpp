#pragma once
// Internal: checking, writing and reading MQTT 5 property lists.

#include <braid/protocol/packet_type.hpp>
#include <braid/protocol/property.hpp>

#include "wire.hpp"

#include <system_error>
#include <variant>

namespace braid::protocol::detail {

/// Checks every property of `props` for a packet of `type` (or will
/// properties): known, allowed there, not repeated where forbidden, value of
/// the right type and in range. Used by the encoder and the decoder alike.
std::error_code check_properties(const properties& props, packet_type type,
                                 property_scope scope = property_scope::packet);

/// Bytes the property items take, without the length prefix.
std::size_t properties_size(const properties& props) noexcept;

/// Writes the property length then the items.
template <class Sink>
void write_properties(Sink& out, const properties& props) {
  out.variable_integer(static_cast<std::uint32_t>(properties_size(props)));
  for (const auto& p : props) {
    out.u8(static_cast<std::uint8_t>(p.id));
    switch (type_of(p.id)) {
    case property_type::byte:
      out.u8(static_cast<std::uint8_t>(std::get<std::uint32_t>(p.value)));
      break;
    case property_type::two_byte_integer:
      out.u16(static_cast<std::uint16_t>(std::get<std::uint32_t>(p.value)));
      break;
    case property_type::four_byte_integer:
      out.u32(std::get<std::uint32_t>(p.value));
      break;
    case property_type::variable_byte_integer:
      out.variable_integer(std::get<std::uint32_t>(p.value));
      break;
    case property_type::utf8_string:
      out.string(std::get<std::string>(p.value));
      break;
    case property_type::binary_data:
      out.binary(std::get<bytes>(p.value));
      break;
    case property_type::utf8_string_pair: {
      const auto& up = std::get<user_property>(p.value);
      out.string(up.key);
      out.string(up.value);
      break;
    }
    }
  }
}

/// Reads a property length and list, checking them as check_properties does.
std::error_code read_properties(wire::reader& in, packet_type type, properties& out,
                                property_scope scope = property_scope::packet);

} // namespace braid::protocol::detail
