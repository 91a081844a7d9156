// Outgoing publishing rules: MQTT 5 reason codes, the in-flight window and
// its queue, the broker's limits from CONNACK, packet-id allocation, answers
// for unknown ids, a lost session, outgoing topic aliases, requests made while
// offline, cancelling, and publishes refused for invalid input.
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace braid::protocol {
namespace {

using testing::actions;
using testing::make_config;
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

constexpr auto q0 = qos::at_most_once;
constexpr auto q1 = qos::at_least_once;
constexpr auto q2 = qos::exactly_once;

/// The completion of publish `id`.
request_completed done(request_id id, std::error_code ec = {},
                       reason_code rc = reason_code::success, properties props = {}) {
  request_completed c;
  c.id = id;
  c.kind = request_kind::publish;
  c.error = ec;
  c.reason = rc;
  c.props = std::move(props);
  return c;
}

/// A CONNACK (MQTT 5) with the given integer properties.
connack ack_with(std::initializer_list<std::pair<property_id, std::uint32_t>> props,
                 bool session_present = false) {
  connack a;
  a.session_present = session_present;
  for (const auto& [id, value] : props) {
    a.props.add(id, value);
  }
  return a;
}

/// What a session does on an accepted CONNACK with keep alive 60 s.
connected connected_event(connack ack, std::size_t resent = 0, std::size_t republished = 0,
                          std::size_t failed = 0) {
  connected c;
  c.ack = std::move(ack);
  c.resent = resent;
  c.republished = republished;
  c.failed = failed;
  return c;
}

const arm_timer keep_alive_armed{timer_id::keep_alive, 60'000};

/// A PUBLISH with a Topic Alias, as the broker sees it.
publish aliased(std::string topic, std::string payload, qos q, std::uint16_t id,
                std::uint16_t alias) {
  auto p = make_publish(std::move(topic), std::move(payload), q, id);
  p.props.add(property_id::topic_alias, alias);
  return p;
}

/// A publish request that is expected to be refused: returns the error.
std::error_code refused(scripted_peer& peer, publish message) {
  request_id id = 0;
  auto ec = peer.client().publish(std::move(message), id, peer.now());
  EXPECT_EQ(id, 0u) << "a refused publish must not be given a request id";
  return ec;
}

session_config v5_config(bool clean_start = true) {
  return make_config(protocol_version::v5, clean_start);
}

// --- MQTT 5 reason codes in acknowledgements -------------------------------------

TEST(FlowControlReasonCodes, PubackErrorEndsTheFlowFreesTheIdAndSendsTheNext) {
  auto config = v5_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  properties props;
  props.add(property_id::reason_string, std::string{"over quota"});
  peer.receive(puback{1, reason_code::quota_exceeded, props});
  EXPECT_EQ(peer.take_actions(), actions{done(a, make_error_code(reason_code::quota_exceeded),
                                              reason_code::quota_exceeded, props)});
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
  EXPECT_EQ(peer.client().in_flight(), 1u);
  EXPECT_EQ(peer.client().state(), session_state::connected);
  peer.receive(puback{2});
  EXPECT_EQ(peer.take_actions(), actions{done(b)});
}

TEST(FlowControlReasonCodes, ReasonErrorUsesTheMqttCategory) {
  auto ec = make_error_code(reason_code::not_authorized);
  EXPECT_STREQ(ec.category().name(), "braid.mqtt");
  EXPECT_EQ(ec.value(), 0x87);
  EXPECT_EQ(ec, make_error_code(reason_code::not_authorized));
  EXPECT_NE(ec, std::error_code(0x87, session_category()));
}

TEST(FlowControlReasonCodes, PubrecErrorEndsTheQoS2FlowWithoutPubrel) {
  auto config = v5_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q2);
  auto b = peer.publish("t", "2", q2);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q2, 1)});
  peer.receive(pubrec{1, reason_code::not_authorized, {}});
  EXPECT_EQ(peer.take_actions(), actions{done(a, make_error_code(reason_code::not_authorized),
                                              reason_code::not_authorized)});
  // No PUBREL for a refused message: the next one goes out instead.
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q2, 2)});
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_EQ(peer.store().size(), 1u);
  peer.receive(pubrec{2});
  EXPECT_EQ(peer.sent(), packets{pubrel{2}});
  peer.receive(pubcomp{2});
  EXPECT_EQ(peer.take_actions(), actions{done(b)});
}

TEST(FlowControlReasonCodes, PubackNoMatchingSubscribersIsSuccessWithTheReason) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  peer.sent();
  peer.receive(puback{1, reason_code::no_matching_subscribers, {}});
  EXPECT_EQ(peer.take_actions(), actions{done(a, {}, reason_code::no_matching_subscribers)});
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
}

