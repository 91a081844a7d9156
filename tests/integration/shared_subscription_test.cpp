// Shared subscriptions ($share/group/filter) against mosquitto: braid
// consumers in one group, a publisher sending numbered messages, and what
// each member receives while members stay, leave and join. MQTT 3.1.1 and 5,
// QoS 1 and 2.
//
// Every phase ends with a barrier: a message on a topic each member
// subscribes to without sharing, published after the numbered ones. mosquitto
// keeps one queue per client, so once a member has the barrier it has every
// numbered message routed to it before, and the sets compared are final.
#include <braid/client.hpp>
#include <braid/protocol/error.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;

const std::string shared_filter = "$share/workers/jobs/#";
const std::string jobs_topic = "jobs/t";
const std::string barrier_topic = "barrier";

// Runs `io` until `done()` holds, checking after every handler; false after
// `limit`.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) {
      return false;
    }
    if (io.stopped()) {
      io.restart();
    }
    io.run_one_for(end - now);
  }
  return true;
}

bp::session_config config_for(std::string id, bp::protocol_version v, bool persistent = false) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.version = v;
  c.connect_packet.keep_alive = 30;
  c.connect_packet.clean_start = !persistent;
  if (persistent && v == bp::protocol_version::v5) {
    c.connect_packet.props.add(bp::property_id::session_expiry_interval, std::uint32_t{300});
  }
  return c;
}

// One consumer of the group: the numbers it received, in order, and the last
// barrier it saw.
struct member {
  member(asio::io_context& io, bp::session_config config) : c(io.get_executor(), config) {
    c.set_message_handler([this](const bp::publish& m) {
      const int value = std::stoi(std::string(m.payload.begin(), m.payload.end()));
      if (m.topic == barrier_topic) {
        barrier = value;
      } else {
        numbers.push_back(value);
        if (on_number) {
          on_number(value);
        }
      }
    });
  }

  client c;
  std::vector<int> numbers;
  int barrier = -1;
  std::function<void(int)> on_number;
};

// Connects `m` and subscribes it to the shared filter and the barrier at `q`.
// Returns the CONNACK's session present.
bool join(asio::io_context& io, member& m, const mosquitto_broker& broker, bp::qos q) {
  bool ready = false;
  bool session_present = false;
  m.c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack ack) {
    ASSERT_FALSE(ec) << ec.message();
    session_present = ack.session_present;
    std::vector<bp::subscription> subs{{shared_filter, {q}}, {barrier_topic, {q}}};
    m.c.async_subscribe(subs, [&, q](error_code e, std::vector<bp::reason_code> granted) {
      ASSERT_FALSE(e) << e.message();
      const auto want = static_cast<bp::reason_code>(static_cast<int>(q));
      EXPECT_EQ(granted, (std::vector<bp::reason_code>{want, want}));
      ready = true;
    });
  });
  EXPECT_TRUE(run_until(io, [&] { return ready; })) << "not subscribed";
  return session_present;
}

void leave(asio::io_context& io, member& m) {
  bool done = false;
  m.c.async_disconnect([&](error_code ec) {
    EXPECT_FALSE(ec) << ec.message();
    done = true;
  });
  EXPECT_TRUE(run_until(io, [&] { return done; })) << "not disconnected";
}

class publisher {
public:
  publisher(asio::io_context& io, const mosquitto_broker& broker, bp::protocol_version v, bp::qos q)
      : io_(io), c_(io.get_executor(), config_for("braid-share-pub", v)), q_(q) {
    bool ready = false;
    c_.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
      EXPECT_FALSE(ec) << ec.message();
      ready = true;
    });
    EXPECT_TRUE(run_until(io, [&] { return ready; })) << "publisher not connected";
  }

  // Starts publishing `first`..`last - 1`; the window paces them.
  void start(int first, int last) {
    for (int i = first; i < last; ++i) {
      c_.async_publish(jobs_topic, bp::to_bytes(std::to_string(i)), q_, false,
                       [this](error_code ec, bp::reason_code) {
                         EXPECT_FALSE(ec) << ec.message();
                         ++acknowledged_;
                       });
      ++started_;
    }
  }

  // Waits until every publish started is acknowledged.
  void finish() {
    EXPECT_TRUE(run_until(io_, [&] { return acknowledged_ == started_; }))
        << acknowledged_ << " of " << started_ << " acknowledged";
  }

  // Publishes the numbers, then barrier `phase`, and waits until every one
  // of `members` has the barrier.
  void phase(int first, int last, int phase, const std::vector<member*>& members) {
    start(first, last);
    finish();
    c_.async_publish(barrier_topic, bp::to_bytes(std::to_string(phase)), q_, false,
                     [](error_code ec, bp::reason_code) { EXPECT_FALSE(ec) << ec.message(); });
    EXPECT_TRUE(run_until(io_,
                          [&] {
                            for (const auto* m : members) {
                              if (m->barrier != phase) {
                                return false;
                              }
                            }
                            return true;
                          }))
        << "barrier " << phase << " missing";
  }

