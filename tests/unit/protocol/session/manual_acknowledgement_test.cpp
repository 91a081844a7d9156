// session_config::manual_acknowledgement: PUBACK and PUBREC wait for
// session::acknowledge, across reconnects, within the unacknowledged limit.
#include "scripted_peer.hpp"
#include <gtest/gtest.h>

namespace braid::protocol::testing {
namespace {

session_config manual_config(protocol_version v = protocol_version::v3_1_1,
                             std::uint16_t limit = 100) {
  auto config = make_config(v, false);
  config.manual_acknowledgement = true;
  config.unacknowledged_limit = limit;
  return config;
}

std::error_code ack(scripted_peer& peer, qos q, std::uint16_t id,
                    reason_code rc = reason_code::success) {
  return peer.client().acknowledge(q, id, rc, peer.now());
}

TEST(ManualAcknowledgement, AnswersWaitForTheApplication) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  peer.receive(make_publish("t", "3", qos::at_most_once, 0));
  EXPECT_EQ(peer.take<message_received>().size(), 3u);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().unacknowledged(), 2u);
  EXPECT_EQ(peer.store().incoming_count(), 1u); // the QoS 2 id is kept from receipt on

  EXPECT_FALSE(ack(peer, qos::exactly_once, 4));
  EXPECT_EQ(peer.sent(), packets{pubrec{4}});
  peer.receive(pubrel{4});
  EXPECT_EQ(peer.sent(), packets{pubcomp{4}});
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3));
  EXPECT_EQ(peer.sent(), packets{puback{3}});
  EXPECT_EQ(peer.client().unacknowledged(), 0u);
}

TEST(ManualAcknowledgement, WhatWaitsForNothingIsRefused) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  EXPECT_EQ(ack(peer, qos::at_least_once, 9), session_errc::not_awaiting_acknowledgement);
  EXPECT_EQ(ack(peer, qos::exactly_once, 3), session_errc::not_awaiting_acknowledgement);
  EXPECT_EQ(ack(peer, qos::at_most_once, 0), session_errc::not_awaiting_acknowledgement);
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3));
  EXPECT_EQ(ack(peer, qos::at_least_once, 3), session_errc::not_awaiting_acknowledgement);
  EXPECT_EQ(peer.sent(), packets{puback{3}});

  // Off: every acknowledgement is refused, the session answers by itself.
  scripted_peer automatic(make_config());
  automatic.connect();
  automatic.receive(make_publish("t", "1", qos::at_least_once, 3));
  EXPECT_EQ(automatic.sent(), packets{puback{3}});
  EXPECT_EQ(ack(automatic, qos::at_least_once, 3), session_errc::not_awaiting_acknowledgement);
}

TEST(ManualAcknowledgement, V5ReasonCodesGoOutAndAFailingPubrecEndsTheExchange) {
  scripted_peer peer(manual_config(protocol_version::v5));
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  EXPECT_EQ(ack(peer, qos::at_least_once, 3, reason_code::granted_qos_1),
            session_errc::invalid_request); // not a PUBACK reason code
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3, reason_code::implementation_specific_error));
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4, reason_code::quota_exceeded));
  EXPECT_EQ(peer.sent(), (packets{puback{3, reason_code::implementation_specific_error, {}},
                                  pubrec{4, reason_code::quota_exceeded, {}}}));
  EXPECT_EQ(peer.store().incoming_count(), 0u);
  // The id is free again: a new message with it is delivered.
  peer.receive(make_publish("t", "3", qos::exactly_once, 4));
  EXPECT_EQ(peer.take<message_received>().size(), 3u);
}

TEST(ManualAcknowledgement, V3SendsSuccessWhateverTheReason) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::exactly_once, 4));
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4, reason_code::unspecified_error));
  EXPECT_EQ(peer.sent(), packets{pubrec{4}});
  EXPECT_EQ(peer.store().incoming_count(), 1u); // PUBREL still comes
}

TEST(ManualAcknowledgement, AResendOfAHeldMessageIsNotDeliveredAgain) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  peer.take_actions();
  peer.reconnect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3, true));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_TRUE(peer.sent().empty()); // still being processed
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3));
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4));
  EXPECT_EQ(peer.sent(), (packets{puback{3}, pubrec{4}}));
}

TEST(ManualAcknowledgement, AnAcknowledgementAfterAReconnectWaitsForTheResend) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.take_actions();
  peer.reconnect();
  // Acknowledged before the broker's resend arrives: answering now would
  // make the resend look like a new message.
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().unacknowledged(), 0u);
  peer.receive(make_publish("t", "1", qos::at_least_once, 3, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{puback{3}});
}

TEST(ManualAcknowledgement, AcknowledgedOfflineIsAnsweredWhenTheBrokerResends) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  peer.take_actions();
  peer.close();
  EXPECT_FALSE(ack(peer, qos::at_least_once, 3));
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4));
  EXPECT_EQ(ack(peer, qos::exactly_once, 4), session_errc::not_awaiting_acknowledgement);
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  peer.receive(make_publish("t", "1", qos::at_least_once, 3, true));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), (packets{puback{3}, pubrec{4}}));
  peer.receive(pubrel{4});
  EXPECT_EQ(peer.sent(), packets{pubcomp{4}});
}

