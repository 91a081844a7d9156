// MQTT 5 operations of the client against mosquitto: DISCONNECT with a
// reason and a session expiry, SUBSCRIBE with a subscription identifier,
// what the CONNACK announced (client::connection()),
// re-authentication refused where it cannot apply, and the window setter.
#include <braid/client.hpp>
#include <braid/protocol/session/errors.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

namespace braid {
namespace {

namespace bp = braid::protocol;
using asio::use_awaitable;
using braid::testing::mosquitto_broker;

bp::session_config v5_config(std::string id) {
  bp::session_config c;
  c.connect_packet.version = bp::protocol_version::v5;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.keep_alive = 30;
  return c;
}

// One filter at QoS 1. (Built outside the coroutines: g++ 12 rejects nested
// braced lists inside a co_await expression.)
std::vector<bp::subscription> filter(std::string f) {
  return {{std::move(f), {bp::qos::at_least_once}}};
}

// Runs `body` as a coroutine on `io` for at most `limit`; a thrown error
// fails the test with its message.
template <class Body>
void run_coroutine(asio::io_context& io, Body body,
                   std::chrono::seconds limit = std::chrono::seconds(10)) {
  bool finished = false;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    finished = true;
    io.stop(); // the clients' connections would keep run_for busy
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        ADD_FAILURE() << "coroutine failed: " << x.what();
      }
    }
  });
  io.run_for(limit);
  EXPECT_TRUE(finished) << "the coroutine did not finish in time";
}

// A DISCONNECT with reason 0x04 asks the broker to publish the will.
TEST(Mqtt5, DisconnectWithWillMessagePublishesTheWill) {
  mosquitto_broker broker;
  asio::io_context io;
  auto config = v5_config("braid-v5-will");
  config.connect_packet.will =
      bp::will_message{"v5/will", bp::to_bytes("bye"), bp::qos::at_least_once, false, {}};
  client dying(io.get_executor(), config);
  client watcher(io.get_executor(), v5_config("braid-v5-watch"));
  std::optional<bp::publish> will;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await watcher.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    co_await watcher.async_subscribe(filter("v5/#"), use_awaitable);
    co_await dying.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    co_await dying.async_disconnect(bp::reason_code::disconnect_with_will_message, bp::properties{},
                                    use_awaitable);
    will = co_await watcher.async_receive(use_awaitable);
  });
  ASSERT_TRUE(will.has_value());
  EXPECT_EQ(will->topic, "v5/will");
  EXPECT_EQ(will->payload, bp::to_bytes("bye"));
}

// Session Expiry set at CONNECT can be changed by DISCONNECT: set to 0 there,
// the broker drops the session, so the next connection finds none; left
// alone, the session and its subscription are kept and the messages sent
// meanwhile are waiting.
TEST(Mqtt5, DisconnectCanEndAnExpiringSession) {
  mosquitto_broker broker;
  for (bool end_it : {false, true}) {
    asio::io_context io;
    auto config = v5_config(end_it ? "braid-v5-expiry-end" : "braid-v5-expiry-keep");
    config.connect_packet.props.add(bp::property_id::session_expiry_interval, std::uint32_t{300});
    client first(io.get_executor(), config);
    config.connect_packet.clean_start = false;
    client second(io.get_executor(), config);
    client sender(io.get_executor(), v5_config(end_it ? "braid-v5-send-1" : "braid-v5-send-2"));
    bool session_present = !end_it;
    std::optional<bp::publish> kept;
    bp::properties expiry; // empty: leave the Session Expiry of CONNECT in force
    if (end_it) {
      expiry.add(bp::property_id::session_expiry_interval, std::uint32_t{0});
    }
    run_coroutine(io, [&]() -> asio::awaitable<void> {
      co_await first.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
      co_await first.async_subscribe(filter("keep/#"), use_awaitable);
      // (No conditional expression inside co_await: g++ 12 destroys its
      // temporary twice.)
      co_await first.async_disconnect(bp::reason_code::normal_disconnection, expiry, use_awaitable);
      co_await sender.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
      co_await sender.async_publish("keep/x", bp::to_bytes("held"), bp::qos::at_least_once, false,
                                    use_awaitable);
      auto ack = co_await second.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
      session_present = ack.session_present;
      if (session_present) {
        kept = co_await second.async_receive(use_awaitable);
      }
    });
    EXPECT_EQ(session_present, !end_it);
    EXPECT_EQ(kept.has_value(), !end_it);
  }
}

