// The encoder refuses what cannot be sent, writes nothing then, and allocates
// nothing in steady state.
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <set>
#include <string>

namespace {
std::atomic<std::size_t> allocations{0};
} // namespace

// Counts every heap allocation of this test binary. GCC cannot see that the
// replaced operator new pairs with these deletes.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace braid::protocol {
namespace {

constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

struct misuse_case {
  std::string name;
  protocol_version version;
  packet value;
  errc expected;
};

publish make_publish(std::string topic, enum qos q = qos::at_most_once, std::uint16_t id = 0) {
  publish p;
  p.topic = std::move(topic);
  p.qos = q;
  p.packet_id = id;
  p.payload = to_bytes("x");
  return p;
}

template <class F>
publish publish_with(F&& change) {
  auto p = make_publish("a/b", qos::at_least_once, 1);
  change(p);
  return p;
}

template <class F>
connect connect_with(F&& change) {
  connect c;
  c.client_id = "client";
  change(c);
  return c;
}

properties props_of(property p) {
  properties out;
  out.push_back(std::move(p));
  return out;
}

std::vector<misuse_case> misuse_cases() {
  const std::string long_topic(65536, 'a');
  return {
      {"publish_topic_plus", v311, make_publish("a/+/b"), errc::topic_name_wildcard},
      {"publish_topic_hash", v5, make_publish("a/#"), errc::topic_name_wildcard},
      {"publish_topic_empty_v311", v311, make_publish(""), errc::topic_name_empty},
      {"publish_topic_empty_v5_no_alias", v5, make_publish(""), errc::topic_name_empty},
      {"publish_topic_null", v311, make_publish(std::string("a\0b", 3)), errc::utf8_contains_null},
      {"publish_topic_bad_utf8", v311, make_publish("a\xC0\xAF"), errc::invalid_utf8},
      {"publish_topic_too_long", v311, make_publish(long_topic), errc::string_too_long},
      {"publish_qos3", v311, publish_with([](auto& p) { p.qos = static_cast<qos>(3); }),
       errc::invalid_qos},
      {"publish_dup_qos0", v311, publish_with([](auto& p) {
         p.qos = qos::at_most_once;
         p.dup = true;
       }),
       errc::dup_on_qos0},
      {"publish_id_zero_qos1", v311, make_publish("a", qos::at_least_once, 0),
       errc::packet_id_zero},
      {"publish_id_zero_qos2", v5, make_publish("a", qos::exactly_once, 0), errc::packet_id_zero},
      {"publish_props_v311", v311,
       publish_with([](auto& p) { p.props.add(property_id::message_expiry_interval, 5u); }),
       errc::not_in_protocol_version},
      {"publish_session_expiry", v5,
       publish_with([](auto& p) { p.props.add(property_id::session_expiry_interval, 5u); }),
       errc::property_not_allowed},
      {"publish_expiry_twice", v5, publish_with([](auto& p) {
         p.props.add(property_id::message_expiry_interval, 5u);
         p.props.add(property_id::message_expiry_interval, 6u);
       }),
       errc::property_duplicated},
      {"publish_content_type_as_integer", v5,
       publish_with([](auto& p) { p.props.add(property_id::content_type, 5u); }),
       errc::property_type_mismatch},
      {"publish_correlation_as_string", v5,
       publish_with([](auto& p) { p.props.add(property_id::correlation_data, std::string("x")); }),
       errc::property_type_mismatch},
      {"publish_payload_format_2", v5,
       publish_with([](auto& p) { p.props.add(property_id::payload_format_indicator, 2u); }),
       errc::invalid_property_value},
      {"publish_topic_alias_0", v5,
       publish_with([](auto& p) { p.props.add(property_id::topic_alias, 0u); }),
       errc::invalid_property_value},
      {"publish_topic_alias_too_big", v5,
       publish_with([](auto& p) { p.props.add(property_id::topic_alias, 70000u); }),
       errc::invalid_property_value},
      {"publish_unknown_property", v5, publish_with([](auto& p) {
         p.props.push_back({static_cast<property_id>(0x05), 1u});
       }),
       errc::unknown_property},
      {"publish_user_property_null", v5,
       publish_with([](auto& p) { p.props.add_user_property(std::string("k\0", 2), "v"); }),
       errc::utf8_contains_null},
      {"connect_password_without_username_v311", v311,
       connect_with([](auto& c) { c.password = to_bytes("pw"); }), errc::password_without_username},
      {"connect_empty_client_id_without_clean_session_v311", v311, connect_with([](auto& c) {
         c.client_id.clear();
         c.clean_start = false;
       }),
       errc::client_id_empty},
      {"connect_empty_client_id_v31", protocol_version::v3_1, connect_with([](auto& c) {
         c.version = protocol_version::v3_1;
         c.client_id.clear();
       }),
       errc::client_id_empty},
      {"connect_version_6", v311,
       connect_with([](auto& c) { c.version = static_cast<protocol_version>(6); }),
       errc::unsupported_protocol_version},
      {"connect_client_id_null", v311,
       connect_with([](auto& c) { c.client_id = std::string("a\0", 2); }),
       errc::utf8_contains_null},
      {"connect_will_topic_wildcard", v311, connect_with([](auto& c) {
         c.will = will_message{"a/#", {}, qos::at_most_once, false, {}};
       }),
       errc::topic_name_wildcard},
      {"connect_will_qos3", v311, connect_with([](auto& c) {
         c.will = will_message{"a", {}, static_cast<qos>(3), false, {}};
       }),
       errc::invalid_will_flags},
      {"connect_will_props_v311", v311, connect_with([](auto& c) {
         c.will = will_message{
             "a", {}, qos::at_most_once, false, props_of({property_id::will_delay_interval, 1u})};
       }),
       errc::not_in_protocol_version},
      {"connect_will_delay_in_connect_props", v5, connect_with([](auto& c) {
         c.version = v5;
         c.props.add(property_id::will_delay_interval, 1u);
       }),
       errc::property_not_allowed},
      {"connect_receive_maximum_0", v5, connect_with([](auto& c) {
         c.version = v5;
         c.props.add(property_id::receive_maximum, 0u);
       }),
       errc::invalid_property_value},
      {"connack_session_present_on_refusal", v311, connack{true, reason_code::not_authorized, {}},
       errc::invalid_connack_flags},
      {"connack_v311_reason_without_return_code", v311,
       connack{false, reason_code::server_busy, {}}, errc::reason_code_not_allowed},
      {"connack_session_present_v31", protocol_version::v3_1,
       connack{true, reason_code::success, {}}, errc::not_in_protocol_version},
      {"connack_v5_reason_not_for_connack", v5, connack{false, reason_code::granted_qos_1, {}},
       errc::reason_code_not_allowed},
      {"subscribe_no_filters", v311, subscribe{1, {}, {}}, errc::no_topic_filters},
      {"subscribe_id_zero", v311, subscribe{0, {{"a", {}}}, {}}, errc::packet_id_zero},
      {"subscribe_bad_filter", v311, subscribe{1, {{"a/#/b", {}}}, {}}, errc::topic_filter_invalid},
      {"subscribe_empty_filter", v311, subscribe{1, {{"", {}}}, {}}, errc::topic_filter_empty},
      {"subscribe_no_local_v311", v311, subscribe{1, {{"a", {qos::at_most_once, true}}}, {}},
       errc::not_in_protocol_version},
      {"subscribe_retain_handling_3", v5,
       subscribe{
           1, {{"a", {qos::at_most_once, false, false, static_cast<retain_handling>(3)}}}, {}},
       errc::invalid_subscription_options},
      {"subscribe_no_local_shared", v5,
       subscribe{1, {{"$share/g/a", {qos::at_most_once, true}}}, {}},
       errc::invalid_subscription_options},
      {"subscribe_qos3", v311, subscribe{1, {{"a", {static_cast<qos>(3)}}}, {}}, errc::invalid_qos},
      {"subscribe_subscription_id_twice", v5,
       subscribe{1,
                 {{"a", {}}},
                 [] {
                   properties p;
                   p.add(property_id::subscription_identifier, 1u);
                   p.add(property_id::subscription_identifier, 2u);
                   return p;
                 }()},
       errc::property_duplicated},
      {"suback_v311_reason_0x87", v311, suback{1, {reason_code::not_authorized}, {}},
       errc::reason_code_not_allowed},
      {"unsubscribe_no_filters", v5, unsubscribe{1, {}, {}}, errc::no_topic_filters},
      {"unsuback_v311_with_reasons", v311, unsuback{1, {reason_code::success}, {}},
       errc::not_in_protocol_version},
      {"puback_v5_reason_0x04", v5, puback{1, reason_code::disconnect_with_will_message, {}},
       errc::reason_code_not_allowed},
      {"puback_v311_error_reason", v311, puback{1, reason_code::quota_exceeded, {}},
       errc::reason_code_not_allowed},
      {"pubrel_id_zero", v5, pubrel{0, reason_code::success, {}}, errc::packet_id_zero},
      {"disconnect_props_v311", v311,
       disconnect{reason_code::normal_disconnection,
                  props_of({property_id::reason_string, std::string("bye")})},
       errc::not_in_protocol_version},
      {"disconnect_session_expiry_wrong_type", v5,
       disconnect{reason_code::normal_disconnection,
                  props_of({property_id::session_expiry_interval, std::string("x")})},
       errc::property_type_mismatch},
      {"auth_v311", v311, auth{}, errc::not_in_protocol_version},
      {"auth_v5_reason_0x80", v5, auth{reason_code::unspecified_error, {}},
       errc::reason_code_not_allowed},
  };
}

class Misuse : public ::testing::TestWithParam<misuse_case> {};

TEST_P(Misuse, IsRefusedAndNothingIsWritten) {
  const auto& c = GetParam();
  output_buffer out;
  out.prepare(1)[0] = 0xAA;
  out.commit(1);
  auto ec = encode(c.value, c.version, out);
  EXPECT_EQ(ec, c.expected) << ec.message();
  EXPECT_EQ(out.size(), 1u);

  std::size_t size = 0;
  EXPECT_EQ(encoded_size(c.value, c.version, size), c.expected);
  std::uint8_t buffer[64];
  std::size_t written = 0;
  EXPECT_EQ(encode(c.value, c.version, buffer, written), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Encoder, Misuse, ::testing::ValuesIn(misuse_cases()),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(Encoder, PasswordWithoutUsernameIsFineInV5) {
  auto c = connect_with([](auto& x) {
    x.version = v5;
    x.password = to_bytes("pw");
  });
  output_buffer out;
  EXPECT_FALSE(encode(c, v5, out));
}

TEST(Encoder, EmptyTopicWithAliasIsFineInV5) {
  auto p = make_publish("");
  p.props.add(property_id::topic_alias, 3u);
  output_buffer out;
  EXPECT_FALSE(encode(p, v5, out));
}

TEST(Encoder, PacketLargerThanMqttAllowsIsRefused) {
  const std::size_t too_big = max_remaining_length;
  auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(too_big);
  publish_view p{"t", {storage.get(), too_big}};
  output_buffer out;
  EXPECT_EQ(encode_publish_header(p, v311, out), errc::packet_too_large);
  EXPECT_TRUE(out.empty());
  p.payload = p.payload.first(too_big - 3); // 2 + 1 byte topic + payload == the limit
  EXPECT_FALSE(encode_publish_header(p, v311, out));
  EXPECT_EQ(out.size(), 1u + 4u + 3u); // first byte, 4-byte length, topic
}

TEST(Encoder, HeaderPlusPayloadEqualsWholePublish) {
  properties props;
  props.add(property_id::content_type, std::string("text/plain"));
  const std::string payload(300, 'p');
  publish_view p{"sensors/1", as_bytes(payload), qos::exactly_once, true, true, 77, &props};
  for (auto v : {protocol_version::v3_1, v311, v5}) {
    if (v != v5) {
      p.props = nullptr;
    }
    output_buffer whole;
    output_buffer header;
    ASSERT_FALSE(encode_publish(p, v, whole));
    ASSERT_FALSE(encode_publish_header(p, v, header));
    std::vector<std::uint8_t> gathered(header.view().begin(), header.view().end());
    gathered.insert(gathered.end(), p.payload.begin(), p.payload.end());
    EXPECT_EQ(gathered, std::vector<std::uint8_t>(whole.view().begin(), whole.view().end()));
  }
}

TEST(Encoder, QoS0PublishAllocatesNothingInSteadyState) {
  const std::string payload(64, 'x');
  properties props;
  props.add(property_id::message_expiry_interval, 10u);
  publish_view p{"a/rather/long/topic/name/beyond/small/string/size", as_bytes(payload)};
  output_buffer out;
  ASSERT_FALSE(encode_publish(p, v311, out)); // grows once
  for (auto v : {v311, v5}) {
    p.props = v == v5 ? &props : nullptr;
    out.clear();
    ASSERT_FALSE(encode_publish(p, v, out)); // the buffer grows to what a round needs
    ASSERT_FALSE(encode_publish_header(p, v, out));
    const auto before = allocations.load();
    for (int i = 0; i < 1000; ++i) {
      out.clear();
      ASSERT_FALSE(encode_publish(p, v, out));
      ASSERT_FALSE(encode_publish_header(p, v, out));
    }
    EXPECT_EQ(allocations.load(), before);
  }
}

TEST(Encoder, OutputBufferAppendsAndKeepsStorage) {
  output_buffer out;
  ASSERT_FALSE(encode(pingreq{}, v311, out));
  ASSERT_FALSE(encode(pingresp{}, v311, out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.data()[0], 0xC0);
  EXPECT_EQ(out.data()[2], 0xD0);
  const auto* storage = out.data();
  out.clear();
  EXPECT_TRUE(out.empty());
  ASSERT_FALSE(encode(pingreq{}, v311, out));
  EXPECT_EQ(out.data(), storage);
}

TEST(Errors, EveryCodeHasItsOwnMessageAndAKind) {
  std::set<std::string> messages;
  for (int e = 1; e <= static_cast<int>(errc::client_id_empty); ++e) {
    auto ec = make_error_code(static_cast<errc>(e));
    EXPECT_STREQ(ec.category().name(), "braid.protocol");
    EXPECT_TRUE(messages.insert(ec.message()).second) << "duplicate message: " << ec.message();
  }
  EXPECT_EQ(kind_of(errc::buffer_too_small), error_kind::invalid_argument);
  EXPECT_EQ(kind_of(errc::trailing_bytes), error_kind::malformed_packet);
  EXPECT_EQ(kind_of(errc::property_not_allowed), error_kind::protocol_error);
  EXPECT_EQ(to_reason_code(errc::packet_too_large), reason_code::packet_too_large);
  EXPECT_EQ(to_reason_code(errc::topic_name_wildcard), reason_code::topic_name_invalid);
  EXPECT_EQ(to_reason_code(errc::truncated), reason_code::malformed_packet);
  EXPECT_EQ(to_reason_code(errc::reason_code_not_allowed), reason_code::protocol_error);
}

} // namespace
} // namespace braid::protocol
