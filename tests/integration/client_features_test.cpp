// Profiles, per-subscription routing, failover, connect timeout and inbound
// back-pressure, against private mosquittos.
#include <braid/client.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <variant>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;

std::string text(bp::byte_view b) {
  return {b.begin(), b.end()};
}

bp::session_config config_for(std::string id) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.keep_alive = 30;
  return c;
}

TEST(Profiles, AnOperationOutsideTheProfileFailsAtOnce) {
  mosquitto_broker broker;
  asio::io_context io;
  client_options pub_only;
  pub_only.profile = client_profile::publisher;
  client_options sub_only;
  sub_only.profile = client_profile::subscriber;
  client publisher(io.get_executor(), config_for("braid-pub"), pub_only);
  client subscriber(io.get_executor(), config_for("braid-sub"), sub_only);
  std::error_code subscribe_error, receive_error, publish_error;
  publisher.async_subscribe(
      {{"t", {}}}, [&](error_code ec, std::vector<bp::reason_code>) { subscribe_error = ec; });
  publisher.async_receive([&](error_code ec, bp::publish) { receive_error = ec; });
  subscriber.async_publish("t", {}, bp::qos::at_most_once, false,
                           [&](error_code ec, bp::reason_code) { publish_error = ec; });
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(subscribe_error, client_errc::not_in_profile);
  EXPECT_EQ(receive_error, client_errc::not_in_profile);
  EXPECT_EQ(publish_error, client_errc::not_in_profile);
}

// Overlapping filters: each route whose filter matches gets the message; a
// message no route takes goes to async_receive.
TEST(Routing, SubscriptionHandlersGetTheMessagesTheirFiltersMatch) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-routes"));
  std::map<std::string, std::vector<std::string>> got;
  c.route("r/#", [&](const bp::publish& m) { got["r/#"].push_back(m.topic); });
  c.route("r/+/x", [&](const bp::publish& m) { got["r/+/x"].push_back(m.topic); });
  std::string unrouted;
  std::vector<bp::subscription> subs{{"r/#", {bp::qos::at_least_once}},
                                     {"other", {bp::qos::at_least_once}}};
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      for (const char* topic : {"r/a/x", "r/b", "other"}) {
        c.async_publish(topic, bp::to_bytes("m"), bp::qos::at_least_once, false,
                        [](error_code, bp::reason_code) {});
      }
      c.async_receive([&](error_code, bp::publish m) {
        unrouted = m.topic;
        io.stop();
      });
    });
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(got["r/#"], (std::vector<std::string>{"r/a/x", "r/b"}));
  EXPECT_EQ(got["r/+/x"], (std::vector<std::string>{"r/a/x"}));
  EXPECT_EQ(unrouted, "other");
}

// A removed route gets nothing more: the next message on its filter goes to
// async_receive.
TEST(Routing, ARemovedRouteGetsNothingMore) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-unroute"));
  std::vector<std::string> routed;
  const auto id = c.route("u/#", [&](const bp::publish& m) { routed.push_back(text(m.payload)); });
  std::string unrouted;
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    c.async_subscribe({{"u/#", {bp::qos::at_least_once}}},
                      [&](error_code, std::vector<bp::reason_code>) {
                        c.async_publish("u/1", bp::to_bytes("first"), bp::qos::at_least_once, false,
                                        [](error_code, bp::reason_code) {});
                      });
  });
  io.run_for(std::chrono::milliseconds(300));
  ASSERT_EQ(routed, std::vector<std::string>{"first"});
  c.remove_route(id);
  c.async_publish("u/2", bp::to_bytes("second"), bp::qos::at_least_once, false,
                  [](error_code, bp::reason_code) {});
  c.async_receive([&](error_code, bp::publish m) {
    unrouted = text(m.payload);
    io.stop();
  });
  io.restart();
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(routed, std::vector<std::string>{"first"});
  EXPECT_EQ(unrouted, "second");
}

// Two brokers: the first dies, the client fails over to the second and
// carries on.
TEST(Failover, TheClientMovesToTheNextBrokerWhenTheFirstDies) {
  auto first = std::make_unique<mosquitto_broker>();
  mosquitto_broker second;
  asio::io_context io;
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy = {std::chrono::milliseconds(20), std::chrono::milliseconds(200), 2.0,
                              0.0};
  client c(io.get_executor(), config_for("braid-failover"), options);
  int connections = 0;
  std::string received;
  std::vector<bp::subscription> subs{{"f/t", {bp::qos::at_least_once}}};
  c.set_state_handler([&](const connection_event& e) {
    if (e.what != connection_event::kind::connected) {
      return;
    }
    if (++connections == 1) {
      first.reset(); // the first broker dies
      return;
    }
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      c.async_publish("f/t", bp::to_bytes("on the second"), bp::qos::at_least_once, false,
                      [](error_code, bp::reason_code) {});
    });
    c.async_receive([&](error_code, bp::publish m) {
      received.assign(m.payload.begin(), m.payload.end());
      io.stop();
    });
  });
  c.async_connect(std::vector<std::string>{"mqtt://127.0.0.1:" + first->port_string(),
                                           "mqtt://127.0.0.1:" + second.port_string()},
                  [](error_code, bp::connack) {});
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(connections, 2);
  EXPECT_EQ(received, "on the second");
}

