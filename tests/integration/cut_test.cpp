// Persistent sessions through connections that are cut again and again, and
// a stalled link found by keep alive (see tools/fault_proxy).
#include <braid/client.hpp>

#include "fault_proxy.hpp"
#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <set>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using tcp_proxy = braid::fault::fault_proxy;

constexpr int messages_per_qos = 5'000;

bp::session_config persistent(std::string id) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.clean_start = false;
  c.connect_packet.keep_alive = 5;
  c.window = 32;
  return c;
}

client_options reconnecting() {
  client_options o;
  o.reconnect.enabled = true;
  o.reconnect.policy = {std::chrono::milliseconds(10), std::chrono::milliseconds(100), 2.0, 0.5};
  o.reconnect.random = [] { return 0.5; };
  return o;
}

// A publisher sends 5,000 QoS 1 and 5,000 QoS 2 messages while the proxies in
// front of it and of the subscriber cut their connections eight times: nothing
// is lost, nothing at QoS 2 arrives twice; QoS 1 duplicates are counted.
TEST(Cuts, NothingLostAndNoQoS2DuplicateThroughRepeatedCuts) {
  // The broker must keep everything for the subscriber while it is cut off.
  mosquitto_broker broker("allow_anonymous true\nmax_queued_messages 0\n");
  tcp_proxy to_publisher(broker.port());
  tcp_proxy to_subscriber(broker.port());
  asio::io_context io;
  client subscriber(io.get_executor(), persistent("braid-cut-sub"), reconnecting());
  client publisher(io.get_executor(), persistent("braid-cut-pub"), reconnecting());

  std::set<int> qos1_seen, qos2_seen;
  int qos1_duplicates = 0, qos2_duplicates = 0, completed = 0, failed = 0;
  auto finished = [&] {
    return static_cast<int>(qos1_seen.size()) == messages_per_qos &&
           static_cast<int>(qos2_seen.size()) == messages_per_qos &&
           completed + failed == 2 * messages_per_qos;
  };
  // The connections are cut as the messages flow: after every 1,100 new
  // messages, the publisher's and the subscriber's in turn, eight times.
  int cuts = 0;
  subscriber.set_message_handler([&](const bp::publish& m) {
    const int n = std::stoi(std::string(m.payload.begin(), m.payload.end()));
    bool fresh = false;
    if (m.topic == "cut/1") {
      fresh = qos1_seen.insert(n).second;
      qos1_duplicates += fresh ? 0 : 1;
    } else {
      fresh = qos2_seen.insert(n).second;
      qos2_duplicates += fresh ? 0 : 1;
    }
    if (fresh && cuts < 8 && (qos1_seen.size() + qos2_seen.size()) % 1100 == 0) {
      (cuts++ % 2 == 0 ? to_publisher : to_subscriber).cut();
    }
    if (finished()) {
      io.stop();
    }
  });

  std::vector<bp::subscription> subs{{"cut/1", {bp::qos::at_least_once}},
                                     {"cut/2", {bp::qos::exactly_once}}};
  subscriber.async_connect(
      "127.0.0.1", to_subscriber.port_string(), [&](error_code ec, bp::connack) {
        ASSERT_FALSE(ec) << ec.message();
        subscriber.async_subscribe(subs, [&](error_code e, std::vector<bp::reason_code>) {
          ASSERT_FALSE(e) << e.message();
          publisher.async_connect(
              "127.0.0.1", to_publisher.port_string(), [&](error_code, bp::connack) {
                for (int i = 0; i < messages_per_qos; ++i) {
                  for (auto [topic, q] : {std::pair{"cut/1", bp::qos::at_least_once},
                                          std::pair{"cut/2", bp::qos::exactly_once}}) {
                    publisher.async_publish(topic, bp::to_bytes(std::to_string(i)), q, false,
                                            [&](error_code pe, bp::reason_code) {
                                              (pe ? failed : completed) += 1;
                                              if (finished()) {
                                                io.stop();
                                              }
                                            });
                  }
                }
              });
        });
      });
  io.run_for(std::chrono::seconds(90));

  std::cout << "cuts=" << cuts << " qos1 received=" << qos1_seen.size()
            << " duplicates=" << qos1_duplicates << "; qos2 received=" << qos2_seen.size()
            << " duplicates=" << qos2_duplicates << "; publishes completed=" << completed
            << " failed=" << failed << "\n";
  RecordProperty("qos1_duplicates", qos1_duplicates);
  EXPECT_EQ(cuts, 8);
  EXPECT_EQ(static_cast<int>(qos1_seen.size()), messages_per_qos); // none lost
  EXPECT_EQ(static_cast<int>(qos2_seen.size()), messages_per_qos); // none lost
  EXPECT_EQ(qos2_duplicates, 0);
  EXPECT_EQ(failed, 0);
}

// Bytes forwarded one at a time still make whole packets.
TEST(Cuts, SlicedConnectionCarriesMessages) {
  mosquitto_broker broker;
  tcp_proxy proxy(broker.port());
  proxy.slice(true);
  asio::io_context io;
  client c(io.get_executor(), persistent("braid-sliced"));
  std::string got;
  std::vector<bp::subscription> subs{{"slice/t", {bp::qos::exactly_once}}};
  c.async_connect("127.0.0.1", proxy.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    c.async_subscribe(subs, [&](error_code, std::vector<bp::reason_code>) {
      c.async_publish("slice/t", bp::to_bytes(std::string(3000, 's')), bp::qos::exactly_once, false,
                      [](error_code, bp::reason_code) {});
      c.async_receive([&](error_code, bp::publish m) {
        got.assign(m.payload.begin(), m.payload.end());
        io.stop();
      });
    });
  });
  io.run_for(std::chrono::seconds(20));
  EXPECT_EQ(got, std::string(3000, 's'));
}

// A link that stops forwarding is found by keep alive and the client
// reconnects.
TEST(Cuts, StalledLinkIsDetectedByKeepAlive) {
  mosquitto_broker broker;
  tcp_proxy proxy(broker.port());
  asio::io_context io;
  auto config = persistent("braid-stalled");
  config.connect_packet.keep_alive = 1;
  config.ping_timeout_ms = 500;
  client c(io.get_executor(), config, reconnecting());
  int connected = 0;
  std::error_code lost_because;
  c.set_state_handler([&](const connection_event& e) {
    if (e.what == connection_event::kind::disconnected && !lost_because) {
      lost_because = e.reason;
      proxy.stall(false); // let the reconnect through
    }
    if (e.what == connection_event::kind::connected && ++connected == 2) {
      io.stop();
    }
  });
  c.async_connect("127.0.0.1", proxy.port_string(),
                  [&](error_code, bp::connack) { proxy.stall(true); });
  io.run_for(std::chrono::seconds(15));
  EXPECT_EQ(lost_because, bp::session_errc::keep_alive_timeout);
  EXPECT_EQ(connected, 2);
}

} // namespace
} // namespace braid
