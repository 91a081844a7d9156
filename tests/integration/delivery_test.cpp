// What reaches a subscriber: retained messages, wills, payload sizes, and
// order with window 1 — two braid clients through a private mosquitto.
#include <braid/client.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <array>
#include <memory>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;

bp::session_config config_for(std::string id, bp::protocol_version v = bp::protocol_version::v5) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.version = v;
  c.connect_packet.keep_alive = 30;
  return c;
}

// Connects, subscribes to `filter` at QoS 2, then calls `then`.
void subscribed(client& c, const mosquitto_broker& broker, std::string filter,
                std::function<void()> then) {
  c.async_connect(
      "127.0.0.1", broker.port_string(),
      [&c, filter = std::move(filter), then = std::move(then)](error_code ec, bp::connack) {
        ASSERT_FALSE(ec) << ec.message();
        std::vector<bp::subscription> subs{{filter, {bp::qos::exactly_once}}};
        c.async_subscribe(subs, [then](error_code e, std::vector<bp::reason_code>) {
          ASSERT_FALSE(e) << e.message();
          then();
        });
      });
}

TEST(Delivery, RetainedMessageReachesALaterSubscriber) {
  mosquitto_broker broker;
  asio::io_context io;
  client publisher(io.get_executor(), config_for("braid-retain-pub"));
  client subscriber(io.get_executor(), config_for("braid-retain-sub"));
  bp::publish got;
  publisher.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
    publisher.async_publish("ret/t", bp::to_bytes("kept"), bp::qos::at_least_once, true,
                            [&](error_code ec, bp::reason_code) {
                              ASSERT_FALSE(ec);
                              subscribed(subscriber, broker, "ret/#", [&] {
                                subscriber.async_receive([&](error_code, bp::publish m) {
                                  got = std::move(m);
                                  io.stop();
                                });
                              });
                            });
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(got.topic, "ret/t");
  EXPECT_TRUE(got.retain);
  EXPECT_EQ(got.payload, bp::to_bytes("kept"));
}

// The will goes out when the connection dies without DISCONNECT, not after a
// clean disconnect.
TEST(Delivery, WillOnAbnormalCloseOnly) {
  mosquitto_broker broker;
  for (bool clean : {true, false}) {
    asio::io_context io;
    auto config = config_for(clean ? "braid-will-clean" : "braid-will-cut");
    config.connect_packet.will =
        bp::will_message{"will/t", bp::to_bytes("gone"), bp::qos::at_least_once, false, {}};
    client dying(io.get_executor(), config);
    client watcher(io.get_executor(), config_for(clean ? "braid-watch-1" : "braid-watch-2"));
    std::optional<bp::publish> will;
    asio::steady_timer wait(io);
    subscribed(watcher, broker, "will/#", [&] {
      watcher.async_receive([&](error_code ec, bp::publish m) {
        if (!ec) {
          will = std::move(m);
        }
      });
      dying.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
        if (clean) {
          dying.async_disconnect([](error_code) {});
        } else {
          dying.close(); // no DISCONNECT: the broker publishes the will
        }
        wait.expires_after(std::chrono::milliseconds(500));
        wait.async_wait([&](error_code) { io.stop(); });
      });
    });
    io.run_for(std::chrono::seconds(5));
    if (clean) {
      EXPECT_FALSE(will.has_value()) << "will sent after a clean disconnect";
    } else {
      ASSERT_TRUE(will.has_value());
      EXPECT_EQ(will->payload, bp::to_bytes("gone"));
    }
  }
}

class Payloads : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Payloads, ArriveWhole) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-sizes"));
  bp::bytes payload(GetParam());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<std::uint8_t>(i * 31 + 7);
  }
  bp::bytes got;
  bool received = false;
  subscribed(c, broker, "size/t", [&] {
    c.async_publish("size/t", payload, bp::qos::exactly_once, false,
                    [](error_code, bp::reason_code) {});
    c.async_receive([&](error_code ec, bp::publish m) {
      received = !ec;
      got = m.payload.to_vector();
      io.stop();
    });
  });
  io.run_for(std::chrono::seconds(20));
  ASSERT_TRUE(received);
  EXPECT_TRUE(got == payload) << "payload of " << payload.size() << " bytes changed";
}

INSTANTIATE_TEST_SUITE_P(Sizes, Payloads, ::testing::Values(0, 64, 16 * 1024 * 1024),
                         [](const auto& test_info) { return std::to_string(test_info.param); });

