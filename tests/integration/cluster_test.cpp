// Braid against a RabbitMQ cluster (rabbitmq_cluster.hpp: Debian's
// rabbitmq-server 3.10 with its MQTT plugin, which speaks MQTT 3.1 and 3.1.1
// only and takes QoS 2 as QoS 1). A node is crashed (SIGKILL) under a
// streaming publisher, which must fail over to another node and lose
// nothing it was told was delivered; a persistent session whose queue died
// with its node must be retried with backoff; and RabbitMQ's answers to QoS 2
// and to an MQTT 5 CONNECT must end the operations instead of hanging them.
//
// Each test starts its own cluster (~11 s for 1 node, ~17 s for 2, ~23 s for
// 3 on an idle machine with 2 cores); the figures (lost, duplicated, failover
// time, connection events) are printed and recorded as test properties.
#include <braid/client.hpp>
#include <braid/client_errors.hpp>
#include <braid/protocol/session/errors.hpp>

#include "rabbitmq_cluster.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::rabbitmq_cluster;
using braid::testing::rabbitmq_cluster_options;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using kind = connection_event::kind;

constexpr const char* not_installed =
    "RabbitMQ is not installed (no /usr/lib/rabbitmq/bin/rabbitmq-server): run "
    "scripts/install-deps as root, which installs the rabbitmq-server package";

std::chrono::milliseconds since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
}

// MQTT 3.1.1 (all RabbitMQ 3.10 speaks); `persistent`: clean session off, so
// that the broker keeps the session (a queue) across connections.
bp::session_config mqtt311(std::string id, bool persistent, std::uint16_t window = 20) {
  bp::session_config c;
  c.connect_packet.version = bp::protocol_version::v3_1_1;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.clean_start = !persistent;
  c.connect_packet.keep_alive = 10;
  c.window = window;
  return c;
}

// Reconnecting without jitter, so that the delays show the backoff itself.
client_options reconnecting(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  client_options o;
  o.reconnect.enabled = true;
  o.reconnect.policy = {initial, max, 2.0, 0.0};
  return o;
}

std::string text(const bp::publish& m) {
  return {m.payload.begin(), m.payload.end()};
}

// "category:value message", in the error's own category (an Asio error_code
// holding a std::error_code names the category "std:..." itself).
std::string describe(const error_code& ec) {
  const std::error_code e = ec;
  return std::string(e.category().name()) + ":" + std::to_string(e.value()) + " " + e.message();
}

// Connection events, each with the time it came (from `start`).
struct event_log {
  struct entry {
    std::chrono::milliseconds at;
    connection_event event;
  };
  steady::time_point start = steady::now();
  std::vector<entry> entries;

  auto recorder() {
    return [this](const connection_event& e) { entries.push_back({since(start), e}); };
  }
  std::size_t count(kind k) const {
    return static_cast<std::size_t>(std::count_if(
        entries.begin(), entries.end(), [k](const entry& x) { return x.event.what == k; }));
  }
  /// One line per event, at most `limit` lines.
  std::string describe(std::size_t limit = 40) const {
    std::ostringstream out;
    for (std::size_t i = 0; i < entries.size() && i < limit; ++i) {
      const auto& [at, e] = entries[i];
      out << "  +" << at.count() << " ms ";
      switch (e.what) {
      case kind::connected:
        out << "connected session_present=" << e.session_present << " resent=" << e.resent
            << " republished=" << e.republished << " failed=" << e.failed
            << " resubscribed=" << e.resubscribed;
        break;
      case kind::disconnected:
        out << "disconnected: " << e.reason.message();
        break;
      case kind::reconnecting:
        out << "reconnecting attempt " << e.attempt << " after " << e.delay.count() << " ms ("
            << e.reason.message() << ")";
        break;
      case kind::gave_up:
        out << "gave up: " << e.reason.message();
        break;
      default: // events RabbitMQ 3.10 does not cause (MQTT 5 redirects)
        out << "event " << static_cast<int>(e.what) << ": " << e.reason.message();
        break;
      }
      out << "\n";
    }
    if (entries.size() > limit) {
      out << "  ... " << entries.size() - limit << " more\n";
    }
    return out.str();
  }
};