TEST(FlowControlReasonCodes, PubrecNoMatchingSubscribersContinuesWithPubrel) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "1", q2);
  peer.sent();
  peer.receive(pubrec{1, reason_code::no_matching_subscribers, {}});
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  peer.receive(pubcomp{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
}

TEST(FlowControlReasonCodes, PubcompPacketIdentifierNotFoundEndsWithThatError) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "1", q2);
  peer.sent();
  peer.receive(pubrec{1});
  peer.sent();
  peer.receive(pubcomp{1, reason_code::packet_identifier_not_found, {}});
  EXPECT_EQ(peer.take_actions(),
            actions{done(a, make_error_code(reason_code::packet_identifier_not_found),
                         reason_code::packet_identifier_not_found)});
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_EQ(peer.client().in_flight(), 0u);
}

// --- the in-flight window and the queue -----------------------------------------

TEST(FlowControlWindow, AtMostWindowInFlightTheRestQueuedInOrder) {
  auto config = make_config();
  config.window = 2;
  scripted_peer peer(config);
  peer.connect();
  request_id ids[5];
  for (int i = 0; i < 5; ++i) {
    ids[i] = peer.publish("t", std::to_string(i), q1);
  }
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "0", q1, 1), make_publish("t", "1", q1, 2)}));
  EXPECT_EQ(peer.client().in_flight(), 2u);
  EXPECT_EQ(peer.client().queued(), 3u);
  // An acknowledgement out of order frees a slot: the oldest queued goes.
  peer.receive(puback{2});
  EXPECT_EQ(peer.take_actions(), actions{done(ids[1])});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 3)});
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(ids[0])});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", q1, 4)});
  peer.receive(puback{3});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "4", q1, 5)});
  EXPECT_EQ(peer.client().queued(), 0u);
  EXPECT_EQ(peer.client().in_flight(), 2u);
}

TEST(FlowControlWindow, QoS0IsNotCountedInTheWindow) {
  auto config = make_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  peer.publish("t", "1", q1);
  auto zero = peer.publish("t", "0", q0);
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 1), make_publish("t", "0", q0, 0)}));
  EXPECT_EQ(peer.take_actions(), actions{done(zero)});
}

TEST(FlowControlWindow, QueueBoundRefusesWithQueueFullThenReportsSpace) {
  auto config = make_config();
  config.window = 1;
  config.queue_limit = 2;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  peer.publish("t", "3", q1);
  EXPECT_EQ(peer.client().queued(), 2u);
  EXPECT_EQ(refused(peer, make_publish("t", "4", q1, 0)),
            make_error_code(session_errc::queue_full));
  EXPECT_EQ(peer.client().queued(), 2u);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), (actions{done(a), queue_space_available{}}));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
  // Space was reported once; a publish is accepted again.
  auto d = peer.publish("t", "4", q1);
  EXPECT_NE(d, 0u);
  peer.receive(puback{2});
  EXPECT_EQ(peer.take_actions(), actions{done(b)});
}

TEST(FlowControlWindow, QueueSpaceIsReportedOnlyAfterARefusal) {
  auto config = make_config();
  config.window = 1;
  config.queue_limit = 2;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.publish("t", "3", q1);
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
}

TEST(FlowControlWindow, QueueFullWhileOfflineReportsSpaceAfterConnack) {
  auto config = make_config();
  config.window = 1;
  config.queue_limit = 2;
  scripted_peer peer(config);
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  EXPECT_EQ(refused(peer, make_publish("t", "3", q1, 0)),
            make_error_code(session_errc::queue_full));
  peer.open();
  peer.sent();
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_EQ(peer.take_actions(),
            (actions{queue_space_available{}, keep_alive_armed, connected_event(connack{})}));
}

TEST(FlowControlWindow, SetWindowGrowsTheWindowAndSendsAtOnce) {
  auto config = make_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  for (int i = 0; i < 4; ++i) {
    peer.publish("t", std::to_string(i), q1);
  }
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "0", q1, 1)});
  peer.client().set_window(3);
  EXPECT_EQ(peer.client().window(), 3u);
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 2), make_publish("t", "2", q1, 3)}));
  EXPECT_EQ(peer.client().in_flight(), 3u);
  EXPECT_EQ(peer.client().queued(), 1u);
  EXPECT_TRUE(peer.take_actions().empty());
}

TEST(FlowControlWindow, SetWindowShrinkingWaitsUntilInFlightIsBelowIt) {
  auto config = make_config();
  config.window = 3;
  scripted_peer peer(config);
  peer.connect();
  for (int i = 0; i < 4; ++i) {
    peer.publish("t", std::to_string(i), q1);
  }
  peer.sent();
  peer.client().set_window(1);
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(puback{1});
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(puback{2});
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(puback{3});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", q1, 4)});
}

TEST(FlowControlWindow, SetWindowWhileOfflineSendsNothing) {
  auto config = make_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.client().set_window(5);
  EXPECT_TRUE(peer.sent().empty());
  peer.open();
  peer.sent();
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 1), make_publish("t", "2", q1, 2)}));
}

class FlowControlReceiveMaximum : public ::testing::TestWithParam<std::uint16_t> {};

