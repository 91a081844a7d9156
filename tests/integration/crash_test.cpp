// Crashes of the client process with the durable store: a publisher and a
// subscriber (crash_client) are SIGKILLed at random points three times and
// started again on the same store, against a private mosquitto. The seed of
// the kill points is printed; set BRAID_CRASH_SEED to replay one.
//
// Publisher: 20,000 QoS 1 and 20,000 QoS 2 messages; a counting subscriber
// (persistent session) must see none lost at QoS 1 and 2 and none twice at
// QoS 2 (QoS 1 duplicates are counted and reported).
// Subscriber: 20,000 QoS 2 messages; each is processed (recorded in the
// store from the arrival hook) exactly once in total.
#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include "../tools/cli_process.hpp"
#include "mosquitto_broker.hpp"
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace braid {
namespace {

namespace bp = protocol;
using namespace std::chrono_literals;

// mosquitto keeps every message for a persistent session that is away.
const char* broker_config = "allow_anonymous true\nmax_queued_messages 1000000\n";

std::uint32_t crash_seed() {
  if (const char* s = std::getenv("BRAID_CRASH_SEED")) {
    return static_cast<std::uint32_t>(std::stoul(s));
  }
  return std::random_device{}();
}

// Three kill points, in order, within [low, high).
std::vector<long> kill_points(std::mt19937& rng, long low, long high) {
  std::uniform_int_distribution<long> d(low, high - 1);
  std::vector<long> points{d(rng), d(rng), d(rng)};
  std::sort(points.begin(), points.end());
  return points;
}

// The last "progress N" (or "subscribed N"/"resumed N") the process printed.
long last_progress(const std::string& out) {
  long n = -1;
  for (const char* word : {"progress ", "resumed ", "subscribed "}) {
    auto at = out.rfind(word);
    if (at != std::string::npos) {
      n = std::max(n, std::atol(out.c_str() + at + std::strlen(word)));
    }
  }
  return n;
}

std::vector<std::string> crash_client(const std::string& mode, const testing::mosquitto_broker& b,
                                      const std::string& store, long count,
                                      const std::string& topic) {
  return {BRAID_CRASH_CLIENT_PATH, mode, b.port_string(), store, std::to_string(count), topic};
}

std::string store_path(const testing::mosquitto_broker& b, const char* name) {
  return (std::filesystem::path(b.dir()) / name).string();
}

// Runs `command` and SIGKILLs it once its progress reaches each point, then
// runs it to the end: it must finish by itself.
void crash_then_finish(const std::vector<std::string>& command, const std::vector<long>& points,
                       const char* who) {
  for (long point : points) {
    testing::cli_process p(command);
    ASSERT_TRUE(p.wait_for_stdout(
        [&](const std::string& out) {
          return last_progress(out) >= point || out.find("finished") != std::string::npos;
        },
        60s))
        << p.out() << p.err();
    p.kill_now(SIGKILL);
    std::cout << "killed the " << who << " at progress " << last_progress(p.out()) << " (aimed at "
              << point << ")\n";
  }
  testing::cli_process last(command);
  EXPECT_EQ(last.finish(120s), 0) << last.out() << last.err();
  EXPECT_NE(last.out().find("finished"), std::string::npos) << last.out() << last.err();
}

// A subscriber in this process that counts every number it receives.
class counter {
public:
  counter(const testing::mosquitto_broker& b, const std::string& topic, std::size_t count)
      : counts_(count, 0) {
    bp::session_config config;
    config.connect_packet.client_id = "crash-counter";
    config.connect_packet.clean_start = false;
    client_ = std::make_unique<client>(io_.get_executor(), config);
    client_->set_message_handler([this](const bp::publish& m) {
      const auto n = std::stoul(std::string(m.payload.begin(), m.payload.end()));
      std::lock_guard lock(mutex_);
      if (n < counts_.size()) {
        ++counts_[n];
      }
      ++received_;
    });
    std::atomic<bool> subscribed{false};
    client_->async_connect("127.0.0.1", b.port_string(), [&, topic](error_code ec, bp::connack) {
      ASSERT_FALSE(ec) << ec.message();
      bp::subscription s;
      s.filter = topic;
      s.options.max_qos = bp::qos::exactly_once;
      client_->async_subscribe({s}, [&](error_code e, std::vector<bp::reason_code>) {
        EXPECT_FALSE(e);
        subscribed = true;
      });
    });
    thread_ = std::thread([this] { io_.run(); });
    for (int i = 0; i < 500 && !subscribed; ++i) {
      std::this_thread::sleep_for(10ms);
    }
  }
  ~counter() {
    client_->close();
    io_.stop();
    thread_.join();
  }
  /// Waits until every number arrived at least once (or `limit`).
  bool wait_for_all(std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard lock(mutex_);
        if (std::all_of(counts_.begin(), counts_.end(), [](int c) { return c > 0; })) {
          return true;
        }
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::vector<int> counts() {
    std::this_thread::sleep_for(300ms); // late duplicates, if any
    std::lock_guard lock(mutex_);
    return counts_;
  }

private:
  asio::io_context io_;
  std::unique_ptr<client> client_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<int> counts_;
  long received_ = 0;
};

TEST(Crash, APublisherKilledThreeTimesLosesNothingAndDuplicatesNoQoS2Message) {
  const long count = 40'000; // even numbers QoS 1, odd QoS 2
  const auto seed = crash_seed();
  std::cout << "crash seed " << seed << "\n";
  std::mt19937 rng(seed);
  testing::mosquitto_broker broker(broker_config);
  const std::string topic = "crash/publisher";
  counter sub(broker, topic, count);
  const auto store = store_path(broker, "publisher.db");

  crash_then_finish(crash_client("publish", broker, store, count, topic),
                    kill_points(rng, 1'000, count - 2'000), "publisher");

  ASSERT_TRUE(sub.wait_for_all(60s));
  const auto counts = sub.counts();
  long lost = 0, qos1_duplicates = 0, qos2_duplicates = 0;
  for (long n = 0; n < count; ++n) {
    const int c = counts[static_cast<std::size_t>(n)];
    lost += c == 0 ? 1 : 0;
    (n % 2 == 0 ? qos1_duplicates : qos2_duplicates) += c > 1 ? c - 1 : 0;
  }
  std::cout << "publisher crash: lost " << lost << ", QoS 2 duplicates " << qos2_duplicates
            << ", QoS 1 duplicates " << qos1_duplicates << " (of 20000 each)\n";
  ::testing::Test::RecordProperty("qos1_duplicates", static_cast<int>(qos1_duplicates));
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(qos2_duplicates, 0);
}

TEST(Crash, ASubscriberKilledThreeTimesProcessesEachQoS2MessageOnce) {
  const long count = 20'000;
  const auto seed = crash_seed();
  std::cout << "crash seed " << seed << "\n";
  std::mt19937 rng(seed);
  testing::mosquitto_broker broker(broker_config);
  const std::string topic = "crash/subscriber";
  const auto store = store_path(broker, "subscriber.db");
  {
    // The persistent session and its subscription exist before publishing.
    testing::cli_process first(crash_client("subscribe", broker, store, count, topic));
    ASSERT_TRUE(first.wait_for_stdout(
        [](const std::string& out) { return out.find("subscribed") != std::string::npos; }, 20s))
        << first.out() << first.err();
    first.kill_now(SIGKILL);
  }
  // The publisher, in this process, sends everything while the subscriber
  // comes and goes.
  asio::io_context io;
  bp::session_config config;
  config.connect_packet.client_id = "crash-source";
  client source(io.get_executor(), config);
  std::atomic<long> acknowledged{0};
  source.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
    ASSERT_FALSE(ec) << ec.message();
    for (long n = 0; n < count; ++n) {
      bp::publish m;
      m.topic = topic;
      const auto text = std::to_string(n);
      m.payload = bp::shared_bytes::copy(text);
      m.qos = bp::qos::exactly_once;
      source.async_publish(std::move(m), [&](error_code e, bp::reason_code) {
        EXPECT_FALSE(e);
        if (++acknowledged == count) {
          source.async_disconnect([&](error_code) { io.stop(); });
        }
      });
    }
  });
  std::thread source_thread([&] { io.run(); });

  // The source's thread is joined whatever happens below.
  struct joiner {
    asio::io_context& io;
    std::thread& t;
    ~joiner() {
      io.stop();
      t.join();
    }
  } join_source{io, source_thread};
  crash_then_finish(crash_client("subscribe", broker, store, count, topic),
                    kill_points(rng, 500, count - 1'000), "subscriber");
  for (int i = 0; i < 1000 && acknowledged < count; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(acknowledged, count);

  // What the application recorded, read back from the store.
  sqlite_store records({.path = store, .client_id = "crash-subscriber"});
  long processed = 0, twice = 0;
  for (long n = 0; n < count; ++n) {
    processed += records.get("n/" + std::to_string(n)) ? 1 : 0;
    twice += records.get("dup/" + std::to_string(n)) ? 1 : 0;
  }
  std::cout << "subscriber crash: processed " << processed << " of " << count
            << ", processed twice " << twice << "\n";
  EXPECT_EQ(processed, count);
  EXPECT_EQ(twice, 0);
}

} // namespace
} // namespace braid