// A packet in one line: its type and what matters here.
std::string describe(packet_direction d, const bp::packet& p) {
  std::ostringstream out;
  out << (d == packet_direction::sent ? "sent " : "received ") << bp::to_string(bp::type_of(p));
  if (const auto* a = std::get_if<bp::connack>(&p)) {
    out << " session_present=" << a->session_present << " " << bp::to_string(a->reason);
  } else if (const auto* s = std::get_if<bp::suback>(&p)) {
    for (auto r : s->reasons) {
      out << " " << bp::to_string(r, bp::packet_type::suback);
    }
  } else if (const auto* m = std::get_if<bp::publish>(&p)) {
    out << " qos=" << static_cast<int>(m->qos) << " id=" << m->packet_id << " dup=" << m->dup;
  }
  return out.str();
}

// Starts a cluster and says how long that took.
std::unique_ptr<rabbitmq_cluster> start_cluster(rabbitmq_cluster_options options) {
  const auto start = steady::now();
  auto cluster = std::make_unique<rabbitmq_cluster>(options);
  std::cout << options.nodes << " node(s) up in " << since(start).count() << " ms\n";
  return cluster;
}

class Cluster : public ::testing::Test {
protected:
  void SetUp() override {
    if (!rabbitmq_cluster::installed()) {
      GTEST_SKIP() << not_installed;
    }
  }
};

// ---------------------------------------------------------------------------
// A node crashes under a streaming publisher.

struct stream_plan {
  std::string tag; // client ids and topic
  std::vector<std::size_t> subscriber_nodes;
  std::vector<std::size_t> publisher_nodes;
  std::size_t victim = 0; // the node crashed mid-stream
  int messages = 2'000;
  std::uint16_t window = 50;
};

struct stream_outcome {
  int completed = 0;        // publishes that completed, with or without an error
  int failed = 0;           // ... with an error
  int lost_after_error = 0; // never arrived; the publish failed, so the application knows
  int lost_by_braid = 0;    // never arrived although the publish succeeded or never completed
  int duplicates = 0;       // deliveries beyond the first
  bool killed = false;
  int completed_at_crash = 0;
  int delivered_at_crash = 0;
  std::chrono::milliseconds failover{-1}; // from the crash to the publisher's next CONNACK
  std::chrono::milliseconds took{0};
  event_log publisher_events, subscriber_events;
};

std::vector<std::string> urls(const rabbitmq_cluster& cluster,
                              const std::vector<std::size_t>& nodes) {
  std::vector<std::string> u;
  for (auto n : nodes) {
    u.push_back(cluster.url(n));
  }
  return u;
}

// A persistent QoS 1 subscriber, then a publisher that queues every message at
// once (the window paces them); the victim is crashed when a third of the
// publishes have completed. Ends when every publish completed and every message
// arrived, or 5 s after the last completion (lost messages), or after 90 s.
stream_outcome run_stream(rabbitmq_cluster& cluster, const stream_plan& plan) {
  asio::io_context io;
  stream_outcome out;
  const auto n = static_cast<std::size_t>(plan.messages);
  std::vector<int> received(n, 0);
  std::vector<std::optional<error_code>> result(n);
  int fresh = 0;
  steady::time_point killed_at;

  client subscriber(io.get_executor(), mqtt311(plan.tag + "-sub", true), reconnecting(50ms, 1s));
  client publisher(io.get_executor(), mqtt311(plan.tag + "-pub", true, plan.window),
                   reconnecting(50ms, 1s));
  subscriber.set_state_handler(out.subscriber_events.recorder());
  publisher.set_state_handler(
      [&, record = out.publisher_events.recorder()](const connection_event& e) {
        record(e);
        if (out.killed && e.what == kind::connected && out.failover.count() < 0) {
          out.failover = since(killed_at);
        }
      });

  asio::steady_timer grace(io);
  auto check_done = [&] {
    if (out.completed < plan.messages) {
      return;
    }
    if (fresh == plan.messages) {
      io.stop();
      return;
    }
    grace.expires_after(5s);
    grace.async_wait([&](error_code ec) {
      if (!ec) {
        io.stop();
      }
    });
  };

  subscriber.set_message_handler([&](const bp::publish& m) {
    const auto i = std::stoul(text(m));
    if (received.at(i)++ == 0) {
      ++fresh;
    }
    check_done();
  });

  // Crash the victim with a third of the publishes completed: the publisher
  // has a full window in flight, the subscriber some messages to catch up.
  auto crash_at_a_third = [&] {
    if (!out.killed && out.completed >= plan.messages / 3) {
      out.killed = true;
      out.completed_at_crash = out.completed;
      out.delivered_at_crash = fresh;
      killed_at = steady::now();
      cluster.kill(plan.victim);
    }
  };

  const auto topic = "braid/" + plan.tag;
  const auto start = steady::now();
  subscriber.async_connect(urls(cluster, plan.subscriber_nodes), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    subscriber.async_subscribe(
        {{topic, {bp::qos::at_least_once}}}, [&](error_code se, std::vector<bp::reason_code>) {
          ASSERT_FALSE(se) << se.message();
          publisher.async_connect(
              urls(cluster, plan.publisher_nodes), [&](error_code pe, bp::connack) {
                ASSERT_FALSE(pe) << pe.message();
                for (std::size_t i = 0; i < n; ++i) {
                  publisher.async_publish(topic, bp::to_bytes(std::to_string(i)),
                                          bp::qos::at_least_once, false,
                                          [&, i](error_code e, bp::reason_code) {
                                            result[i] = e;
                                            ++out.completed;
                                            out.failed += e ? 1 : 0;
                                            crash_at_a_third();
                                            check_done();
                                          });
                }
              });
        });
  });
  io.run_for(90s);
  out.took = since(start);

  for (std::size_t i = 0; i < n; ++i) {
    out.duplicates += std::max(0, received[i] - 1);
    if (received[i] == 0) {
      (result[i] && *result[i] ? out.lost_after_error : out.lost_by_braid) += 1;
    }
  }
  return out;
}

