// The reconnecting service's decisions without sockets or real time: failover
// through the list of brokers, the last good broker first, backoff growth and
// cap (randomness injected), giving up on a permanent refusal, the retry at
// once with MQTT 3.1, the connect timeout, and a reset after a CONNACK.
#include <braid/detail/reconnect_policy.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::detail {
namespace {

using std::chrono::milliseconds;
using step = reconnect_step;
using kind = reconnect_step::kind;

broker_url url(std::string host) {
  return broker_url{transport_kind::tcp, std::move(host), "1883", "/"};
}

const std::vector<broker_url> three{url("a"), url("b"), url("c")};

/// Delays 100, 200, 400 ... up to 1000 ms, no jitter; connect timeout 300 ms.
reconnect_policy make_policy(bool enabled = true) {
  return reconnect_policy(enabled,
                          backoff({milliseconds(100), milliseconds(1000), 2.0, milliseconds(0)}),
                          milliseconds(300));
}

/// The next broker at once, `attempts` retries since the last CONNACK.
step next_broker(std::uint32_t attempts = 0) {
  return {kind::next_broker, milliseconds(0), attempts};
}
step retry(milliseconds delay, std::uint32_t attempt) {
  return {kind::retry, delay, attempt};
}

// --- URL rotation ----------------------------------------------------------------

TEST(ReconnectPolicy, TriesEveryBrokerOfTheListAtOnceThenWaits) {
  auto policy = make_policy();
  policy.start(three);
  std::vector<std::string> tried;
  std::vector<step> steps;
  for (int i = 0; i < 6; ++i) {
    tried.push_back(policy.begin_attempt(0).host);
    steps.push_back(policy.open_failed());
  }
  EXPECT_EQ(tried, (std::vector<std::string>{"a", "b", "c", "a", "b", "c"}));
  EXPECT_EQ(steps,
            (std::vector<step>{next_broker(), next_broker(), retry(milliseconds(100), 1),
                               next_broker(1), next_broker(1), retry(milliseconds(200), 2)}));
}

TEST(ReconnectPolicy, WithoutReconnectingTheListIsTriedOnceThenTheConnectFails) {
  auto policy = make_policy(false);
  policy.start(three);
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
  EXPECT_EQ(policy.open_failed(), next_broker());
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
  EXPECT_EQ(policy.open_failed(), next_broker());
  EXPECT_EQ(policy.begin_attempt(0).host, "c");
  EXPECT_EQ(policy.open_failed().what, kind::fail);
}

TEST(ReconnectPolicy, ALostConnectionTriesTheLastGoodBrokerFirst) {
  auto policy = make_policy();
  policy.start(three);
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
  EXPECT_EQ(policy.open_failed(), next_broker());
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
  policy.connected();
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
  // b is gone too: the rest of the list at once, then a wait.
  EXPECT_EQ(policy.open_failed(), next_broker(1));
  EXPECT_EQ(policy.begin_attempt(0).host, "c");
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(200), 2));
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
}

TEST(ReconnectPolicy, AConnectionThatEndsBeforeConnackRetriesAfterADelay) {
  // Refused or timed out waiting for CONNACK: a retry, not the next broker at once.
  auto policy = make_policy();
  policy.start(three);
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
}

TEST(ReconnectPolicy, ANewConnectStartsFromTheFirstBrokerWithAFreshBackoff) {
  auto policy = make_policy();
  policy.start(three);
  for (int i = 0; i < 4; ++i) {
    policy.begin_attempt(0);
    policy.open_failed();
  }
  policy.stop();
  policy.start(three);
  EXPECT_FALSE(policy.stopped());
  EXPECT_EQ(policy.attempts(), 0u);
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
}

// --- backoff -----------------------------------------------------------------------

TEST(ReconnectPolicy, TheDelayGrowsByTheFactorUpToTheMaximum) {
  auto policy = make_policy();
  policy.start({url("a")});
  std::vector<milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    policy.begin_attempt(0);
    auto s = policy.open_failed();
    EXPECT_EQ(s.what, kind::retry);
    EXPECT_EQ(s.attempt, static_cast<std::uint32_t>(i + 1));
    delays.push_back(s.delay);
  }
  EXPECT_EQ(delays,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(800), milliseconds(1000), milliseconds(1000)}));
}

TEST(ReconnectPolicy, JitterComesFromTheInjectedRandomness) {
  std::vector<double> draws{0.5, 0.25};
  std::size_t next = 0;
  reconnect_policy policy(true,
                          backoff({milliseconds(100), milliseconds(1000), 2.0, milliseconds(40)},
                                  [&] { return draws[next++]; }),
                          milliseconds(300));
  policy.start({url("a")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(120), 1)); // 100 + 0.5 * 40
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(210), 2)); // 200 + 0.25 * 40
}

