// The reconnecting service's decisions without sockets or real time: failover
// through the list of brokers, the last good broker first, backoff growth and
// cap (randomness injected), jitter spread at the cap, giving up on a permanent refusal, the retry
// at once with MQTT 3.1, the connect timeout, and a reset after a CONNACK.
#include <braid/detail/reconnect_policy.hpp>

#include <gtest/gtest.h>

#include <array>
#include <set>
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
  return reconnect_policy(enabled, backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0}),
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
  reconnect_policy policy(
      true,
      backoff({milliseconds(100), milliseconds(1000), 2.0, 0.4}, [&] { return draws[next++]; }),
      milliseconds(300));
  policy.start({url("a")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(80), 1)); // 100 * (1 - 0.4 * 0.5)
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(180), 2)); // 200 * (1 - 0.4 * 0.25)
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
  options.reconnect.policy = {milliseconds(100), milliseconds(1000), 2.0, 0.5};
  options.reconnect.random = [] { return 0.5; };
  options.connect_timeout = milliseconds(50);
  reconnect_policy policy(options);
  EXPECT_EQ(policy.connect_timeout(), milliseconds(50));
  policy.start({url("a")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(75), 1)); // 100 * (1 - 0.5 * 0.5)
}

// --- jitter ---------------------------------------------------------------------------

/// The delay of a client's `n`-th retry in a row (its broker never answers).
milliseconds nth_delay(reconnect_policy& policy, int n) {
  policy.start({url("a")});
  milliseconds delay{0};
  for (int i = 0; i < n; ++i) {
    policy.begin_attempt(0);
    delay = policy.open_failed().delay;
  }
  return delay;
}

