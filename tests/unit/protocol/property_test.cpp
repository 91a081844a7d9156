#include <braid/protocol/property.hpp>
#include <braid/protocol/reason_code.hpp>

#include <gtest/gtest.h>

#include <set>

namespace braid::protocol {
namespace {

TEST(Property, EveryIdentifierOfTheSpecIsKnownAndNoOther) {
  const std::set<int> spec{0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13,
                           0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1F, 0x21,
                           0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A};
  for (int id = 0; id < 256; ++id) {
    EXPECT_EQ(is_known_property(static_cast<std::uint8_t>(id)), spec.contains(id)) << id;
  }
  EXPECT_EQ(to_string(property_id::topic_alias_maximum), "Topic Alias Maximum");
  EXPECT_EQ(to_string(static_cast<property_id>(0x05)), "unknown property");
}

TEST(Property, TypesFollowTheSpec) {
  EXPECT_EQ(type_of(property_id::payload_format_indicator), property_type::byte);
  EXPECT_EQ(type_of(property_id::server_keep_alive), property_type::two_byte_integer);
  EXPECT_EQ(type_of(property_id::session_expiry_interval), property_type::four_byte_integer);
  EXPECT_EQ(type_of(property_id::subscription_identifier), property_type::variable_byte_integer);
  EXPECT_EQ(type_of(property_id::response_topic), property_type::utf8_string);
  EXPECT_EQ(type_of(property_id::authentication_data), property_type::binary_data);
  EXPECT_EQ(type_of(property_id::user_property), property_type::utf8_string_pair);
}

TEST(Property, PlacementFollowsTheSpec) {
  using enum packet_type;
  EXPECT_TRUE(is_allowed(property_id::will_delay_interval, connect, property_scope::will));
  EXPECT_FALSE(is_allowed(property_id::will_delay_interval, connect));
  EXPECT_TRUE(is_allowed(property_id::message_expiry_interval, connect, property_scope::will));
  EXPECT_FALSE(is_allowed(property_id::message_expiry_interval, connect));
  EXPECT_TRUE(is_allowed(property_id::topic_alias, publish));
  EXPECT_FALSE(is_allowed(property_id::topic_alias, connect));
  EXPECT_TRUE(is_allowed(property_id::subscription_identifier, subscribe));
  EXPECT_FALSE(is_allowed(property_id::subscription_identifier, unsubscribe));
  EXPECT_TRUE(is_allowed(property_id::server_reference, disconnect));
  EXPECT_FALSE(is_allowed(property_id::reason_string, subscribe));
  EXPECT_FALSE(is_allowed(property_id::reason_string, publish));
  for (auto t : {connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe, suback,
                 unsubscribe, unsuback, disconnect, auth}) {
    EXPECT_TRUE(is_allowed(property_id::user_property, t)) << to_string(t);
  }
  EXPECT_FALSE(is_allowed(property_id::user_property, pingreq));
  EXPECT_TRUE(may_repeat(property_id::subscription_identifier, publish));
  EXPECT_FALSE(may_repeat(property_id::subscription_identifier, subscribe));
  EXPECT_TRUE(may_repeat(property_id::user_property, connack));
  EXPECT_FALSE(may_repeat(property_id::reason_string, connack));
}

TEST(Property, AccessorsFindTheFirstValueOfEachKind) {
  properties p;
  p.add(property_id::message_expiry_interval, 30u)
      .add(property_id::content_type, std::string("json"))
      .add(property_id::correlation_data, bytes{1, 2})
      .add_user_property("a", "1")
      .add_user_property("a", "2")
      .add(property_id::subscription_identifier, 5u)
      .add(property_id::subscription_identifier, 900u);
  EXPECT_EQ(p.integer(property_id::message_expiry_interval), 30u);
  EXPECT_FALSE(p.integer(property_id::topic_alias).has_value());
  EXPECT_FALSE(p.integer(property_id::content_type).has_value()); // not an integer
  ASSERT_NE(p.string(property_id::content_type), nullptr);
  EXPECT_EQ(*p.string(property_id::content_type), "json");
  ASSERT_NE(p.binary(property_id::correlation_data), nullptr);
  EXPECT_EQ(*p.binary(property_id::correlation_data), (bytes{1, 2}));
  EXPECT_EQ(p.user_properties(), (std::vector<user_property>{{"a", "1"}, {"a", "2"}}));
  EXPECT_EQ(p.subscription_identifiers(), (std::vector<std::uint32_t>{5, 900}));
  EXPECT_TRUE(p.contains(property_id::correlation_data));
  EXPECT_FALSE(p.contains(property_id::response_topic));
  EXPECT_EQ(p.size(), 7u);
}

TEST(ReasonCode, AllowedPerPacketFollowsTheSpec) {
  using enum packet_type;
  EXPECT_TRUE(is_allowed(connack, reason_code::bad_user_name_or_password));
  EXPECT_FALSE(is_allowed(connack, reason_code::granted_qos_1));
  EXPECT_TRUE(is_allowed(puback, reason_code::no_matching_subscribers));
  EXPECT_FALSE(is_allowed(pubrel, reason_code::no_matching_subscribers));
  EXPECT_TRUE(is_allowed(pubcomp, reason_code::packet_identifier_not_found));
  EXPECT_TRUE(is_allowed(suback, reason_code::granted_qos_2));
  EXPECT_TRUE(is_allowed(unsuback, reason_code::no_subscription_existed));
  EXPECT_TRUE(is_allowed(disconnect, reason_code::disconnect_with_will_message));
  EXPECT_FALSE(is_allowed(disconnect, reason_code::granted_qos_1));
  EXPECT_TRUE(is_allowed(auth, reason_code::re_authenticate));
  EXPECT_FALSE(is_allowed(auth, reason_code::unspecified_error));
  EXPECT_FALSE(is_allowed(publish, reason_code::success));
  EXPECT_TRUE(is_error(reason_code::unspecified_error));
  EXPECT_FALSE(is_error(reason_code::no_matching_subscribers));
  EXPECT_EQ(to_string(reason_code::success, suback), "Granted QoS 0");
  EXPECT_EQ(to_string(reason_code::success, disconnect), "Normal disconnection");
  EXPECT_EQ(to_string(reason_code::quota_exceeded), "Quota exceeded");
  EXPECT_EQ(to_string(static_cast<reason_code>(0x03)), "unknown reason code");
}

} // namespace
} // namespace braid::protocol