TEST_P(FlowControlReceiveMaximum, LimitsInFlightToTheBrokersReceiveMaximum) {
  const auto receive_maximum = GetParam();
  auto config = v5_config();
  config.window = 10;
  scripted_peer peer(config);
  peer.connect(ack_with({{property_id::receive_maximum, receive_maximum}}));
  EXPECT_EQ(peer.client().window(), receive_maximum);
  for (int i = 0; i < 6; ++i) {
    peer.publish("t", std::to_string(i), q2);
  }
  packets expected;
  for (std::uint16_t i = 0; i < receive_maximum; ++i) {
    expected.push_back(make_publish("t", std::to_string(i), q2, static_cast<std::uint16_t>(i + 1)));
  }
  EXPECT_EQ(peer.sent(), expected);
  EXPECT_EQ(peer.client().in_flight(), receive_maximum);
  // PUBREC does not free a slot (the message stays unacknowledged until PUBCOMP).
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  peer.receive(pubcomp{1});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", std::to_string(receive_maximum), q2,
                                              static_cast<std::uint16_t>(receive_maximum + 1))});
  EXPECT_EQ(peer.client().in_flight(), receive_maximum);
}

INSTANTIATE_TEST_SUITE_P(OneTwoThree, FlowControlReceiveMaximum, ::testing::Values(1, 2, 3));

TEST(FlowControlWindow, ReceiveMaximumAboveTheWindowKeepsTheWindow) {
  auto config = v5_config();
  config.window = 2;
  scripted_peer peer(config);
  peer.connect(ack_with({{property_id::receive_maximum, 100}}));
  EXPECT_EQ(peer.client().window(), 2u);
}

TEST(FlowControlWindow, ReceiveMaximumIsForgottenOnTheNextConnection) {
  auto config = v5_config();
  config.window = 4;
  scripted_peer peer(config);
  peer.connect(ack_with({{property_id::receive_maximum, 1}}));
  EXPECT_EQ(peer.client().window(), 1u);
  peer.close();
  peer.connect();
  EXPECT_EQ(peer.client().window(), 4u);
}

// --- the broker's limits ------------------------------------------------------------

TEST(FlowControlBrokerLimits, MaximumQoS0RefusesQoS1And2) {
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::maximum_qos, 0}}));
  EXPECT_EQ(refused(peer, make_publish("t", "1", q1, 0)),
            make_error_code(session_errc::qos_not_supported));
  EXPECT_EQ(refused(peer, make_publish("t", "2", q2, 0)),
            make_error_code(session_errc::qos_not_supported));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.store().size(), 0u);
  peer.publish("t", "0", q0);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "0", q0, 0)});
}

TEST(FlowControlBrokerLimits, MaximumQoS1RefusesQoS2Only) {
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::maximum_qos, 1}}));
  EXPECT_EQ(refused(peer, make_publish("t", "2", q2, 0)),
            make_error_code(session_errc::qos_not_supported));
  EXPECT_TRUE(peer.sent().empty());
  peer.publish("t", "1", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
}

TEST(FlowControlBrokerLimits, QueuedWhileOfflineAboveMaximumQoSFailsAfterConnack) {
  scripted_peer peer(v5_config());
  auto a = peer.publish("t", "2", q2);
  auto b = peer.publish("t", "1", q1);
  peer.open();
  peer.sent();
  auto ack = ack_with({{property_id::maximum_qos, 1}});
  peer.receive(ack);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_EQ(peer.take_actions(), (actions{done(a, make_error_code(session_errc::qos_not_supported)),
                                          keep_alive_armed, connected_event(ack)}));
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(b)});
}

TEST(FlowControlBrokerLimits, RetainNotAvailableRefusesRetainedMessages) {
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::retain_available, 0}}));
  for (auto q : {q0, q1, q2}) {
    EXPECT_EQ(refused(peer, make_publish("t", "r", q, 0, false, true)),
              make_error_code(session_errc::retain_not_supported));
  }
  EXPECT_TRUE(peer.sent().empty());
  peer.publish("t", "1", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
}

std::size_t size_on_wire(const publish& p, protocol_version v) {
  std::size_t size = 0;
  EXPECT_FALSE(encoded_size(p.view(), v, size));
  return size;
}

TEST(FlowControlBrokerLimits, MaximumPacketSizeRefusesLocallyAndWritesNothing) {
  const auto message = make_publish("a/b", "0123456789", q1, 1);
  const auto size = size_on_wire(message, protocol_version::v5);
  scripted_peer peer(v5_config());
  peer.connect(
      ack_with({{property_id::maximum_packet_size, static_cast<std::uint32_t>(size - 1)}}));
  EXPECT_EQ(refused(peer, make_publish("a/b", "0123456789", q1, 0)),
            make_error_code(session_errc::packet_too_large));
  // QoS 0 has no packet id: two bytes more payload for the same size.
  EXPECT_EQ(refused(peer, make_publish("a/b", "0123456789ab", q0, 0)),
            make_error_code(session_errc::packet_too_large));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  // One byte less fits exactly.
  peer.publish("a/b", "012345678", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "012345678", q1, 1)});
}

