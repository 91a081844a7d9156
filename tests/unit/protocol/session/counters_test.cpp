// session::counters(): application messages each way by QoS, resends, and
// the ping round trip, for client::stats().
#include "scripted_peer.hpp"
#include <gtest/gtest.h>

namespace braid::protocol::testing {
namespace {

TEST(Counters, SentCountsEachMessageOnceAndResendsApart) {
  scripted_peer peer(make_config(protocol_version::v3_1_1, false));
  peer.connect();
  peer.publish("t", "a", qos::at_most_once);
  peer.publish("t", "bb", qos::at_least_once);
  peer.publish("t", "ccc", qos::exactly_once);
  peer.receive(pubrec{2});
  peer.close();
  peer.open();
  peer.receive(connack{true}); // PUBLISH 1 and PUBREL 2 go again
  EXPECT_EQ(peer.sent().size(), 3u);
  const auto& c = peer.client().counters();
  EXPECT_EQ(c.sent[0], (session_counters::per_qos{1, 1}));
  EXPECT_EQ(c.sent[1], (session_counters::per_qos{1, 2}));
  EXPECT_EQ(c.sent[2], (session_counters::per_qos{1, 3}));
  EXPECT_EQ(c.resent, 2u);
}

TEST(Counters, ReceivedCountsDeliveriesNotResends) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_most_once, 0));
  peer.receive(make_publish("t", "22", qos::at_least_once, 1));
  peer.receive(make_publish("t", "333", qos::exactly_once, 2));
  peer.receive(make_publish("t", "333", qos::exactly_once, 2, true)); // a resend: not delivered
  const auto& c = peer.client().counters();
  EXPECT_EQ(c.received[0], (session_counters::per_qos{1, 1}));
  EXPECT_EQ(c.received[1], (session_counters::per_qos{1, 2}));
  EXPECT_EQ(c.received[2], (session_counters::per_qos{1, 3}));
}

TEST(Counters, RoundTripIsFromPingreqToPingresp) {
  scripted_peer peer(make_config());
  peer.connect();
  EXPECT_FALSE(peer.client().counters().round_trip_ms);
  request_id id = 0;
  ASSERT_FALSE(peer.client().ping(id, peer.now()));
  peer.advance(7);
  peer.receive(pingresp{});
  EXPECT_EQ(peer.client().counters().round_trip_ms, 7u);
  // A PINGRESP without a PINGREQ measures nothing.
  peer.advance(50);
  peer.receive(pingresp{});
  EXPECT_EQ(peer.client().counters().round_trip_ms, 7u);
}

} // namespace
} // namespace braid::protocol::testing
