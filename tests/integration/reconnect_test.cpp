// The reconnecting client (client_options::reconnect) against a mosquitto that
// restarts, and against one that refuses for good.
#include <braid/client.hpp>
#include <braid/client_errors.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/session/errors.hpp>

#include "mosquitto_broker.hpp"
#include "scripted_front.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using namespace std::chrono_literals;

// Runs an io_context on its own thread and records connection events.
class running_client {
public:
  running_client(bp::session_config config, client_options options)
      : work_(asio::make_work_guard(io_)),
        client_(io_.get_executor(), std::move(config), std::move(options)) {
    client_.set_state_handler([this](const connection_event& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~running_client() {
    client_.close();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  client& get() { return client_; }

  /// Waits until `n` events of kind `k` were seen.
  bool wait_for(connection_event::kind k, std::size_t n, std::chrono::seconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return count(k) >= n; });
  }
  std::size_t count(connection_event::kind k) const {
    std::size_t n = 0;
    for (const auto& e : events_) {
      n += e.what == k ? 1 : 0;
    }
    return n;
  }

private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  client client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<connection_event> events_;
};

bp::session_config persistent(std::string id) {
  bp::session_config c;
  c.connect_packet.version = bp::protocol_version::v3_1_1;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.clean_start = false;
  c.connect_packet.keep_alive = 10;
  return c;
}

client_options fast_reconnect() {
  client_options o;
  o.reconnect.enabled = true;
  o.reconnect.policy = {50ms, 500ms, 2.0, 0.0};
  return o;
}

template <class Future>
auto get(Future&& f) {
  if (f.wait_for(10s) != std::future_status::ready) {
    throw std::runtime_error("timed out");
  }
  return f.get();
}

TEST(Reconnect, SurvivesABrokerRestartAndRestoresTheSubscription) {
  mosquitto_broker broker;
  running_client rc(persistent("braid-reconnect"), fast_reconnect());
  auto& c = rc.get();
  get(c.async_connect("127.0.0.1", broker.port_string(), asio::use_future));
  auto granted = get(c.async_subscribe({{"r/#", {bp::qos::at_least_once}}}, asio::use_future));
  ASSERT_EQ(granted, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});

  // Without persistence mosquitto forgets the session: the client must notice
  // the cut, reconnect, and subscribe again by itself.
  broker.restart();
  ASSERT_TRUE(rc.wait_for(connection_event::kind::connected, 2));
  EXPECT_GE(rc.count(connection_event::kind::disconnected), 1u);
  EXPECT_GE(rc.count(connection_event::kind::reconnecting), 1u);

  auto rc_code = get(c.async_publish("r/1", bp::to_bytes("after"), bp::qos::at_least_once, false,
                                     asio::use_future));
  EXPECT_EQ(rc_code, bp::reason_code::success);
  auto message = get(c.async_receive(asio::use_future));
  EXPECT_EQ(message.topic, "r/1");
  EXPECT_EQ(std::string(message.payload.begin(), message.payload.end()), "after");
}

TEST(Reconnect, PublishesMadeWhileTheBrokerIsDownGoOutAfterward) {
  mosquitto_broker broker;
  running_client rc(persistent("braid-offline"), fast_reconnect());
  auto& c = rc.get();
  get(c.async_connect("127.0.0.1", broker.port_string(), asio::use_future));
  get(c.async_subscribe({{"o/#", {bp::qos::exactly_once}}}, asio::use_future));
  broker.restart();
  // Published at once, whatever the state of the connection at that moment.
  auto sent = c.async_publish("o/1", bp::to_bytes("queued"), bp::qos::exactly_once, false,
                              asio::use_future);
  EXPECT_EQ(get(std::move(sent)), bp::reason_code::success);
  auto message = get(c.async_receive(asio::use_future));
  EXPECT_EQ(message.topic, "o/1");
}

TEST(Reconnect, GivesUpWhenTheBrokerRefusesForGood) {
  mosquitto_broker broker("allow_anonymous false\n");
  running_client rc(persistent("braid-refused"), fast_reconnect());
  auto f = rc.get().async_connect("127.0.0.1", broker.port_string(), asio::use_future);
  try {
    get(std::move(f));
    ADD_FAILURE() << "connect succeeded";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(std::error_code(e.code()), bp::make_error_code(bp::reason_code::not_authorized));
  }
  EXPECT_TRUE(rc.wait_for(connection_event::kind::gave_up, 1));
  EXPECT_EQ(rc.count(connection_event::kind::reconnecting), 0u);
}

// async_disconnect while the service is still trying to connect stops it:
// the pending connect completes with "cancelled", the disconnect with
// "not connected".
TEST(Reconnect, DisconnectWhileConnectingEndsThePendingConnect) {
  asio::io_context io;
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy = {10ms, 50ms, 2.0, 0.0};
  bp::session_config config;
  config.connect_packet.client_id = "braid-gives-up-connecting";
  client c(io.get_executor(), config, options);
  std::optional<std::error_code> connect_result, disconnect_result;
  int attempts = 0;
  c.set_state_handler([&](const connection_event& e) {
    if (e.what == connection_event::kind::reconnecting && ++attempts == 3) {
      c.async_disconnect([&](error_code ec) { disconnect_result = ec; });
    }
  });
  // Port 1 on loopback: nothing listens there.
  c.async_connect("127.0.0.1", "1", [&](error_code ec, bp::connack) { connect_result = ec; });
  io.run_for(5s);
  ASSERT_TRUE(connect_result.has_value());
  EXPECT_EQ(*connect_result, bp::session_errc::cancelled) << connect_result->message();
  ASSERT_TRUE(disconnect_result.has_value());
  EXPECT_EQ(*disconnect_result, bp::session_errc::not_connected);
  EXPECT_EQ(attempts, 3);
}

// A CONNECT that can never be sent (an empty client id with a persistent
// session) is the caller's mistake: the connect fails at once, with reconnect
// on too, instead of being retried for ever.
TEST(Reconnect, AnUnsendableConnectFailsAtOnce) {
  asio::io_context io;
  client_options options;
  options.reconnect.enabled = true;
  bp::session_config config;
  config.connect_packet.clean_start = false; // needs a client id
  client c(io.get_executor(), config, options);
  std::optional<std::error_code> result;
  c.async_connect("127.0.0.1", "1", [&](error_code ec, bp::connack) { result = ec; });
  io.run_for(2s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, bp::errc::client_id_empty) << result->message();
}

// A broker that closes the connection after CONNECT without a CONNACK (what
// MQTT 3.1.1-only brokers do with an MQTT 5 CONNECT): the connect fails at
// once, with an error that says so, not at the connect timeout.
TEST(Reconnect, ABrokerThatClosesWithoutConnackIsReportedAsSuch) {
  braid::testing::scripted_front front([](std::size_t) { return std::vector<bp::packet>{}; });
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.version = bp::protocol_version::v5;
  client c(io.get_executor(), config);
  std::optional<std::error_code> result;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  c.async_connect(front.url(), [&](error_code ec, bp::connack) {
    result = ec;
    took = std::chrono::steady_clock::now() - start;
  });
  // Nothing is left to do once the connect has failed: run() returns.
  io.run_for(5s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, client_errc::closed_before_connack) << result->message();
  EXPECT_LT(took, 2s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(front.connections(), 1u);
}

} // namespace
} // namespace braid