private:
  asio::io_context& io_;
  client c_;
  bp::qos q_;
  int started_ = 0;
  int acknowledged_ = 0;
};

// How many times each number was received, over `members`.
std::map<int, int> tally(const std::vector<const member*>& members) {
  std::map<int, int> times;
  for (const auto* m : members) {
    for (int n : m->numbers) {
      ++times[n];
    }
  }
  return times;
}

std::set<int> range(int first, int last) {
  std::set<int> s;
  for (int i = first; i < last; ++i) {
    s.insert(i);
  }
  return s;
}

std::set<int> keys(const std::map<int, int>& m) {
  std::set<int> s;
  for (const auto& [k, v] : m) {
    s.insert(k);
  }
  return s;
}

std::set<int> as_set(const std::vector<int>& v) {
  return {v.begin(), v.end()};
}

// Numbers received more than once.
std::set<int> twice(const std::map<int, int>& times) {
  std::set<int> s;
  for (const auto& [n, count] : times) {
    if (count > 1) {
      s.insert(n);
    }
  }
  return s;
}

std::string to_string(const std::set<int>& s) {
  std::string out = "{";
  for (int n : s) {
    out += (out.size() > 1 ? " " : "") + std::to_string(n);
  }
  return out + "}";
}

class SharedSubscription
    : public ::testing::TestWithParam<std::tuple<bp::protocol_version, bp::qos>> {
protected:
  bp::protocol_version version() const { return std::get<0>(GetParam()); }
  bp::qos qos() const { return std::get<1>(GetParam()); }
  bp::session_config config(const std::string& id, bool persistent = false) const {
    return config_for("braid-share-" + id, version(), persistent);
  }
};

// Three members that stay: each message reaches exactly one of them, and each
// gets a share (mosquitto deals them out in turn).
TEST_P(SharedSubscription, EachMessageReachesExactlyOneMember) {
  mosquitto_broker broker;
  asio::io_context io;
  member a(io, config("a")), b(io, config("b")), c(io, config("c"));
  for (auto* m : {&a, &b, &c}) {
    join(io, *m, broker, qos());
    const auto info = m->c.connection();
    ASSERT_TRUE(info.has_value());
    EXPECT_TRUE(info->shared_subscription_available);
  }
  publisher pub(io, broker, version(), qos());
  constexpr int count = 300;
  pub.phase(0, count, 1, {&a, &b, &c});

  const auto times = tally({&a, &b, &c});
  EXPECT_EQ(keys(times), range(0, count));
  EXPECT_EQ(twice(times), std::set<int>{});
  for (const auto* m : {&a, &b, &c}) {
    EXPECT_EQ(m->numbers.size(), std::size_t{count / 3}); // round robin
  }
}

