// decode_packet: one complete packet body to the value model, with every rule
// of the spec that can be checked without session state.

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/topic.hpp>
#include <braid/protocol/utf8.hpp>

#include "connack_code.hpp"
#include "fixed_header.hpp"
#include "packet_checks.hpp"
#include "property_codec.hpp"
#include "wire.hpp"

#include <array>
#include <utility>
#include <variant>

namespace braid::protocol {
namespace {

using detail::is_v3_suback_code;
using detail::read_properties;
using wire::reader;

bool is_v5(protocol_version v) noexcept {
  return v == protocol_version::v5;
}

// Reads a string field and applies `validate` to it; on failure the reader is
// left at the start of the field so the error offset names it.
template <class Validate>
std::error_code read_string(reader& in, std::string& out, Validate validate) {
  auto start = in.offset();
  std::string_view s;
  if (auto ec = in.string_view_field(s)) {
    return ec;
  }
  if (auto ec = validate(s)) {
    in.rewind_to(start);
    return ec;
  }
  out.assign(s);
  return {};
}

std::error_code read_utf8(reader& in, std::string& out) {
  return read_string(in, out, validate_utf8_string);
}

std::error_code read_binary(reader& in, bytes& out) {
  byte_view v;
  if (auto ec = in.length_prefixed(v)) {
    return ec;
  }
  out.assign(v.begin(), v.end());
  return {};
}

std::error_code read_packet_id(reader& in, std::uint16_t& id) {
  if (auto ec = in.u16(id)) {
    return ec;
  }
  if (id == 0) {
    in.rewind_to(in.offset() - 2);
    return errc::packet_id_zero;
  }
  return {};
}

// Packet id, then properties in MQTT 5: SUBSCRIBE, SUBACK, UNSUBSCRIBE.
std::error_code read_id_and_properties(reader& in, packet_type type, protocol_version v,
                                       std::uint16_t& id, properties& props) {
  if (auto ec = read_packet_id(in, id)) {
    return ec;
  }
  return is_v5(v) ? read_properties(in, type, props) : std::error_code{};
}

std::error_code expect_end(const reader& in) {
  return in.at_end() ? std::error_code{} : make_error_code(errc::trailing_bytes);
}

// Reads a reason code byte allowed in `type`, moving back onto it if not.
std::error_code read_reason(reader& in, packet_type type, reason_code& rc) {
  std::uint8_t raw = 0;
  if (auto ec = in.u8(raw)) {
    return ec;
  }
  rc = static_cast<reason_code>(raw);
  if (!is_allowed(type, rc)) {
    in.rewind_to(in.offset() - 1);
    return errc::reason_code_not_allowed;
  }
  return {};
}

std::error_code parse(reader& in, std::uint8_t, protocol_version, connect& p) {
  auto name_start = in.offset();
  std::string_view name;
  if (auto ec = in.string_view_field(name)) {
    return ec;
  }
  std::uint8_t level = 0;
  if (auto ec = in.u8(level)) {
    return ec;
  }
  if (level < 3 || level > 5) {
    in.rewind_to(in.offset() - 1);
    return errc::unsupported_protocol_version;
  }
  if (name != (level == 3 ? "MQIsdp" : "MQTT")) {
    in.rewind_to(name_start);
    return errc::protocol_name_mismatch;
  }
  p.version = static_cast<protocol_version>(level);
  const auto v = p.version;
  std::uint8_t flags = 0;
  if (auto ec = in.u8(flags)) {
    return ec;
  }
  const bool will = (flags & 0x04) != 0;
  const auto will_qos = static_cast<std::uint8_t>((flags >> 3) & 0x03);
  const bool will_retain = (flags & 0x20) != 0;
  const bool has_password = (flags & 0x40) != 0;
  const bool has_username = (flags & 0x80) != 0;
  std::error_code flag_error;
  if ((flags & 0x01) != 0) {
    flag_error = errc::invalid_connect_flags;
  } else if ((!will && (will_qos != 0 || will_retain)) || will_qos == 3) {
    flag_error = errc::invalid_will_flags;
  } else if (has_password && !has_username && !is_v5(v)) {
    flag_error = errc::password_without_username;
  }
  if (flag_error) {
    in.rewind_to(in.offset() - 1);
    return flag_error;
  }
  p.clean_start = (flags & 0x02) != 0;
  if (auto ec = in.u16(p.keep_alive)) {
    return ec;
  }
  if (is_v5(v)) {
    if (auto ec = read_properties(in, packet_type::connect, p.props)) {
      return ec;
    }
  }
  if (auto ec = read_utf8(in, p.client_id)) {
    return ec;
  }
  if (will) {
    auto& w = p.will.emplace();
    w.qos = static_cast<qos>(will_qos);
    w.retain = will_retain;
    if (is_v5(v)) {
      if (auto ec = read_properties(in, packet_type::connect, w.props, property_scope::will)) {
        return ec;
      }
    }
    if (auto ec = read_string(in, w.topic, validate_topic_name)) {
      return ec;
    }
    if (auto ec = read_binary(in, w.payload)) {
      return ec;
    }
  }
  if (has_username) {
    if (auto ec = read_utf8(in, p.username.emplace())) {
      return ec;
    }
  }
  if (has_password) {
    if (auto ec = read_binary(in, p.password.emplace())) {
      return ec;
    }
  }
  return expect_end(in);
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, connack& p) {
  std::uint8_t flags = 0;
  if (auto ec = in.u8(flags)) {
    return ec;
  }
  // 3.1 has a reserved byte here; 3.1.1 and 5.0 the session present bit.
  if (v != protocol_version::v3_1) {
    if ((flags & 0xFE) != 0) {
      in.rewind_to(0);
      return errc::invalid_connack_flags;
    }
    p.session_present = (flags & 0x01) != 0;
  }
  if (is_v5(v)) {
    if (auto ec = read_reason(in, packet_type::connack, p.reason)) {
      return ec;
    }
  } else {
    std::uint8_t code = 0;
    if (auto ec = in.u8(code)) {
      return ec;
    }
    auto rc = detail::connack_reason_from_v3(code);
    if (!rc) {
      in.rewind_to(1);
      return errc::reason_code_not_allowed;
    }
    p.reason = *rc;
  }
  if (p.session_present && p.reason != reason_code::success) {
    in.rewind_to(0);
    return errc::invalid_connack_flags;
  }
  if (is_v5(v)) {
    if (auto ec = read_properties(in, packet_type::connack, p.props)) {
      return ec;
    }
  }
  return expect_end(in);
}

// `owner`, when given, keeps the body alive: a large payload then shares it.
std::error_code parse(reader& in, std::uint8_t first, protocol_version v, publish& p,
                      const std::shared_ptr<const void>* owner = nullptr) {
  p.dup = (first & 0x08) != 0;
  p.qos = static_cast<qos>((first >> 1) & 0x03);
  p.retain = (first & 0x01) != 0;
  std::string_view topic;
  if (auto ec = in.string_view_field(topic)) {
    return ec;
  }
  if (p.qos != qos::at_most_once) {
    if (auto ec = read_packet_id(in, p.packet_id)) {
      return ec;
    }
  }
  if (is_v5(v)) {
    if (auto ec = read_properties(in, packet_type::publish, p.props)) {
      return ec;
    }
  }
  // An empty topic is valid in MQTT 5 when a Topic Alias stands for it.
  if (!(topic.empty() && is_v5(v) && p.props.contains(property_id::topic_alias))) {
    if (auto ec = validate_topic_name(topic)) {
      in.rewind_to(0);
      return ec;
    }
  }
  p.topic.assign(topic);
  auto payload = in.rest();
  p.payload = owner != nullptr ? shared_bytes(*owner, payload) : shared_bytes::copy(payload);
  return {};
}

template <packet_type T>
std::error_code parse(reader& in, std::uint8_t, protocol_version v, basic_publish_response<T>& p) {
  if (auto ec = read_packet_id(in, p.packet_id)) {
    return ec;
  }
  // MQTT 5 may leave out the reason code and properties (3.4.2.1).
  if (is_v5(v) && !in.at_end()) {
    if (auto ec = read_reason(in, T, p.reason)) {
      return ec;
    }
    if (!in.at_end()) {
      if (auto ec = read_properties(in, T, p.props)) {
        return ec;
      }
    }
  }
  return expect_end(in);
}

std::error_code read_subscription(reader& in, protocol_version v, subscription& s) {
  if (auto ec = read_string(in, s.filter, validate_topic_filter)) {
    return ec;
  }
  std::uint8_t o = 0;
  if (auto ec = in.u8(o)) {
    return ec;
  }
  s.options.max_qos = static_cast<qos>(o & 0x03);
  s.options.no_local = (o & 0x04) != 0;
  s.options.retain_as_published = (o & 0x08) != 0;
  s.options.retain_handling = static_cast<retain_handling>((o >> 4) & 0x03);
  std::error_code ec;
  if ((o & 0x03) == 3) {
    ec = errc::invalid_qos;
  } else if ((o & (is_v5(v) ? 0xC0 : 0xFC)) != 0) {
    ec = errc::invalid_subscription_options; // reserved bits
  } else {
    ec = detail::check_options(s, v);
  }
  if (ec) {
    in.rewind_to(in.offset() - 1);
  }
  return ec;
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, subscribe& p) {
  if (auto ec = read_id_and_properties(in, packet_type::subscribe, v, p.packet_id, p.props)) {
    return ec;
  }
  if (in.at_end()) {
    return errc::no_topic_filters;
  }
  while (!in.at_end()) {
    if (auto ec = read_subscription(in, v, p.subscriptions.emplace_back())) {
      return ec;
    }
  }
  return {};
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, suback& p) {
  if (auto ec = read_id_and_properties(in, packet_type::suback, v, p.packet_id, p.props)) {
    return ec;
  }
  while (!in.at_end()) {
    std::uint8_t raw = 0;
    (void)in.u8(raw);
    auto rc = static_cast<reason_code>(raw);
    if (is_v5(v) ? !is_allowed(packet_type::suback, rc) : !is_v3_suback_code(rc)) {
      in.rewind_to(in.offset() - 1);
      return errc::reason_code_not_allowed;
    }
    p.reasons.push_back(rc);
  }
  return {};
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, unsubscribe& p) {
  if (auto ec = read_id_and_properties(in, packet_type::unsubscribe, v, p.packet_id, p.props)) {
    return ec;
  }
  if (in.at_end()) {
    return errc::no_topic_filters;
  }
  while (!in.at_end()) {
    if (auto ec = read_string(in, p.filters.emplace_back(), validate_topic_filter)) {
      return ec;
    }
  }
  return {};
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, unsuback& p) {
  if (auto ec = read_packet_id(in, p.packet_id)) {
    return ec;
  }
  if (is_v5(v)) {
    if (auto ec = read_properties(in, packet_type::unsuback, p.props)) {
      return ec;
    }
    while (!in.at_end()) {
      if (auto ec = read_reason(in, packet_type::unsuback, p.reasons.emplace_back())) {
        return ec;
      }
    }
  }
  return expect_end(in);
}

std::error_code parse(reader& in, std::uint8_t, protocol_version, pingreq&) {
  return expect_end(in);
}

std::error_code parse(reader& in, std::uint8_t, protocol_version, pingresp&) {
  return expect_end(in);
}

// DISCONNECT and AUTH: an empty body means success (5.0 3.14.2.1, 3.15.2.1).
std::error_code parse_reason_and_properties(reader& in, packet_type type, protocol_version v,
                                            reason_code& rc, properties& props) {
  if (is_v5(v) && !in.at_end()) {
    if (auto ec = read_reason(in, type, rc)) {
      return ec;
    }
    if (!in.at_end()) {
      if (auto ec = read_properties(in, type, props)) {
        return ec;
      }
    }
  }
  return expect_end(in);
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, disconnect& p) {
  return parse_reason_and_properties(in, packet_type::disconnect, v, p.reason, p.props);
}

std::error_code parse(reader& in, std::uint8_t, protocol_version v, auth& p) {
  return parse_reason_and_properties(in, packet_type::auth, v, p.reason, p.props);
}

template <std::size_t I>
std::error_code parse_as(reader& in, std::uint8_t first, protocol_version v, packet& out) {
  return parse(in, first, v, out.emplace<I>());
}

using parse_fn = std::error_code (*)(reader&, std::uint8_t, protocol_version, packet&);

template <std::size_t... I>
constexpr std::array<parse_fn, sizeof...(I)> make_parsers(std::index_sequence<I...>) {
  return {&parse_as<I>...};
}

constexpr auto parsers = make_parsers(std::make_index_sequence<std::variant_size_v<packet>>{});

} // namespace

std::error_code check_fixed_header(std::uint8_t first, protocol_version v) noexcept {
  const auto type = static_cast<unsigned>(first >> 4);
  const auto flags = static_cast<unsigned>(first & 0x0F);
  if (type == 0 || (type == 15 && !is_v5(v))) {
    return errc::invalid_packet_type;
  }
  if (type == static_cast<unsigned>(packet_type::publish)) {
    if ((flags & 0x06) == 0x06) {
      return errc::invalid_qos;
    }
    if ((flags & 0x08) != 0 && (flags & 0x06) == 0) {
      return errc::dup_on_qos0;
    }
    return {};
  }
  const bool flagged = type == 6 || type == 8 || type == 10; // PUBREL, SUBSCRIBE, UNSUBSCRIBE
  // MQTT 3.1 sets DUP on these when it sends them again (3.1 section 2.1).
  const unsigned dup = flagged && v == protocol_version::v3_1 ? 0x08U : 0x00U;
  if ((flags & ~dup) != (flagged ? 0x02U : 0x00U)) {
    return errc::invalid_fixed_header_flags;
  }
  return {};
}

std::error_code decode_packet(std::uint8_t first_byte, byte_view body, protocol_version version,
                              packet& out, std::size_t* error_offset,
                              const std::shared_ptr<const void>& body_owner) {
  if (auto ec = check_fixed_header(first_byte, version)) {
    if (error_offset != nullptr) {
      *error_offset = 0;
    }
    return ec;
  }
  reader in{body};
  const auto type = static_cast<std::size_t>(first_byte >> 4);
  auto ec = type == static_cast<std::size_t>(packet_type::publish) && body_owner
                ? parse(in, first_byte, version, out.emplace<publish>(), &body_owner)
                : parsers[type - 1](in, first_byte, version, out);
  if (ec && error_offset != nullptr) {
    *error_offset = in.offset();
  }
  return ec;
}

} // namespace braid::protocol
