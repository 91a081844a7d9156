// session_config::replay_guard: a broker's resend (DUP 1) of a message whose
// exchange is over is acknowledged and not delivered again; everything else
// is delivered as MQTT says.
#include <braid/protocol/session/replay_memory.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

namespace braid::protocol::testing {
namespace {

constexpr auto q1 = qos::at_least_once;
constexpr auto q2 = qos::exactly_once;

session_config guarded(std::size_t remembered = session_config::default_replay_guard,
                       protocol_version v = protocol_version::v3_1_1) {
  auto config = make_config(v, false);
  config.replay_guard = remembered;
  return config;
}

// The broker sends `p` and completes its exchange as a broker does; returns
// whether the session delivered it.
bool exchange(scripted_peer& peer, const publish& p, std::size_t chunk = 0) {
  peer.receive(p, chunk);
  const bool delivered = peer.take<message_received>().size() == 1;
  if (p.qos == q2) {
    EXPECT_EQ(peer.sent(), packets{pubrec{p.packet_id}});
    peer.receive(pubrel{p.packet_id});
    EXPECT_EQ(peer.sent(), packets{pubcomp{p.packet_id}}); // success, also in MQTT 5
  } else {
    EXPECT_EQ(peer.sent(), packets{puback{p.packet_id}});
  }
  return delivered;
}

// A new connection; what the CONNACK brought is dropped.
void reconnect(scripted_peer& peer, bool session_present = true) {
  peer.reconnect(session_present);
  peer.sent();
  peer.take_actions();
}

// --- the memory itself -------------------------------------------------------

TEST(ReplayMemory, TheNewestEntryOfAnIdDecides) {
  replay_memory m;
  EXPECT_FALSE(m.matches({5, 1}));
  m.remember({5, 1}, 10);
  EXPECT_TRUE(m.matches({5, 1}));
  EXPECT_FALSE(m.matches({5, 2}));
  EXPECT_FALSE(m.matches({6, 1}));
  m.remember({5, 2}, 10); // the broker used id 5 for another message since
  EXPECT_FALSE(m.matches({5, 1}));
  EXPECT_TRUE(m.matches({5, 2}));
}

TEST(ReplayMemory, BeyondItsCapacityTheOldestIsForgotten) {
  replay_memory m;
  for (std::uint16_t id = 1; id <= 5; ++id) {
    m.remember({id, id * 10u}, 3);
  }
  EXPECT_EQ(m.size(), 3u);
  EXPECT_FALSE(m.matches({1, 10}));
  EXPECT_FALSE(m.matches({2, 20}));
  EXPECT_TRUE(m.matches({3, 30}));
  EXPECT_TRUE(m.matches({5, 50}));
  EXPECT_EQ(m.entries(), (std::vector<replay_memory::entry>{{3, 30}, {4, 40}, {5, 50}}));
  // Round the ring many times: still the newest three, in order.
  for (std::uint16_t id = 6; id <= 100; ++id) {
    m.remember({id, id * 10u}, 3);
  }
  EXPECT_EQ(m.entries(), (std::vector<replay_memory::entry>{{98, 980}, {99, 990}, {100, 1000}}));
}

TEST(ReplayMemory, AChangedCapacityKeepsTheNewest) {
  replay_memory m;
  for (std::uint16_t id = 1; id <= 6; ++id) {
    m.remember({id, id}, 4); // wrapped: 3 4 5 6
  }
  m.remember({7, 7}, 2); // smaller
  EXPECT_EQ(m.entries(), (std::vector<replay_memory::entry>{{6, 6}, {7, 7}}));
  m.remember({8, 8}, 5); // larger
  m.remember({9, 9}, 5);
  EXPECT_EQ(m.entries(), (std::vector<replay_memory::entry>{{6, 6}, {7, 7}, {8, 8}, {9, 9}}));
  m.remember({10, 10}, 0); // off: forget everything
  EXPECT_EQ(m.size(), 0u);
}

TEST(MessageDigest, TellsTopicPayloadAndTheirBoundaryApart) {
  const auto d = [](std::string_view t, std::string_view p) {
    return message_digest(t, as_bytes(p));
  };
  EXPECT_EQ(d("a/b", "hello"), d("a/b", "hello"));
  EXPECT_NE(d("a/b", "hello"), d("a/b", "hellp"));
  EXPECT_NE(d("a/b", "hello"), d("a/c", "hello"));
  EXPECT_NE(d("ab", "c"), d("a", "bc"));
  EXPECT_NE(d("t", ""), d("t", std::string_view("\0", 1)));
  EXPECT_NE(d("t", std::string(8, 'x')), d("t", std::string(9, 'x')));
  // Stable across builds and machines: the durable store keeps it.
  EXPECT_EQ(d("", ""), message_digest({}, {}));
  EXPECT_EQ(d("sensors/t1", "21.5"), 0x19f0a539c71faf0full);
}

// --- QoS 2 -------------------------------------------------------------------

TEST(ReplayGuard, AQos2ResendAfterPubcompIsAcknowledgedAndNotDelivered) {
  for (auto v : {protocol_version::v3_1_1, protocol_version::v5}) {
    scripted_peer peer(guarded(session_config::default_replay_guard, v));
    peer.connect();
    EXPECT_TRUE(exchange(peer, make_publish("t", "m", q2, 5)));
    EXPECT_FALSE(exchange(peer, make_publish("t", "m", q2, 5, true)));
    EXPECT_EQ(peer.client().counters().replays, 1u);
    EXPECT_EQ(peer.client().counters().received[2].messages, 1u);
    EXPECT_EQ(peer.store().incoming_count(), 0u);
  }
}

TEST(ReplayGuard, OffTheSameResendIsDeliveredAgainAsMqttSays) {
  scripted_peer peer(guarded(0));
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("t", "m", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "m", q2, 5, true)));
  EXPECT_EQ(peer.client().counters().replays, 0u);
}

