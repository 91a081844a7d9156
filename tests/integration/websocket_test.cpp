// ws:// and wss:// through a WebSocket front for mosquitto (see websocket_bridge.hpp).
#include <braid/client.hpp>

#include "mosquitto_broker.hpp"
#include "test_certificates.hpp"
#include "websocket_bridge.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using braid::testing::test_certificates;
using braid::testing::websocket_bridge;

// Connects to `url`, publishes to itself at QoS 2 and reads it back; returns
// the payload read or the error.
std::string round_trip(const std::string& url, const client_options& options,
                       bp::protocol_version v) {
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.client_id = "braid-ws";
  config.connect_packet.version = v;
  client c(io.get_executor(), config, options);
  std::string result = "(no answer)";
  std::vector<bp::subscription> subs{{"ws/t", {bp::qos::exactly_once}}};
  c.async_connect(url, [&](error_code ec, bp::connack) {
    if (ec) {
      result = "error: " + ec.message();
      io.stop();
      return;
    }
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      c.async_publish("ws/t", bp::to_bytes(std::string(100'000, 'w')), bp::qos::exactly_once, false,
                      [](error_code, bp::reason_code) {});
      c.async_receive([&](error_code e, bp::publish m) {
        result = e ? "error: " + e.message() : std::to_string(m.payload.size()) + " bytes";
        io.stop();
      });
    });
  });
  io.run_for(std::chrono::seconds(10));
  return result;
}

TEST(WebSocket, PlainWebSocketCarriesMessagesInEveryVersion) {
  mosquitto_broker broker;
  websocket_bridge bridge(broker.port());
  for (auto v : {bp::protocol_version::v3_1_1, bp::protocol_version::v5}) {
    EXPECT_EQ(round_trip("ws://127.0.0.1:" + bridge.port_string() + "/mqtt", {}, v),
              "100000 bytes");
  }
}

// The Host header of the upgrade puts an IPv6 literal in brackets (RFC 7230
// 5.4, RFC 3986 3.2.2): "[::1]:port", not "::1:port".
TEST(WebSocket, IPv6LiteralIsBracketedInTheHostHeader) {
  mosquitto_broker broker;
  websocket_bridge bridge(broker.port(), {}, {}, "::1");
  EXPECT_EQ(
      round_trip("ws://[::1]:" + bridge.port_string() + "/mqtt", {}, bp::protocol_version::v3_1_1),
      "100000 bytes");
  EXPECT_EQ(bridge.last_host(), "[::1]:" + bridge.port_string());
}

TEST(WebSocket, WebSocketOverTlsVerifiesTheBroker) {
  test_certificates certs;
  mosquitto_broker broker;
  websocket_bridge bridge(broker.port(), certs.file("server.crt"), certs.file("server.key"));
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  EXPECT_EQ(round_trip("wss://localhost:" + bridge.port_string() + "/mqtt", options,
                       bp::protocol_version::v3_1_1),
            "100000 bytes");
  options.tls.ca_file = certs.file("other.crt");
  auto refused = round_trip("wss://localhost:" + bridge.port_string() + "/mqtt", options,
                            bp::protocol_version::v3_1_1);
  EXPECT_NE(refused.find("certificate verify failed"), std::string::npos) << refused;
}

// The logger hears each step of opening a wss:// connection, and a TLS
// handshake refused for the broker's certificate as a warning.
TEST(WebSocket, TheLoggerHearsTheTlsHandshakeAndTheUpgrade) {
  test_certificates certs;
  mosquitto_broker broker;
  websocket_bridge bridge(broker.port(), certs.file("server.crt"), certs.file("server.key"));
  std::vector<std::pair<log_level, std::string>> records;
  client_options options;
  options.tls.ca_file = certs.file("ca.crt");
  options.log_verbosity = log_level::debug;
  options.logger = [&](const log_record& r) {
    records.emplace_back(r.level, std::string(r.step) + ": " + std::string(r.message));
  };
  const auto url = "wss://localhost:" + bridge.port_string() + "/mqtt";
  ASSERT_EQ(round_trip(url, options, bp::protocol_version::v3_1_1), "100000 bytes");
  std::vector<std::string> steps;
  for (const auto& [level, text] : records) {
    steps.push_back(text.substr(0, text.find(':')));
  }
  ASSERT_GE(steps.size(), 6u);
  EXPECT_EQ(std::vector<std::string>(steps.begin(), steps.begin() + 6),
            (std::vector<std::string>{"resolve", "tcp", "tls", "websocket", "connect", "connack"}));
  EXPECT_EQ(records[2].first, log_level::info);
  EXPECT_EQ(records[2].second.rfind("tls: handshake done: TLSv1.", 0), 0u) << records[2].second;
  EXPECT_EQ(records[3].second, "websocket: upgraded: GET localhost:" + bridge.port_string() +
                                   "/mqtt, sub-protocol mqtt");

  records.clear();
  options.tls.ca_file = certs.file("other.crt");
  (void)round_trip(url, options, bp::protocol_version::v3_1_1);
  ASSERT_GE(records.size(), 3u);
  EXPECT_EQ(records[2].first, log_level::warning);
  EXPECT_NE(records[2].second.find("tls: TLS handshake failed: certificate verify failed"),
            std::string::npos)
      << records[2].second;
}

} // namespace
} // namespace braid
