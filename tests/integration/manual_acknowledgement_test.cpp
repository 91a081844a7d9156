// Acknowledge after processing (session_config::manual_acknowledgement)
// against mosquitto: the broker waits for the application, and what the
// application has not acknowledged comes again after a reconnect without
// being processed twice.
#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include "fault_proxy.hpp"
#include "mosquitto_broker.hpp"
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using tcp_proxy = braid::fault::fault_proxy;

bp::session_config manual(std::string id, bp::protocol_version v, std::uint16_t limit) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.version = v;
  c.connect_packet.clean_start = false;
  c.connect_packet.keep_alive = 30;
  if (v == bp::protocol_version::v5) {
    c.connect_packet.props.add(bp::property_id::session_expiry_interval, std::uint32_t{300});
  }
  c.manual_acknowledgement = true;
  c.unacknowledged_limit = limit;
  return c;
}

client_options reconnecting() {
  client_options o;
  o.reconnect.enabled = true;
  o.reconnect.policy = {std::chrono::milliseconds(20), std::chrono::milliseconds(100), 2.0, 0.5};
  return o;
}

void run_for(asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

// Connects, subscribes to `filter` at QoS 2, runs until both are done.
void connect_and_subscribe(asio::io_context& io, client& c, const std::string& port,
                           const std::string& filter) {
  bool ready = false;
  std::vector<bp::subscription> subs{{filter, {bp::qos::exactly_once}}};
  c.async_connect("127.0.0.1", port, [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe(subs, [&](error_code e, subscribe_result) {
      ASSERT_FALSE(e) << e.message();
      ready = true;
    });
  });
  for (int i = 0; i < 100 && !ready; ++i) {
    run_for(io, std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(ready);
}

// Publishes "0".."n-1" on `topic` at `q` from a client of its own.
void publish_numbers(asio::io_context& io, std::uint16_t port, const std::string& topic, bp::qos q,
                     int n) {
  client publisher(io.get_executor(), bp::session_config{});
  int done = 0;
  publisher.async_connect("127.0.0.1", std::to_string(port), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    for (int i = 0; i < n; ++i) {
      publisher.async_publish(topic, bp::to_bytes(std::to_string(i)), q, false,
                              [&](error_code, publish_result) { ++done; });
    }
  });
  for (int i = 0; i < 200 && done < n; ++i) {
    run_for(io, std::chrono::milliseconds(50));
  }
  ASSERT_EQ(done, n);
}

// MQTT 5: the limit is announced as Receive Maximum, and mosquitto sends no
// more than that many messages until the application acknowledges some.
// (Later, mosquitto 2.0.11 goes past it when it releases what it queued; the
// client then stops reading, and nothing is lost or delivered twice.)
TEST(ManualAcknowledgement, TheBrokerWaitsForTheApplication) {
  mosquitto_broker broker;
  asio::io_context io;
  client subscriber(io.get_executor(), manual("braid-ack-window", bp::protocol_version::v5, 5));
  std::vector<bp::publish> held;
  subscriber.set_message_handler([&](const bp::publish& m) { held.push_back(m); });
  connect_and_subscribe(io, subscriber, std::to_string(broker.port()), "ack/window");
  publish_numbers(io, broker.port(), "ack/window", bp::qos::at_least_once, 40);
  run_for(io, std::chrono::milliseconds(300));
  EXPECT_EQ(held.size(), 5u); // held back by the broker, not lost

  // Processing at the application's pace: every acknowledgement lets one more in.
  std::map<std::string, int> seen;
  subscriber.set_message_handler([&](const bp::publish& m) {
    ++seen[std::string(m.payload.begin(), m.payload.end())];
    subscriber.async_acknowledge(m, [](error_code ec) { EXPECT_FALSE(ec) << ec.message(); });
  });
  for (const auto& m : held) {
    ++seen[std::string(m.payload.begin(), m.payload.end())];
    subscriber.async_acknowledge(m, [](error_code ec) { EXPECT_FALSE(ec) << ec.message(); });
  }
  for (int i = 0; i < 100 && seen.size() < 40; ++i) {
    run_for(io, std::chrono::milliseconds(50));
  }
  EXPECT_EQ(seen.size(), 40u);
  for (const auto& [payload, times] : seen) {
    EXPECT_EQ(times, 1) << payload;
  }
}

// MQTT 3.1.1 has no Receive Maximum: the client stops reading at the limit,
// and mosquitto's own in-flight limit (20) holds the rest.
TEST(ManualAcknowledgement, V3StopsReadingAtTheLimit) {
  mosquitto_broker broker;
  asio::io_context io;
  client subscriber(io.get_executor(), manual("braid-ack-v3", bp::protocol_version::v3_1_1, 5));
  std::vector<bp::publish> held;
  subscriber.set_message_handler([&](const bp::publish& m) { held.push_back(m); });
  connect_and_subscribe(io, subscriber, std::to_string(broker.port()), "ack/v3");
  publish_numbers(io, broker.port(), "ack/v3", bp::qos::exactly_once, 60);
  run_for(io, std::chrono::milliseconds(300));
  EXPECT_GE(held.size(), 5u);
  EXPECT_LE(held.size(), 20u);
  const auto before = held.size();
  for (std::size_t i = 0; i < before; ++i) {
    subscriber.async_acknowledge(held[i], asio::detached);
  }
  subscriber.set_message_handler([&](const bp::publish& m) {
    held.push_back(m);
    subscriber.async_acknowledge(m, asio::detached);
  });
  for (int i = 0; i < 100 && held.size() < 60; ++i) {
    run_for(io, std::chrono::milliseconds(50));
  }
  EXPECT_EQ(held.size(), 60u);
}

// The connection is cut while the application holds messages: mosquitto sends
// them again, the client does not deliver them again, and the
// acknowledgements made after the reconnect reach the broker (a second cut
// brings nothing back).
TEST(ManualAcknowledgement, HeldMessagesAreNotDeliveredAgainAfterACut) {
  mosquitto_broker broker;
  tcp_proxy proxy(broker.port());
  asio::io_context io;
  auto options = reconnecting();
  int resends = 0;
  options.packet_trace = [&](packet_direction d, const bp::packet& p) {
    if (const auto* m = std::get_if<bp::publish>(&p); m && d == packet_direction::received) {
      resends += m->dup ? 1 : 0;
    }
  };
  client subscriber(io.get_executor(), manual("braid-ack-cut", bp::protocol_version::v3_1_1, 100),
                    options);
  std::vector<bp::publish> held;
  std::map<std::string, int> deliveries;
  subscriber.set_message_handler([&](const bp::publish& m) {
    ++deliveries[m.topic + "/" + std::string(m.payload.begin(), m.payload.end())];
    held.push_back(m);
  });
  connect_and_subscribe(io, subscriber, proxy.port_string(), "ack/cut/#");
  publish_numbers(io, broker.port(), "ack/cut/1", bp::qos::at_least_once, 10);
  publish_numbers(io, broker.port(), "ack/cut/2", bp::qos::exactly_once, 10);
  run_for(io, std::chrono::milliseconds(200));
  ASSERT_EQ(held.size(), 20u);
  // Half is processed before the cut, half after it.
  for (std::size_t i = 0; i < held.size(); i += 2) {
    subscriber.async_acknowledge(held[i], asio::detached);
  }
  run_for(io, std::chrono::milliseconds(200));
  proxy.cut();
  for (int i = 0; i < 40 && resends < 10; ++i) {
    run_for(io, std::chrono::milliseconds(50));
  }
  EXPECT_EQ(resends, 10); // the unacknowledged half came again ...
  EXPECT_EQ(deliveries.size(), 20u);
  for (const auto& [message, times] : deliveries) {
    EXPECT_EQ(times, 1) << message; // ... and was not delivered again
  }
  int failures = 0;
  for (std::size_t i = 1; i < held.size(); i += 2) {
    subscriber.async_acknowledge(held[i], [&](error_code ec) { failures += ec ? 1 : 0; });
  }
  run_for(io, std::chrono::milliseconds(300));
  EXPECT_EQ(failures, 0);
  proxy.cut();
  run_for(io, std::chrono::milliseconds(500));
  EXPECT_EQ(resends, 10); // nothing more: the broker has every acknowledgement
  EXPECT_EQ(deliveries.size(), 20u);
}

// A client that ends without acknowledging (a crash) leaves its messages at
// the broker: the next run gets the QoS 1 ones again and, with a durable
// store, not the QoS 2 ones, which were delivered once already.
TEST(ManualAcknowledgement, WhatAnEndedRunDidNotAcknowledgeComesAgainOnceAtQoS2) {
  mosquitto_broker broker;
  const std::string db = broker.dir() + "/ack.db";
  asio::io_context io;
  std::map<std::string, int> deliveries;
  auto count = [&](const bp::publish& m) {
    ++deliveries[m.topic + "/" + std::string(m.payload.begin(), m.payload.end())];
  };
  auto options = [&] {
    client_options o;
    o.store = std::make_shared<sqlite_store>(
        sqlite_store_options{.path = db, .client_id = "braid-ack-rerun"});
    return o;
  };
  {
    client first(io.get_executor(), manual("braid-ack-rerun", bp::protocol_version::v5, 100),
                 options());
    first.set_message_handler(count);
    connect_and_subscribe(io, first, std::to_string(broker.port()), "ack/rerun/#");
    publish_numbers(io, broker.port(), "ack/rerun/1", bp::qos::at_least_once, 5);
    publish_numbers(io, broker.port(), "ack/rerun/2", bp::qos::exactly_once, 5);
    run_for(io, std::chrono::milliseconds(200));
    ASSERT_EQ(deliveries.size(), 10u);
    first.close(); // no acknowledgement went out
    run_for(io, std::chrono::milliseconds(100));
  }
  run_for(io, std::chrono::milliseconds(100)); // the first client lets go of its store
  client second(io.get_executor(), manual("braid-ack-rerun", bp::protocol_version::v5, 100),
                options());
  std::vector<bp::publish> again;
  second.set_message_handler([&](const bp::publish& m) {
    count(m);
    again.push_back(m);
    second.async_acknowledge(m, asio::detached);
  });
  connect_and_subscribe(io, second, std::to_string(broker.port()), "ack/rerun/#");
  run_for(io, std::chrono::milliseconds(500));
  ASSERT_EQ(again.size(), 5u);
  for (const auto& m : again) {
    EXPECT_EQ(m.qos, bp::qos::at_least_once);
  }
  for (const auto& [message, times] : deliveries) {
    EXPECT_EQ(times, message.starts_with("ack/rerun/1/") ? 2 : 1) << message;
  }
}

} // namespace
} // namespace braid
