// Outgoing QoS 0/1/2 flows, resending after a reconnect, and the window.
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

namespace braid::protocol {
namespace {

using testing::make_config;
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

TEST(PublishFlow, ConnectWritesTheConfiguredConnect) {
  auto config = make_config();
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{config.connect_packet});
  EXPECT_EQ(peer.client().state(), session_state::connecting);
  peer.receive(connack{});
  EXPECT_EQ(peer.client().state(), session_state::connected);
  auto events = peer.take<connected>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ack.session_present);
}

TEST(PublishFlow, QoS0IsWrittenAndCompletesAtOnce) {
  scripted_peer peer(make_config());
  peer.connect();
  auto id = peer.publish("a/b", "hi", qos::at_most_once);
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "hi", qos::at_most_once, 0)});
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  EXPECT_FALSE(done[0].error);
}

// A large payload goes to the output by reference, and the same bytes are
// resent after a reconnect; a small one is copied into the output.
TEST(PublishFlow, ALargePayloadIsWrittenByReferenceAndResentFromTheSameBytes) {
  scripted_peer peer(make_config(protocol_version::v3_1_1, false));
  peer.connect();
  publish m;
  m.topic = "big";
  m.payload = bytes(session::kSharedPayloadMin, 0x42);
  m.qos = qos::at_least_once;
  const auto* bytes_at = m.payload.data();
  request_id id = 0;
  ASSERT_FALSE(peer.client().publish(std::move(m), id, 0));
  ASSERT_TRUE(peer.client().output().has_shared());
  std::size_t parts = 0;
  bool payload_in_place = false;
  peer.client().output().for_each_part([&](byte_view part) {
    ++parts;
    payload_in_place = payload_in_place || part.data() == bytes_at;
  });
  EXPECT_EQ(parts, 2u); // the encoded header, then the payload itself
  EXPECT_TRUE(payload_in_place);
  auto expected =
      make_publish("big", std::string(session::kSharedPayloadMin, 'B'), qos::at_least_once, 1);
  EXPECT_EQ(peer.sent(), packets{expected});

  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  ASSERT_TRUE(peer.client().output().has_shared()); // the resend, by reference too
  expected.dup = true;
  EXPECT_EQ(peer.sent(), packets{expected});

  peer.client().publish(make_publish("small", std::string(100, 's'), qos::at_most_once, 0), id, 0);
  EXPECT_FALSE(peer.client().output().has_shared());
}

TEST(PublishFlow, QoS1CompletesOnPuback) {
  scripted_peer peer(make_config());
  peer.connect();
  auto id = peer.publish("a/b", "hi", qos::at_least_once);
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "hi", qos::at_least_once, 1)});
  EXPECT_TRUE(peer.take<request_completed>().empty());
  EXPECT_EQ(peer.client().in_flight(), 1u);
  peer.receive(puback{1});
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  EXPECT_FALSE(done[0].error);
  EXPECT_EQ(peer.client().in_flight(), 0u);
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
}

TEST(PublishFlow, QoS2RunsPubrecPubrelPubcomp) {
  scripted_peer peer(make_config());
  peer.connect();
  auto id = peer.publish("a/b", "hi", qos::exactly_once);
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "hi", qos::exactly_once, 1)});
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  EXPECT_TRUE(peer.take<request_completed>().empty());
  peer.receive(pubcomp{1});
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
}

// A broker that takes QoS 2 as QoS 1 (RabbitMQ) answers the PUBLISH with
// PUBACK: the exchange ends there, with qos_downgraded, and its id and place in
// the window are free. A PUBACK after PUBREC (the PUBREL is out) changes nothing.
TEST(PublishFlow, AQoS2PublishAnsweredWithPubackEndsAsDowngraded) {
  scripted_peer peer(make_config(protocol_version::v3_1_1, false));
  peer.connect();
  auto downgraded = peer.publish("a/b", "one", qos::exactly_once);
  auto released = peer.publish("a/b", "two", qos::exactly_once);
  peer.sent();
  peer.receive(puback{1});
  auto done = peer.take_exactly<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, downgraded);
  EXPECT_EQ(done[0].error, std::error_code{session_errc::qos_downgraded});
  EXPECT_EQ(done[0].packet_id, 1);
  EXPECT_FALSE(is_broker_violation(done[0].error));
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_EQ(peer.client().in_flight(), 1u);
  EXPECT_TRUE(peer.sent().empty()); // nothing to answer to a PUBACK

  peer.receive(pubrec{2});
  EXPECT_EQ(peer.sent(), packets{pubrel{2}});
  peer.receive(puback{2});
  EXPECT_TRUE(peer.take<request_completed>().empty());
  peer.receive(pubcomp{2});
  done = peer.take_exactly<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, released);
  EXPECT_FALSE(done[0].error);
}