TEST(ReplayGuard, AResendAfterAReconnectIsRecognisedByteBySplitByte) {
  scripted_peer peer(guarded());
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("a/b", "payload", q2, 7)));
  reconnect(peer);
  EXPECT_FALSE(exchange(peer, make_publish("a/b", "payload", q2, 7, true), 1));
}

TEST(ReplayGuard, ADup0PublishIsAlwaysDelivered) {
  // Brokers reuse ids for new messages, and a new message has DUP 0.
  scripted_peer peer(guarded());
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("t", "same", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "same", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "same", q1, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "same", q1, 5)));
}

TEST(ReplayGuard, AnotherTopicOrPayloadUnderTheIdIsANewMessage) {
  scripted_peer peer(guarded());
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("t", "one", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "two", q2, 5, true)));
  EXPECT_TRUE(exchange(peer, make_publish("u", "two", q2, 5, true)));
  EXPECT_FALSE(exchange(peer, make_publish("u", "two", q2, 5, true)));
}

TEST(ReplayGuard, OnlyTheLatestMessageOfAnIdCounts) {
  scripted_peer peer(guarded());
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("t", "a", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "b", q2, 5)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "a", q2, 5, true)));
}

TEST(ReplayGuard, WhatFellOutOfTheMemoryIsDeliveredAgain) {
  scripted_peer peer(guarded(3));
  peer.connect();
  for (std::uint16_t id = 1; id <= 4; ++id) {
    EXPECT_TRUE(exchange(peer, make_publish("t", std::to_string(id), q2, id)));
  }
  EXPECT_TRUE(exchange(peer, make_publish("t", "1", q2, 1, true)));  // forgotten
  EXPECT_FALSE(exchange(peer, make_publish("t", "3", q2, 3, true))); // remembered
  // Packet ids wrap round at 65535: the memory is by id, whatever the order.
  EXPECT_TRUE(exchange(peer, make_publish("t", "x", q2, 65535)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "y", q2, 1)));
  EXPECT_FALSE(exchange(peer, make_publish("t", "x", q2, 65535, true)));
  EXPECT_FALSE(exchange(peer, make_publish("t", "y", q2, 1, true)));
}

