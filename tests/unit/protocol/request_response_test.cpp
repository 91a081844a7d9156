#include <braid/protocol/encoder.hpp>
#include <braid/protocol/request_response.hpp>

#include <gtest/gtest.h>

namespace braid::protocol {
namespace {

TEST(RequestResponse, ResponseGoesToTheResponseTopicWithTheCorrelationData) {
  publish request;
  request.topic = "service/add";
  request.payload = to_bytes("1+2");
  set_response_target(request, "clients/7/replies", bytes{0xCA, 0xFE});

  auto response = make_response(request, to_bytes("3"), qos::at_least_once);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->topic, "clients/7/replies");
  EXPECT_EQ(response->payload, to_bytes("3"));
  EXPECT_EQ(response->qos, qos::at_least_once);
  ASSERT_NE(response->props.binary(property_id::correlation_data), nullptr);
  EXPECT_EQ(*response->props.binary(property_id::correlation_data), (bytes{0xCA, 0xFE}));
  EXPECT_TRUE(is_response_to(*response, request));

  // Both packets are valid MQTT 5.
  output_buffer out;
  response->packet_id = 1;
  EXPECT_FALSE(encode(request, protocol_version::v5, out));
  EXPECT_FALSE(encode(*response, protocol_version::v5, out));
}

TEST(RequestResponse, NoResponseTopicMeansNoResponse) {
  publish request;
  request.topic = "t";
  EXPECT_FALSE(make_response(request, {}).has_value());
}

TEST(RequestResponse, OtherCorrelationDataIsNotTheResponse) {
  publish request;
  set_response_target(request, "r", bytes{1});
  publish other;
  other.props.add(property_id::correlation_data, bytes{2});
  EXPECT_FALSE(is_response_to(other, request));
}

} // namespace
} // namespace braid::protocol
