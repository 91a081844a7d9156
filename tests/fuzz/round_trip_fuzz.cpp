// libFuzzer target: encode -> decode round trip of packets built from the fuzz
// input. The bytes choose a packet type, a protocol version and every field:
// strings (mostly from a small alphabet of topic-ish pieces, sometimes raw
// bytes), payloads, reason codes, subscription options and MQTT 5 properties
// (mostly of the right type and range, sometimes not).
//
// Checked: whenever the encoder accepts a packet, every encoder entry point
// writes the same bytes, the fixed header is well formed, and decode_packet
// accepts the bytes and gives back an equal packet. A packet the encoder
// refuses is fine: refusing is its job.

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/property.hpp>
#include <braid/protocol/reason_code.hpp>

#include "fuzz_support.hpp"
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

namespace bp = braid::protocol;

constexpr std::array<bp::property_id, 27> all_properties{
    bp::property_id::payload_format_indicator,
    bp::property_id::message_expiry_interval,
    bp::property_id::content_type,
    bp::property_id::response_topic,
    bp::property_id::correlation_data,
    bp::property_id::subscription_identifier,
    bp::property_id::session_expiry_interval,
    bp::property_id::assigned_client_identifier,
    bp::property_id::server_keep_alive,
    bp::property_id::authentication_method,
    bp::property_id::authentication_data,
    bp::property_id::request_problem_information,
    bp::property_id::will_delay_interval,
    bp::property_id::request_response_information,
    bp::property_id::response_information,
    bp::property_id::server_reference,
    bp::property_id::reason_string,
    bp::property_id::receive_maximum,
    bp::property_id::topic_alias_maximum,
    bp::property_id::topic_alias,
    bp::property_id::maximum_qos,
    bp::property_id::retain_available,
    bp::property_id::user_property,
    bp::property_id::maximum_packet_size,
    bp::property_id::wildcard_subscription_available,
    bp::property_id::subscription_identifier_available,
    bp::property_id::shared_subscription_available,
};

constexpr std::array<std::uint8_t, 46>
    all_reason_codes{
        0x00, 0x01, 0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82, 0x83,
        0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F,
        0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B,
        0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2, 0x03, 0x7F, 0xFF, // the last three: undefined
    };

constexpr std::array<const char*, 16> pieces{
    "a",
    "b",
    "sensor",
    "/",
    "/",
    "+",
    "#",
    "$SYS",
    "$share",
    "group",
    "\xC3\xA9",     // é
    "\xE6\x97\xA5", // 日
    " ",
    "-",
    "0",
    "",
};

class generator {
public:
  generator(const std::uint8_t* data, std::size_t size) : fdp_(data, size) {}

  bool chance(int one_in) { return fdp_.ConsumeIntegralInRange(1, one_in) == 1; }
  bool flag() { return fdp_.ConsumeBool(); }
  std::uint16_t u16() { return fdp_.ConsumeIntegral<std::uint16_t>(); }
  std::uint16_t packet_id() { return chance(16) ? 0 : static_cast<std::uint16_t>(u16() | 1u); }

  bp::protocol_version version() {
    switch (fdp_.ConsumeIntegralInRange(0, 2)) {
    case 0:
      return bp::protocol_version::v3_1;
    case 1:
      return bp::protocol_version::v3_1_1;
    default:
      return bp::protocol_version::v5;
    }
  }

  // A QoS, invalid (3) once in a while.
  bp::qos qos() { return static_cast<bp::qos>(chance(32) ? 3 : fdp_.ConsumeIntegralInRange(0, 2)); }

  std::string text(std::size_t max_pieces = 6) {
    if (chance(8)) {
      return fdp_.ConsumeRandomLengthString(80);
    }
    std::string s;
    const auto n = fdp_.ConsumeIntegralInRange<std::size_t>(0, max_pieces);
    for (std::size_t i = 0; i < n; ++i) {
      s += fdp_.PickValueInArray(pieces);
    }
    return s;
  }

  bp::bytes data(std::size_t max = 300) {
    return fdp_.ConsumeBytes<std::uint8_t>(fdp_.ConsumeIntegralInRange<std::size_t>(0, max));
  }

  bp::reason_code reason() {
    return static_cast<bp::reason_code>(fdp_.PickValueInArray(all_reason_codes));
  }

  // A value of the property's type and range, sometimes out of range, sometimes
  // of the wrong type.
  bp::property property() {
    bp::property p;
    if (chance(32)) {
      p.id = static_cast<bp::property_id>(fdp_.ConsumeIntegral<std::uint8_t>());
      p.value = fdp_.ConsumeIntegral<std::uint32_t>();
      return p;
    }
    p.id = fdp_.PickValueInArray(all_properties);
    const bool wild = chance(16);
    switch (wild ? static_cast<bp::property_type>(fdp_.ConsumeIntegralInRange(0, 6))
                 : bp::type_of(p.id)) {
    case bp::property_type::byte:
      p.value = wild ? fdp_.ConsumeIntegral<std::uint32_t>()
                     : fdp_.ConsumeIntegralInRange<std::uint32_t>(0, 2);
      break;
    case bp::property_type::two_byte_integer:
      p.value = chance(16) ? fdp_.ConsumeIntegral<std::uint32_t>() : u16();
      break;
    case bp::property_type::four_byte_integer:
      p.value = fdp_.ConsumeIntegral<std::uint32_t>();
      break;
    case bp::property_type::variable_byte_integer:
      p.value = chance(16) ? fdp_.ConsumeIntegral<std::uint32_t>()
                           : fdp_.ConsumeIntegralInRange<std::uint32_t>(0, 268'435'455);
      break;
    case bp::property_type::utf8_string:
      p.value = text();
      break;
    case bp::property_type::binary_data:
      p.value = data(40);
      break;
    case bp::property_type::utf8_string_pair:
      p.value = bp::user_property{text(3), text(3)};
      break;
    }
    return p;
  }