// A QoS 2 id the store kept from an earlier run (the client restarted): the
// message was delivered then, and is answered, not delivered again.
TEST(ManualAcknowledgement, AQoS2ResendFromBeforeARestartIsAnsweredNotDelivered) {
  memory_store store;
  {
    scripted_peer first(manual_config(), store);
    first.connect();
    first.receive(make_publish("t", "1", qos::exactly_once, 4));
    EXPECT_EQ(first.take<message_received>().size(), 1u);
  }
  scripted_peer second(manual_config(), store);
  second.connect(connack{true});
  second.receive(make_publish("t", "1", qos::exactly_once, 4, true));
  EXPECT_TRUE(second.take<message_received>().empty());
  EXPECT_EQ(second.sent(), packets{pubrec{4}});
  EXPECT_EQ(ack(second, qos::exactly_once, 4), session_errc::not_awaiting_acknowledgement);
}

TEST(ManualAcknowledgement, ALostSessionForgetsWhatWasHeld) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 3));
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  peer.reconnect(false);
  EXPECT_EQ(peer.client().unacknowledged(), 0u);
  EXPECT_EQ(ack(peer, qos::at_least_once, 3), session_errc::not_awaiting_acknowledgement);
  EXPECT_EQ(ack(peer, qos::exactly_once, 4), session_errc::not_awaiting_acknowledgement);
  EXPECT_TRUE(peer.sent().empty());
  // The ids are new messages now.
  peer.take_actions();
  peer.receive(make_publish("t", "3", qos::exactly_once, 4));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
}

TEST(ManualAcknowledgement, AnIdReusedForANewMessageIsAnsweredWhenBothAreAcknowledged) {
  scripted_peer peer(manual_config());
  peer.connect();
  peer.receive(make_publish("t", "1", qos::exactly_once, 4));
  // DUP 0 with an id awaiting its PUBREL: the broker forgot the exchange (see
  // session_config::dup_flag_marks_resends); a new message.
  peer.receive(make_publish("t", "2", qos::exactly_once, 4));
  EXPECT_EQ(peer.take<message_received>().size(), 2u);
  EXPECT_EQ(peer.client().unacknowledged(), 2u);
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_FALSE(ack(peer, qos::exactly_once, 4));
  EXPECT_EQ(peer.sent(), packets{pubrec{4}});
}

TEST(ManualAcknowledgement, TheLimitSaysWhenToStopReading) {
  scripted_peer peer(manual_config(protocol_version::v3_1_1, 2));
  peer.connect();
  peer.receive(make_publish("t", "1", qos::at_least_once, 1));
  EXPECT_FALSE(peer.client().acknowledgements_full());
  peer.receive(make_publish("t", "2", qos::exactly_once, 2));
  EXPECT_TRUE(peer.client().acknowledgements_full());
  peer.receive(make_publish("t", "3", qos::at_most_once, 0)); // QoS 0 needs no answer
  EXPECT_EQ(peer.client().unacknowledged(), 2u);
  EXPECT_FALSE(ack(peer, qos::at_least_once, 1));
  EXPECT_FALSE(peer.client().acknowledgements_full());
}

TEST(ManualAcknowledgement, V5AnnouncesTheLimitAsReceiveMaximum) {
  auto config = manual_config(protocol_version::v5, 2);
  scripted_peer peer(config);
  peer.open();
  auto sent = peer.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<connect>(sent[0]).props.integer(property_id::receive_maximum), 2u);
  peer.receive(connack{});
  peer.receive(make_publish("t", "1", qos::at_least_once, 1));
  peer.receive(make_publish("t", "2", qos::exactly_once, 2));
  EXPECT_TRUE(peer.client().acknowledgements_full());
  // A broker that sends past it (mosquitto 2.0.11 does) is not cut off: what
  // was read is delivered, and the runner has stopped reading.
  peer.take_actions();
  peer.receive(make_publish("t", "3", qos::at_least_once, 3));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  EXPECT_TRUE(peer.take<close_connection>().empty());
  EXPECT_EQ(peer.client().unacknowledged(), 3u);
}

TEST(ManualAcknowledgement, ALowerReceiveMaximumInTheConnectIsTheLimit) {
  auto config = manual_config(protocol_version::v5, 100);
  config.connect_packet.props.add(property_id::receive_maximum, std::uint16_t{3});
  scripted_peer peer(config);
  peer.connect();
  for (std::uint16_t id = 1; id <= 3; ++id) {
    peer.receive(make_publish("t", "x", qos::at_least_once, id));
  }
  EXPECT_TRUE(peer.client().acknowledgements_full());
}

} // namespace
} // namespace braid::protocol::testing
