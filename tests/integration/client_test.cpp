// braid::client against a real mosquitto on a private loopback port.
#include <braid/client.hpp>
#include <braid/protocol/session/errors.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <thread>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;

bp::session_config config_for(bp::protocol_version v, std::string id) {
  bp::session_config c;
  c.connect_packet.version = v;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.keep_alive = 30;
  return c;
}

std::string payload_of(const bp::publish& p) {
  return {p.payload.begin(), p.payload.end()};
}

class ClientAgainstMosquitto : public ::testing::TestWithParam<bp::protocol_version> {};

// A coroutine subscribes, publishes at QoS 0, 1 and 2 to itself and reads the
// three messages back.
TEST_P(ClientAgainstMosquitto, PublishesAndReceivesEveryQoS) {
  mosquitto_broker broker;
  asio::io_context io;
  client c(io.get_executor(), config_for(GetParam(), "braid-loop"));
  std::vector<bp::publish> received;

  // g++ 12 cannot build std::initializer_list inside a coroutine: every braced
  // list is made out here.
  const std::array levels{bp::qos::at_most_once, bp::qos::at_least_once, bp::qos::exactly_once};
  const std::vector<bp::subscription> everything{{"braid/test/#", {bp::qos::exactly_once}}};
  const std::vector<bp::reason_code> granted_qos_2{bp::reason_code::granted_qos_2};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto ack = co_await c.async_connect("127.0.0.1", broker.port_string(), asio::use_awaitable);
        EXPECT_FALSE(ack.session_present);
        auto granted = co_await c.async_subscribe(everything, asio::use_awaitable);
        EXPECT_EQ(granted, granted_qos_2);
        for (auto q : levels) {
          auto topic = "braid/test/" + std::to_string(static_cast<int>(q));
          auto rc = co_await c.async_publish(topic, bp::to_bytes("m" + std::to_string(int(q))), q,
                                             false, asio::use_awaitable);
          EXPECT_EQ(rc, bp::reason_code::success);
        }
        for (int i = 0; i < 3; ++i) {
          received.push_back(co_await c.async_receive(asio::use_awaitable));
        }
        co_await c.async_disconnect(asio::use_awaitable);
      },
      [&](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            ADD_FAILURE() << "coroutine failed: " << x.what();
          }
        }
      });
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(received.size(), 3u);
  for (const auto& m : received) {
    const auto q = static_cast<int>(m.qos);
    EXPECT_EQ(m.topic, "braid/test/" + std::to_string(q));
    EXPECT_EQ(payload_of(m), "m" + std::to_string(q));
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, ClientAgainstMosquitto,
                         ::testing::Values(bp::protocol_version::v3_1, bp::protocol_version::v3_1_1,
                                           bp::protocol_version::v5),
                         [](const auto& test_info) {
                           switch (test_info.param) {
                           case bp::protocol_version::v3_1:
                             return std::string("v31");
                           case bp::protocol_version::v3_1_1:
                             return std::string("v311");
                           default:
                             return std::string("v5");
                           }
                         });

TEST(Client, CallbacksAndFuturesWorkFromAnotherThread) {
  mosquitto_broker broker;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  client c(io.get_executor(), config_for(bp::protocol_version::v3_1_1, "braid-future"));
  auto ack = c.async_connect("127.0.0.1", broker.port_string(), asio::use_future);
  ASSERT_EQ(ack.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  ack.get();
  std::promise<error_code> published;
  c.async_publish("braid/cb", bp::to_bytes("x"), bp::qos::at_least_once, false,
                  [&](error_code ec, bp::reason_code) { published.set_value(ec); });
  auto f = published.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(f.get());
  auto done = c.async_disconnect(asio::use_future);
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  work.reset();
  io.stop();
  runner.join();
}

TEST(Client, RefusedConnectionReportsTheReason) {
  mosquitto_broker broker("allow_anonymous false\n");
  asio::io_context io;
  client c(io.get_executor(), config_for(bp::protocol_version::v3_1_1, "braid-refused"));
  error_code result;
  bool done = false;
  c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    result = ec;
    done = true;
  });
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(done);
  EXPECT_EQ(std::error_code(result), bp::make_error_code(bp::reason_code::not_authorized))
      << result.message();
}

TEST(Client, UnreachableBrokerFailsTheConnect) {
  asio::io_context io;
  client c(io.get_executor(), config_for(bp::protocol_version::v3_1_1, "braid-nobody"));
  error_code result;
  bool done = false;
  // Port 1 on loopback: nothing listens there.
  c.async_connect("127.0.0.1", "1", [&](error_code ec, bp::connack) {
    result = ec;
    done = true;
  });
  io.run_for(std::chrono::seconds(5));
  ASSERT_TRUE(done);
  EXPECT_TRUE(result);
}

// Window 1 and a queue of 2: with the block policy every publish waits its
// turn and completes, in order; with the fail policy the overflow is refused.
TEST(Client, QueueFullPolicyBlockWaitsAndFailRefuses) {
  mosquitto_broker broker;
  for (auto policy : {queue_full_policy::block, queue_full_policy::fail}) {
    asio::io_context io;
    auto config = config_for(bp::protocol_version::v3_1_1, "braid-queue");
    config.window = 1;
    config.queue_limit = 2;
    client_options options;
    options.on_queue_full = policy;
    client c(io.get_executor(), config, options);
    std::vector<int> completed;
    int refused = 0;
    c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
      ASSERT_FALSE(ec) << ec.message();
      for (int i = 0; i < 20; ++i) {
        c.async_publish("q/t", bp::to_bytes(std::to_string(i)), bp::qos::at_least_once, false,
                        [&, i](error_code e, bp::reason_code) {
                          if (!e) {
                            completed.push_back(i);
                          } else if (std::error_code(e) == bp::session_errc::queue_full) {
                            ++refused;
                          }
                          if (completed.size() + static_cast<std::size_t>(refused) == 20) {
                            io.stop();
                          }
                        });
      }
    });
    io.run_for(std::chrono::seconds(5));
    if (policy == queue_full_policy::block) {
      std::vector<int> all(20);
      std::iota(all.begin(), all.end(), 0);
      EXPECT_EQ(completed, all);
      EXPECT_EQ(refused, 0);
    } else {
      EXPECT_EQ(completed.size(), 3u); // one in flight, two queued
      EXPECT_EQ(refused, 17);
    }
  }
}

} // namespace
} // namespace braid
