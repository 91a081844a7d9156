// The memory store and the packet-id pool on their own, and a session resumed
// from a store that already holds records (a durable store after a restart).
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/packet_id_pool.hpp>
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace braid::protocol {
namespace {

using testing::actions;
using testing::make_config;
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

constexpr auto q1 = qos::at_least_once;
constexpr auto q2 = qos::exactly_once;

using sequence_list = std::vector<std::uint64_t>;

stored_publish record(std::uint64_t sequence, std::string payload, qos q = q1,
                      std::uint16_t packet_id = 0, publish_state state = publish_state::queued) {
  return stored_publish{sequence, make_publish("t", std::move(payload), q, packet_id), state};
}

subscription sub(std::string filter, qos q = qos::at_most_once) {
  subscription s;
  s.filter = std::move(filter);
  s.options.max_qos = q;
  return s;
}

// --- memory_store: outgoing records ----------------------------------------------

TEST(MemoryStore, AddFindUpdateRemove) {
  memory_store store;
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.find(1), nullptr);
  store.add(record(1, "a"));
  ASSERT_NE(store.find(1), nullptr);
  EXPECT_EQ(*store.find(1), record(1, "a"));
  EXPECT_EQ(store.size(), 1u);
  // The record is changed in place; update() tells a durable store.
  auto* r = store.find(1);
  r->state = publish_state::sent;
  r->message.packet_id = 7;
  store.update(*r);
  EXPECT_EQ(*store.find(1), record(1, "a", q1, 7, publish_state::sent));
  store.remove(1);
  EXPECT_EQ(store.find(1), nullptr);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.sequences(), sequence_list{});
}

TEST(MemoryStore, SequencesAreInOrderWithGaps) {
  memory_store store;
  store.add(record(5, "5"));
  store.add(record(7, "7"));
  store.add(record(10, "10"));
  EXPECT_EQ(store.sequences(), (sequence_list{5, 7, 10}));
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.find(6), nullptr);  // a gap
  EXPECT_EQ(store.find(4), nullptr);  // before the first
  EXPECT_EQ(store.find(11), nullptr); // after the last
  store.remove(7);
  EXPECT_EQ(store.sequences(), (sequence_list{5, 10}));
  store.remove(5);
  EXPECT_EQ(store.sequences(), (sequence_list{10}));
  store.add(record(11, "11"));
  store.add(record(20, "20"));
  EXPECT_EQ(store.sequences(), (sequence_list{10, 11, 20}));
  EXPECT_EQ(store.find(20)->message.payload, to_bytes("20"));
  EXPECT_EQ(store.size(), 3u);
}

TEST(MemoryStore, RemovingInAnyOrderKeepsTheOthers) {
  memory_store store;
  for (std::uint64_t s = 1; s <= 6; ++s) {
    store.add(record(s, std::to_string(s)));
  }
  store.remove(3);
  store.remove(1);
  store.remove(6);
  EXPECT_EQ(store.sequences(), (sequence_list{2, 4, 5}));
  for (auto s : {2, 4, 5}) {
    ASSERT_NE(store.find(static_cast<std::uint64_t>(s)), nullptr);
    EXPECT_EQ(store.find(static_cast<std::uint64_t>(s))->message.payload,
              to_bytes(std::to_string(s)));
  }
  store.remove(2);
  store.remove(4);
  store.remove(5);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.sequences(), sequence_list{});
  // Empty again: any sequence may come next.
  store.add(record(100, "100"));
  EXPECT_EQ(store.sequences(), sequence_list{100});
}

TEST(MemoryStore, RemoveOfAnUnknownSequenceIsHarmless) {
  memory_store store;
  store.remove(3);
  store.add(record(3, "3"));
  store.remove(2);
  store.remove(4);
  store.remove(3);
  store.remove(3);
  EXPECT_EQ(store.size(), 0u);
}

TEST(MemoryStore, AddingAnExistingSequenceDoesNotReplaceIt) {
  memory_store store;
  store.add(record(1, "first"));
  store.add(record(1, "second"));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.find(1)->message.payload, to_bytes("first"));
}

// --- memory_store: incoming QoS 2 ids ---------------------------------------------