// MQTT-3.14.2-2: with Session Expiry 0 at CONNECT, a DISCONNECT may not set a
// non-zero one. That is the caller's mistake: it fails at once, and the
// connection stays up.
TEST(Mqtt5, DisconnectCannotExtendASessionThatEndsWithTheConnection) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), v5_config("braid-v5-expiry-bad"));
  error_code refused;
  bp::properties expiry;
  expiry.add(bp::property_id::session_expiry_interval, std::uint32_t{300});
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await c.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    auto [ec] = co_await c.async_disconnect(bp::reason_code::normal_disconnection, expiry,
                                            asio::as_tuple(use_awaitable));
    refused = ec;
    co_await c.async_ping(use_awaitable);
    co_await c.async_disconnect(use_awaitable);
  });
  EXPECT_EQ(std::error_code(refused), bp::session_errc::invalid_request) << refused.message();
}

// Each message carries the identifiers of the subscriptions it matched. A
// message matching two subscriptions may come as one copy with both
// identifiers or one copy per subscription (mosquitto sends copies).
TEST(Mqtt5, SubscriptionIdentifiersComeBackWithTheMessages) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), v5_config("braid-v5-subid"));
  std::map<std::string, std::vector<std::uint32_t>> ids_by_payload;
  const std::vector<std::string> unsubscribed{"ids/a/#"};
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await c.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    bp::properties id7;
    id7.add(bp::property_id::subscription_identifier, std::uint32_t{7});
    co_await c.async_subscribe(filter("ids/a/#"), id7, use_awaitable);
    bp::properties id9;
    id9.add(bp::property_id::subscription_identifier, std::uint32_t{9});
    co_await c.async_subscribe(filter("ids/+/b"), id9, use_awaitable);
    co_await c.async_publish("ids/a/c", bp::to_bytes("1"), bp::qos::at_least_once, false,
                             use_awaitable);
    co_await c.async_publish("ids/a/b", bp::to_bytes("2"), bp::qos::at_least_once, false,
                             use_awaitable);
    co_await c.async_unsubscribe(unsubscribed, bp::properties{}, use_awaitable);
    co_await c.async_publish("ids/a/b", bp::to_bytes("3"), bp::qos::at_least_once, false,
                             use_awaitable);
    for (;;) {
      auto m = co_await c.async_receive(use_awaitable);
      const std::string payload(m.payload.begin(), m.payload.end());
      for (auto id : m.props.subscription_identifiers()) {
        ids_by_payload[payload].push_back(id);
      }
      if (payload == "3") {
        break;
      }
    }
  });
  std::sort(ids_by_payload["2"].begin(), ids_by_payload["2"].end());
  EXPECT_EQ(ids_by_payload["1"], std::vector<std::uint32_t>{7});
  EXPECT_EQ(ids_by_payload["2"], (std::vector<std::uint32_t>{7, 9}));
  EXPECT_EQ(ids_by_payload["3"], std::vector<std::uint32_t>{9});
}

// Re-authentication needs MQTT 5 and an authenticator: without, it fails at
// once with a clear error and the connection stays up.
TEST(Mqtt5, ReauthenticateWithoutAnAuthenticatorFailsAtOnce) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), v5_config("braid-v5-reauth"));
  error_code reauth;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await c.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    auto [ec, answer] = co_await c.async_reauthenticate(asio::as_tuple(use_awaitable));
    reauth = ec;
    co_await c.async_ping(use_awaitable); // still connected
    co_await c.async_disconnect(use_awaitable);
  });
  EXPECT_EQ(std::error_code(reauth), bp::session_errc::not_in_protocol_version);
}

