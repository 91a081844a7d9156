// The replay guard (session_config::replay_guard) against mosquitto's own
// replays. mosquitto 2.0 sends a QoS 2 PUBLISH again (DUP 1, same packet id)
// after the subscriber completed its exchange, when connections are cut and
// the broker is SIGKILLed and restarted from its saved state. braid_soak's
// run (tools/soak) puts a persistent publisher per QoS and a subscriber
// through a fault proxy to a private mosquitto with no in-flight limit, with
// the same faults (same seed) for the guard off and on; the ledgers count
// what reached the application twice, and why.
#include <braid/protocol/session/session.hpp>

#include "soak_run.hpp"
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

namespace braid::soak {
namespace {

soak_options faults(std::size_t guard) {
  soak_options o;
  o.seed = 20261207;
  o.seconds = 10;
  o.faults = {fault_kind::cut, fault_kind::kill};
  o.max_inflight = 0; // mosquitto replays the most with no in-flight limit
  o.replay_guard = guard;
  o.drain_s = 40;
  return o;
}

soak_outcome soak_with(std::size_t guard) {
  std::ostringstream progress;
  auto r = run_soak(faults(guard), progress);
  const auto print = [&](const char* qos, const ledger_report& x) {
    std::cout << "replay guard " << (guard != 0 ? "on " : "off") << ", " << qos << ": sent "
              << x.published << ", received " << x.received << ", lost " << x.lost()
              << " (the broker's " << x.lost_broker << "), duplicated " << x.duplicated()
              << " (replayed after the exchange " << x.duplicate_broker_replay
              << ", sent again as new " << x.duplicate_broker_new << "), replays read "
              << x.replays_on_wire << "\n";
  };
  print("QoS 1", r.qos1);
  print("QoS 2", r.qos2);
  std::cout << "replays not delivered: " << r.replays_not_delivered << "; " << r.connections
            << " connections\n";
  return r;
}

TEST(ReplayGuard, MosquittosReplaysReachTheApplicationOnlyWithoutTheGuard) {
  const auto off = soak_with(0);
  if (!off.setup_error.empty()) {
    GTEST_SKIP() << off.setup_error;
  }
  const auto on = soak_with(protocol::session_config::default_replay_guard);
  ASSERT_TRUE(on.setup_error.empty()) << on.setup_error;

  for (const auto* r : {&off, &on}) {
    EXPECT_FALSE(braid_at_fault(r->qos1, false));
    EXPECT_FALSE(braid_at_fault(r->qos2, true));
    EXPECT_GT(r->qos1.received, 100u);
    EXPECT_GT(r->qos2.received, 100u);
  }
  // Off: every replay read after its exchange was over is delivered again.
  EXPECT_EQ(off.replays_not_delivered, 0u);
  EXPECT_EQ(off.qos2.duplicate_broker_replay, off.qos2.replays_on_wire);
  EXPECT_EQ(off.qos1.duplicate_broker_replay, off.qos1.replays_on_wire);
  // On: none is; the client counted each one it held back.
  EXPECT_EQ(on.qos2.duplicate_broker_replay, 0u);
  EXPECT_EQ(on.qos1.duplicate_broker_replay, 0u);
  EXPECT_EQ(on.replays_not_delivered, on.qos1.replays_on_wire + on.qos2.replays_on_wire);
}

} // namespace
} // namespace braid::soak