TEST(ConnectTimeout, ASilentServerFailsTheConnectInTime) {
  asio::io_context io;
  // Accepts TCP connections and never says a word.
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(io);
  silent.async_accept(held, [](error_code) {});
  client_options options;
  options.connect_timeout = std::chrono::milliseconds(300);
  client c(io.get_executor(), config_for("braid-timeout"), options);
  std::error_code result;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  c.async_connect("127.0.0.1", std::to_string(silent.local_endpoint().port()),
                  [&](error_code ec, bp::connack) {
                    result = ec;
                    took = std::chrono::steady_clock::now() - start;
                    io.stop();
                  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(result, client_errc::connect_timeout);
  EXPECT_LT(took, std::chrono::seconds(2));
}

// A receive queue of 5 and 200 messages not read at first: the client stops
// reading the socket rather than dropping, and every message arrives, in order.
TEST(BackPressure, ASlowReaderLosesNothing) {
  mosquitto_broker broker;
  asio::io_context io;
  client_options options;
  options.receive_queue_limit = 5;
  client c(io.get_executor(), config_for("braid-slow"), options);
  std::vector<bp::subscription> subs{{"bp/t", {bp::qos::at_least_once}}};
  std::vector<std::string> got;
  std::function<void()> read_next = [&] {
    c.async_receive([&](error_code ec, bp::publish m) {
      if (ec) {
        return;
      }
      got.emplace_back(m.payload.begin(), m.payload.end());
      if (got.size() == 200) {
        io.stop();
        return;
      }
      read_next();
    });
  };
  asio::steady_timer later(io);
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      for (int i = 0; i < 200; ++i) {
        c.async_publish("bp/t", bp::to_bytes(std::to_string(i)), bp::qos::at_least_once, false,
                        [](error_code, bp::reason_code) {});
      }
      later.expires_after(std::chrono::milliseconds(300)); // the application is busy
      later.async_wait([&](error_code) { read_next(); });
    });
  });
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(got.size(), 200u);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i)], std::to_string(i));
  }
}

// A reader that stays paused for several keep-alive periods keeps its
// connection: the unread PINGRESP does not count as a dead broker, and the
// client keeps pinging so that the broker does not drop it either.
TEST(BackPressure, APausedReaderKeepsItsConnection) {
  mosquitto_broker broker;
  asio::io_context io;
  client_options options;
  options.receive_queue_limit = 5;
  auto config = config_for("braid-paused");
  config.connect_packet.keep_alive = 1;
  client c(io.get_executor(), config, options);
  int disconnects = 0;
  c.set_state_handler([&](const connection_event& e) {
    disconnects += e.what == connection_event::kind::disconnected ? 1 : 0;
  });
  std::vector<bp::subscription> subs{{"paused/t", {bp::qos::at_least_once}}};
  std::size_t got = 0;
  std::function<void()> read_next = [&] {
    c.async_receive([&](error_code ec, bp::publish) {
      if (ec || ++got == 50) {
        io.stop();
        return;
      }
      read_next();
    });
  };
  asio::steady_timer later(io);
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      for (int i = 0; i < 50; ++i) {
        c.async_publish("paused/t", bp::to_bytes(std::to_string(i)), bp::qos::at_least_once, false,
                        [](error_code, bp::reason_code) {});
      }
      later.expires_after(std::chrono::milliseconds(3500)); // busy for 3.5 keep-alive periods
      later.async_wait([&](error_code) { read_next(); });
    });
  });
  io.run_for(std::chrono::seconds(15));
  EXPECT_EQ(got, 50u);
  EXPECT_EQ(disconnects, 0);
}

// async_disconnect completes once DISCONNECT is written and the connection
// closed, so that the process can exit right after it without cutting it off.
TEST(Disconnect, CompletesAfterTheConnectionIsClosed) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-bye"));
  bool closed_first = false;
  bool disconnected_event = false;
  c.set_state_handler([&](const connection_event& e) {
    disconnected_event = disconnected_event || e.what == connection_event::kind::disconnected;
  });
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    for (int i = 0; i < 100; ++i) {
      c.async_publish("bye/t", bp::to_bytes(std::string(1000, 'b')), bp::qos::at_most_once, false,
                      [](error_code, bp::reason_code) {});
    }
    c.async_disconnect([&](error_code ec) {
      EXPECT_FALSE(ec) << ec.message();
      closed_first = disconnected_event;
      io.stop();
    });
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(closed_first);
}