TEST(MemoryStore, IncomingIds) {
  memory_store store;
  EXPECT_EQ(store.incoming_count(), 0u);
  EXPECT_FALSE(store.contains_incoming(1));
  store.add_incoming(1);
  store.add_incoming(65535);
  store.add_incoming(1); // twice counts once
  EXPECT_EQ(store.incoming_count(), 2u);
  EXPECT_TRUE(store.contains_incoming(1));
  EXPECT_TRUE(store.contains_incoming(65535));
  EXPECT_FALSE(store.contains_incoming(2));
  EXPECT_TRUE(store.remove_incoming(1));
  EXPECT_FALSE(store.remove_incoming(1));
  EXPECT_FALSE(store.remove_incoming(9));
  EXPECT_EQ(store.incoming_count(), 1u);
  store.add_incoming(9);
  store.clear_incoming();
  EXPECT_EQ(store.incoming_count(), 0u);
  EXPECT_FALSE(store.contains_incoming(65535));
  EXPECT_FALSE(store.contains_incoming(9));
}

TEST(MemoryStore, ClearIncomingKeepsRecordsAndSubscriptions) {
  memory_store store;
  store.add(record(1, "a"));
  store.add_subscription(sub("a/#"));
  store.add_incoming(4);
  store.clear_incoming();
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(store.subscriptions().size(), 1u);
}

// --- memory_store: subscriptions ------------------------------------------------------

TEST(MemoryStore, SubscriptionsAddReplaceRemoveList) {
  memory_store store;
  EXPECT_TRUE(store.subscriptions().empty());
  store.add_subscription(sub("a/#", q1));
  store.add_subscription(sub("b/+"));
  store.add_subscription(sub("c"));
  // The same filter again replaces the options and keeps its place.
  store.add_subscription(sub("a/#", q2));
  EXPECT_EQ(store.subscriptions(),
            (std::vector<subscription>{sub("a/#", q2), sub("b/+"), sub("c")}));
  store.remove_subscription("b/+");
  store.remove_subscription("not/there");
  EXPECT_EQ(store.subscriptions(), (std::vector<subscription>{sub("a/#", q2), sub("c")}));
  store.remove_subscription("a/#");
  store.remove_subscription("c");
  EXPECT_TRUE(store.subscriptions().empty());
}

TEST(MemoryStore, ClearKeepingSubscriptions) {
  memory_store store;
  store.add(record(1, "a"));
  store.add(record(2, "b"));
  store.add_incoming(3);
  store.add_subscription(sub("x"));
  store.clear(true);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.find(1), nullptr);
  EXPECT_EQ(store.sequences(), sequence_list{});
  EXPECT_EQ(store.incoming_count(), 0u);
  EXPECT_FALSE(store.contains_incoming(3));
  EXPECT_EQ(store.subscriptions(), std::vector<subscription>{sub("x")});
  // Usable afterwards, from any sequence.
  store.add(record(1, "again"));
  EXPECT_EQ(store.sequences(), sequence_list{1});
}

TEST(MemoryStore, ClearDroppingSubscriptions) {
  memory_store store;
  store.add(record(1, "a"));
  store.add_incoming(3);
  store.add_subscription(sub("x"));
  store.clear(false);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.incoming_count(), 0u);
  EXPECT_TRUE(store.subscriptions().empty());
}

// --- packet_id_pool -------------------------------------------------------------------

TEST(PacketIdPool, AllocatesFromOneAndDoesNotReuseAFreedIdAtOnce) {
  packet_id_pool pool;
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 2);
  EXPECT_EQ(pool.allocate(), 3);
  pool.release(1);
  EXPECT_FALSE(pool.in_use(1));
  EXPECT_EQ(pool.allocate(), 4);
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_FALSE(pool.in_use(0));
}

TEST(PacketIdPool, CyclesThroughEveryIdThenWrapsToOne) {
  packet_id_pool pool;
  for (std::uint32_t i = 1; i <= 65535; ++i) {
    auto id = pool.allocate();
    ASSERT_TRUE(id);
    ASSERT_EQ(*id, i);
    pool.release(*id);
  }
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 2);
}

TEST(PacketIdPool, NeverReturnsAnIdInUseAndNulloptWhenAllAreUsed) {
  packet_id_pool pool;
  std::set<std::uint16_t> seen;
  for (int i = 0; i < 65535; ++i) {
    auto id = pool.allocate();
    ASSERT_TRUE(id);
    ASSERT_NE(*id, 0);
    ASSERT_TRUE(seen.insert(*id).second) << "id " << *id << " handed out twice";
  }
  EXPECT_EQ(pool.size(), 65535u);
  EXPECT_EQ(pool.allocate(), std::nullopt);
  EXPECT_EQ(pool.allocate(), std::nullopt);
  pool.release(40000);
  EXPECT_EQ(pool.allocate(), 40000);
  EXPECT_EQ(pool.allocate(), std::nullopt);
}