TEST(FlowControlBrokerLimits, MaximumPacketSizeIsNotExceededByAnAddedTopicAlias) {
  const auto message = make_publish("a/b", "0123456789", q1, 1);
  const auto size = size_on_wire(message, protocol_version::v5);
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::maximum_packet_size, static_cast<std::uint32_t>(size)},
                         {property_id::topic_alias_maximum, 5}}));
  peer.publish("a/b", "0123456789", q1);
  auto raw = peer.sent_bytes();
  EXPECT_EQ(raw.size(), size) << "the session wrote a packet over the broker's maximum";
  // Sent without an alias, and none was given to the topic.
  peer.publish("a/b", "0123456789", q1);
  peer.publish("c", "0", q0);
  EXPECT_EQ(peer.sent(),
            (packets{make_publish("a/b", "0123456789", q1, 2), aliased("c", "0", q0, 0, 1)}));
}

TEST(FlowControlBrokerLimits, AKnownAliasIsNotUsedWhenItMakesThePacketTooLarge) {
  // For a one-letter topic the alias is longer than the topic it replaces.
  const auto size = size_on_wire(make_publish("a", "0123456789", q0, 0), protocol_version::v5);
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::maximum_packet_size, static_cast<std::uint32_t>(size)},
                         {property_id::topic_alias_maximum, 5}}));
  peer.publish("a", "0", q0);
  peer.publish("a", "0123456789", q0);
  peer.publish("a", "1", q0);
  EXPECT_EQ(peer.sent(),
            (packets{aliased("a", "0", q0, 0, 1), make_publish("a", "0123456789", q0, 0),
                     aliased("", "1", q0, 0, 1)}));
}

TEST(FlowControlBrokerLimits, QueuedWhileOfflineTooLargeFailsAfterConnack) {
  const auto size = size_on_wire(make_publish("t", "big payload", q1, 1), protocol_version::v5);
  scripted_peer peer(v5_config());
  auto a = peer.publish("t", "big payload", q1);
  auto b = peer.publish("t", "small", q1);
  peer.open();
  peer.sent();
  auto ack = ack_with({{property_id::maximum_packet_size, static_cast<std::uint32_t>(size - 1)}});
  peer.receive(ack);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "small", q1, 1)});
  EXPECT_EQ(peer.take_actions(), (actions{done(a, make_error_code(session_errc::packet_too_large)),
                                          keep_alive_armed, connected_event(ack)}));
  EXPECT_EQ(b, a + 1);
}

// --- packet identifiers -------------------------------------------------------------

TEST(FlowControlPacketIds, WrapAroundSkipsIdsStillInUse) {
  auto config = make_config();
  config.window = 2;
  scripted_peer peer(config);
  peer.connect();
  auto held = peer.publish("held", "1", q1);            // id 1, never acknowledged until the end
  auto sub = peer.subscribe({subscription{"s/#", {}}}); // id 2, unanswered for now
  EXPECT_EQ(peer.sent(), (packets{make_publish("held", "1", q1, 1),
                                  subscribe{2, {subscription{"s/#", {}}}, {}}}));
  for (std::uint32_t expected = 3; expected <= 65535; ++expected) {
    request_id id = 0;
    auto message = make_publish("t", "", q1, 0);
    ASSERT_FALSE(peer.client().publish(std::move(message), id, peer.now()));
    auto sent = peer.sent();
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(std::get<publish>(sent[0]).packet_id, expected);
    peer.receive(puback{static_cast<std::uint16_t>(expected)});
    ASSERT_EQ(peer.take_actions(), actions{done(id)});
  }
  // 65535 was the last: the allocator wraps to 1, which is in use, and 2 (the SUBSCRIBE).
  auto next = peer.publish("t", "wrapped", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "wrapped", q1, 3)});
  peer.receive(suback{2, {reason_code::granted_qos_0}, {}});
  peer.receive(puback{1});
  peer.receive(puback{3});
  auto completions = peer.take<request_completed>();
  ASSERT_EQ(completions.size(), 3u);
  EXPECT_EQ(completions[0].id, sub);
  EXPECT_EQ(completions[1], done(held));
  EXPECT_EQ(completions[2], done(next));
  EXPECT_EQ(peer.client().packet_ids().size(), 0u);
}

TEST(FlowControlPacketIds, WhenEveryIdIsInUseTheNextMessageWaitsForOne) {
  auto config = make_config();
  config.window = 65535;
  scripted_peer peer(config);
  peer.connect();
  for (int i = 0; i < 65535; ++i) {
    request_id id = 0;
    ASSERT_FALSE(peer.client().publish(make_publish("t", "", q1, 0), id, peer.now()));
  }
  peer.sent_bytes();
  EXPECT_EQ(peer.client().packet_ids().size(), 65535u);
  peer.publish("t", "last", q1);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().queued(), 1u);
  EXPECT_EQ(peer.client().in_flight(), 65535u);
  peer.receive(puback{500});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "last", q1, 500)});
  EXPECT_EQ(peer.client().queued(), 0u);
}

TEST(FlowControlPacketIds, AFreedIdIsNotReusedAtOnce) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.publish("t", "1", q1);
  peer.receive(puback{1});
  peer.publish("t", "2", q1);
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 1), make_publish("t", "2", q1, 2)}));
}