// set_window may change the window while publishes are queued: raised, it
// sends the queue at once; every publish completes, in order.
TEST(Mqtt5, SetWindowWhilePublishing) {
  mosquitto_broker broker;
  asio::io_context io;
  auto config = v5_config("braid-v5-window");
  config.window = 1;
  client c(io.get_executor(), config);
  std::vector<int> completed;
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    for (int i = 0; i < 200; ++i) {
      c.async_publish("win/t", bp::to_bytes(std::to_string(i)), bp::qos::exactly_once, false,
                      [&, i](error_code e, bp::reason_code) {
                        EXPECT_FALSE(e) << e.message();
                        completed.push_back(i);
                        if (i == 10) {
                          c.set_window(50);
                        }
                        if (completed.size() == 200) {
                          io.stop();
                        }
                      });
    }
  });
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(completed.size(), 200u);
  for (std::size_t i = 0; i < completed.size(); ++i) {
    EXPECT_EQ(completed[i], static_cast<int>(i));
  }
}

} // namespace
} // namespace braid

namespace braid {
namespace {

// client::connection(): the values the broker announced in its CONNACK, the
// identifier it assigned, nothing while not connected.
TEST(ConnectionInfo, HoldsWhatTheBrokerAnnouncedWhileConnected) {
  mosquitto_broker broker("allow_anonymous true\n"
                          "max_inflight_messages 7\n"
                          "max_qos 1\n"
                          "retain_available false\n"
                          "max_packet_size 5000\n"
                          "max_keepalive 20\n");
  asio::io_context io;
  auto config = v5_config("");
  config.connect_packet.clean_start = true;
  config.connect_packet.keep_alive = 60; // above the broker's maximum
  client c(io.get_executor(), config);
  EXPECT_FALSE(c.connection().has_value());
  std::optional<connection_info> while_connected, after;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await c.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    while_connected = c.connection();
    co_await c.async_disconnect(use_awaitable);
    after = c.connection();
  });
  ASSERT_TRUE(while_connected.has_value());
  const auto& info = *while_connected;
  EXPECT_EQ(info.version, bp::protocol_version::v5);
  EXPECT_FALSE(info.client_id.empty()); // assigned by the broker
  EXPECT_FALSE(info.session_present);
  EXPECT_EQ(info.receive_maximum, 7);
  EXPECT_EQ(info.maximum_qos, bp::qos::at_least_once);
  EXPECT_FALSE(info.retain_available);
  EXPECT_EQ(info.maximum_packet_size, 5000u);
  EXPECT_EQ(info.keep_alive, 20);
  EXPECT_FALSE(after.has_value());
}

TEST(ConnectionInfo, AnMqtt311BrokerAnnouncesNothingSoTheProtocolsLimitsHold) {
  mosquitto_broker broker;
  asio::io_context io;
  auto config = v5_config("braid-info-311");
  config.connect_packet.version = bp::protocol_version::v3_1_1;
  client c(io.get_executor(), config);
  std::optional<connection_info> info;
  run_coroutine(io, [&]() -> asio::awaitable<void> {
    co_await c.async_connect("127.0.0.1", broker.port_string(), use_awaitable);
    info = c.connection();
    co_await c.async_disconnect(use_awaitable);
  });
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->version, bp::protocol_version::v3_1_1);
  EXPECT_EQ(info->client_id, "braid-info-311");
  EXPECT_EQ(info->receive_maximum, 65535);
  EXPECT_EQ(info->maximum_qos, bp::qos::exactly_once);
  EXPECT_TRUE(info->retain_available);
  EXPECT_EQ(info->keep_alive, 30);
}

} // namespace
} // namespace braid
