// One run of a workload: connect, subscribe, the measured phase, teardown.
#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include "measure.hpp"
#include "workload.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace braid::loadgen {
namespace {

namespace asio = boost::asio;
namespace bp = braid::protocol;
using braid::error_code;

// --------------------------------------------------------------- the run

// Most QoS 0 publishes handed to the client and not yet completed.
constexpr long kQos0Outstanding = 1024;

class runner {
public:
  explicit runner(const workload_options& o) : o_(o), watchdog_(io_) {
    payload_.resize(o_.size);
    for (std::size_t i = 0; i < o_.size; i++) {
      payload_[i] = static_cast<std::uint8_t>('a' + i % 26);
    }
    shared_payload_ = bp::shared_bytes::copy(payload_);
  }

  workload_result run() {
    workload_result r;
    if (o_.kind == workload::qos0 && !o_.sink) {
      sub_ = open("sub", client_id_ + "-sub", r);
      if (!sub_ || !subscribe(*sub_, topic_, bp::qos::at_most_once, r)) {
        return r;
      }
    }
    pub_ = open("pub", client_id_, r);
    if (!pub_) {
      return r;
    }
    if (o_.kind == workload::latency && !subscribe(*pub_, rtt_topic_, bp::qos::at_least_once, r)) {
      return r;
    }
    watch();
    long done = 0;
    switch (o_.kind) {
    case workload::qos0:
      run_qos0();
      done = o_.sink ? (fence_acked_ ? o_.count : 0) : received_;
      break;
    case workload::latency:
      run_latency();
      done = rtt_done_;
      break;
    default:
      run_window();
      done = completed_;
      break;
    }
    if (bad_ && error_.empty()) {
      error_ = "unexpected message or publish error";
    }
    if (lost_ && error_.empty()) {
      error_ = "connection lost";
    }
    finish_result(r, bad_ ? 0 : done);
    close_all();
    return r;
  }

private:
  void finish_result(workload_result& r, long done) {
    r.done = done;
    r.seconds = static_cast<double>(clock_.t1_ns - clock_.t0_ns) / 1e9;
    r.cpu_s = clock_.cpu1 - clock_.cpu0;
    r.peak_rss_kb = peak_rss_kb();
    r.error = error_;
    if (done == o_.count) {
      r.status = "ok";
      r.exit_code = 0;
    } else if (done > 0 && r.seconds >= o_.max_s) {
      r.status = "TIMEOUT";
      r.exit_code = 3;
    } else {
      r.status = "FAIL";
      r.exit_code = 1;
    }
    if (r.seconds <= 0) {
      r.seconds = 1e-9;
    }
    if (o_.kind == workload::latency && done > 0 && r.exit_code != 1) {
      rtt_.resize(static_cast<std::size_t>(done));
      std::sort(rtt_.begin(), rtt_.end());
      r.rtt_us = std::move(rtt_);
    }
  }

  // ---- setup (before the clock)

  std::unique_ptr<braid::client> open(const char* name, const std::string& id, workload_result& r) {
    bp::session_config config;
    config.connect_packet.version = bp::protocol_version::v3_1_1;
    config.connect_packet.client_id = id;
    config.connect_packet.clean_start = true;
    config.connect_packet.keep_alive = 60;
    config.window = 65535; // lifted: only the benchmark's window applies
    config.queue_limit = static_cast<std::size_t>(std::max(o_.count, 100000L)) + 16;
    config.offline_limit = static_cast<std::size_t>(std::max(o_.count, 10000L)) + 16;
    braid::client_options options;
    if (!o_.store_path.empty() && std::string_view(name) == "pub") {
      std::error_code ec;
      std::string message;
      braid::sqlite_store_options so;
      so.path = o_.store_path;
      so.client_id = id;
      so.sync =
          o_.store_sync_disk ? braid::sync_policy::every_commit : braid::sync_policy::os_buffered;
      options.store = braid::sqlite_store::open(std::move(so), ec, message);
      if (!options.store) {
        r.exit_code = 1;
        r.error = message;
        return nullptr;
      }
    }
    auto c =
        std::make_unique<braid::client>(io_.get_executor(), std::move(config), std::move(options));
    bool done = false;
    error_code result;
    c->async_connect(o_.host, std::to_string(o_.port), [&](error_code ec, bp::connack) {
      result = ec;
      done = true;
    });
    if (!wait(done) || result) {
      r.exit_code = 2;
      r.error = std::string(name) + ": cannot connect to " + o_.host + ":" +
                std::to_string(o_.port) + ": " + (done ? result.message() : "no CONNACK");
      return nullptr;
    }
    c->set_state_handler([this, name](const braid::connection_event& e) {
      if (e.what != braid::connection_event::kind::disconnected) {
        return;
      }
      if (closing_) {
        ++closed_; // after async_disconnect: DISCONNECT written, socket closed
        return;
      }
      error_ = std::string(name) + ": connection lost: " + e.reason.message();
      lost_ = true;
      io_.stop();
    });
    return c;
  }