TEST(ReplayGuard, AResendBeforePubrelIsTheUsualQos2Resend) {
  // PUBREC lost: the id still awaits its PUBREL; nothing of the guard's.
  scripted_peer peer(guarded());
  peer.connect();
  peer.receive(make_publish("t", "m", q2, 9));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  EXPECT_EQ(peer.sent(), packets{pubrec{9}});
  reconnect(peer);
  peer.receive(make_publish("t", "m", q2, 9, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{pubrec{9}});
  EXPECT_EQ(peer.client().counters().replays, 0u);
}

TEST(ReplayGuard, TheQos2MemoryOutlivesTheSessionObjectInItsStore) {
  memory_store store;
  {
    scripted_peer first(guarded(), store);
    first.connect();
    EXPECT_TRUE(exchange(first, make_publish("t", "2", q2, 2)));
    EXPECT_TRUE(exchange(first, make_publish("t", "1", q1, 1)));
  }
  EXPECT_EQ(store.delivered(),
            (std::vector<replay_memory::entry>{{2, message_digest("t", as_bytes("2"))}}));
  scripted_peer restarted(guarded(), store); // a restart of the client
  restarted.connect(connack{true});
  EXPECT_FALSE(exchange(restarted, make_publish("t", "2", q2, 2, true)));
  // QoS 1's memory lived in the process: delivered again, at least once.
  EXPECT_TRUE(exchange(restarted, make_publish("t", "1", q1, 1, true)));
}

TEST(ReplayGuard, ACleanStartOrALostSessionForgets) {
  memory_store store;
  {
    scripted_peer first(guarded(), store);
    first.connect();
    EXPECT_TRUE(exchange(first, make_publish("t", "a", q2, 2)));
    EXPECT_TRUE(exchange(first, make_publish("t", "b", q1, 3)));
    reconnect(first, false); // the broker lost the session
    EXPECT_TRUE(exchange(first, make_publish("t", "a", q2, 2, true)));
    EXPECT_TRUE(exchange(first, make_publish("t", "b", q1, 3, true)));
  }
  EXPECT_EQ(store.delivered().size(), 1u);
  auto clean = guarded();
  clean.connect_packet.clean_start = true;
  scripted_peer second(clean, store);
  EXPECT_TRUE(store.delivered().empty());
}

// --- QoS 1 -------------------------------------------------------------------

TEST(ReplayGuard, AQos1ResendAfterPubackIsAcknowledgedAndNotDelivered) {
  scripted_peer peer(guarded());
  peer.connect();
  EXPECT_TRUE(exchange(peer, make_publish("t", "m", q1, 4)));
  reconnect(peer);
  EXPECT_FALSE(exchange(peer, make_publish("t", "m", q1, 4, true)));
  EXPECT_TRUE(exchange(peer, make_publish("t", "n", q1, 4, true)));
  EXPECT_EQ(peer.client().counters().replays, 1u);
}

TEST(ReplayGuard, QoS0IsNotRemembered) {
  scripted_peer peer(guarded());
  peer.connect();
  peer.receive(make_publish("t", "m", qos::at_most_once, 0));
  peer.receive(make_publish("t", "m", qos::at_most_once, 0));
  EXPECT_EQ(peer.take<message_received>().size(), 2u);
  EXPECT_TRUE(peer.store().delivered().empty());
}

// --- with manual acknowledgement ----------------------------------------------

TEST(ReplayGuard, UnderManualAcknowledgementAReplayOfAnAcknowledgedMessageIsAnswered) {
  auto config = guarded();
  config.manual_acknowledgement = true;
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("t", "m", q1, 6));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  // Not acknowledged yet: the resend is the held message's, as without the guard.
  reconnect(peer);
  peer.receive(make_publish("t", "m", q1, 6, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_FALSE(peer.client().acknowledge(q1, 6, reason_code::success, peer.now()));
  EXPECT_EQ(peer.sent(), packets{puback{6}});
  // Acknowledged, then sent again: a replay, answered at once.
  reconnect(peer);
  peer.receive(make_publish("t", "m", q1, 6, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{puback{6}});
  EXPECT_EQ(peer.client().unacknowledged(), 0u);
}

// A broker that releases a QoS 2 id (PUBREL) before the application has
// acknowledged the message, then sends the message again: the held
// message's resend, answered only once the application acknowledges it.
TEST(ReplayGuard, AHeldMessageWhoseIdWasReleasedEarlyIsNotDeliveredAgain) {
  auto config = guarded();
  config.manual_acknowledgement = true;
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("t", "m", q2, 3));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  peer.receive(pubrel{3});
  EXPECT_EQ(peer.sent(), packets{pubcomp{3}});
  peer.receive(make_publish("t", "m", q2, 3, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().counters().replays, 1u);
  EXPECT_FALSE(peer.client().acknowledge(q2, 3, reason_code::success, peer.now()));
  EXPECT_EQ(peer.sent(), packets{pubrec{3}});
  peer.receive(pubrel{3});
  EXPECT_EQ(peer.sent(), packets{pubcomp{3}});
  EXPECT_EQ(peer.client().unacknowledged(), 0u);

  // The same, acknowledged while there was no connection: answered at once.
  peer.receive(make_publish("t", "n", q2, 4));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  peer.receive(pubrel{4});
  peer.sent();
  peer.close();
  EXPECT_FALSE(peer.client().acknowledge(q2, 4, reason_code::success, peer.now()));
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  peer.sent();
  peer.receive(make_publish("t", "n", q2, 4, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{pubrec{4}});
}

} // namespace
} // namespace braid::protocol::testing