// --- acknowledgements for unknown ids -------------------------------------------------

TEST(FlowControlUnknownIds, PubackAndPubcompForUnknownIdsAreIgnored) {
  scripted_peer peer(v5_config());
  peer.connect();
  peer.publish("t", "2", q2); // id 1, waiting for PUBREC
  peer.sent();
  peer.receive(puback{9});
  peer.receive(pubcomp{9});
  peer.receive(puback{1});  // id 1 is a QoS 2 message: in MQTT 5 a PUBACK does not end it
  peer.receive(pubcomp{1}); // nor does a PUBCOMP before PUBREC
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
  EXPECT_EQ(peer.client().in_flight(), 1u);
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
}

TEST(FlowControlUnknownIds, PubrecForAnUnknownIdIsAnsweredWithPubrelNotFound) {
  scripted_peer peer(v5_config());
  peer.connect();
  peer.receive(pubrec{42});
  EXPECT_EQ(peer.sent(), (packets{pubrel{42, reason_code::packet_identifier_not_found, {}}}));
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
  EXPECT_FALSE(peer.client().packet_ids().in_use(42));
}

TEST(FlowControlUnknownIds, PubrecForAnUnknownIdIsAnsweredWithPubrelInMqtt311) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.receive(pubrec{42});
  EXPECT_EQ(peer.sent(), packets{pubrel{42}});
  EXPECT_TRUE(peer.take_actions().empty());
}

// [MQTT-4.3.3-4]: a PUBREC with a reason code of 0x80 or more ends the
// exchange; the sender sends no PUBREL for it, known id or not.
TEST(FlowControlUnknownIds, FailedPubrecForAnUnknownIdIsNotAnswered) {
  scripted_peer peer(v5_config());
  peer.connect();
  peer.receive(pubrec{42, reason_code::quota_exceeded, {}});
  peer.receive(pubrec{43, reason_code::unspecified_error, {}});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

TEST(FlowControlUnknownIds, FailedPubrecForAQoS1IdIsNotAnswered) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  peer.sent();
  peer.receive(pubrec{1, reason_code::implementation_specific_error, {}});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().in_flight(), 1u); // still waiting for its PUBACK
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
}

TEST(FlowControlUnknownIds, FailedPubrecAfterPubcompIsNotAnswered) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "2", q2);
  peer.sent();
  peer.receive(pubrec{1});
  peer.receive(pubcomp{1});
  EXPECT_EQ(peer.sent(), packets{pubrel{1}});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
  peer.receive(pubrec{1, reason_code::packet_identifier_in_use, {}});
  EXPECT_TRUE(peer.sent().empty());
}

TEST(FlowControlUnknownIds, DuplicatePubrecIsAnsweredWithPubrelAgain) {
  scripted_peer peer(v5_config());
  peer.connect();
  auto a = peer.publish("t", "2", q2);
  peer.sent();
  peer.receive(pubrec{1});
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), (packets{pubrel{1}, pubrel{1}}));
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(pubcomp{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
  // After PUBCOMP the id is unknown: PUBREC gets "not found".
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), (packets{pubrel{1, reason_code::packet_identifier_not_found, {}}}));
}

// --- the broker lost the session ------------------------------------------------------

TEST(FlowControlSessionLost, InFlightRepublishedAsNewMessagesBeforeLaterOnes) {
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 3;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q2);
  auto c = peer.publish("t", "3", q1);
  auto d = peer.publish("t", "4", q1); // queued: the window is full
  peer.sent();
  peer.receive(pubrec{2});
  EXPECT_EQ(peer.sent(), packets{pubrel{2}});
  peer.close();
  peer.take_actions();
  auto e = peer.publish("t", "5", q1); // made while offline
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  // The QoS 2 message whose PUBREC came belongs to the broker: complete, never
  // sent again (5.0 4.3.3-6). The others: new ids (the allocator moves on),
  // DUP 0, original order, then the queue.
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 4), make_publish("t", "3", q1, 5),
                                  make_publish("t", "4", q1, 6)}));
  EXPECT_EQ(peer.take_actions(),
            (actions{done(b), keep_alive_armed, connected_event(connack{}, 0, 2)}));
  peer.receive(puback{4});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "5", q1, 7)});
  peer.receive(puback{5});
  peer.receive(puback{6});
  peer.receive(puback{7});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{done(a), done(c), done(d), done(e)}));
  EXPECT_EQ(peer.store().size(), 0u);
}

TEST(FlowControlSessionLost, FailPolicyCompletesInFlightWithSessionLost) {
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 2;
  config.on_session_lost = session_lost_policy::fail;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q2);
  auto c = peer.publish("t", "3", q1); // queued: never sent, so not lost
  peer.sent();
  peer.close();
  peer.take_actions();
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_EQ(peer.take_actions(), (actions{done(a, make_error_code(session_errc::session_lost)),
                                          done(b, make_error_code(session_errc::session_lost)),
                                          keep_alive_armed, connected_event(connack{}, 0, 0, 2)}));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", q1, 3)});
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_FALSE(peer.client().packet_ids().in_use(2));
  peer.receive(puback{3});
  EXPECT_EQ(peer.take_actions(), actions{done(c)});
}