// A member leaves mid-stream (a clean DISCONNECT of a clean-start session)
// and a new one joins. No message reaches two members, and every message
// published after the member left reaches exactly one of those remaining.
// What mosquitto had dealt to the leaving member and not yet delivered (its
// next turns, up to when mosquitto read the DISCONNECT) is gone: the session
// ends with it, and mosquitto does not give it to the rest of the group.
TEST_P(SharedSubscription, MembersLeaveAndJoinMidStream) {
  mosquitto_broker broker;
  asio::io_context io;
  member a(io, config("a")), b(io, config("b")), c(io, config("c")), d(io, config("d"));
  for (auto* m : {&a, &b, &c}) {
    join(io, *m, broker, qos());
  }
  publisher pub(io, broker, version(), qos());
  bool b_left = false;
  b.on_number = [&](int) {
    if (b.numbers.size() == 20) { // its 20th message: leaves at once
      b.c.async_disconnect([&](error_code ec) {
        EXPECT_FALSE(ec) << ec.message();
        b_left = true;
      });
    }
  };
  constexpr int first_half = 300;
  constexpr int count = 600;
  pub.start(0, first_half);
  ASSERT_TRUE(run_until(io, [&] { return b_left; })) << "b did not leave";
  join(io, d, broker, qos());
  pub.start(first_half, count); // the first half may still be under way
  pub.finish();
  pub.phase(0, 0, 1, {&a, &c, &d});

  const auto times = tally({&a, &b, &c, &d});
  EXPECT_EQ(twice(times), std::set<int>{});
  std::set<int> missing = range(0, count);
  for (const auto& [n, _] : times) {
    missing.erase(n);
  }
  // b got every third message (round robin over three members) ...
  ASSERT_GE(b.numbers.size(), 20u);
  const int b_last = b.numbers.back();
  for (int n : b.numbers) {
    EXPECT_EQ(n % 3, b_last % 3) << n;
  }
  // ... and what is missing is its next turns, a run cut short when it left.
  std::set<int> b_next_turns;
  for (std::size_t i = 1; i <= missing.size(); ++i) {
    b_next_turns.insert(b_last + 3 * static_cast<int>(i));
  }
  EXPECT_EQ(missing, b_next_turns);
  for (const auto* m : {&a, &c, &d}) {
    EXPECT_GT(m->numbers.size(), 0u);
  }
  // d joined after b left: all it has was dealt after b's last turn.
  ASSERT_FALSE(d.numbers.empty());
  EXPECT_GT(*as_set(d.numbers).begin(), missing.empty() ? b_last : *missing.rbegin());
  std::cout << "[          ] b received " << b.numbers.size() << ", lost " << to_string(missing)
            << "\n";
}

// A member that holds messages unacknowledged when it leaves (clean start):
// mosquitto drops them with the session; the others never get them.
TEST_P(SharedSubscription, WhatALeavingMemberDidNotAcknowledgeIsNotRedistributed) {
  mosquitto_broker broker;
  asio::io_context io;
  auto holding = config("b");
  holding.manual_acknowledgement = true;
  member a(io, config("a")), b(io, holding), c(io, config("c"));
  for (auto* m : {&a, &b, &c}) {
    join(io, *m, broker, qos());
  }
  publisher pub(io, broker, version(), qos());
  constexpr int count = 30;
  pub.phase(0, count, 1, {&a, &b, &c});
  const auto held = as_set(b.numbers);
  ASSERT_EQ(held.size(), std::size_t{count / 3});
  leave(io, b); // its messages were never acknowledged
  pub.phase(count, 2 * count, 2, {&a, &c});

  const auto times = tally({&a, &c});
  EXPECT_EQ(twice(times), std::set<int>{});
  std::set<int> expected = range(0, 2 * count);
  for (int n : held) {
    expected.erase(n);
  }
  EXPECT_EQ(keys(times), expected);
}

// A member with a persistent session (clean start false, and a session expiry
// in MQTT 5) that disconnects stays in the group: mosquitto keeps dealing it
// its turn and queues those messages for it. They wait for it to come back;
// the others do not get them.
TEST_P(SharedSubscription, APersistentMemberKeepsItsShareWhileAway) {
  mosquitto_broker broker;
  asio::io_context io;
  member a(io, config("a", true)), c(io, config("c", true));
  auto b = std::make_unique<member>(io, config("b", true));
  for (auto* m : {&a, b.get(), &c}) {
    EXPECT_FALSE(join(io, *m, broker, qos()));
  }
  publisher pub(io, broker, version(), qos());
  constexpr int count = 30;
  pub.phase(0, count, 1, {&a, b.get(), &c});
  const auto before = as_set(b->numbers);
  EXPECT_EQ(before.size(), std::size_t{count / 3});
  leave(io, *b);
  b.reset();

  pub.phase(count, 2 * count, 2, {&a, &c});
  const auto others = keys(tally({&a, &c}));
  EXPECT_EQ(others.size(), std::size_t{count / 3 * 2 + count / 3 * 2}); // b's turns were kept

  b = std::make_unique<member>(io, config("b", true));
  EXPECT_TRUE(join(io, *b, broker, qos())); // the session, with its queue
  pub.phase(2 * count, 2 * count, 3, {&a, b.get(), &c});
  const auto queued = as_set(b->numbers);
  std::set<int> expected = range(count, 2 * count);
  for (int n : others) {
    expected.erase(n);
  }
  EXPECT_EQ(queued, expected);
  EXPECT_EQ(queued.size(), std::size_t{count / 3});
  const auto times = tally({&a, &c});
  for (int n : before) {
    EXPECT_FALSE(times.contains(n)) << n;
  }
  for (int n : queued) {
    EXPECT_FALSE(times.contains(n)) << n;
  }
}