TEST(ReconnectPolicy, ACONNACKStartsTheBackoffOver) {
  auto policy = make_policy();
  policy.start({url("a")});
  for (int i = 0; i < 3; ++i) {
    policy.begin_attempt(0);
    policy.open_failed();
  }
  EXPECT_EQ(policy.attempts(), 3u);
  policy.begin_attempt(0);
  policy.connected();
  EXPECT_EQ(policy.attempts(), 0u);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
}

TEST(ReconnectPolicy, OptionsGiveTheBackoffTheirRandomSource) {
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy = {milliseconds(100), milliseconds(1000), 2.0, milliseconds(100)};
  options.reconnect.random = [] { return 0.5; };
  options.connect_timeout = milliseconds(50);
  reconnect_policy policy(options);
  EXPECT_EQ(policy.connect_timeout(), milliseconds(50));
  policy.start({url("a")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(150), 1));
}

// --- giving up -----------------------------------------------------------------------

TEST(ReconnectPolicy, APermanentRefusalGivesUp) {
  for (bool enabled : {true, false}) {
    auto policy = make_policy(enabled);
    policy.start(three);
    policy.begin_attempt(0);
    policy.open_failed();
    policy.begin_attempt(0);
    policy.refused(true, false);
    auto s = policy.connection_ended();
    EXPECT_EQ(s.what, kind::give_up);
    EXPECT_EQ(s.attempt, 0u);
    EXPECT_TRUE(policy.stopped());
    EXPECT_EQ(policy.open_failed().what, kind::fail); // nothing more is tried
  }
}

TEST(ReconnectPolicy, ARefusalThatMayPassIsRetried) {
  auto policy = make_policy();
  policy.start({url("a")});
  policy.begin_attempt(0);
  policy.refused(false, false);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
  // The refusal belongs to its attempt.
  policy.begin_attempt(0);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(200), 2));
}

TEST(ReconnectPolicy, RetryWithMqtt31IsAtOnceEvenWithoutReconnecting) {
  auto policy = make_policy(false);
  policy.start({url("a")});
  policy.begin_attempt(0);
  policy.refused(false, true);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(0), 0));
  // 3.1 refused too, and not for good: reconnecting is off, so the connect fails.
  policy.begin_attempt(0);
  policy.refused(false, false);
  EXPECT_EQ(policy.connection_ended().what, kind::fail);
}

// A broker that refused MQTT 3.1.1 as an unsupported version is asked again
// with 3.1: the same broker, not the next of the list.
TEST(ReconnectPolicy, RetryWithMqtt31GoesToTheSameBroker) {
  auto policy = make_policy();
  policy.start(three);
  EXPECT_EQ(policy.begin_attempt(0).host, "a");
  EXPECT_EQ(policy.open_failed().what, kind::next_broker);
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
  policy.refused(false, true);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(0), 0));
  EXPECT_EQ(policy.begin_attempt(0).host, "b");
}

TEST(ReconnectPolicy, StoppedMeansNoMoreAttempts) {
  auto policy = make_policy();
  policy.start(three);
  policy.begin_attempt(0);
  policy.stop();
  EXPECT_EQ(policy.open_failed().what, kind::fail); // not even the next broker
  policy.begin_attempt(0);
  EXPECT_EQ(policy.connection_ended().what, kind::fail);
}

// --- connect timeout -------------------------------------------------------------------

TEST(ReconnectPolicy, AnAttemptTimesOutWhenItsTimeIsUp) {
  auto policy = make_policy();
  policy.start({url("a")});
  policy.begin_attempt(1'000);
  EXPECT_EQ(policy.connect_timeout(), milliseconds(300));
  EXPECT_FALSE(policy.connect_timer_fired(1'299));
  EXPECT_FALSE(policy.timed_out());
  EXPECT_TRUE(policy.connect_timer_fired(1'300));
  EXPECT_TRUE(policy.timed_out());
  // The next attempt has its own time.
  policy.open_failed();
  policy.begin_attempt(2'000);
  EXPECT_FALSE(policy.timed_out());
  EXPECT_FALSE(policy.connect_timer_fired(2'299));
  EXPECT_TRUE(policy.connect_timer_fired(2'300));
}

TEST(ReconnectPolicy, NoTimeoutAfterCONNACKAfterTheAttemptEndedOrWhenStopped) {
  auto policy = make_policy();
  policy.start({url("a")});
  policy.begin_attempt(0);
  policy.connected();
  EXPECT_FALSE(policy.connect_timer_fired(10'000));
  policy.connection_ended();
  EXPECT_FALSE(policy.connect_timer_fired(20'000)); // waiting to retry: no attempt
  policy.begin_attempt(30'000);
  policy.stop();
  EXPECT_FALSE(policy.connect_timer_fired(40'000));
  EXPECT_FALSE(policy.timed_out());
}

} // namespace
} // namespace braid::detail