TEST(FlowControlSessionLost, CleanStartLosesTheSessionOnEveryReconnect) {
  auto config = make_config(); // clean start on
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  peer.close();
  EXPECT_EQ(peer.take_actions(), actions{cancel_timer{timer_id::keep_alive}});
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 2)});
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(connack{}, 0, 1)}));
  peer.close();
  peer.take_actions();
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 3)});
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(connack{}, 0, 1)}));
  peer.receive(puback{3});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
}

TEST(FlowControlSessionLost, WindowOneRepublishesInOrder) {
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.sent();
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 2)});
  peer.receive(puback{2});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 3)});
}

// --- outgoing topic aliases (MQTT 5) ---------------------------------------------------

TEST(FlowControlTopicAlias, FirstPublishCarriesTopicAndAliasLaterOnesOnlyTheAlias) {
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::topic_alias_maximum, 4}}));
  peer.publish("a/b", "1", q0);
  peer.publish("a/b", "2", q1);
  peer.publish("c", "3", q2);
  peer.publish("a/b", "4", q0);
  peer.publish("c", "5", q0);
  EXPECT_EQ(peer.sent(), (packets{aliased("a/b", "1", q0, 0, 1), aliased("", "2", q1, 1, 1),
                                  aliased("c", "3", q2, 2, 2), aliased("", "4", q0, 0, 1),
                                  aliased("", "5", q0, 0, 2)}));
}

TEST(FlowControlTopicAlias, AtMostTheBrokersMaximumAliases) {
  scripted_peer peer(v5_config());
  peer.connect(ack_with({{property_id::topic_alias_maximum, 2}}));
  peer.publish("a", "1", q0);
  peer.publish("b", "2", q0);
  peer.publish("c", "3", q0);
  peer.publish("c", "4", q0);
  peer.publish("a", "5", q0);
  EXPECT_EQ(peer.sent(), (packets{aliased("a", "1", q0, 0, 1), aliased("b", "2", q0, 0, 2),
                                  make_publish("c", "3", q0, 0), make_publish("c", "4", q0, 0),
                                  aliased("", "5", q0, 0, 1)}));
}

TEST(FlowControlTopicAlias, NoAliasesWithoutTheBrokersMaximumOrWhenDisabled) {
  {
    scripted_peer peer(v5_config());
    peer.connect();
    peer.publish("a", "1", q0);
    peer.publish("a", "2", q0);
    EXPECT_EQ(peer.sent(), (packets{make_publish("a", "1", q0, 0), make_publish("a", "2", q0, 0)}));
  }
  {
    auto config = v5_config();
    config.auto_topic_alias = false;
    scripted_peer peer(config);
    peer.connect(ack_with({{property_id::topic_alias_maximum, 2}}));
    peer.publish("a", "1", q0);
    peer.publish("a", "2", q0);
    EXPECT_EQ(peer.sent(), (packets{make_publish("a", "1", q0, 0), make_publish("a", "2", q0, 0)}));
  }
}

TEST(FlowControlTopicAlias, ResendAfterReconnectCarriesTheFullTopicWithDupAndNoAlias) {
  scripted_peer peer(v5_config(false));
  const auto ack = ack_with({{property_id::topic_alias_maximum, 4}});
  peer.connect(ack);
  peer.publish("a/b", "1", q1);
  peer.publish("a/b", "2", q2);
  EXPECT_EQ(peer.sent(), (packets{aliased("a/b", "1", q1, 1, 1), aliased("", "2", q2, 2, 1)}));
  peer.close();
  peer.take_actions();
  peer.open();
  peer.sent();
  auto resumed = ack;
  resumed.session_present = true;
  peer.receive(resumed);
  EXPECT_EQ(peer.sent(), (packets{make_publish("a/b", "1", q1, 1, true),
                                  make_publish("a/b", "2", q2, 2, true)}));
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(resumed, 2)}));
  // The alias table starts again on the new connection.
  peer.publish("a/b", "3", q0);
  EXPECT_EQ(peer.sent(), packets{aliased("a/b", "3", q0, 0, 1)});
}

// --- requests made while offline ------------------------------------------------------

TEST(FlowControlOffline, QoS0WhileDisconnectedIsSentAfterConnack) {
  scripted_peer peer(make_config());
  auto a = peer.publish("t", "1", q0);
  auto b = peer.publish("t", "2", q0);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  peer.open();
  EXPECT_EQ(peer.sent(), packets{make_config().connect_packet});
  auto c = peer.publish("t", "3", q0); // CONNECT sent, no CONNACK yet: still held
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q0, 0), make_publish("t", "2", q0, 0),
                                  make_publish("t", "3", q0, 0)}));
  EXPECT_EQ(peer.take_actions(),
            (actions{done(a), done(b), done(c), keep_alive_armed, connected_event(connack{})}));
}

