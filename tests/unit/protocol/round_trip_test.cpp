// Generated packets of every type, version and option: encode, decode, and
// compare with the original.
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace braid::protocol {
namespace {

class generator {
public:
  explicit generator(std::uint32_t seed) : rng_(seed) {}

  std::uint32_t below(std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng_);
  }
  bool coin() { return below(2) == 1; }
  std::uint16_t id() { return static_cast<std::uint16_t>(1 + below(65535)); }
  enum qos qos() { return static_cast<enum qos>(below(3)); }

  // Valid MQTT UTF-8: ASCII, 2-, 3- and 4-byte characters, no U+0000.
  std::string text(std::size_t max_chars, bool topic_safe = false) {
    static const char* const pieces[] = {
        "a",    "Z",    "9", "-", "_", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\x7F", "\x01", "."};
    std::string s;
    auto n = below(static_cast<std::uint32_t>(max_chars) + 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      s += pieces[below(topic_safe ? 9 : 12)];
    }
    return s;
  }
  std::string topic() {
    std::string t = text(6, true);
    auto levels = below(4);
    for (std::uint32_t i = 0; i < levels; ++i) {
      t += "/" + text(5, true);
    }
    return t.empty() ? "t" : t;
  }
  std::string filter() {
    switch (below(5)) {
    case 0:
      return "#";
    case 1:
      return topic() + "/#";
    case 2:
      return "+/" + topic();
    case 3:
      return "$share/g" + std::to_string(below(9)) + "/" + topic();
    default:
      return topic();
    }
  }
  bytes data(std::size_t max) {
    bytes b(below(static_cast<std::uint32_t>(max) + 1));
    for (auto& x : b) {
      x = static_cast<std::uint8_t>(below(256));
    }
    return b;
  }

  // A property value in its valid range.
  property value_for(property_id id) {
    switch (type_of(id)) {
    case property_type::byte:
      return {id, std::uint32_t{below(2)}};
    case property_type::two_byte_integer:
      return {id, 1 + below(65535)};
    case property_type::four_byte_integer:
      return {id, 1 + below(0xFFFF'FFFE)};
    case property_type::variable_byte_integer:
      return {id, 1 + below(268'435'455)};
    case property_type::utf8_string:
      // A Response Topic is a topic name (no wildcards, not empty).
      return {id, id == property_id::response_topic ? topic() : text(8)};
    case property_type::binary_data:
      return {id, data(12)};
    case property_type::utf8_string_pair:
      return {id, user_property{text(5), text(5)}};
    }
    return {id, std::uint32_t{0}};
  }

  // Any mix of the properties allowed in `type`, some repeated where allowed.
  properties props(protocol_version v, packet_type type,
                   property_scope scope = property_scope::packet) {
    properties out;
    if (v != protocol_version::v5) {
      return out;
    }
    for (std::uint8_t raw = 0; raw < 0x30; ++raw) {
      if (!is_known_property(raw)) {
        continue;
      }
      auto id = static_cast<property_id>(raw);
      if (!is_allowed(id, type, scope) || below(3) != 0) {
        continue;
      }
      if (id == property_id::topic_alias) {
        continue; // added by publish() so that empty topics stay valid
      }
      auto count = may_repeat(id, scope == property_scope::will ? packet_type::connect : type)
                       ? 1 + below(3)
                       : 1;
      for (std::uint32_t i = 0; i < count; ++i) {
        out.push_back(value_for(id));
      }
    }
    return out;
  }

  reason_code reason(protocol_version v, packet_type type) {
    if (v != protocol_version::v5) {
      return reason_code::success;
    }
    for (;;) {
      auto rc = static_cast<reason_code>(below(256));
      if (is_allowed(type, rc)) {
        return rc;
      }
    }
  }

  packet make(packet_type type, protocol_version v);

private:
  std::mt19937 rng_;
};

packet generator::make(packet_type type, protocol_version v) {
  const bool v5 = v == protocol_version::v5;
  switch (type) {
  case packet_type::connect: {
    connect p;
    p.version = v;
    p.client_id = text(10);
    p.clean_start = coin();
    p.keep_alive = static_cast<std::uint16_t>(below(65536));
    if (p.client_id.empty() && v != protocol_version::v5 &&
        (!p.clean_start || v == protocol_version::v3_1)) {
      p.client_id = "c"; // an empty id needs clean session in 3.1.1, and is not allowed in 3.1
    }
    if (coin()) {
      will_message w;
      w.topic = topic();
      w.payload = data(20);
      w.qos = qos();
      w.retain = coin();
      w.props = props(v, type, property_scope::will);
      p.will = std::move(w);
    }
    if (coin()) {
      p.username = text(8);
    }
    if (coin() && (p.username || v5)) {
      p.password = data(10);
    }
    p.props = props(v, type);
    return p;
  }
  case packet_type::connack: {
    connack p;
    if (v5) {
      p.reason = reason(v, type);
    } else {
      static constexpr reason_code v3_codes[] = {reason_code::success,
                                                 reason_code::unsupported_protocol_version,
                                                 reason_code::client_identifier_not_valid,
                                                 reason_code::server_unavailable,
                                                 reason_code::bad_user_name_or_password,
                                                 reason_code::not_authorized};
      p.reason = v3_codes[below(6)];
    }
    p.session_present = v != protocol_version::v3_1 && p.reason == reason_code::success && coin();
    p.props = props(v, type);
    return p;
  }
  case packet_type::publish: {
    publish p;
    p.qos = qos();
    p.retain = coin();
    p.dup = p.qos != qos::at_most_once && coin();
    p.packet_id = p.qos != qos::at_most_once ? id() : 0;
    p.props = props(v, type);
    p.topic = topic();
    if (v5 && coin()) {
      p.props.add(property_id::topic_alias, 1 + below(65535));
      if (coin()) {
        p.topic.clear();
      }
    }
    p.payload = data(below(10) == 0 ? 400 : 30);
    return p;
  }
  case packet_type::puback:
    return puback{id(), reason(v, type), props(v, type)};
  case packet_type::pubrec:
    return pubrec{id(), reason(v, type), props(v, type)};
  case packet_type::pubrel:
    return pubrel{id(), reason(v, type), props(v, type)};
  case packet_type::pubcomp:
    return pubcomp{id(), reason(v, type), props(v, type)};
  case packet_type::subscribe: {
    subscribe p{id(), {}, props(v, type)};
    auto n = 1 + below(4);
    for (std::uint32_t i = 0; i < n; ++i) {
      subscription s{filter(), {qos()}};
      if (v5) {
        s.options.no_local = s.filter.starts_with("$share/") ? false : coin();
        s.options.retain_as_published = coin();
        s.options.retain_handling = static_cast<retain_handling>(below(3));
      }
      p.subscriptions.push_back(std::move(s));
    }
    return p;
  }
  case packet_type::suback: {
    suback p{id(), {}, props(v, type)};
    auto n = below(5);
    for (std::uint32_t i = 0; i < n; ++i) {
      p.reasons.push_back(
          v5 ? reason(v, type)
             : (coin() ? reason_code::unspecified_error : static_cast<reason_code>(below(3))));
    }
    return p;
  }
  case packet_type::unsubscribe: {
    unsubscribe p{id(), {}, props(v, type)};
    auto n = 1 + below(4);
    for (std::uint32_t i = 0; i < n; ++i) {
      p.filters.push_back(filter());
    }
    return p;
  }
  case packet_type::unsuback: {
    unsuback p{id(), {}, props(v, type)};
    if (v5) {
      auto n = below(5);
      for (std::uint32_t i = 0; i < n; ++i) {
        p.reasons.push_back(reason(v, type));
      }
    }
    return p;
  }
  case packet_type::pingreq:
    return pingreq{};
  case packet_type::pingresp:
    return pingresp{};
  case packet_type::disconnect:
    return disconnect{reason(v, type), props(v, type)};
  case packet_type::auth:
    return auth{reason(v, type), props(v, type)};
  }
  return pingreq{};
}

struct round_trip_case {
  protocol_version version;
  packet_type type;
};

class RoundTrip : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(RoundTrip, EncodeDecodeGivesTheSamePacket) {
  const auto [version, type] = GetParam();
  generator gen(static_cast<std::uint32_t>(version) * 100 + static_cast<std::uint32_t>(type));
  output_buffer out;
  for (int i = 0; i < 300; ++i) {
    SCOPED_TRACE("packet #" + std::to_string(i));
    auto original = gen.make(type, version);
    out.clear();
    ASSERT_FALSE(encode(original, version, out)) << "generated packet does not encode";

    std::size_t size = 0;
    ASSERT_FALSE(encoded_size(original, version, size));
    ASSERT_EQ(size, out.size());

    decoder dec({.version = version});
    packet decoded;
    auto r = dec.feed(out.view(), decoded);
    ASSERT_EQ(r.status, decode_status::packet_ready) << r.error.message();
    ASSERT_EQ(r.consumed, out.size());
    ASSERT_EQ(decoded, original);
  }
}

std::vector<round_trip_case> all_cases() {
  std::vector<round_trip_case> cases;
  for (auto v : {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5}) {
    for (int t = 1; t <= 15; ++t) {
      if (t == 15 && v != protocol_version::v5) {
        continue;
      }
      cases.push_back({v, static_cast<packet_type>(t)});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllTypes, RoundTrip, ::testing::ValuesIn(all_cases()),
                         [](const auto& test_info) {
                           std::string name{to_string(test_info.param.type)};
                           name += test_info.param.version == protocol_version::v5     ? "_v5"
                                   : test_info.param.version == protocol_version::v3_1 ? "_v31"
                                                                                       : "_v311";
                           return name;
                         });

} // namespace
} // namespace braid::protocol