// Prints a run's figures and records them as test properties.
void report(const std::string& name, const stream_outcome& o) {
  std::cout << name << ": crashed with " << o.completed_at_crash << " publishes completed and "
            << o.delivered_at_crash << " delivered; took " << o.took.count() << " ms, failover "
            << o.failover.count() << " ms | completed " << o.completed << ", failed " << o.failed
            << " | lost by Braid " << o.lost_by_braid << ", lost after a failed publish "
            << o.lost_after_error << ", duplicated " << o.duplicates << "\n"
            << "publisher events:\n"
            << o.publisher_events.describe() << "subscriber events:\n"
            << o.subscriber_events.describe();
  ::testing::Test::RecordProperty("lost_by_braid", o.lost_by_braid);
  ::testing::Test::RecordProperty("lost_after_error", o.lost_after_error);
  ::testing::Test::RecordProperty("duplicates", o.duplicates);
  ::testing::Test::RecordProperty("failed", o.failed);
  ::testing::Test::RecordProperty("failover_ms", static_cast<int>(o.failover.count()));
}

// Two nodes: the subscriber's queue is on B; the publisher is on A, which
// crashes. The publisher fails over to B and resends what A had not
// acknowledged; everything acknowledged had reached B's queue already
// (RabbitMQ acknowledges once the queue has the message).
TEST_F(Cluster, PublisherFailsOverWhenItsNodeCrashes) {
  auto cluster = start_cluster({.nodes = 2});
  stream_plan plan;
  plan.tag = "failover";
  plan.subscriber_nodes = {1};
  plan.publisher_nodes = {0, 1};
  plan.victim = 0;
  const auto o = run_stream(*cluster, plan);
  report("2 nodes, publisher's node crashed", o);
  ASSERT_TRUE(o.killed);
  EXPECT_EQ(o.completed, plan.messages) << "the publisher did not finish";
  EXPECT_EQ(o.lost_by_braid, 0);
  EXPECT_GE(o.failover.count(), 0) << "the publisher never connected again";
  EXPECT_GE(o.publisher_events.count(kind::connected), 2u);
}

// Three nodes, sessions in quorum queues: subscriber and publisher both on A,
// which crashes. Both fail over; the subscriber's queue keeps a majority (B,
// C), elects a new leader, and the session resumes with everything in it.
TEST_F(Cluster, QuorumQueueSessionSurvivesTheCrashOfItsNode) {
  auto cluster = start_cluster({.nodes = 3, .quorum_queues = true});
  stream_plan plan;
  plan.tag = "quorum";
  plan.subscriber_nodes = {0, 1, 2};
  plan.publisher_nodes = {0, 1, 2};
  plan.victim = 0;
  const auto o = run_stream(*cluster, plan);
  report("3 nodes, quorum queues, shared node crashed", o);
  ASSERT_TRUE(o.killed);
  EXPECT_EQ(o.completed, plan.messages) << "the publisher did not finish";
  EXPECT_EQ(o.lost_by_braid, 0);
  EXPECT_GE(o.failover.count(), 0) << "the publisher never connected again";
  EXPECT_GE(o.subscriber_events.count(kind::connected), 2u);
}