// The completion carries the packet id the message went out with and the
// acknowledgement's MQTT 5 properties (Reason String, User Properties).
TEST(PublishFlow, CompletionsCarryThePacketIdAndTheAcknowledgementsProperties) {
  scripted_peer peer(make_config(protocol_version::v5));
  peer.connect();
  peer.publish("a/b", "one", qos::at_least_once);
  peer.publish("a/b", "two", qos::exactly_once);
  properties puback_props;
  puback_props.add(property_id::reason_string, std::string("stored"));
  puback_props.add_user_property("node", "b");
  properties pubcomp_props;
  pubcomp_props.add(property_id::reason_string, std::string("done"));
  peer.receive(puback{1, reason_code::success, puback_props});
  peer.receive(pubrec{2});
  peer.receive(pubcomp{2, reason_code::success, pubcomp_props});
  auto done = peer.take_exactly<request_completed>();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].packet_id, 1);
  EXPECT_EQ(done[0].props, puback_props);
  EXPECT_EQ(done[1].packet_id, 2);
  EXPECT_EQ(done[1].props, pubcomp_props);
  auto qos0 = peer.publish("a/b", "zero", qos::at_most_once);
  done = peer.take_exactly<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, qos0);
  EXPECT_EQ(done[0].packet_id, 0); // QoS 0 has none
}

TEST(PublishFlow, QoS2ResendAcrossTwoReconnectsNeverResendsThePublishAfterPubrel) {
  scripted_peer peer(make_config(protocol_version::v3_1_1, false));
  peer.connect();
  peer.publish("a/b", "hi", qos::exactly_once);
  peer.sent();
  peer.close();
  // First reconnect: the broker kept the session, the PUBLISH goes again with DUP.
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "hi", qos::exactly_once, 1, true)});
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  peer.close();
  // Second reconnect: only the PUBREL.
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  peer.take_actions();
  peer.receive(pubcomp{1});
  EXPECT_EQ(peer.take<request_completed>().size(), 1u);
}

TEST(PublishFlow, IncomingQoS2ResentWithDupIsDeliveredOnce) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.receive(make_publish("x", "1", qos::exactly_once, 7));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  EXPECT_EQ(peer.sent(), packets{pubrec{7}});
  peer.receive(make_publish("x", "1", qos::exactly_once, 7, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{pubrec{7}});
  peer.receive(pubrel{7});
  EXPECT_EQ(peer.sent(), packets{pubcomp{7}});
  // The id is free again: a new message with it is a new message.
  peer.receive(make_publish("x", "2", qos::exactly_once, 7));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
}

// A broker that restarted from older saved state may reuse an id that still
// waits for its PUBREL here, for another message. DUP 0 says it is a first
// attempt (MQTT-3.3.1-1): a new message, delivered. A resend carries DUP 1
// and is not delivered again.
TEST(PublishFlow, IncomingQoS2WithDupZeroAndAnIdAwaitingPubrelIsANewMessage) {
  scripted_peer peer(make_config(protocol_version::v3_1_1, false));
  peer.connect();
  peer.receive(make_publish("x", "1", qos::exactly_once, 7));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  peer.receive(make_publish("x", "2", qos::exactly_once, 7));
  auto got = peer.take<message_received>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message.payload, to_bytes("2"));
  EXPECT_EQ(peer.sent(), packets{pubrec{7}});
  peer.receive(make_publish("x", "2", qos::exactly_once, 7, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  peer.receive(pubrel{7});
  EXPECT_EQ(peer.sent(), (packets{pubrec{7}, pubcomp{7}}));
}

// Turned off, every PUBLISH with an id awaiting PUBREL counts as a resend.
TEST(PublishFlow, WithoutTrustInDupAnIdAwaitingPubrelIsNeverDeliveredTwice) {
  auto config = make_config();
  config.dup_flag_marks_resends = false;
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("x", "1", qos::exactly_once, 7));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  peer.receive(make_publish("x", "2", qos::exactly_once, 7));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), (packets{pubrec{7}, pubrec{7}}));
}

// session_config::take_message: a consumer that wants two messages takes
// two; the rest get no answer, so that the broker keeps them. Resends of a
// message already taken are still answered.
TEST(PublishFlow, MessagesNotTakenAreNeitherDeliveredNorAcknowledged) {
  auto config = make_config();
  int taken = 0;
  config.take_message = [&](const publish&) { return ++taken <= 2; };
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("x", "1", qos::exactly_once, 7));
  peer.receive(make_publish("x", "2", qos::at_least_once, 8));
  peer.receive(make_publish("x", "3", qos::at_least_once, 9));
  peer.receive(make_publish("x", "4", qos::exactly_once, 10));
  peer.receive(make_publish("x", "5", qos::at_most_once, 0));
  auto got = peer.take<message_received>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].message.payload, to_bytes("1"));
  EXPECT_EQ(got[1].message.payload, to_bytes("2"));
  EXPECT_EQ(peer.sent(), (packets{pubrec{7}, puback{8}}));
  EXPECT_EQ(peer.store().incoming_count(), 1u); // only id 7 awaits its PUBREL
  // The taken QoS 2 message resent before its PUBREL is answered, not asked about.
  peer.receive(make_publish("x", "1", qos::exactly_once, 7, true));
  peer.receive(pubrel{7});
  EXPECT_EQ(peer.sent(), (packets{pubrec{7}, pubcomp{7}}));
  EXPECT_EQ(taken, 5);
}

TEST(PublishFlow, WindowOneKeepsOrderAcrossAReconnect) {
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  peer.publish("t", "1", qos::at_least_once);
  peer.publish("t", "2", qos::at_least_once);
  peer.publish("t", "3", qos::at_least_once);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", qos::at_least_once, 1)});
  EXPECT_EQ(peer.client().queued(), 2u);
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", qos::at_least_once, 1, true)});
  peer.receive(puback{1});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", qos::at_least_once, 2)});
  peer.receive(puback{2});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", qos::at_least_once, 3)});
}

} // namespace
} // namespace braid::protocol