TEST(PacketIdPool, WrapAroundSkipsIdsStillInUse) {
  packet_id_pool pool;
  EXPECT_EQ(pool.allocate(), 1); // held
  EXPECT_EQ(pool.allocate(), 2); // held
  for (std::uint32_t i = 3; i <= 65535; ++i) {
    auto id = pool.allocate();
    ASSERT_EQ(id, i);
    pool.release(*id);
  }
  EXPECT_EQ(pool.allocate(), 3);
  pool.release(1);
  EXPECT_EQ(pool.allocate(), 4);
}

TEST(PacketIdPool, ReserveAndRelease) {
  packet_id_pool pool;
  EXPECT_TRUE(pool.reserve(2));
  EXPECT_FALSE(pool.reserve(2));
  EXPECT_FALSE(pool.reserve(0));
  EXPECT_TRUE(pool.in_use(2));
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 3); // 2 is reserved
  pool.release(2);
  EXPECT_FALSE(pool.in_use(2));
  EXPECT_TRUE(pool.reserve(2));
  EXPECT_TRUE(pool.reserve(65535));
  EXPECT_EQ(pool.size(), 4u);
}

TEST(PacketIdPool, ReleaseOfAnUnusedIdIsHarmless) {
  packet_id_pool pool;
  pool.release(5);
  pool.release(0);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.allocate(), 1);
  pool.release(1);
  pool.release(1);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.allocate(), 2);
  EXPECT_EQ(pool.size(), 1u);
}

TEST(PacketIdPool, ClearFreesEverything) {
  packet_id_pool pool;
  pool.allocate();
  pool.reserve(9);
  pool.clear();
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_FALSE(pool.in_use(1));
  EXPECT_FALSE(pool.in_use(9));
  EXPECT_TRUE(pool.reserve(9));
}

// --- a session resumed from a store ---------------------------------------------------

request_completed done(request_id id, std::error_code ec = {}) {
  request_completed c;
  c.id = id;
  c.kind = request_kind::publish;
  c.error = ec;
  return c;
}

connected connected_event(bool session_present, std::size_t resent, std::size_t republished = 0) {
  connected c;
  c.ack.session_present = session_present;
  c.resent = resent;
  c.republished = republished;
  return c;
}

const arm_timer keep_alive_armed{timer_id::keep_alive, 60'000};

/// A store as a durable one would load it: sequence 3 sent (QoS 1, id 7),
/// 4 released (QoS 2, id 2), 6 sent (QoS 2, id 5), 8 and 9 queued.
void fill(memory_store& store) {
  store.add(record(3, "3", q1, 7, publish_state::sent));
  store.add(record(4, "4", q2, 2, publish_state::released));
  store.add(record(6, "6", q2, 5, publish_state::sent));
  store.add(record(8, "8", q1));
  store.add(record(9, "9", q2));
}

TEST(ResumedSession, InFlightRecordsAreResentAfterSessionPresentThenQueuedOnes) {
  memory_store store;
  fill(store);
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  EXPECT_EQ(peer.client().in_flight(), 3u);
  EXPECT_EQ(peer.client().queued(), 2u);
  EXPECT_TRUE(peer.client().packet_ids().in_use(7));
  EXPECT_TRUE(peer.client().packet_ids().in_use(2));
  EXPECT_TRUE(peer.client().packet_ids().in_use(5));
  peer.connect_keeping(connack{true});
  // Sequence order, same ids, DUP on PUBLISH; PUBREL for the released one;
  // queued ones get ids the store does not use.
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "3", q1, 7, true), pubrel{2},
                                  make_publish("t", "6", q2, 5, true),
                                  make_publish("t", "8", q1, 1), make_publish("t", "9", q2, 3)}));
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(true, 3)}));
  // Completions carry the stored sequences as request ids.
  peer.receive(puback{7});
  peer.receive(pubcomp{2});
  peer.receive(pubrec{5});
  EXPECT_EQ(peer.sent(), packets{pubrel{5}});
  peer.receive(pubcomp{5});
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), (actions{done(3), done(4), done(6), done(8)}));
  EXPECT_EQ(store.sequences(), sequence_list{9});
}