// ---------------------------------------------------------------------------
// A persistent session whose (classic) queue lived on the crashed node cannot
// resume on the other node: it accepts the CONNECT (session present 0), and
// closes the connection at the SUBSCRIBE that restores the subscription (the
// queue, still in the cluster's tables, cannot be declared while its node is
// down). Every connection fails that way; the client must keep retrying with
// growing delays, not spin at the first one because each CONNACK succeeded.

TEST_F(Cluster, SessionWhoseQueueDiedIsRetriedWithBackoff) {
  auto cluster = start_cluster({.nodes = 2});
  asio::io_context io;
  event_log events;
  std::vector<std::string> trace; // the logger's records and the packets, timed
  steady::time_point killed_at;
  bool killed = false;
  auto stamp = [&] { return "+" + std::to_string(killed ? since(killed_at).count() : 0) + " ms "; };

  auto options = reconnecting(100ms, 3s);
  options.log_verbosity = log_level::debug;
  options.logger = [&](const log_record& r) {
    trace.push_back(stamp() + std::string(to_string(r.level)) + " " + std::string(r.step) + ": " +
                    std::string(r.message));
  };
  options.packet_trace = [&](packet_direction d, const bp::packet& p) {
    trace.push_back(stamp() + describe(d, p));
  };
  client c(io.get_executor(), mqtt311("braid-orphan", true), options);
  std::size_t events_before_kill = 0;
  c.set_state_handler(events.recorder());

  // Watch for 6 s after the crash: with backoff doubling from 100 ms to a
  // 3 s cap that is ~6 attempts; a spin at the minimum delay makes ~50.
  asio::steady_timer watch(io);
  std::optional<std::vector<bp::reason_code>> granted;
  c.async_connect(std::vector{cluster->url(0), cluster->url(1)}, [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe({{"orphan/#", {bp::qos::at_least_once}}},
                      [&](error_code se, std::vector<bp::reason_code> r) {
                        ASSERT_FALSE(se) << se.message();
                        granted = r;
                        events_before_kill = events.entries.size();
                        killed = true;
                        killed_at = steady::now();
                        cluster->kill(0);
                        watch.expires_after(6s);
                        watch.async_wait([&](error_code) { io.stop(); });
                      });
  });
  io.run_for(60s);
  c.close();

  ASSERT_TRUE(killed) << "never connected and subscribed";
  // What happened after the crash.
  std::vector<event_log::entry> after(events.entries.begin() +
                                          static_cast<std::ptrdiff_t>(events_before_kill),
                                      events.entries.end());
  std::size_t disconnects = 0, unexplained = 0;
  std::vector<std::chrono::milliseconds> delays;
  for (const auto& [at, e] : after) {
    if (e.what == kind::disconnected) {
      ++disconnects;
      unexplained += e.reason ? 0u : 1u;
    } else if (e.what == kind::reconnecting) {
      delays.push_back(e.delay);
    }
  }
  std::cout << "events (from the connect):\n"
            << events.describe(12) << "trace (times from the crash):\n";
  for (std::size_t i = 0; i < trace.size() && i < 40; ++i) {
    std::cout << "  " << trace[i] << "\n";
  }
  if (trace.size() > 40) {
    std::cout << "  ... " << trace.size() - 40 << " more\n";
  }
  std::cout << "after the crash: " << disconnects << " disconnects, " << delays.size()
            << " reconnects, delays (ms):";
  for (auto d : delays) {
    std::cout << " " << d.count();
  }
  std::cout << "\n";
  RecordProperty("disconnects", static_cast<int>(disconnects));
  RecordProperty("reconnects", static_cast<int>(delays.size()));

  ASSERT_TRUE(granted.has_value());
  EXPECT_GE(disconnects, 3u) << "the session should fail again and again on node B";
  EXPECT_EQ(unexplained, 0u) << "every disconnect should carry its reason";
  ASSERT_GE(delays.size(), 3u);
  // Backoff: the delays grow to several times the first instead of staying at it.
  const auto longest = *std::max_element(delays.begin(), delays.end());
  EXPECT_GE(longest, 4 * delays.front()) << "the reconnects spin at the minimum delay";
  EXPECT_LE(delays.size(), 12u) << "the reconnects spin at the minimum delay";
}

// ---------------------------------------------------------------------------
// One node shared by the tests of RabbitMQ's protocol limits (it is not
// damaged by them): QoS 2 taken as QoS 1, no MQTT 5.