// The packet trace is a user callback on the client's strand: calling the
// client from it must not disturb the packets being written or read. Here the
// trace publishes when it sees its SUBSCRIBE go out and when it sees the
// first message come in; every packet must be written once, every incoming
// QoS 1 PUBLISH acknowledged.
TEST(PacketTrace, CallingTheClientFromTheTraceKeepsTheOutputIntact) {
  mosquitto_broker broker;
  asio::io_context io;
  client_options options;
  std::vector<std::string> sent_publishes;
  std::size_t incoming_publishes = 0;
  std::size_t pubacks_sent = 0;
  client* self = nullptr;
  int completed = 0;
  std::vector<std::string> received;
  auto stop_when_done = [&] {
    if (received.size() == 2 && completed == 2) {
      io.stop();
    }
  };
  auto publish = [&](const char* payload) {
    self->async_publish("trace/t", bp::to_bytes(payload), bp::qos::at_least_once, false,
                        [&](error_code ec, bp::reason_code) {
                          EXPECT_FALSE(ec) << ec.message();
                          ++completed;
                          stop_when_done();
                        });
  };
  options.packet_trace = [&](packet_direction d, const bp::packet& p) {
    if (d == packet_direction::sent) {
      if (std::holds_alternative<bp::subscribe>(p)) {
        publish("from-sent-trace");
      } else if (auto* m = std::get_if<bp::publish>(&p)) {
        sent_publishes.push_back(text(m->payload));
      } else if (std::holds_alternative<bp::puback>(p)) {
        ++pubacks_sent;
      }
    } else if (auto* m = std::get_if<bp::publish>(&p)) {
      ++incoming_publishes;
      if (text(m->payload) == "from-sent-trace") {
        publish("from-received-trace");
      }
    }
  };
  client c(io.get_executor(), config_for("braid-trace"), options);
  self = &c;
  std::function<void()> receive = [&] {
    c.async_receive([&](error_code ec, bp::publish m) {
      if (ec) {
        return;
      }
      received.push_back(text(m.payload));
      stop_when_done();
      receive();
    });
  };
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe({{"trace/t", {bp::qos::at_least_once}}},
                      [&](error_code, std::vector<bp::reason_code>) { receive(); });
  });
  io.run_for(std::chrono::seconds(5));
  io.restart();
  io.run_for(std::chrono::milliseconds(300)); // anything written twice would show now
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(received, (std::vector<std::string>{"from-sent-trace", "from-received-trace"}));
  EXPECT_EQ(sent_publishes, (std::vector<std::string>{"from-sent-trace", "from-received-trace"}));
  EXPECT_EQ(incoming_publishes, 2u);
  EXPECT_EQ(pubacks_sent, 2u);
}

} // namespace
} // namespace braid

namespace braid {
namespace {

// A completion runs on its handler's associated executor: the client's
// strand by default, another strand when the handler is bound to one, and
// never inside the call that started the operation.
TEST(Completions, RunOnTheHandlersAssociatedExecutor) {
  testing::mosquitto_broker broker;
  asio::io_context io;
  protocol::session_config config;
  config.connect_packet.client_id = "braid-executors";
  client c(io.get_executor(), config);
  auto other = asio::make_strand(io);
  int on_other = 0;
  int elsewhere = 0;
  int done = 0;
  bool starting = false;
  auto bound = [&](auto check) {
    return asio::bind_executor(other, [&, check](auto&&...) {
      (other.running_in_this_thread() ? on_other : elsewhere) += 1;
      EXPECT_FALSE(starting);
      check();
      ++done;
    });
  };
  c.async_connect("127.0.0.1", std::to_string(broker.port()), bound([] {}));
  for (int i = 0; i < 100 && done < 1; ++i) {
    io.run_for(std::chrono::milliseconds(20));
    io.restart();
  }
  std::vector<protocol::subscription> subs{{"executors/t", {protocol::qos::at_least_once}}};
  starting = true;
  c.async_subscribe(subs, bound([] {}));
  for (auto q : {protocol::qos::at_most_once, protocol::qos::at_least_once}) {
    c.async_publish("executors/t", protocol::to_bytes("x"), q, false, bound([] {}));
  }
  c.async_receive(bound([] {}));
  // The default: the client's strand, which is not `other`.
  c.async_publish("executors/t", protocol::to_bytes("y"), protocol::qos::at_least_once, false,
                  [&](error_code, publish_result) {
                    (other.running_in_this_thread() ? on_other : elsewhere) += 1;
                    EXPECT_FALSE(starting);
                    ++done;
                  });
  starting = false;
  for (int i = 0; i < 100 && done < 6; ++i) {
    io.run_for(std::chrono::milliseconds(20));
    io.restart();
  }
  EXPECT_EQ(done, 6);
  EXPECT_EQ(on_other, 5);
  EXPECT_EQ(elsewhere, 1);
}

} // namespace
} // namespace braid