// A payload given as a buffer sequence is borrowed for the call only: a
// scatter list arrives joined, and buffers freed right after the call are fine.
TEST(Payloads, BufferSequencesAreCopiedDuringTheCall) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-buffers"));
  std::vector<std::string> got;
  std::function<void()> next = [&] {
    c.async_receive([&](error_code ec, bp::publish m) {
      if (ec) {
        io.stop();
        return;
      }
      got.emplace_back(m.payload.begin(), m.payload.end());
      if (got.size() == 2) {
        io.stop();
      } else {
        next();
      }
    });
  };
  subscribed(c, broker, "buf/t", [&] {
    {
      std::string head = "scat", tail = "ter";
      const std::array<asio::const_buffer, 2> pieces{asio::buffer(head), asio::buffer(tail)};
      c.async_publish("buf/t", pieces, bp::qos::at_least_once, false,
                      [](error_code, bp::reason_code) {});
      head.assign(4, 'X'); // changed and freed right after the call
    }
    {
      auto temporary = std::make_unique<std::string>("gone");
      c.async_publish("buf/t", asio::buffer(*temporary), bp::qos::at_least_once, false,
                      [](error_code, bp::reason_code) {});
    }
    next();
  });
  io.run_for(std::chrono::seconds(5));
  EXPECT_EQ(got, (std::vector<std::string>{"scatter", "gone"}));
}

// A large payload passed as shared_bytes is not copied on its way out: the
// library holds references to the caller's buffer until the exchange ends,
// then lets go. On its way in, the payload is one buffer of its own that the
// handler can keep (a copy of the message shares it).
TEST(Payloads, ALargeSharedPayloadIsSharedBothWays) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for("braid-shared"));
  bp::bytes bytes(3 * 1024 * 1024);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(i * 13 + 1);
  }
  const bp::shared_bytes payload = std::move(bytes);
  long references_while_in_flight = 0;
  long references_after = 0;
  std::vector<bp::shared_bytes> kept;
  int acknowledged = 0;
  std::function<void()> next; // outlives the handlers that call it
  auto done_when_all_in = [&] {
    if (acknowledged == 2 && kept.size() == 2) {
      references_after = payload.owner().use_count();
      io.stop();
    }
  };
  subscribed(c, broker, "shared/t", [&] {
    for (int i = 0; i < 2; ++i) {
      c.async_publish("shared/t", payload, bp::qos::at_least_once, false,
                      [&](error_code ec, bp::reason_code) {
                        ASSERT_FALSE(ec) << ec.message();
                        ++acknowledged;
                        done_when_all_in();
                      });
    }
    references_while_in_flight = payload.owner().use_count();
    next = [&] {
      c.async_receive([&](error_code ec, bp::publish m) {
        ASSERT_FALSE(ec) << ec.message();
        const bp::publish copy = m; // shares the payload
        EXPECT_EQ(copy.payload.data(), m.payload.data());
        kept.push_back(m.payload);
        if (kept.size() < 2) {
          next();
        }
        done_when_all_in();
      });
    };
    next();
  });
  io.run_for(std::chrono::seconds(20));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_GT(references_while_in_flight, 2); // the library holds the same buffer
  EXPECT_EQ(references_after, 1);           // and let go once acknowledged
  for (const auto& got : kept) {
    EXPECT_TRUE(got.is_shared());
    EXPECT_NE(got.data(), payload.data()); // a buffer of its own, read from the socket
    EXPECT_TRUE(got == payload);
  }
  EXPECT_NE(kept[0].data(), kept[1].data());
}

class InOrder : public ::testing::TestWithParam<bp::qos> {};

// 10,000 messages with window 1 arrive complete and in order.
TEST_P(InOrder, TenThousandMessagesWithWindowOne) {
  mosquitto_broker broker;
  asio::io_context io;
  auto config = config_for("braid-order-pub", bp::protocol_version::v3_1_1);
  config.window = 1;
  client publisher(io.get_executor(), config);
  client subscriber(io.get_executor(), config_for("braid-order-sub"));
  constexpr int count = 10'000;
  int next = 0;
  int out_of_order = 0;
  int published = 0;
  subscriber.set_message_handler([&](const bp::publish& m) {
    if (std::string(m.payload.begin(), m.payload.end()) != std::to_string(next)) {
      ++out_of_order;
    }
    if (++next == count) {
      io.stop();
    }
  });
  subscribed(subscriber, broker, "order/t", [&] {
    publisher.async_connect("127.0.0.1", broker.port_string(), [&](error_code, bp::connack) {
      for (int i = 0; i < count; ++i) {
        publisher.async_publish("order/t", bp::to_bytes(std::to_string(i)), GetParam(), false,
                                [&](error_code ec, bp::reason_code) { published += ec ? 0 : 1; });
      }
    });
  });
  io.run_for(std::chrono::seconds(60));
  EXPECT_EQ(next, count);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_GE(published, count - 1); // the last PUBACK may still be on its way
}

INSTANTIATE_TEST_SUITE_P(QoS, InOrder,
                         ::testing::Values(bp::qos::at_least_once, bp::qos::exactly_once),
                         [](const auto& test_info) {
                           return test_info.param == bp::qos::at_least_once ? "qos1" : "qos2";
                         });

} // namespace
} // namespace braid