TEST(ResumedSession, NewRequestIdsFollowTheLastStoredSequence) {
  memory_store store;
  fill(store);
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  EXPECT_EQ(peer.publish("t", "10", q1), 10u);
  EXPECT_EQ(store.sequences(), (sequence_list{3, 4, 6, 8, 9, 10}));
}

TEST(ResumedSession, ResentInSequenceOrderWhateverThePacketIds) {
  memory_store store;
  store.add(record(1, "1", q1, 900, publish_state::sent));
  store.add(record(2, "2", q1, 4, publish_state::sent));
  store.add(record(5, "5", q2, 60000, publish_state::released));
  store.add(record(6, "6", q1, 1, publish_state::sent));
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  peer.connect_keeping(connack{true});
  EXPECT_EQ(peer.sent(),
            (packets{make_publish("t", "1", q1, 900, true), make_publish("t", "2", q1, 4, true),
                     pubrel{60000}, make_publish("t", "6", q1, 1, true)}));
}

// The window (and in MQTT 5 the broker's Receive Maximum) holds for resends too.
TEST(ResumedSession, InFlightAboveTheWindowAreResentAsTheWindowOpens) {
  memory_store store;
  fill(store);
  auto config = make_config(protocol_version::v3_1_1, false);
  config.window = 2;
  scripted_peer peer(config, store);
  peer.connect_keeping(connack{true});
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "3", q1, 7, true), pubrel{2}}));
  peer.receive(puback{7});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "6", q2, 5, true)});
  peer.receive(pubcomp{2});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "8", q1, 1)});
}

TEST(ResumedSession, SentStateWithoutAUsablePacketIdIsQueued) {
  memory_store store;
  store.add(record(1, "a", q1, 0, publish_state::sent)); // no id
  store.add(record(2, "b", q1, 3, publish_state::sent));
  store.add(record(3, "c", q1, 3, publish_state::sent)); // id already taken by 2
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  EXPECT_EQ(peer.client().in_flight(), 1u);
  EXPECT_EQ(peer.client().queued(), 2u);
  peer.connect_keeping(connack{true});
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "b", q1, 3, true),
                                  make_publish("t", "a", q1, 1), make_publish("t", "c", q1, 2)}));
}

TEST(ResumedSession, SessionNotPresentRepublishesInFlightAsNewMessages) {
  memory_store store;
  fill(store);
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  peer.connect_keeping(connack{false});
  // 4 had its PUBREC: the broker took it, it completes and is not sent again.
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "3", q1, 1), make_publish("t", "6", q2, 2),
                                  make_publish("t", "8", q1, 3), make_publish("t", "9", q2, 4)}));
  EXPECT_EQ(peer.take_actions(),
            (actions{done(4), keep_alive_armed, connected_event(false, 0, 2)}));
  EXPECT_FALSE(peer.client().packet_ids().in_use(7));
  peer.receive(puback{1});
  EXPECT_EQ(peer.take_actions(), actions{done(3)});
}

TEST(ResumedSession, SessionNotPresentWithFailPolicyFailsInFlight) {
  memory_store store;
  fill(store);
  auto config = make_config(protocol_version::v3_1_1, false);
  config.on_session_lost = session_lost_policy::fail;
  scripted_peer peer(config, store);
  peer.connect_keeping(connack{false});
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "8", q1, 1), make_publish("t", "9", q2, 2)}));
  connected event = connected_event(false, 0);
  event.failed = 2;
  const auto lost = make_error_code(session_errc::session_lost);
  EXPECT_EQ(peer.take_actions(),
            (actions{done(3, lost), done(4), done(6, lost), keep_alive_armed, event}));
  EXPECT_EQ(store.sequences(), (sequence_list{8, 9}));
}

TEST(ResumedSession, IncomingQoS2IdsSurviveWithTheSession) {
  memory_store store;
  store.add_incoming(5);
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  peer.connect_keeping(connack{true});
  peer.sent();
  peer.take_actions();
  // The broker resends the PUBLISH it did not see a PUBREC for: not delivered again.
  peer.receive(make_publish("in", "x", q2, 5, true));
  EXPECT_EQ(peer.sent(), packets{pubrec{5}});
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(pubrel{5});
  EXPECT_EQ(peer.sent(), packets{pubcomp{5}});
  EXPECT_EQ(store.incoming_count(), 0u);
}