// The same mid-stream leave with persistent sessions: nothing is lost. What
// mosquitto dealt to b while it was away (its turns went on), and what it had
// sent b without an acknowledgement, wait for b; when b comes back it gets
// them, and the group has received every message exactly once.
TEST_P(SharedSubscription, APersistentMemberLeavingMidStreamGetsItsShareOnReturn) {
  mosquitto_broker broker;
  asio::io_context io;
  member a(io, config("a", true)), c(io, config("c", true));
  auto b = std::make_unique<member>(io, config("b", true));
  for (auto* m : {&a, b.get(), &c}) {
    join(io, *m, broker, qos());
  }
  publisher pub(io, broker, version(), qos());
  bool b_left = false;
  b->on_number = [&](int) {
    if (b->numbers.size() == 20) {
      b->c.async_disconnect([&](error_code ec) {
        EXPECT_FALSE(ec) << ec.message();
        b_left = true;
      });
    }
  };
  constexpr int count = 300;
  pub.start(0, count);
  ASSERT_TRUE(run_until(io, [&] { return b_left; })) << "b did not leave";
  pub.phase(0, 0, 1, {&a, &c});
  const auto first_life = b->numbers;
  const auto while_away = tally({&a, &c});
  EXPECT_EQ(while_away.size(), std::size_t{count * 2 / 3}) << "a and c got only their own turns";

  b = std::make_unique<member>(io, config("b", true));
  EXPECT_TRUE(join(io, *b, broker, qos()));
  pub.phase(0, 0, 2, {&a, b.get(), &c});

  auto times = tally({&a, b.get(), &c});
  for (int n : first_life) {
    ++times[n];
  }
  EXPECT_EQ(keys(times), range(0, count));
  EXPECT_EQ(twice(times), std::set<int>{});
  EXPECT_EQ(b->numbers.size() + first_life.size(), std::size_t{count / 3});
  for (int n : b->numbers) {
    EXPECT_EQ(n % 3, first_life.front() % 3) << n; // b's turns, kept for it
  }
}

// To leave the group for good with a persistent session, a member
// unsubscribes before it disconnects or (MQTT 5) ends its session with a
// Session Expiry Interval of 0 on DISCONNECT. mosquitto then deals the
// messages to the members that are left, and queues nothing for it.
TEST_P(SharedSubscription, APersistentMemberLeavesForGoodByUnsubscribingOrEndingItsSession) {
  for (bool unsubscribe : {true, false}) {
    if (!unsubscribe && version() != bp::protocol_version::v5) {
      continue; // MQTT 3.1.1 cannot change the session's lifetime on DISCONNECT
    }
    SCOPED_TRACE(unsubscribe ? "unsubscribe" : "session expiry 0");
    mosquitto_broker broker;
    asio::io_context io;
    member a(io, config("a", true)), c(io, config("c", true));
    auto b = std::make_unique<member>(io, config("b", true));
    for (auto* m : {&a, b.get(), &c}) {
      join(io, *m, broker, qos());
    }
    bool done = false;
    if (unsubscribe) {
      b->c.async_unsubscribe(std::vector<std::string>{shared_filter},
                             [&](error_code ec, std::vector<bp::reason_code>) {
                               EXPECT_FALSE(ec) << ec.message();
                               b->c.async_disconnect([&](error_code e) {
                                 EXPECT_FALSE(e) << e.message();
                                 done = true;
                               });
                             });
    } else {
      bp::properties end_session;
      end_session.add(bp::property_id::session_expiry_interval, std::uint32_t{0});
      b->c.async_disconnect(bp::reason_code::normal_disconnection, end_session, [&](error_code ec) {
        EXPECT_FALSE(ec) << ec.message();
        done = true;
      });
    }
    ASSERT_TRUE(run_until(io, [&] { return done; }));
    b.reset();

    publisher pub(io, broker, version(), qos());
    constexpr int count = 30;
    pub.phase(0, count, 1, {&a, &c});
    const auto times = tally({&a, &c});
    EXPECT_EQ(keys(times), range(0, count));
    EXPECT_EQ(twice(times), std::set<int>{});

    b = std::make_unique<member>(io, config("b", true));
    join(io, *b, broker, qos());
    pub.phase(0, 0, 2, {&a, b.get(), &c});
    EXPECT_EQ(b->numbers, std::vector<int>{}) << "nothing was kept for b";
  }
}

