// braid::client over the durable store against a private mosquitto: a full
// disk fails the publishes it could not keep, keeps the process and the rest
// of the session, and the client carries on once there is room again.
#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include "../unit/store/faulty_vfs.hpp"
#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::faulty_vfs;
using braid::testing::mosquitto_broker;
using namespace std::chrono_literals;

bp::publish message(std::string text) {
  bp::publish m;
  m.topic = "durable/t";
  m.payload = bp::shared_bytes::copy(text);
  m.qos = bp::qos::at_least_once;
  return m;
}

TEST(DurableStore, AFullDiskFailsThePublishesKeepsTheProcessAndRecovers) {
  faulty_vfs::install();
  mosquitto_broker broker;
  asio::io_context io;

  // Who receives what the broker got.
  bp::session_config sub_config;
  sub_config.connect_packet.client_id = "durable-sub";
  client sub(io.get_executor(), sub_config);
  std::vector<std::string> received;
  sub.set_message_handler(
      [&](const bp::publish& m) { received.emplace_back(m.payload.begin(), m.payload.end()); });

  bp::session_config config;
  config.connect_packet.client_id = "durable-pub";
  config.connect_packet.clean_start = false;
  client_options options;
  options.store = std::make_shared<sqlite_store>(sqlite_store_options{
      .path = broker.dir() + "/pub.db", .client_id = "durable-pub", .vfs = faulty_vfs::name});
  options.reconnect.enabled = true;
  options.reconnect.policy.initial_delay = 20ms;
  options.reconnect.policy.jitter = 0;
  options.reconnect.policy.max_delay = 100ms;
  client pub(io.get_executor(), config, options);
  std::vector<connection_event> events;
  pub.set_state_handler([&](const connection_event& e) { events.push_back(e); });

  std::error_code first, second, third;
  bool third_done = false;
  asio::steady_timer later(io);
  sub.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    sub.async_subscribe({{"durable/#", {bp::qos::at_least_once}}}, [&](error_code e, auto) {
      ASSERT_FALSE(e);
      pub.async_connect("127.0.0.1", broker.port_string(), [&](error_code c, bp::connack) {
        ASSERT_FALSE(c) << c.message();
        pub.async_publish(message("kept"), [&](error_code e1, bp::reason_code) {
          first = e1;
          faulty_vfs::fault = SQLITE_FULL; // the disk fills up
          pub.async_publish(message("lost"), [&](error_code e2, bp::reason_code) {
            second = e2;
            // Room again after a while: the client reconnects by itself.
            later.expires_after(200ms);
            later.async_wait([&](error_code) {
              faulty_vfs::fault = SQLITE_OK;
              pub.async_publish(message("after"), [&](error_code e3, bp::reason_code) {
                third = e3;
                third_done = true;
              });
            });
          });
        });
      });
    });
  });
  for (int i = 0; i < 100 && !(third_done && received.size() >= 2); ++i) {
    io.run_for(50ms);
  }
  faulty_vfs::fault = SQLITE_OK;
  EXPECT_FALSE(first) << first.message();
  EXPECT_EQ(second, store_errc::disk_full);
  EXPECT_TRUE(third_done);
  EXPECT_FALSE(third) << third.message();
  EXPECT_EQ(received, (std::vector<std::string>{"kept", "after"}));
  // The connection was closed with the store's error and came back.
  bool closed_for_the_disk = false;
  std::size_t connected = 0;
  for (const auto& e : events) {
    closed_for_the_disk = closed_for_the_disk || (e.what == connection_event::kind::disconnected &&
                                                  e.reason == store_errc::disk_full);
    connected += e.what == connection_event::kind::connected ? 1 : 0;
  }
  EXPECT_TRUE(closed_for_the_disk);
  EXPECT_GE(connected, 2u);
  EXPECT_EQ(options.store->sequences(), std::vector<std::uint64_t>{});
}

} // namespace
} // namespace braid
