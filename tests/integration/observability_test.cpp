// Seeing what the client does: client::stats() and client_options::logger,
// against mosquitto.
#include <braid/client.hpp>

#include "fault_proxy.hpp"
#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using tcp_proxy = braid::fault::fault_proxy;

struct logged {
  log_level level;
  std::string step;
  std::string message;
};

// A loopback port nobody listens on (bound, then let go).
std::string closed_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return std::to_string(a.local_endpoint().port());
}

void run_until(asio::io_context& io, const std::function<bool()>& done) {
  for (int i = 0; i < 200 && !done(); ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
}

TEST(Stats, CountWhatWasSentReceivedAndHeld) {
  mosquitto_broker broker;
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.client_id = "braid-stats";
  client c(io.get_executor(), config);
  EXPECT_FALSE(c.stats().connected);

  // Before any connection: QoS 0 waits offline, QoS 1 in the queue.
  int completed = 0;
  c.async_publish("stats/t", bp::to_bytes("early"), bp::qos::at_most_once, false,
                  [&](error_code, publish_result) { ++completed; });
  c.async_publish("stats/t", bp::to_bytes("early"), bp::qos::at_least_once, false,
                  [&](error_code, publish_result) { ++completed; });
  run_until(io, [&] { return c.stats().offline_queued == 1; });
  EXPECT_EQ(c.stats().offline_queued, 1u);
  EXPECT_EQ(c.stats().queued, 1u);

  int received = 0;
  c.set_message_handler([&](const bp::publish&) { ++received; });
  bool subscribed = false;
  std::vector<bp::subscription> subs{{"stats/#", {bp::qos::exactly_once}}};
  c.async_connect("127.0.0.1", std::to_string(broker.port()), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe(subs, [&](error_code, subscribe_result) { subscribed = true; });
  });
  run_until(io, [&] { return subscribed && completed == 2; });
  ASSERT_TRUE(subscribed);
  for (int i = 0; i < 10; ++i) {
    for (auto q : {bp::qos::at_most_once, bp::qos::at_least_once, bp::qos::exactly_once}) {
      c.async_publish("stats/x", bp::to_bytes("12345"), q, false,
                      [&](error_code, publish_result) { ++completed; });
    }
  }
  bool pinged = false;
  run_until(io, [&] { return completed == 32 && received == 30; });
  c.async_ping([&](error_code ec) { pinged = !ec; });
  run_until(io, [&] { return pinged && c.stats().round_trip.has_value(); });

  const auto s = c.stats();
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.connections, 1u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.sent[0].messages, 11u); // 10 and the early one
  EXPECT_EQ(s.sent[1].messages, 11u);
  EXPECT_EQ(s.sent[2].messages, 10u);
  EXPECT_EQ(s.sent[2].payload_bytes, 50u);
  EXPECT_EQ(s.received[0].messages, 10u);
  EXPECT_EQ(s.received[1].messages, 10u);
  EXPECT_EQ(s.received[2].messages, 10u);
  EXPECT_EQ(s.received[1].payload_bytes, 50u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.offline_queued, 0u);
  EXPECT_GT(s.bytes_written, 30u * 14u);
  EXPECT_GT(s.bytes_read, 30u * 14u);
  ASSERT_TRUE(s.round_trip.has_value());
  EXPECT_LT(s.round_trip->count(), 1000);
}

TEST(Stats, CountReconnectsAndResends) {
  mosquitto_broker broker;
  tcp_proxy proxy(broker.port());
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.client_id = "braid-stats-cut";
  config.connect_packet.clean_start = false;
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy = {std::chrono::milliseconds(10), std::chrono::milliseconds(50), 2.0};
  client c(io.get_executor(), config, options);
  bool connected = false;
  c.async_connect("127.0.0.1", proxy.port_string(),
                  [&](error_code ec, bp::connack) { connected = !ec; });
  run_until(io, [&] { return connected; });
  proxy.stall(true); // the PUBLISH goes out, its PUBACK does not come back
  int completed = 0;
  c.async_publish("stats/cut", bp::to_bytes("x"), bp::qos::at_least_once, false,
                  [&](error_code, publish_result) { ++completed; });
  run_until(io, [&] { return c.stats().in_flight == 1; });
  EXPECT_EQ(c.stats().in_flight, 1u);
  proxy.cut();
  proxy.stall(false);
  run_until(io, [&] { return completed == 1; });
  const auto s = c.stats();
  EXPECT_EQ(s.connections, 2u);
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_EQ(s.resent, 1u);
  EXPECT_EQ(s.sent[1].messages, 1u);
}