TEST(FlowControlOffline, OfflineLimitRefusesQoS0WithQueueFull) {
  auto config = make_config();
  config.offline_limit = 2;
  scripted_peer peer(config);
  peer.publish("t", "1", q0);
  peer.publish("t", "2", q0);
  EXPECT_EQ(refused(peer, make_publish("t", "3", q0, 0)),
            make_error_code(session_errc::queue_full));
  peer.connect();
  // Sent and forgotten: there is room again.
  auto d = peer.publish("t", "4", q0);
  EXPECT_NE(d, 0u);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "4", q0, 0)});
}

TEST(FlowControlOffline, QoS0HeldOfflineGoesBeforeQueuedQoS1AndAfterResentOnes) {
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.sent();
  peer.close();
  peer.publish("t", "0", q0);
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(),
            (packets{make_publish("t", "1", q1, 1, true), make_publish("t", "0", q0, 0)}));
  peer.receive(puback{1});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
}

// --- cancel ---------------------------------------------------------------------------

TEST(FlowControlCancel, CancelOfAQueuedPublishCompletesAndItIsNeverSent) {
  auto config = make_config();
  config.window = 1;
  scripted_peer peer(config);
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  auto c = peer.publish("t", "3", q1);
  peer.sent();
  EXPECT_TRUE(peer.client().cancel(b));
  EXPECT_EQ(peer.take_actions(), actions{done(b, make_error_code(session_errc::cancelled))});
  EXPECT_EQ(peer.client().queued(), 1u);
  EXPECT_EQ(peer.store().find(b), nullptr);
  EXPECT_FALSE(peer.client().cancel(b)); // already gone
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", q1, 2)});
  peer.receive(puback{2});
  EXPECT_EQ(peer.take_actions(), actions{done(c)});
}

TEST(FlowControlCancel, CancelOfASentPublishReturnsFalse) {
  scripted_peer peer(make_config());
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  auto z = peer.publish("t", "0", q0); // QoS 0: completed when written
  peer.sent();
  peer.take_actions();
  EXPECT_FALSE(peer.client().cancel(a));
  EXPECT_FALSE(peer.client().cancel(z));
  EXPECT_FALSE(peer.client().cancel(12345));
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
}

TEST(FlowControlCancel, CancelWhileOfflineOfQoS1AndQoS0) {
  scripted_peer peer(make_config());
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "0", q0);
  auto c = peer.publish("t", "2", q1);
  EXPECT_TRUE(peer.client().cancel(a));
  EXPECT_TRUE(peer.client().cancel(b));
  EXPECT_EQ(peer.take_actions(), (actions{done(a, make_error_code(session_errc::cancelled)),
                                          done(b, make_error_code(session_errc::cancelled))}));
  peer.open();
  peer.sent();
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 1)});
  peer.receive(puback{1});
  EXPECT_EQ(peer.take<request_completed>(), std::vector<request_completed>{done(c)});
}

TEST(FlowControlCancel, CancelFreesQueueSpaceAndReportsIt) {
  auto config = make_config();
  config.window = 1;
  config.queue_limit = 1;
  scripted_peer peer(config);
  peer.connect();
  peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  EXPECT_EQ(refused(peer, make_publish("t", "3", q1, 0)),
            make_error_code(session_errc::queue_full));
  EXPECT_TRUE(peer.client().cancel(b));
  EXPECT_EQ(peer.take_actions(),
            (actions{done(b, make_error_code(session_errc::cancelled)), queue_space_available{}}));
}

// --- invalid requests -----------------------------------------------------------------

TEST(FlowControlInvalid, TopicWithAWildcardIsRefused) {
  scripted_peer peer(make_config());
  peer.connect();
  EXPECT_EQ(refused(peer, make_publish("a/+", "x", q1, 0)),
            make_error_code(errc::topic_name_wildcard));
  EXPECT_EQ(refused(peer, make_publish("a/#", "x", q0, 0)),
            make_error_code(errc::topic_name_wildcard));
  EXPECT_EQ(refused(peer, make_publish("", "x", q1, 0)), make_error_code(errc::topic_name_empty));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.store().size(), 0u);
  // Nothing was consumed: the next message gets id 1.
  peer.publish("a/b", "x", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("a/b", "x", q1, 1)});
}

TEST(FlowControlInvalid, MqttFivePropertiesInMqtt311AreRefused) {
  scripted_peer peer(make_config());
  peer.connect();
  auto message = make_publish("a/b", "x", q1, 0);
  message.props.add(property_id::message_expiry_interval, 10);
  EXPECT_EQ(refused(peer, message), make_error_code(errc::not_in_protocol_version));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
}

TEST(FlowControlInvalid, InvalidRequestIsRefusedWhileOfflineToo) {
  scripted_peer peer(make_config());
  EXPECT_EQ(refused(peer, make_publish("a/+", "x", q1, 0)),
            make_error_code(errc::topic_name_wildcard));
  EXPECT_EQ(peer.client().queued(), 0u);
  EXPECT_EQ(peer.store().size(), 0u);
}

// --- the blocking overflow policy -------------------------------------------------