  bool subscribe(braid::client& c, const std::string& filter, bp::qos q, workload_result& r) {
    bool done = false;
    error_code result;
    std::vector<bp::reason_code> granted;
    c.async_subscribe({{filter, {q}}}, [&](error_code ec, std::vector<bp::reason_code> got) {
      result = ec;
      granted = std::move(got);
      done = true;
    });
    if (!wait(done) || result || granted.size() != 1 || static_cast<int>(granted[0]) >= 0x80) {
      r.exit_code = 2;
      r.error = "subscribe " + filter +
                " failed: " + (done ? (result ? result.message() : "refused") : "no SUBACK");
      return false;
    }
    return true;
  }

  // Runs handlers until `flag` is set (or the stall timeout passes).
  bool wait(const bool& flag) {
    const auto deadline = now_ns() + static_cast<std::uint64_t>(o_.stall_s * 1e9);
    while (!flag && !lost_ && now_ns() < deadline) {
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    return flag;
  }

  // ---- the measured phase

  void progress() { last_progress_ns_ = now_ns(); }

  // Checks the stall timeout and the time cap every 50 ms.
  void watch() {
    watchdog_.expires_after(std::chrono::milliseconds(50));
    watchdog_.async_wait([this](error_code ec) {
      if (ec || finished_) {
        return;
      }
      if (static_cast<double>(now_ns() - last_progress_ns_) / 1e9 > o_.stall_s) {
        error_ = "no progress for " + std::to_string(o_.stall_s) + " s";
        finish();
        return;
      }
      if (started_ && clock_.expired(o_.max_s)) {
        finish();
        return;
      }
      if (started_ && o_.on_progress) {
        o_.on_progress(done_so_far(), o_.count);
      }
      watch();
    });
  }

  long done_so_far() const {
    switch (o_.kind) {
    case workload::qos0:
      return o_.sink ? sent_ : received_;
    case workload::latency:
      return rtt_done_;
    default:
      return completed_;
    }
  }

  void start_clock() {
    clock_.start();
    started_ = true;
    progress();
  }

  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    clock_.stop();
    watchdog_.cancel();
    io_.stop();
  }

  void fail() {
    bad_ = true;
    finish();
  }

  void measure() {
    io_.restart();
    if (!finished_) {
      io_.run();
    }
    if (!finished_) {
      finish(); // the connection was lost (io_.stop() from the state handler)
    }
  }

  // qos0: publish while fewer than kQos0Outstanding are outstanding.
  void run_qos0() {
    if (sub_) {
      sub_->set_message_handler([this](const bp::publish& m) {
        if (finished_) {
          return;
        }
        if (m.payload.size() != o_.size || m.topic != topic_) {
          fail();
          return;
        }
        progress();
        if (++received_ == o_.count) {
          finish();
        }
      });
    }
    start_clock();
    fill_qos0();
    measure();
  }

  void fill_qos0() {
    while (sent_ < o_.count && outstanding_ < kQos0Outstanding) {
      ++sent_;
      ++outstanding_;
      pub_->async_publish(topic_, shared_payload_, bp::qos::at_most_once, false,
                          [this](error_code ec, bp::reason_code) {
                            --outstanding_;
                            if (finished_) {
                              return;
                            }
                            if (ec) {
                              error_ = "publish: " + ec.message();
                              fail();
                              return;
                            }
                            progress();
                            if (!finished_) {
                              fill_qos0();
                            }
                          });
    }
    if (sent_ == o_.count && o_.sink && !fence_sent_) {
      fence_sent_ = true; // after the last QoS 0 message in the client's output
      pub_->async_publish(topic_, shared_payload_, bp::qos::at_least_once, false,
                          [this](error_code ec, bp::reason_code rc) {
                            if (finished_) {
                              return;
                            }
                            if (ec || static_cast<int>(rc) >= 0x80) {
                              error_ = "fence: " + (ec ? ec.message() : std::string("refused"));
                              fail();
                              return;
                            }
                            fence_acked_ = true;
                            finish();
                          });
    }
  }

  // qos1, qos2, large: at most o_.window unacknowledged.
  void run_window() {
    start_clock();
    for (int i = 0; i < o_.window && sent_ < o_.count; i++) {
      publish_windowed();
    }
    measure();
  }