INSTANTIATE_TEST_SUITE_P(
    VersionsAndQoS, SharedSubscription,
    ::testing::Combine(::testing::Values(bp::protocol_version::v3_1_1, bp::protocol_version::v5),
                       ::testing::Values(bp::qos::at_least_once, bp::qos::exactly_once)),
    [](const auto& test_info) {
      return std::string(std::get<0>(test_info.param) == bp::protocol_version::v5 ? "v5" : "v311") +
             "_qos" + std::to_string(static_cast<int>(std::get<1>(test_info.param)));
    });

// MQTT 5 forbids No Local on a shared subscription [MQTT-3.8.3-4]: braid
// refuses the request before sending it, and the connection stays usable.
TEST(SharedSubscriptionOptions, NoLocalIsRefusedBeforeSending) {
  mosquitto_broker broker;
  asio::io_context io;
  member m(io, config_for("braid-share-nolocal", bp::protocol_version::v5));
  join(io, m, broker, bp::qos::at_least_once);
  std::vector<bp::subscription> subs{{"$share/g/other", {bp::qos::at_least_once, true}}};
  std::optional<error_code> result;
  m.c.async_subscribe(subs, [&](error_code ec, std::vector<bp::reason_code>) { result = ec; });
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_EQ(std::error_code(*result), bp::errc::invalid_subscription_options) << result->message();
  EXPECT_TRUE(m.c.connection().has_value());

  // No Local on an ordinary filter is fine.
  std::vector<bp::subscription> plain{{"other", {bp::qos::at_least_once, true}}};
  bool granted = false;
  m.c.async_subscribe(plain, [&](error_code ec, std::vector<bp::reason_code> codes) {
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(codes, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});
    granted = true;
  });
  EXPECT_TRUE(run_until(io, [&] { return granted; }));
}

// MQTT 3.1.1 has no No Local at all, and a malformed shared filter is
// refused in either version; the connection stays. A 3.1.1 CONNACK cannot
// tell whether the broker offers shared subscriptions: the protocol's
// default (available) is shown.
TEST(SharedSubscriptionOptions, Mqtt311RefusesNoLocalAndMalformedSharedFilters) {
  mosquitto_broker broker;
  asio::io_context io;
  member m(io, config_for("braid-share-311", bp::protocol_version::v3_1_1));
  join(io, m, broker, bp::qos::at_least_once);
  ASSERT_TRUE(m.c.connection().has_value());
  EXPECT_TRUE(m.c.connection()->shared_subscription_available);
  const std::vector<std::pair<bp::subscription, bp::errc>> cases{
      {{"$share/g/other", {bp::qos::at_least_once, true}}, bp::errc::not_in_protocol_version},
      {{"$share/g", {bp::qos::at_least_once}}, bp::errc::shared_subscription_invalid},
      {{"$share//other", {bp::qos::at_least_once}}, bp::errc::shared_subscription_invalid},
  };
  for (const auto& [subscription, expected] : cases) {
    std::optional<error_code> result;
    m.c.async_subscribe(std::vector<bp::subscription>{subscription},
                        [&](error_code ec, std::vector<bp::reason_code>) { result = ec; });
    ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
    EXPECT_EQ(std::error_code(*result), expected)
        << subscription.filter << ": " << result->message();
  }
  EXPECT_TRUE(m.c.connection().has_value());
}

// mosquitto accepts a Subscription Identifier on a shared subscription and
// sends it with the messages the member gets.
TEST(SharedSubscriptionOptions, SubscriptionIdentifierComesWithTheMessage) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-share-id", bp::protocol_version::v5));
  std::optional<bp::publish> got;
  c.set_message_handler([&](const bp::publish& m) { got = m; });
  bool subscribed = false;
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    bp::properties id7;
    id7.add(bp::property_id::subscription_identifier, std::uint32_t{7});
    std::vector<bp::subscription> subs{{"$share/g/ids/#", {bp::qos::at_least_once}}};
    c.async_subscribe(subs, id7, [&](error_code e, std::vector<bp::reason_code> codes) {
      EXPECT_FALSE(e) << e.message();
      EXPECT_EQ(codes, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});
      subscribed = true;
      c.async_publish("ids/x", bp::to_bytes("x"), bp::qos::at_least_once, false,
                      [](error_code, bp::reason_code) {});
    });
  });
  ASSERT_TRUE(run_until(io, [&] { return got.has_value(); }));
  EXPECT_TRUE(subscribed);
  EXPECT_EQ(got->topic, "ids/x");
  EXPECT_EQ(got->props.subscription_identifiers(), std::vector<std::uint32_t>{7});
}

} // namespace
} // namespace braid