TEST(Logger, TellsTheConnectionsLifeAtItsVerbosity) {
  mosquitto_broker broker;
  tcp_proxy proxy(broker.port());
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.client_id = "braid-logged";
  config.connect_packet.username = "someone";
  config.connect_packet.password = bp::to_bytes("secret-password");
  std::vector<logged> all, info;
  client_options debug_options;
  debug_options.reconnect.enabled = true;
  debug_options.reconnect.policy = {std::chrono::milliseconds(10), std::chrono::milliseconds(50),
                                    2.0};
  debug_options.logger = [&](const log_record& r) {
    all.push_back({r.level, std::string(r.step), std::string(r.message)});
  };
  debug_options.log_verbosity = log_level::debug;
  client_options info_options = debug_options;
  info_options.logger = [&](const log_record& r) {
    info.push_back({r.level, std::string(r.step), std::string(r.message)});
  };
  info_options.log_verbosity = log_level::info;
  auto second = config;
  second.connect_packet.client_id = "braid-logged-info";
  client c(io.get_executor(), config, debug_options);
  client quieter(io.get_executor(), second, info_options);
  int connected = 0;
  for (auto* x : {&c, &quieter}) {
    x->async_connect("127.0.0.1", proxy.port_string(),
                     [&](error_code ec, bp::connack) { connected += ec ? 0 : 1; });
  }
  run_until(io, [&] { return connected == 2; });
  proxy.cut();
  run_until(io, [&] {
    return std::count_if(all.begin(), all.end(), [](auto& r) { return r.step == "connack"; }) == 2;
  });

  std::vector<std::string> steps;
  for (const auto& r : all) {
    steps.push_back(r.step);
    EXPECT_EQ(r.message.find("secret-password"), std::string::npos) << r.message;
  }
  const std::vector<std::string> expected{"resolve",    "tcp",       "connect", "connack",
                                          "disconnect", "reconnect", "resolve", "tcp",
                                          "connect",    "connack"};
  EXPECT_EQ(steps, expected);
  EXPECT_EQ(all[0].level, log_level::debug);
  EXPECT_EQ(all[0].message, "127.0.0.1:" + proxy.port_string() + " is 127.0.0.1");
  EXPECT_EQ(all[1].message, "connected to 127.0.0.1:" + proxy.port_string());
  EXPECT_NE(all[2].message.find("client id \"braid-logged\""), std::string::npos) << all[2].message;
  EXPECT_EQ(all[4].level, log_level::warning);
  EXPECT_NE(all[4].message.find("connection lost"), std::string::npos) << all[4].message;
  for (const auto& r : info) {
    EXPECT_NE(r.level, log_level::debug) << r.step;
  }
  EXPECT_FALSE(info.empty());

  // A port nobody listens on: the failed TCP connect is a warning.
  std::vector<logged> failed;
  client_options refused_options;
  refused_options.logger = [&](const log_record& r) {
    failed.push_back({r.level, std::string(r.step), std::string(r.message)});
  };
  client refused(io.get_executor(), bp::session_config{}, refused_options);
  bool done = false;
  const auto port = closed_port();
  refused.async_connect("127.0.0.1", port, [&](error_code, bp::connack) { done = true; });
  run_until(io, [&] { return done; });
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].step, "tcp");
  EXPECT_EQ(failed[0].level, log_level::warning);
  EXPECT_EQ(failed[0].message.rfind("cannot connect to 127.0.0.1:" + port, 0), 0u)
      << failed[0].message;
}

} // namespace
} // namespace braid