  void publish_windowed() {
    ++sent_;
    pub_->async_publish(topic_, shared_payload_, static_cast<bp::qos>(o_.qos), false,
                        [this](error_code ec, bp::reason_code rc) {
                          if (finished_) {
                            return;
                          }
                          if (ec || static_cast<int>(rc) >= 0x80) {
                            error_ = "publish: " + (ec ? ec.message() : std::string("refused"));
                            fail();
                            return;
                          }
                          progress();
                          if (++completed_ == o_.count) {
                            finish();
                          } else if (sent_ < o_.count && !finished_) {
                            publish_windowed();
                          }
                        });
  }

  // latency: one message at a time to our own topic.
  void run_latency() {
    rtt_.resize(static_cast<std::size_t>(o_.count));
    pub_->set_message_handler([this](const bp::publish& m) {
      if (finished_) {
        return;
      }
      if (m.payload.size() != o_.size || get_seq(m.payload) != seq_ || got_echo_) {
        fail();
        return;
      }
      echo_ns_ = now_ns();
      got_echo_ = true;
      round_trip_step();
    });
    start_clock();
    publish_rtt();
    measure();
  }

  void publish_rtt() {
    if (seq_ == static_cast<std::uint64_t>(o_.warmup)) {
      start_clock();
    }
    got_ack_ = got_echo_ = false;
    put_seq(payload_, seq_);
    progress();
    t0_ns_ = now_ns();
    pub_->async_publish(rtt_topic_, bp::shared_bytes::copy(payload_), bp::qos::at_least_once, false,
                        [this](error_code ec, bp::reason_code rc) {
                          if (finished_) {
                            return;
                          }
                          if (ec || static_cast<int>(rc) >= 0x80) {
                            error_ = "publish: " + (ec ? ec.message() : std::string("refused"));
                            fail();
                            return;
                          }
                          got_ack_ = true;
                          round_trip_step();
                        });
  }

  void round_trip_step() {
    if (!(got_ack_ && got_echo_)) {
      return;
    }
    if (seq_ >= static_cast<std::uint64_t>(o_.warmup)) {
      rtt_[static_cast<std::size_t>(rtt_done_)] = static_cast<double>(echo_ns_ - t0_ns_) / 1e3;
      ++rtt_done_;
    }
    ++seq_;
    if (seq_ == static_cast<std::uint64_t>(o_.warmup + o_.count)) {
      finish();
      return;
    }
    publish_rtt(); // the time cap is checked by the watchdog
  }

  // ---- teardown (after the RESULT line)

  // async_disconnect completes as soon as DISCONNECT is queued; the
  // connection closes once the pending output is written, which the state
  // handler reports (closing a client before that would cut the output).
  void close_all() {
    closing_ = true;
    int open = 0;
    for (auto* c : {pub_.get(), sub_.get()}) {
      if (c != nullptr && !lost_) {
        ++open;
        c->async_disconnect([](error_code) {});
      }
    }
    const auto deadline = now_ns() + 5000000000ull;
    while (closed_ < open && now_ns() < deadline) {
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    for (auto* c : {pub_.get(), sub_.get()}) {
      if (c != nullptr) {
        c->close();
      }
    }
    io_.restart();
    io_.poll();
  }

  const workload_options& o_;
  std::string client_id_ = o_.client + "-" + std::to_string(static_cast<long>(getpid()));
  std::string topic_ = "bench/t";
  std::string rtt_topic_ = "bench/rtt/" + client_id_;
  std::string error_;
  asio::io_context io_{1};
  asio::steady_timer watchdog_;
  std::unique_ptr<braid::client> pub_, sub_;
  bp::bytes payload_;               // latency: numbered before each publish
  bp::shared_bytes shared_payload_; // throughput: one buffer sent again and again
  bench_clock clock_;
  std::uint64_t last_progress_ns_ = now_ns();
  bool started_ = false, finished_ = false, bad_ = false, lost_ = false, closing_ = false;
  int closed_ = 0; // connections closed after async_disconnect
  long sent_ = 0, completed_ = 0, received_ = 0, outstanding_ = 0;
  bool fence_sent_ = false, fence_acked_ = false;
  // latency
  std::vector<double> rtt_;
  long rtt_done_ = 0;
  std::uint64_t seq_ = 0, t0_ns_ = 0, echo_ns_ = 0;
  bool got_ack_ = false, got_echo_ = false;
};

} // namespace

workload_result run_workload(const workload_options& o) {
  runner r(o);
  return r.run();
}

} // namespace braid::loadgen
