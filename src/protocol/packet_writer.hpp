#pragma once
// Internal: the wire layout of every packet, written through a wire sink
// (size_counter or byte_writer). Only called on packets that passed check().

#include <braid/protocol/packets.hpp>

#include "connack_code.hpp"
#include "property_codec.hpp"
#include "wire.hpp"

namespace braid::protocol::detail {

inline bool is_v5(protocol_version v) noexcept {
  return v == protocol_version::v5;
}

inline std::uint8_t flags_byte(const publish_view& p) noexcept {
  return static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (static_cast<unsigned>(p.qos) << 1) |
                                   (p.retain ? 1 : 0));
}

template <class P>
std::uint8_t first_byte(const P& p) noexcept {
  if constexpr (std::is_same_v<P, publish>) {
    return flags_byte(p.view());
  } else {
    constexpr auto type = static_cast<std::uint8_t>(packet_type_of<P>);
    // PUBREL, SUBSCRIBE and UNSUBSCRIBE carry flags 0b0010 (spec 2.1.3).
    constexpr bool flagged = type == 6 || type == 8 || type == 10;
    return static_cast<std::uint8_t>((type << 4) | (flagged ? 0x02 : 0x00));
  }
}

template <class S>
void write_body(S& out, const connect& p, protocol_version) {
  const auto v = p.version;
  out.string(v == protocol_version::v3_1 ? "MQIsdp" : "MQTT");
  out.u8(static_cast<std::uint8_t>(v));
  std::uint8_t flags = p.clean_start ? 0x02 : 0x00;
  if (p.will) {
    flags = static_cast<std::uint8_t>(flags | 0x04 | (static_cast<unsigned>(p.will->qos) << 3) |
                                      (p.will->retain ? 0x20 : 0));
  }
  if (p.password) {
    flags |= 0x40;
  }
  if (p.username) {
    flags |= 0x80;
  }
  out.u8(flags);
  out.u16(p.keep_alive);
  if (is_v5(v)) {
    write_properties(out, p.props);
  }
  out.string(p.client_id);
  if (p.will) {
    if (is_v5(v)) {
      write_properties(out, p.will->props);
    }
    out.string(p.will->topic);
    out.binary(p.will->payload);
  }
  if (p.username) {
    out.string(*p.username);
  }
  if (p.password) {
    out.binary(*p.password);
  }
}

template <class S>
void write_body(S& out, const connack& p, protocol_version v) {
  out.u8(p.session_present ? 1 : 0);
  if (is_v5(v)) {
    out.u8(static_cast<std::uint8_t>(p.reason));
    write_properties(out, p.props);
  } else {
    out.u8(connack_reason_to_v3(p.reason).value_or(0));
  }
}

/// Everything of a PUBLISH body but the payload.
template <class S>
void write_publish_header_body(S& out, const publish_view& p, protocol_version v) {
  out.string(p.topic);
  if (p.qos != qos::at_most_once) {
    out.u16(p.packet_id);
  }
  if (is_v5(v)) {
    if (p.props != nullptr) {
      write_properties(out, *p.props);
    } else {
      out.u8(0);
    }
  }
}

template <class S>
void write_body(S& out, const publish& p, protocol_version v) {
  write_publish_header_body(out, p.view(), v);
  out.raw(p.payload);
}

/// Acks, DISCONNECT and AUTH leave out a success reason code and empty
/// properties (5.0 3.4.2.1, 3.14.2.1, 3.15.2.1).
template <class S>
void write_reason_and_properties(S& out, reason_code rc, const properties& props,
                                 protocol_version v) {
  if (!is_v5(v) || (rc == reason_code::success && props.empty())) {
    return;
  }
  out.u8(static_cast<std::uint8_t>(rc));
  if (!props.empty()) {
    write_properties(out, props);
  }
}

template <class S, packet_type T>
void write_body(S& out, const basic_publish_response<T>& p, protocol_version v) {
  out.u16(p.packet_id);
  write_reason_and_properties(out, p.reason, p.props, v);
}

/// The variable header of SUBSCRIBE, SUBACK, UNSUBSCRIBE: packet id, then
/// properties in MQTT 5.
template <class S>
void write_id_and_properties(S& out, std::uint16_t id, const properties& props,
                             protocol_version v) {
  out.u16(id);
  if (is_v5(v)) {
    write_properties(out, props);
  }
}

template <class S>
void write_body(S& out, const subscribe& p, protocol_version v) {
  write_id_and_properties(out, p.packet_id, p.props, v);
  for (const auto& s : p.subscriptions) {
    out.string(s.filter);
    const auto& o = s.options;
    out.u8(static_cast<std::uint8_t>(static_cast<unsigned>(o.max_qos) | (o.no_local ? 0x04 : 0) |
                                     (o.retain_as_published ? 0x08 : 0) |
                                     (static_cast<unsigned>(o.retain_handling) << 4)));
  }
}

template <class S>
void write_body(S& out, const suback& p, protocol_version v) {
  write_id_and_properties(out, p.packet_id, p.props, v);
  for (auto rc : p.reasons) {
    out.u8(static_cast<std::uint8_t>(rc));
  }
}

template <class S>
void write_body(S& out, const unsubscribe& p, protocol_version v) {
  write_id_and_properties(out, p.packet_id, p.props, v);
  for (const auto& f : p.filters) {
    out.string(f);
  }
}

template <class S>
void write_body(S& out, const unsuback& p, protocol_version v) {
  out.u16(p.packet_id);
  if (is_v5(v)) {
    write_properties(out, p.props);
    for (auto rc : p.reasons) {
      out.u8(static_cast<std::uint8_t>(rc));
    }
  }
}

template <class S>
void write_body(S&, const pingreq&, protocol_version) {
}

template <class S>
void write_body(S&, const pingresp&, protocol_version) {
}

template <class S>
void write_body(S& out, const disconnect& p, protocol_version v) {
  write_reason_and_properties(out, p.reason, p.props, v);
}

template <class S>
void write_body(S& out, const auth& p, protocol_version v) {
  write_reason_and_properties(out, p.reason, p.props, v);
}

} // namespace braid::protocol::detail