TEST(ResumedSession, IncomingQoS2IdsAreForgottenWhenTheSessionIsNot) {
  memory_store store;
  store.add_incoming(5);
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  peer.connect_keeping(connack{false});
  EXPECT_EQ(store.incoming_count(), 0u);
  peer.sent();
  peer.take_actions();
  peer.receive(make_publish("in", "x", q2, 5));
  EXPECT_EQ(peer.take_actions().size(), 1u); // a new message, delivered
  EXPECT_EQ(peer.sent(), packets{pubrec{5}});
}

// An MQTT 3.1 CONNACK has no session present flag: with clean start off the
// broker kept the session, so what was in flight is resent (not sent again as
// new), a QoS 2 resend is not delivered twice, and the subscriptions are made
// again in case the broker lost them anyway.
TEST(ResumedSession, V31WithoutCleanStartResumesAndSubscribesAgain) {
  scripted_peer peer(make_config(protocol_version::v3_1, false, "braid"));
  peer.connect();
  peer.subscribe({{"in/#", {q2}}});
  peer.sent();
  peer.receive(suback{1, {reason_code::granted_qos_2}});
  peer.publish("t", "out", q1);
  peer.receive(make_publish("in/a", "x", q2, 9));
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "out", q1, 2), pubrec{9}}));
  peer.take_actions();

  peer.reconnect(false); // 3.1 has no session present flag
  auto sent = peer.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], packet{make_publish("t", "out", q1, 2, true)}); // resent, same id, DUP
  ASSERT_TRUE(std::holds_alternative<subscribe>(sent[1]));
  EXPECT_EQ(std::get<subscribe>(sent[1]).subscriptions,
            (std::vector<subscription>{{"in/#", {q2}}}));
  const auto events = peer.take<connected>();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].resent, 1u);
  EXPECT_EQ(events[0].resubscribed, 1u);
  peer.receive(make_publish("in/a", "x", q2, 9, true));
  EXPECT_TRUE(peer.take<message_received>().empty()); // awaiting PUBREL: not again
  EXPECT_EQ(peer.sent(), packets{pubrec{9}});
}

TEST(ResumedSession, StoreFollowsTheFlow) {
  memory_store store;
  scripted_peer peer(make_config(protocol_version::v3_1_1, false), store);
  peer.connect_keeping(connack{});
  auto a = peer.publish("t", "a", q2);
  EXPECT_EQ(*store.find(a), record(a, "a", q2, 1, publish_state::sent));
  peer.receive(pubrec{1});
  EXPECT_EQ(*store.find(a), record(a, "a", q2, 1, publish_state::released));
  peer.receive(pubcomp{1});
  EXPECT_EQ(store.find(a), nullptr);
  EXPECT_EQ(store.size(), 0u);
}

TEST(ResumedSession, CleanStartClearsTheStoreAtConstruction) {
  memory_store store;
  fill(store);
  store.add_incoming(5);
  store.add_subscription(sub("a/#"));
  scripted_peer peer(make_config(protocol_version::v3_1_1, true), store);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.incoming_count(), 0u);
  EXPECT_TRUE(store.subscriptions().empty());
  EXPECT_EQ(peer.client().in_flight(), 0u);
  EXPECT_EQ(peer.client().queued(), 0u);
  EXPECT_EQ(peer.client().packet_ids().size(), 0u);
  peer.connect_keeping(connack{});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{keep_alive_armed, connected_event(false, 0)}));
}

// One message left unacknowledged while many pass must not hold the ring open.
TEST(MemoryStore, AStuckRecordDoesNotGrowMemoryWithTheTraffic) {
  memory_store store;
  store.add(record(1, "stuck", q1, 1, publish_state::sent));
  for (std::uint64_t seq = 2; seq < 200'000; ++seq) {
    store.add(
        record(seq, "x", q1, static_cast<std::uint16_t>(seq % 65535 + 1), publish_state::sent));
    store.remove(seq);
  }
  EXPECT_LE(store.slots(), 1024u);
  EXPECT_EQ(store.size(), 1u);
  ASSERT_NE(store.find(1), nullptr);
  EXPECT_EQ(store.sequences(), sequence_list{1});
  store.add(record(200'000, "y"));
  EXPECT_EQ(store.sequences(), (sequence_list{1, 200'000}));
  store.remove(1);
  EXPECT_EQ(store.find(1), nullptr);
  EXPECT_EQ(store.sequences(), sequence_list{200'000});
}

} // namespace
} // namespace braid::protocol