  // Properties for MQTT 5; before it, almost always none.
  bp::properties props(bp::protocol_version v) {
    bp::properties ps;
    if (v != bp::protocol_version::v5 && !chance(32)) {
      return ps;
    }
    const auto n = fdp_.ConsumeIntegralInRange(0, 4);
    for (int i = 0; i < n; ++i) {
      ps.push_back(property());
    }
    return ps;
  }

  // A reason code where MQTT 5 has one; before it, almost always the default.
  bp::reason_code v5_reason(bp::protocol_version v, bp::reason_code fallback) {
    return v == bp::protocol_version::v5 || chance(32) ? reason() : fallback;
  }

  bp::packet packet(bp::protocol_version v) {
    switch (fdp_.ConsumeIntegralInRange(1, 15)) {
    case 1: {
      bp::connect c;
      c.version = v;
      c.client_id = text();
      c.clean_start = flag();
      c.keep_alive = u16();
      if (flag()) {
        bp::will_message w;
        w.topic = text();
        w.payload = data(60);
        w.qos = qos();
        w.retain = flag();
        w.props = props(v);
        c.will = std::move(w);
      }
      if (flag()) {
        c.username = text(3);
      }
      if (flag()) {
        c.password = data(20);
      }
      c.props = props(v);
      return c;
    }
    case 2:
      return bp::connack{
          flag(), v == bp::protocol_version::v5 || flag() ? reason() : bp::reason_code::success,
          props(v)};
    case 3: {
      bp::publish p;
      p.topic = text();
      p.payload = data();
      p.qos = qos();
      p.retain = flag();
      p.dup = chance(4);
      // A QoS 0 PUBLISH carries no packet identifier: leave it 0 there.
      p.packet_id = p.qos == bp::qos::at_most_once ? 0 : packet_id();
      p.props = props(v);
      return p;
    }
    case 4:
      return bp::puback{packet_id(), v5_reason(v, bp::reason_code::success), props(v)};
    case 5:
      return bp::pubrec{packet_id(), v5_reason(v, bp::reason_code::success), props(v)};
    case 6:
      return bp::pubrel{packet_id(), v5_reason(v, bp::reason_code::success), props(v)};
    case 7:
      return bp::pubcomp{packet_id(), v5_reason(v, bp::reason_code::success), props(v)};
    case 8: {
      bp::subscribe s;
      s.packet_id = packet_id();
      const auto n = fdp_.ConsumeIntegralInRange(chance(16) ? 0 : 1, 4);
      for (int i = 0; i < n; ++i) {
        bp::subscription sub;
        sub.filter = text();
        sub.options.max_qos = qos();
        if (v == bp::protocol_version::v5) {
          sub.options.no_local = flag();
          sub.options.retain_as_published = flag();
          sub.options.retain_handling =
              static_cast<bp::retain_handling>(chance(32) ? 3 : fdp_.ConsumeIntegralInRange(0, 2));
        }
        s.subscriptions.push_back(std::move(sub));
      }
      s.props = props(v);
      return s;
    }
    case 9: {
      bp::suback s;
      s.packet_id = packet_id();
      const auto n = fdp_.ConsumeIntegralInRange(chance(16) ? 0 : 1, 4);
      for (int i = 0; i < n; ++i) {
        s.reasons.push_back(reason());
      }
      s.props = props(v);
      return s;
    }
    case 10: {
      bp::unsubscribe u;
      u.packet_id = packet_id();
      const auto n = fdp_.ConsumeIntegralInRange(chance(16) ? 0 : 1, 4);
      for (int i = 0; i < n; ++i) {
        u.filters.push_back(text());
      }
      u.props = props(v);
      return u;
    }
    case 11: {
      bp::unsuback u;
      u.packet_id = packet_id();
      if (v == bp::protocol_version::v5 || chance(32)) {
        const auto n = fdp_.ConsumeIntegralInRange(chance(16) ? 0 : 1, 4);
        for (int i = 0; i < n; ++i) {
          u.reasons.push_back(reason());
        }
      }
      u.props = props(v);
      return u;
    }
    case 12:
      return bp::pingreq{};
    case 13:
      return bp::pingresp{};
    case 14:
      return bp::disconnect{v5_reason(v, bp::reason_code::normal_disconnection), props(v)};
    default:
      return bp::auth{v5_reason(v, bp::reason_code::success), props(v)};
    }
  }

private:
  FuzzedDataProvider fdp_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  generator gen(data, size);
  const auto version = gen.version();
  const bp::packet p = gen.packet(version);
  bp::output_buffer out;
  braid::fuzz::check_round_trip(p, version, out);
  return 0;
}