// 1,000 clients with the default options, cut off by a long outage: at the cap
// (60 s) their waits are spread over the documented range [30 s, 60 s], not
// all equal to 60 s — no thundering herd when the broker comes back.
TEST(ReconnectPolicy, ByDefaultClientsAtTheCapWaitSpreadOverItsSecondHalf) {
  client_options options;
  options.reconnect.enabled = true;
  constexpr int clients = 1000;
  constexpr int buckets = 10; // of 3 s each over [30 s, 60 s)
  std::array<int, buckets> per_bucket{};
  std::set<std::int64_t> distinct;
  for (int i = 0; i < clients; ++i) {
    reconnect_policy policy(options);
    const auto delay = nth_delay(policy, 20); // 1 s * 1.5^19 is far past the cap
    ASSERT_GE(delay, milliseconds(30'000));
    ASSERT_LE(delay, milliseconds(60'000));
    distinct.insert(delay.count());
    ++per_bucket[std::min<std::size_t>(buckets - 1,
                                       static_cast<std::size_t>(delay.count() - 30'000) / 3'000)];
  }
  EXPECT_GT(distinct.size(), 900u); // nearly every client waits its own time
  for (int count : per_bucket) {
    EXPECT_GT(count, clients / buckets / 2) << "an interval of the range is nearly empty";
    EXPECT_LT(count, clients / buckets * 2) << "clients bunch up in one interval";
  }
}

TEST(ReconnectPolicy, TheSameSeedGivesTheSameDelays) {
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.random_seed = 42;
  reconnect_policy a(options), b(options);
  options.reconnect.random_seed = 43;
  reconnect_policy c(options);
  std::vector<std::int64_t> da, db, dc;
  for (int n = 1; n <= 5; ++n) {
    da.push_back(nth_delay(a, n).count());
    db.push_back(nth_delay(b, n).count());
    dc.push_back(nth_delay(c, n).count());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(ReconnectPolicy, NoJitterWhenTheShareIsZero) {
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy.jitter = 0;
  reconnect_policy policy(options);
  EXPECT_EQ(nth_delay(policy, 1), milliseconds(1000));
  EXPECT_EQ(nth_delay(policy, 30), milliseconds(60'000));
}

// --- certificates -----------------------------------------------------------------------

TEST(ReconnectPolicy, ARejectedCertificateGivesUpUnlessRetryingIsAsked) {
  for (bool retry_them : {false, true}) {
    reconnect_policy policy(true, backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0}),
                            milliseconds(300), retry_them);
    policy.start({url("a")});
    policy.begin_attempt(0);
    const auto s = policy.open_failed(true);
    if (retry_them) {
      EXPECT_EQ(s, retry(milliseconds(100), 1)); // as any failure to open
    } else {
      EXPECT_EQ(s.what, kind::give_up);
      EXPECT_TRUE(policy.stopped());
    }
  }
}

// With a list, another broker may have a certificate that verifies: the client
// gives up only once every broker has rejected it.
TEST(ReconnectPolicy, WithAListEveryBrokerMustRejectTheCertificate) {
  auto policy = make_policy();
  policy.start(three);
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(true), next_broker()); // a
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(false), next_broker()); // b: refused connection
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(true), retry(milliseconds(100), 1)); // c; b may recover
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(true), next_broker(1)); // a again
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(true).what, kind::give_up); // b too: all three rejected
}

TEST(ReconnectPolicy, AConnackForgetsTheRejections) {
  auto policy = make_policy();
  policy.start({url("a"), url("b")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.open_failed(true), next_broker()); // a
  policy.begin_attempt(0);                            // b accepts
  policy.connected();
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
  policy.begin_attempt(0); // b, now rejecting: a's rejection was forgotten
  EXPECT_EQ(policy.open_failed(true), retry(milliseconds(200), 2));
  policy.begin_attempt(0); // a rejects again: now both have
  EXPECT_EQ(policy.open_failed(true).what, kind::give_up);
}

// --- a connection the broker drops at once is not a success -----------------------

TEST(ReconnectPolicy, AConnectionDroppedSoonAfterConnackKeepsTheBackoffGrowing) {
  auto policy = reconnect_policy(true, backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0}),
                                 milliseconds(300), false, true, 5, milliseconds(1000));
  policy.start({url("a")});
  std::vector<step> steps;
  std::uint64_t now = 0;
  for (int i = 0; i < 4; ++i) {
    policy.begin_attempt(now);
    policy.connected(now);
    now += 5; // accepted, then dropped 5 ms later (a session the broker cannot restore)
    steps.push_back(policy.connection_ended(now));
    now += static_cast<std::uint64_t>(steps.back().delay.count());
  }
  EXPECT_EQ(steps, (std::vector<step>{retry(milliseconds(100), 1), retry(milliseconds(200), 2),
                                      retry(milliseconds(400), 3), retry(milliseconds(800), 4)}));
  EXPECT_EQ(policy.brief_connections(), 4u);
  // One that lasts starts the backoff over.
  policy.begin_attempt(now);
  policy.connected(now);
  EXPECT_EQ(policy.connection_ended(now + 1000), retry(milliseconds(100), 1));
  EXPECT_EQ(policy.brief_connections(), 0u);
}

// --- server redirection (MQTT 5 Use another server 0x9C, Server moved 0x9D) ------

using protocol::server_reference;
using outcome = redirect_outcome;

reconnect_policy redirect_policy(bool enabled = true, std::uint32_t max_redirects = 5,
                                 bool follow = true) {
  return reconnect_policy(enabled, backoff({milliseconds(100), milliseconds(1000), 2.0, 0.0}),
                          milliseconds(300), false, follow, max_redirects);
}

std::string at(const broker_url& u) {
  return u.host + ":" + u.port;
}

TEST(Redirect, UseAnotherServerSendsTheNextAttemptThereAtOnceThenTheListAgain) {
  auto policy = redirect_policy();
  policy.start({url("a"), url("b")});
  EXPECT_EQ(at(policy.begin_attempt(0)), "a:1883");
  EXPECT_EQ(policy.redirect({{"x", "1884"}}, false), outcome::followed);
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(0), 0)); // at once, no backoff
  EXPECT_EQ(at(policy.begin_attempt(0)), "x:1884");
  policy.connected();
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
  EXPECT_EQ(at(policy.begin_attempt(0)), "a:1883"); // the broker that redirected, not x
}

TEST(Redirect, ServerMovedReplacesTheBrokerInTheListForGood) {
  auto policy = redirect_policy();
  policy.start({url("a"), url("b")});
  policy.begin_attempt(0); // a
  policy.connected();
  EXPECT_EQ(policy.redirect({{"moved", ""}}, true), outcome::followed); // by DISCONNECT
  EXPECT_EQ(policy.connection_ended(), retry(milliseconds(0), 0));
  EXPECT_EQ(at(policy.begin_attempt(0)), "moved:1883"); // no port: a's
  EXPECT_EQ(policy.open_failed(), next_broker());
  EXPECT_EQ(at(policy.begin_attempt(0)), "b:1883");
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(100), 1));
  EXPECT_EQ(at(policy.begin_attempt(0)), "moved:1883"); // a is gone from the list
}

