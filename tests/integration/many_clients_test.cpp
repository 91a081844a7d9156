// Many clients in one process, in the three layouts of docs/guide/threading.md:
// all on one io_context run by one thread, on one io_context run by a pool of
// threads, and on one io_context per thread. Each client subscribes to a
// topic of its own, publishes to it at QoS 1 and must receive every message
// back; run under ThreadSanitizer in CI (the tsan preset runs this program).
#include <braid/client.hpp>

#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using namespace std::chrono_literals;

constexpr int kClients = 60;
constexpr int kMessages = 10;

struct totals {
  std::atomic<int> connected{0};
  std::atomic<int> published{0};
  std::atomic<int> received{0};
  std::atomic<int> finished{0};
  std::atomic<int> errors{0};
};

// One client's round: connect, subscribe to its own topic, publish, receive
// every message back, disconnect. Its own state is touched only on its
// strand; what the test reads afterwards are atomics.
class round_trip_client : public std::enable_shared_from_this<round_trip_client> {
public:
  round_trip_client(asio::any_io_executor ex, int index, totals& t)
      : topic_("many/" + std::to_string(index)), totals_(t), client_(ex, config(index)) {}

  void start(const std::string& port) {
    // Weak: the client holds its handler, and a strong pointer would keep
    // both alive for ever.
    client_.set_message_handler([weak = weak_from_this()](const bp::publish& m) {
      if (const auto self = weak.lock()) {
        self->arrived(m);
      }
    });
    client_.async_connect(
        "127.0.0.1", port, [self = shared_from_this()](error_code ec, bp::connack) {
          if (self->failed(ec)) {
            return;
          }
          ++self->totals_.connected;
          self->client_.async_subscribe({{self->topic_, {bp::qos::at_least_once}}},
                                        [self](error_code e, std::vector<bp::reason_code>) {
                                          if (!self->failed(e)) {
                                            self->publish_all();
                                          }
                                        });
        });
  }

private:
  static bp::session_config config(int index) {
    bp::session_config c;
    c.connect_packet.client_id = "braid-many-" + std::to_string(index);
    return c;
  }
  bool failed(error_code ec) {
    if (ec) {
      ++totals_.errors;
      ADD_FAILURE() << topic_ << ": " << ec.message();
    }
    return static_cast<bool>(ec);
  }
  void publish_all() {
    for (int i = 0; i < kMessages; ++i) {
      client_.async_publish(topic_, bp::to_bytes(std::to_string(i)), bp::qos::at_least_once, false,
                            [self = shared_from_this()](error_code ec, publish_result) {
                              if (!self->failed(ec)) {
                                ++self->totals_.published;
                                ++self->published_;
                                self->finish_when_done();
                              }
                            });
    }
  }
  void arrived(const bp::publish& m) {
    EXPECT_EQ(m.topic, topic_); // only its own messages
    ++totals_.received;
    ++received_;
    finish_when_done();
  }
  // Every message acknowledged and received back (in either order: the
  // broker may forward a message before it acknowledges it).
  void finish_when_done() {
    if (received_ == kMessages && published_ == kMessages) {
      client_.async_disconnect(
          [self = shared_from_this()](error_code) { ++self->totals_.finished; });
    }
  }

  std::string topic_;
  totals& totals_;
  int received_ = 0; // these two on the strand only
  int published_ = 0;
  client client_;
};

// Starts kClients over `executors` in turn and waits (bounded) for all to finish.
void run_round(const std::vector<asio::any_io_executor>& executors, const std::string& port,
               totals& t, const std::function<void()>& wait) {
  std::vector<std::shared_ptr<round_trip_client>> clients;
  for (int i = 0; i < kClients; ++i) {
    const auto& ex = executors[static_cast<std::size_t>(i) % executors.size()];
    clients.push_back(std::make_shared<round_trip_client>(ex, i, t));
  }
  for (auto& c : clients) {
    c->start(port);
  }
  wait();
  EXPECT_EQ(t.errors.load(), 0);
  EXPECT_EQ(t.connected.load(), kClients);
  EXPECT_EQ(t.published.load(), kClients * kMessages);
  EXPECT_EQ(t.received.load(), kClients * kMessages);
  EXPECT_EQ(t.finished.load(), kClients);
}

void wait_until_finished(const totals& t) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (t.finished.load() + t.errors.load() < kClients &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
}

TEST(ManyClients, OnOneIoContextRunByOneThread) {
  mosquitto_broker broker;
  asio::io_context io;
  totals t;
  run_round({io.get_executor()}, broker.port_string(), t, [&] {
    // Every client ends with async_disconnect: then the context runs out of work.
    io.run_for(60s);
  });
}

TEST(ManyClients, OnOneIoContextRunByAPoolOfThreads) {
  mosquitto_broker broker;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> pool;
  for (int i = 0; i < 4; ++i) {
    pool.emplace_back([&] { io.run(); });
  }
  totals t;
  run_round({io.get_executor()}, broker.port_string(), t, [&] { wait_until_finished(t); });
  work.reset();
  io.stop();
  for (auto& th : pool) {
    th.join();
  }
}

TEST(ManyClients, OnOneIoContextPerThread) {
  mosquitto_broker broker;
  constexpr int kThreads = 4;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::any_io_executor> executors;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (int i = 0; i < kThreads; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1)); // one thread each: no locking
    executors.push_back(contexts.back()->get_executor());
    work.push_back(asio::make_work_guard(*contexts.back()));
  }
  std::vector<std::thread> threads;
  for (auto& io : contexts) {
    threads.emplace_back([&io = *io] { io.run(); });
  }
  totals t;
  run_round(executors, broker.port_string(), t, [&] { wait_until_finished(t); });
  work.clear();
  for (auto& io : contexts) {
    io->stop();
  }
  for (auto& th : threads) {
    th.join();
  }
}

} // namespace
} // namespace braid
