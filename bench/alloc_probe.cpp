#include "alloc_probe.hpp"

#include <braid/client.hpp>

#include "alloc_counter.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <malloc.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

namespace braid::bench {
namespace {

namespace asio = boost::asio;
namespace bp = braid::protocol;

constexpr int kQos0Outstanding = 64; // QoS 0: publishes not yet completed
constexpr int kWindow = 64;          // QoS 1 and 2
constexpr auto kTimeLimit = std::chrono::seconds(120);

bp::session_config probe_config(const char* client_id) {
  bp::session_config config;
  config.connect_packet.client_id = client_id;
  config.window = kWindow;
  return config;
}

// One counted run: connect, (subscribe,) publish warmup + count, disconnect.
class probe_run {
public:
  explicit probe_run(const probe_options& o)
      : o_(o), client_(io_.get_executor(), probe_config("braid-alloc-probe")), guard_(io_) {}

  probe_result run() {
    guard_.expires_after(kTimeLimit);
    guard_.async_wait([this](error_code ec) {
      if (!ec) {
        fail("no end after " + std::to_string(kTimeLimit.count()) + " s");
      }
    });
    client_.set_message_handler([this](const bp::publish& m) {
      if (m.payload.size() != o_.payload_size) {
        fail("a message came back with " + std::to_string(m.payload.size()) + " bytes");
      }
      ++received_;
      check_end();
    });
    client_.async_connect("127.0.0.1", std::to_string(o_.sink_port),
                          [this](error_code ec, const bp::connack&) {
                            if (ec) {
                              fail("connect: " + ec.message());
                            } else if (o_.receive) {
                              subscribe();
                            } else {
                              fill();
                            }
                          });
    io_.run();
    result_.messages = o_.count;
    result_.ok = result_.error.empty();
    return result_;
  }

private:
  void subscribe() {
    std::vector<bp::subscription> s{{"bench/t", {o_.qos}}};
    client_.async_subscribe(std::move(s), [this](error_code ec, const subscribe_result&) {
      if (ec) {
        fail("subscribe: " + ec.message());
      } else {
        fill();
      }
    });
  }

  std::uint64_t total() const { return o_.warmup + o_.count; }

  void fill() {
    const int most = o_.qos == bp::qos::at_most_once ? kQos0Outstanding : kWindow;
    while (sent_ < total() && sent_ - completed_ < static_cast<std::uint64_t>(most) && !ended_) {
      publish_one();
    }
  }

  void publish_one() {
    ++sent_;
    bp::publish m;
    if (o_.count_caller) {
      build(m);
    } else {
      const not_counting caller; // the application's message, not the library's work
      build(m);
    }
    client_.async_publish(std::move(m), [this](error_code ec, const publish_result&) {
      if (ec) {
        fail("publish: " + ec.message());
        return;
      }
      if (++completed_ == o_.warmup) {
        counting_.emplace();
        start_ = allocations();
      }
      check_end();
      fill();
    });
  }

  void build(bp::publish& m) const {
    m.topic = "bench/t";
    m.payload = protocol::bytes(o_.payload_size, 'x');
    m.qos = o_.qos;
  }

  void check_end() {
    if (completed_ == total() && counting_) {
      result_.allocations = allocations() - start_;
      counting_.reset();
    }
    if (completed_ == total() && (!o_.receive || received_ >= total())) {
      end();
    }
  }

  void fail(std::string why) {
    if (result_.error.empty()) {
      result_.error = std::move(why);
    }
    end();
  }

  void end() {
    if (ended_) {
      return;
    }
    ended_ = true;
    counting_.reset();
    guard_.cancel();
    client_.async_disconnect([this](error_code) { client_.close(); });
  }

  probe_options o_;
  asio::io_context io_;
  braid::client client_;
  asio::steady_timer guard_;
  std::optional<counting> counting_;
  std::uint64_t start_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t received_ = 0;
  bool ended_ = false;
  probe_result result_;
};

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

} // namespace

probe_result count_allocations(const probe_options& options) {
  probe_run run(options);
  return run.run();
}

idle_result measure_idle_connections(std::uint16_t sink_port, std::size_t clients) {
  idle_result r;
  r.clients = clients;
  asio::io_context io;
  const auto heap_before = heap_in_use();
  const auto rss_before = resident_bytes();
  const counting count; // BRAID_ALLOC_TRACE shows where the first client's memory goes
  const auto allocations_before = allocations();
  std::vector<std::unique_ptr<braid::client>> all;
  all.reserve(clients);
  std::size_t connected = 0;
  for (std::size_t i = 0; i < clients; ++i) {
    all.push_back(std::make_unique<braid::client>(
        io.get_executor(), probe_config(("idle-" + std::to_string(i)).c_str())));
    all.back()->async_connect("127.0.0.1", std::to_string(sink_port),
                              [&](error_code ec, const bp::connack&) {
                                if (ec && r.error.empty()) {
                                  r.error = "connect: " + ec.message();
                                }
                                if (++connected == clients) {
                                  io.stop();
                                }
                              });
  }
  io.run_for(kTimeLimit);
  if (connected == clients && r.error.empty()) {
    r.ok = true;
    r.heap_bytes_per_client =
        static_cast<double>(heap_in_use() - heap_before) / static_cast<double>(clients);
    r.rss_bytes_per_client =
        static_cast<double>(resident_bytes() - rss_before) / static_cast<double>(clients);
    r.allocations_per_client =
        static_cast<double>(allocations() - allocations_before) / static_cast<double>(clients);
  } else if (r.error.empty()) {
    r.error = std::to_string(connected) + " of " + std::to_string(clients) + " connected";
  }
  io.restart();
  for (auto& c : all) {
    c->close();
  }
  io.run_for(std::chrono::seconds(10));
  return r;
}

} // namespace braid::bench