class SingleNode : public Cluster {
protected:
  void SetUp() override {
    Cluster::SetUp();
    if (!IsSkipped() && !broker_) {
      broker_ = start_cluster({.nodes = 1});
    }
  }
  static void TearDownTestSuite() { broker_.reset(); }
  static std::unique_ptr<rabbitmq_cluster> broker_;
};
std::unique_ptr<rabbitmq_cluster> SingleNode::broker_;

// SUBSCRIBE at QoS 2 is granted QoS 1; a QoS 2 PUBLISH is answered with
// PUBACK, which ends the exchange with session_errc::qos_downgraded (the
// message was taken, at least once); it is delivered at QoS 1.
TEST_F(SingleNode, Qos2IsTakenAsQos1) {
  asio::io_context io;
  std::vector<std::string> trace;
  client_options options;
  options.packet_trace = [&](packet_direction d, const bp::packet& p) {
    trace.push_back(describe(d, p));
  };
  client c(io.get_executor(), mqtt311("braid-qos2", false), options);
  std::optional<std::vector<bp::reason_code>> granted;
  std::optional<error_code> published;
  std::optional<bp::publish> delivered;
  steady::time_point publish_start;
  std::chrono::milliseconds publish_took{-1};

  c.async_connect(broker_->url(0), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe({{"qos2/t", {bp::qos::exactly_once}}},
                      [&](error_code se, std::vector<bp::reason_code> r) {
                        ASSERT_FALSE(se) << se.message();
                        granted = r;
                        c.async_receive([&](error_code re, bp::publish m) {
                          if (!re) {
                            delivered = std::move(m);
                          }
                        });
                        publish_start = steady::now();
                        c.async_publish("qos2/t", bp::to_bytes("two"), bp::qos::exactly_once, false,
                                        [&](error_code pe, bp::reason_code) {
                                          published = pe;
                                          publish_took = since(publish_start);
                                        });
                      });
  });
  // Done when both the publish and the delivery came, or after 5 s (a hang).
  asio::steady_timer poll(io);
  std::function<void()> check = [&] {
    if ((published && delivered) || (granted && since(publish_start) > 5s)) {
      io.stop();
      return;
    }
    poll.expires_after(20ms);
    poll.async_wait([&](error_code) { check(); });
  };
  check();
  io.run_for(15s);

  std::cout << "packets:\n";
  for (const auto& line : trace) {
    std::cout << "  " << line << "\n";
  }
  std::cout << "publish: " << (published ? describe(*published) : std::string("did not complete"))
            << " after " << publish_took.count() << " ms; delivered at QoS "
            << (delivered ? std::to_string(static_cast<int>(delivered->qos)) : "-") << "\n";

  ASSERT_TRUE(granted.has_value());
  EXPECT_EQ(*granted, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});
  ASSERT_TRUE(published.has_value()) << "the QoS 2 publish hangs";
  EXPECT_EQ(std::error_code(*published), bp::session_errc::qos_downgraded) << published->message();
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(text(*delivered), "two");
  EXPECT_EQ(delivered->qos, bp::qos::at_least_once);
}

// RabbitMQ 3.10 drops an MQTT 5 CONNECT without a CONNACK: the connect must
// fail (not hang) within the connect timeout.
TEST_F(SingleNode, Mqtt5ConnectFailsAtOnceSayingTheBrokerClosedWithoutConnack) {
  asio::io_context io;
  auto config = mqtt311("braid-v5", false);
  config.connect_packet.version = bp::protocol_version::v5;
  client_options options;
  options.connect_timeout = 3s;
  std::vector<std::string> log;
  options.logger = [&](const log_record& r) {
    log.push_back(std::string(r.step) + ": " + std::string(r.message));
  };
  client c(io.get_executor(), config, options);
  std::optional<error_code> result;
  std::chrono::milliseconds took{-1};
  const auto start = steady::now();
  c.async_connect(broker_->url(0), [&](error_code ec, bp::connack) {
    result = ec;
    took = since(start);
    io.stop();
  });
  io.run_for(10s);

  for (const auto& line : log) {
    std::cout << "  " << line << "\n";
  }
  std::cout << "MQTT 5 connect: " << (result ? describe(*result) : std::string("did not complete"))
            << " after " << took.count() << " ms\n";
  ASSERT_TRUE(result.has_value()) << "the connect hangs";
  // RabbitMQ 3.10 closes the connection on an MQTT 5 CONNECT: the error says
  // what that usually means, at once rather than at the connect timeout.
  EXPECT_EQ(std::error_code(*result), client_errc::closed_before_connack) << describe(*result);
  EXPECT_LE(took, 3s + 500ms);
}

} // namespace
} // namespace braid
