// session::make_durable against a store whose commits can be made to fail: a
// record is durable before the packet that depends on it goes out, and a
// failed commit fails only what never became durable.
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/session.hpp>

#include "faulty_store.hpp"
#include "scripted_peer.hpp"
#include <gtest/gtest.h>

namespace braid::protocol {
namespace {

using testing::faulty_store;
using testing::make_config;
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

constexpr auto q1 = qos::at_least_once;
constexpr auto q2 = qos::exactly_once;

session_config persistent() {
  return make_config(protocol_version::v3_1_1, false);
}

std::vector<request_completed> completions(scripted_peer& peer) {
  return peer.take<request_completed>();
}

TEST(Durability, ACommitBeforeTheOutputKeepsEverything) {
  faulty_store store;
  scripted_peer peer(persistent(), store);
  peer.connect();
  auto id = peer.publish("t", "1", q1);
  EXPECT_TRUE(store.dirty());
  EXPECT_FALSE(peer.client().make_durable(peer.now()));
  EXPECT_FALSE(store.dirty());
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  EXPECT_EQ(peer.client().state(), session_state::connected);
  peer.receive(puback{1, reason_code::success, {}});
  auto done = completions(peer);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  EXPECT_FALSE(done[0].error);
}

TEST(Durability, AFailedCommitFailsTheNewPublishesDropsTheOutputAndCloses) {
  faulty_store store;
  scripted_peer peer(persistent(), store);
  peer.connect();
  auto kept = peer.publish("t", "kept", q1);
  ASSERT_FALSE(peer.client().make_durable(peer.now()));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "kept", q1, 1)});

  auto lost1 = peer.publish("t", "lost1", q1);
  auto lost2 = peer.publish("t", "lost2", q2);
  store.failures_to_come = 1;
  EXPECT_EQ(peer.client().make_durable(peer.now()), store.failure);
  EXPECT_EQ(peer.sent(), packets{}); // the two PUBLISH never go out
  auto acts = peer.take_actions();
  std::vector<request_id> failed;
  bool closed = false;
  for (auto& a : acts) {
    if (auto* c = std::get_if<request_completed>(&a)) {
      EXPECT_EQ(c->error, store.failure);
      failed.push_back(c->id);
    } else if (auto* cc = std::get_if<close_connection>(&a)) {
      EXPECT_EQ(cc->reason, store.failure);
      closed = true;
    }
  }
  EXPECT_EQ(failed, (std::vector<request_id>{lost1, lost2}));
  EXPECT_TRUE(closed);
  EXPECT_EQ(store.sequences(), (std::vector<std::uint64_t>{kept}));
  EXPECT_EQ(peer.client().in_flight(), 1u);
  EXPECT_FALSE(peer.client().packet_ids().in_use(2)); // the failed ones' ids are free
  EXPECT_FALSE(peer.client().packet_ids().in_use(3));

  // The next connection resends what was durable, after a commit that works.
  peer.close(store.failure);
  peer.open();
  connack ack;
  ack.session_present = true;
  peer.receive(ack);
  ASSERT_FALSE(peer.client().make_durable(peer.now()));
  auto out = peer.sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], packet{make_publish("t", "kept", q1, 1, true)});
}

TEST(Durability, AnIncomingQoS2IdIsDurableBeforeItsPubrecAndDeliveredOnce) {
  faulty_store store;
  scripted_peer peer(persistent(), store);
  peer.connect();
  store.failures_to_come = 1;
  peer.receive(make_publish("in", "m", q2, 9));
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  EXPECT_TRUE(store.contains_incoming(9));
  EXPECT_TRUE(peer.client().make_durable(peer.now()));
  EXPECT_EQ(peer.sent(), packets{}); // no PUBREC while the id is not durable
  peer.take_actions();
  peer.close(store.failure);

  // The broker resends; the id is still known, so the message is not
  // delivered again, and PUBREC goes out once the id is durable.
  peer.open();
  connack ack;
  ack.session_present = true;
  peer.receive(ack);
  peer.receive(make_publish("in", "m", q2, 9, true));
  EXPECT_TRUE(peer.take<message_received>().empty());
  ASSERT_FALSE(peer.client().make_durable(peer.now()));
  auto out = peer.sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (packet{pubrec{9, reason_code::success, {}}}));
  EXPECT_FALSE(store.dirty());
}

TEST(Durability, AFailureWhileOfflineFailsThePublishesAndClosesNothing) {
  faulty_store store;
  scripted_peer peer(persistent(), store);
  auto id = peer.publish("t", "offline", q1);
  store.failures_to_come = 1;
  EXPECT_TRUE(peer.client().make_durable(peer.now()));
  auto acts = peer.take_actions();
  ASSERT_EQ(acts.size(), 1u);
  auto* c = std::get_if<request_completed>(&acts[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id, id);
  EXPECT_EQ(c->error, store.failure);
  EXPECT_EQ(peer.client().queued(), 0u);
  EXPECT_EQ(peer.client().state(), session_state::disconnected);
}

TEST(Durability, TheReleasedStateIsDurableBeforePubrel) {
  faulty_store store;
  scripted_peer peer(persistent(), store);
  peer.connect();
  peer.publish("t", "2", q2);
  ASSERT_FALSE(peer.client().make_durable(peer.now()));
  peer.sent();
  peer.receive(pubrec{1, reason_code::success, {}});
  EXPECT_TRUE(store.dirty()); // the state change waits for the commit
  EXPECT_EQ(store.find(store.sequences()[0])->state, publish_state::released);
  store.failures_to_come = 1;
  EXPECT_TRUE(peer.client().make_durable(peer.now()));
  EXPECT_EQ(peer.sent(), packets{});
  // Already durable as a record: not failed, PUBREL resent next time.
  EXPECT_EQ(store.sequences().size(), 1u);
  EXPECT_TRUE(peer.take<request_completed>().empty());
}

} // namespace
} // namespace braid::protocol
