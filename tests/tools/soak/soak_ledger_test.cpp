// The soak's accounting: every message lost, duplicated or out of order, and
// whose doing, from what the wire showed.
#include "soak_ledger.hpp"
#include <gtest/gtest.h>

#include <algorithm>

namespace braid::soak {
namespace {

// Message n through publisher and subscriber as it should go, on packet id `id`.
void clean_trip(soak_ledger& l, std::uint64_t n, std::uint16_t id) {
  l.published(n);
  l.publish_sent(id, n, false);
  l.broker_acknowledged(id);
  l.publish_read(id, n, false);
  l.delivered(n, false);
  l.exchange_completed(id);
  l.publish_completed(n, true);
}

TEST(SoakLedger, CleanTripsAccountForEveryMessage) {
  soak_ledger l;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    clean_trip(l, n, static_cast<std::uint16_t>(n));
  }
  EXPECT_TRUE(l.settled());
  const auto r = l.report();
  EXPECT_EQ(r.published, 3u);
  EXPECT_EQ(r.acknowledged, 3u);
  EXPECT_EQ(r.received, 3u);
  EXPECT_EQ(r.lost(), 0u);
  EXPECT_EQ(r.duplicated(), 0u);
  EXPECT_FALSE(braid_at_fault(r, true));
}

TEST(SoakLedger, LossesAreTheBrokersOnlyAfterItAcknowledged) {
  soak_ledger l;
  l.published(1); // acknowledged, never delivered: the broker's
  l.publish_sent(5, 1, false);
  l.broker_acknowledged(5);
  l.publish_completed(1, true);
  l.published(2); // never acknowledged: Braid's
  l.publish_sent(6, 2, false);
  l.published(3); // read by the subscriber, not delivered: Braid's
  l.publish_sent(7, 3, false);
  l.broker_acknowledged(7);
  l.publish_read(9, 3, false);
  EXPECT_FALSE(l.settled());
  const auto r = l.report();
  EXPECT_EQ(r.lost_broker, 1u);
  EXPECT_EQ(r.lost_braid_unacked, 1u);
  EXPECT_EQ(r.lost_braid_read, 1u);
  EXPECT_TRUE(braid_at_fault(r, false));
}

TEST(SoakLedger, DuplicatesAreClassifiedByDupAndTheExchange) {
  soak_ledger l;
  clean_trip(l, 1, 1);
  l.publish_read(1, 1, true); // replayed after PUBCOMP
  l.delivered(1, true);
  clean_trip(l, 2, 2);
  l.publish_read(3, 2, false); // sent again as a new message
  l.delivered(2, false);
  auto r = l.report();
  EXPECT_EQ(r.duplicate_broker_replay, 1u);
  EXPECT_EQ(r.duplicate_broker_new, 1u);
  EXPECT_EQ(r.replays_on_wire, 1u);
  EXPECT_FALSE(braid_at_fault(r, true)); // the broker's doing
  // A resend of an exchange still open, delivered again: Braid's at QoS 2.
  l.published(3);
  l.publish_sent(4, 3, false);
  l.broker_acknowledged(4);
  l.publish_read(4, 3, false);
  l.delivered(3, false);
  l.publish_read(4, 3, true);
  l.delivered(3, true);
  r = l.report();
  EXPECT_EQ(r.duplicate_open_exchange, 1u);
  EXPECT_TRUE(braid_at_fault(r, true));
  EXPECT_FALSE(braid_at_fault(r, false)); // at QoS 1: at least once
}

TEST(SoakLedger, APublishAfterTheBrokerAcknowledgedIsBraids) {
  soak_ledger l;
  clean_trip(l, 1, 1);
  l.publish_sent(2, 1, false);
  EXPECT_EQ(l.report().resent_after_ack, 1u);
  EXPECT_TRUE(braid_at_fault(l.report(), false));
}

TEST(SoakLedger, AMessageRepublishedAfterALostSessionIsTheBrokersDuplicate) {
  soak_ledger l;
  l.published(1);
  l.publish_sent(1, 1, false);
  l.publish_read(8, 1, false);
  l.delivered(1, false);
  l.exchange_completed(8);
  l.publish_sent(1, 1, true);  // a resend: not a republication
  l.publish_sent(2, 1, false); // the broker lost the session: sent again as new
  l.broker_acknowledged(2);
  l.publish_read(9, 1, false);
  l.delivered(1, false);
  const auto r = l.report();
  EXPECT_EQ(r.republished, 1u);
  EXPECT_EQ(r.duplicate_republished, 1u);
  EXPECT_EQ(r.duplicate_broker_new, 0u);
  EXPECT_FALSE(braid_at_fault(r, true));
}

TEST(SoakLedger, OutOfOrderCountsFirstDeliveriesBehindALaterOne) {
  soak_ledger l;
  for (std::uint64_t n = 1; n <= 3; ++n) {
    l.published(n);
  }
  l.delivered(2, false);
  l.delivered(1, false);
  l.delivered(3, false);
  l.delivered(1, true);
  EXPECT_EQ(l.report().out_of_order, 1u);
}

TEST(SoakLedger, TheTableHasAColumnPerLedgerAndARowPerCount) {
  soak_ledger a, b;
  clean_trip(a, 1, 1);
  const auto table = format_table({{"QoS 1", a.report()}, {"QoS 2", b.report()}});
  EXPECT_NE(table.find("QoS 1"), std::string::npos);
  EXPECT_NE(table.find("QoS 2"), std::string::npos);
  EXPECT_NE(table.find("the broker's: replayed after the exchange (DUP 1)"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 17);
}

} // namespace
} // namespace braid::soak