session_config blocking_config(std::size_t window, std::size_t queue_limit,
                               protocol_version v = protocol_version::v3_1_1) {
  auto config = make_config(v);
  config.window = static_cast<std::uint16_t>(window);
  config.queue_limit = queue_limit;
  config.on_queue_full = overflow_policy::block;
  return config;
}

TEST(FlowControlBlock, APublishBeyondTheLimitWaitsAndLaterOnesWaitBehindIt) {
  scripted_peer peer(blocking_config(1, 2));
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.publish("t", "3", q1);
  auto d = peer.publish("t", "4", q1); // the queue is full: d waits
  auto e = peer.publish("t", "5", q0); // QoS 0 waits behind it, in order
  EXPECT_NE(d, 0u);
  EXPECT_NE(e, 0u);
  EXPECT_EQ(peer.client().queued(), 2u);
  EXPECT_EQ(peer.client().blocked(), 2u);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_TRUE(peer.take_actions().empty());
  // Room: d enters the queue, and e goes out behind it.
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), (actions{done(a), done(e)}));
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "2", q1, 2), make_publish("t", "5", q0, 0)}));
  EXPECT_EQ(peer.client().queued(), 2u);
  EXPECT_EQ(peer.client().blocked(), 0u);
  peer.receive(puback{2});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "3", q1, 3)});
  peer.receive(puback{3});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "4", q1, 4)});
  peer.take_actions();
  peer.receive(puback{4});
  EXPECT_EQ(peer.take_actions(), actions{done(d)});
}

TEST(FlowControlBlock, WithoutAConnectionBlockedPublishesEnterAfterTheConnack) {
  scripted_peer peer(blocking_config(1, 1));
  auto a = peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  EXPECT_EQ(peer.client().blocked(), 1u);
  peer.open();
  peer.sent();
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(connack{})}));
  EXPECT_EQ(peer.client().queued(), 1u);
  EXPECT_EQ(peer.client().blocked(), 0u);
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
  peer.receive(puback{2});
  EXPECT_EQ(peer.take_actions(), actions{done(b)});
}

TEST(FlowControlBlock, ABlockedPublishCanBeCancelled) {
  scripted_peer peer(blocking_config(1, 1));
  peer.connect();
  auto a = peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  auto c = peer.publish("t", "3", q1);
  auto z = peer.publish("t", "0", q0); // behind c
  peer.sent();
  EXPECT_TRUE(peer.client().cancel(c));
  // The QoS 0 message that waited behind it has room: it goes.
  EXPECT_EQ(peer.take_actions(),
            (actions{done(c, make_error_code(session_errc::cancelled)), done(z)}));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "0", q0, 0)});
  EXPECT_EQ(peer.client().blocked(), 0u);
  EXPECT_FALSE(peer.client().cancel(c));
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(a)});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
}

TEST(FlowControlBlock, FailingTheBlockedPublishesCompletesThemAndKeepsTheQueue) {
  scripted_peer peer(blocking_config(1, 1));
  peer.publish("t", "1", q1);
  auto b = peer.publish("t", "2", q1);
  auto c = peer.publish("t", "3", q0);
  peer.client().fail_blocked_publishes(session_errc::connection_lost, peer.now());
  EXPECT_EQ(peer.take_actions(),
            (actions{done(b, make_error_code(session_errc::connection_lost)),
                     done(c, make_error_code(session_errc::connection_lost))}));
  EXPECT_EQ(peer.client().blocked(), 0u);
  EXPECT_EQ(peer.client().queued(), 1u);
  peer.connect();
  EXPECT_EQ(peer.client().in_flight(), 1u);
}

TEST(FlowControlBlock, AnInvalidPublishIsRefusedAtOnceNotBlocked) {
  scripted_peer peer(blocking_config(1, 1, protocol_version::v5));
  peer.connect();
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  auto bad = make_publish("t", "3", q1, 0);
  bad.props.add(property_id::subscription_identifier, 7u);
  EXPECT_EQ(refused(peer, bad), make_error_code(session_errc::invalid_request));
  EXPECT_EQ(peer.client().blocked(), 0u);
}

TEST(FlowControlBlock, ABlockedPublishTheBrokerCannotTakeCompletesWithTheReason) {
  scripted_peer peer(blocking_config(1, 1, protocol_version::v5));
  peer.connect(ack_with({{property_id::maximum_qos, 1}}));
  auto a = peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  auto c = peer.publish("t", "3", q2); // checked against the broker when it enters
  peer.sent();
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(),
            (actions{done(a), done(c, make_error_code(session_errc::qos_not_supported))}));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2)});
}

TEST(FlowControlBlock, TheFailPolicyStillRefusesWithQueueFull) {
  auto config = blocking_config(1, 1);
  config.on_queue_full = overflow_policy::fail;
  scripted_peer peer(config);
  peer.publish("t", "1", q1);
  EXPECT_EQ(refused(peer, make_publish("t", "2", q1, 0)),
            make_error_code(session_errc::queue_full));
  EXPECT_EQ(peer.client().blocked(), 0u);
}

} // namespace
} // namespace braid::protocol