TEST(Redirect, ARedirectKeepsTheSchemeAndPathAndTriesEveryServerNamed) {
  auto policy = redirect_policy();
  policy.start({broker_url{transport_kind::websocket_tls, "a", "443", "/mqtt"}});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.redirect({{"x", "8443"}, {"y", ""}}, false), outcome::followed);
  policy.connection_ended();
  EXPECT_EQ(policy.begin_attempt(0),
            (broker_url{transport_kind::websocket_tls, "x", "8443", "/mqtt"}));
  EXPECT_EQ(policy.open_failed(), next_broker()); // x cannot be reached: y at once
  EXPECT_EQ(policy.begin_attempt(0),
            (broker_url{transport_kind::websocket_tls, "y", "443", "/mqtt"}));
  EXPECT_EQ(policy.open_failed(), retry(milliseconds(100), 1));
  EXPECT_EQ(at(policy.begin_attempt(0)), "a:443");
}

TEST(Redirect, ALoopBetweenBrokersEndsAfterMaxRedirects) {
  auto policy = redirect_policy(true, 3);
  policy.start({url("a")});
  std::vector<outcome> outcomes;
  std::vector<step> steps;
  for (int i = 0; i < 5; ++i) {
    policy.begin_attempt(0);
    outcomes.push_back(policy.redirect({{i % 2 == 0 ? "b" : "a", ""}}, false));
    steps.push_back(policy.connection_ended());
  }
  EXPECT_EQ(outcomes, (std::vector<outcome>{outcome::followed, outcome::followed, outcome::followed,
                                            outcome::too_many, outcome::too_many}));
  EXPECT_EQ(steps, (std::vector<step>{retry(milliseconds(0), 0), retry(milliseconds(0), 0),
                                      retry(milliseconds(0), 0), retry(milliseconds(100), 1),
                                      retry(milliseconds(200), 2)}));
}

TEST(Redirect, AConnectionThatEndsWithoutARedirectStartsTheCountOver) {
  auto policy = redirect_policy(true, 1);
  policy.start({url("a")});
  policy.begin_attempt(0);
  EXPECT_EQ(policy.redirect({{"b", ""}}, false), outcome::followed);
  policy.connection_ended();
  policy.begin_attempt(0); // b accepts, later the connection is lost
  policy.connected();
  policy.connection_ended();
  policy.begin_attempt(0); // a
  EXPECT_EQ(policy.redirect({{"b", ""}}, false), outcome::followed);
}

TEST(Redirect, NotFollowedWhenTurnedOffNowhereOrNotReconnecting) {
  {
    auto policy = redirect_policy(true, 5, false);
    policy.start({url("a")});
    policy.begin_attempt(0);
    EXPECT_EQ(policy.redirect({{"b", ""}}, true), outcome::turned_off);
    EXPECT_EQ(policy.connection_ended(), retry(milliseconds(100), 1));
    EXPECT_EQ(at(policy.begin_attempt(0)), "a:1883");
  }
  {
    auto policy = redirect_policy();
    policy.start({url("a")});
    policy.begin_attempt(0);
    EXPECT_EQ(policy.redirect({}, false), outcome::nowhere);
  }
  {
    // Not reconnecting: a connect follows a CONNACK's redirect (it waits for
    // a connection), not a DISCONNECT's once connected.
    auto policy = redirect_policy(false);
    policy.start({url("a")});
    policy.begin_attempt(0);
    EXPECT_EQ(policy.redirect({{"b", ""}}, false), outcome::followed);
    EXPECT_EQ(policy.connection_ended(), retry(milliseconds(0), 0));
    EXPECT_EQ(at(policy.begin_attempt(0)), "b:1883");
    policy.connected();
    EXPECT_EQ(policy.redirect({{"c", ""}}, false), outcome::not_reconnecting);
    EXPECT_EQ(policy.connection_ended().what, kind::fail);
  }
}

} // namespace
} // namespace braid::detail
