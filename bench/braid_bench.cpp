// braid implementation of the MQTT client peer benchmark (see the peer
// benchmark's README.md: workloads, command line, RESULT line, rules).
//
// Usage style: the public braid::client API only, one single-threaded
// io_context, completion callbacks (no coroutines). MQTT 3.1.1, clean
// session, keep alive 60 s. The session's in-flight window is lifted to
// 65535 so that only the benchmark's window applies; queue bounds are raised.
//
//   qos0     broker: a second braid::client, subscribed to bench/t at QoS 0
//            before the clock starts, receives every message; sink: the PUBACK
//            of one QoS 1 "fence" published after the messages ends the run.
//            QoS 0 publishes are kept at most kQos0Outstanding at once and
//            refilled from their completion handlers (a QoS 0 publish
//            completes once encoded into the client's output).
//   qos1/2   at most --window unacknowledged, refilled from completion handlers.
//   latency  subscribe to bench/rtt/<client-id> at QoS 1, one publish at a
//            time; a round trip runs from the publish call to the arrival of
//            the echo; the next publish starts when both the echo and the
//            PUBACK have arrived; --warmup unmeasured round trips first.
//   large    1 MiB QoS 1 messages, window 64.
//
// Exit status: 0 ok, 1 FAIL, 3 TIMEOUT, 2 bad arguments or connect failure.

#include <braid/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace bp = braid::protocol;
using braid::error_code;

// ------------------------------------------------------------------ options

enum class workload { qos0, qos1, qos2, latency, large };
constexpr const char* kWorkloadNames[] = {"qos0", "qos1", "qos2", "latency", "large"};

struct options {
  const char* client = "braid";
  std::string host = "127.0.0.1";
  int port = 1883;
  workload wl = workload::qos0;
  const char* workload_name = "qos0";
  bool sink = false;
  long count = 0;
  long warmup = 0;
  std::size_t size = 0;
  int window = 0;
  int qos = 0;
  double stall_s = 10.0;
  double max_s = 30.0;
  std::string client_id;
  std::string topic;
  std::string rtt_topic;
};

options O;

void usage(const char* client) {
  std::fprintf(stderr,
               "usage: %s --workload qos0|qos1|qos2|latency|large [options]\n"
               "  --host ADDR          broker address (default 127.0.0.1)\n"
               "  --port N             broker port (default 1883)\n"
               "  --target broker|sink broker: route through a real broker (qos0 uses a\n"
               "                       subscriber); sink: the reference sink, which only\n"
               "                       acknowledges (qos0 ends with a QoS1 fence)\n"
               "  --count N            messages (default: per workload)\n"
               "  --size BYTES         payload size (default: per workload)\n"
               "  --window N           max unacknowledged QoS>0 publishes (default 64)\n"
               "  --warmup N           latency: unmeasured round trips first (default 100)\n"
               "  --stall-timeout S    fail when nothing progresses for S seconds (default 10)\n"
               "  --max-seconds S      cap on the measured phase; a run stopped by it reports\n"
               "                       status=TIMEOUT and exits 3 (default 30)\n",
               client);
}

bool parse_long(const char* s, long& out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (s[0] == '\0' || *end != '\0' || v < 0) {
    return false;
  }
  out = v;
  return true;
}

// Same semantics as bench_parse_args() of the C clients.
bool parse_args(int argc, char** argv) {
  long count = -1, size = -1, window = -1, warmup = -1, port = 1883;
  const char* wl = nullptr;
  std::string_view target = "broker";
  for (int i = 1; i < argc; i += 2) {
    const std::string_view a = argv[i];
    const char* v = (i + 1 < argc) ? argv[i + 1] : nullptr;
    bool ok = true;
    if (a == "-h" || a == "--help") {
      usage(O.client);
      return false;
    }
    if (v == nullptr) {
      std::fprintf(stderr, "%s: option %s needs a value\n", O.client, argv[i]);
      return false;
    }
    if (a == "--host") {
      O.host = v;
    } else if (a == "--port") {
      ok = parse_long(v, port);
    } else if (a == "--workload") {
      wl = v;
    } else if (a == "--target") {
      target = v;
    } else if (a == "--count") {
      ok = parse_long(v, count);
    } else if (a == "--size") {
      ok = parse_long(v, size);
    } else if (a == "--window") {
      ok = parse_long(v, window);
    } else if (a == "--warmup") {
      ok = parse_long(v, warmup);
    } else if (a == "--stall-timeout") {
      O.stall_s = std::atof(v);
    } else if (a == "--max-seconds") {
      O.max_s = std::atof(v);
    } else {
      std::fprintf(stderr, "%s: unknown option %s\n", O.client, argv[i]);
      usage(O.client);
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "%s: bad value for %s: %s\n", O.client, argv[i], v);
      return false;
    }
  }
  if (wl == nullptr) {
    usage(O.client);
    return false;
  }
  int w = 0;
  while (w < 5 && std::strcmp(wl, kWorkloadNames[w]) != 0) {
    w++;
  }
  if (w == 5) {
    std::fprintf(stderr, "%s: unknown workload %s\n", O.client, wl);
    return false;
  }
  O.wl = static_cast<workload>(w);
  O.workload_name = kWorkloadNames[w];
  if (target == "sink") {
    O.sink = true;
  } else if (target != "broker") {
    std::fprintf(stderr, "%s: --target must be broker or sink\n", O.client);
    return false;
  }
  if (port < 1 || port > 65535) {
    std::fprintf(stderr, "%s: bad port\n", O.client);
    return false;
  }
  O.port = static_cast<int>(port);

  switch (O.wl) {
  case workload::qos0:
    O.count = 200000, O.size = 64, O.qos = 0, O.window = 0;
    break;
  case workload::qos1:
    O.count = 100000, O.size = 64, O.qos = 1, O.window = 64;
    break;
  case workload::qos2:
    O.count = 50000, O.size = 64, O.qos = 2, O.window = 64;
    break;
  case workload::latency:
    O.count = 10000, O.size = 64, O.qos = 1, O.window = 1, O.warmup = 100;
    break;
  case workload::large:
    O.count = 1000, O.size = std::size_t{1} << 20, O.qos = 1, O.window = 64;
    break;
  }
  if (count >= 0) {
    O.count = count;
  }
  if (size >= 0) {
    O.size = static_cast<std::size_t>(size);
  }
  if (window >= 0 && O.wl != workload::qos0 && O.wl != workload::latency) {
    O.window = static_cast<int>(std::min(window, 1L << 20));
  }
  if (warmup >= 0 && O.wl == workload::latency) {
    O.warmup = warmup;
  }
  if (O.count < 1 || (O.window < 1 && O.qos > 0) || O.window > 65535) {
    std::fprintf(stderr, "%s: count must be >= 1 and window within 1..65535\n", O.client);
    return false;
  }
  if (O.wl == workload::latency && O.size < 8) {
    std::fprintf(stderr, "%s: latency payloads carry an 8-byte sequence number; --size >= 8\n",
                 O.client);
    return false;
  }
  O.client_id = std::string(O.client) + "-" + std::to_string(static_cast<long>(getpid()));
  O.topic = "bench/t";
  O.rtt_topic = "bench/rtt/" + O.client_id;
  return true;
}

// ------------------------------------------------------------ measurements

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6 +
         static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char* fmt, ...) {
  std::fprintf(stderr, "[%s] ", O.client);
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
}

struct bench_clock {
  std::uint64_t t0_ns = 0, t1_ns = 0;
  double cpu0 = 0, cpu1 = 0;
  void start() {
    cpu0 = cpu_s();
    t0_ns = now_ns();
    t1_ns = t0_ns;
    cpu1 = cpu0;
  }
  void stop() {
    t1_ns = now_ns();
    cpu1 = cpu_s();
  }
  bool expired() const { return static_cast<double>(now_ns() - t0_ns) / 1e9 > O.max_s; }
};

// Nearest-rank percentile of a sorted array.
double percentile(const std::vector<double>& sorted, double p) {
  const auto n = static_cast<long>(sorted.size());
  long rank = static_cast<long>(std::ceil(p * static_cast<double>(n)));
  rank = std::clamp(rank, 1L, n);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

// Prints the RESULT line (the format of bench_report()) and returns the exit status.
int report(const bench_clock& c, long done, std::vector<double>* rtt_us) {
  double secs = static_cast<double>(c.t1_ns - c.t0_ns) / 1e9;
  const double cpu = c.cpu1 - c.cpu0;
  const char* status = "ok";
  int rc = 0;
  char p50[32] = "-", p99[32] = "-";
  if (done != O.count) {
    if (done > 0 && secs >= O.max_s) {
      status = "TIMEOUT";
      rc = 3;
    } else {
      status = "FAIL";
      rc = 1;
    }
  }
  if (secs <= 0) {
    secs = 1e-9;
  }
  if (rtt_us != nullptr && done > 0 && rc != 1) {
    rtt_us->resize(static_cast<std::size_t>(done));
    std::sort(rtt_us->begin(), rtt_us->end());
    std::snprintf(p50, sizeof(p50), "%.1f", percentile(*rtt_us, 0.50));
    std::snprintf(p99, sizeof(p99), "%.1f", percentile(*rtt_us, 0.99));
  }
  const auto d = static_cast<double>(done);
  std::printf("RESULT client=%s workload=%s target=%s msgs=%ld size=%zu window=%d "
              "seconds=%.6f msgs_per_s=%.0f mib_per_s=%.2f cpu_s=%.3f cpu_us_per_msg=%.3f "
              "p50_us=%s p99_us=%s peak_rss_kb=%ld status=%s done=%ld\n",
              O.client, O.workload_name, O.sink ? "sink" : "broker", O.count, O.size, O.window,
              secs, d / secs, d * static_cast<double>(O.size) / secs / 1048576.0, cpu,
              done > 0 ? cpu * 1e6 / d : 0.0, p50, p99, peak_rss_kb(), status, done);
  std::fflush(stdout);
  return rc;
}

void put_seq(bp::bytes& buf, std::uint64_t seq) {
  for (std::size_t i = 0; i < 8; i++) {
    buf[i] = static_cast<std::uint8_t>(seq >> (8 * i));
  }
}

std::uint64_t get_seq(const bp::bytes& buf) {
  std::uint64_t v = 0;
  for (std::size_t i = 8; i-- > 0;) {
    v = (v << 8) | buf[i];
  }
  return v;
}

// --------------------------------------------------------------- the run

// Most QoS 0 publishes handed to the client and not yet completed.
constexpr long kQos0Outstanding = 1024;

class bench {
public:
  bench() : watchdog_(io_) {
    payload_.resize(O.size);
    for (std::size_t i = 0; i < O.size; i++) {
      payload_[i] = static_cast<std::uint8_t>('a' + i % 26);
    }
  }

  int run() {
    if (O.wl == workload::qos0 && !O.sink) {
      sub_ = open("sub", O.client_id + "-sub");
      subscribe(*sub_, O.topic, bp::qos::at_most_once);
    }
    pub_ = open("pub", O.client_id);
    if (O.wl == workload::latency) {
      subscribe(*pub_, O.rtt_topic, bp::qos::at_least_once);
    }
    watch();
    long done = 0;
    std::vector<double>* rtt = nullptr;
    switch (O.wl) {
    case workload::qos0:
      run_qos0();
      done = O.sink ? (fence_acked_ ? O.count : 0) : received_;
      break;
    case workload::latency:
      run_latency();
      done = rtt_done_;
      rtt = &rtt_;
      break;
    default:
      run_window();
      done = completed_;
      break;
    }
    if (bad_) {
      note("unexpected message or publish error");
    }
    if (lost_) {
      note("connection lost");
    }
    const int rc = report(clock_, bad_ ? 0 : done, rtt);
    close_all();
    return rc;
  }

private:
  // ---- setup (before the clock)

  std::unique_ptr<braid::client> open(const char* name, const std::string& id) {
    bp::session_config config;
    config.connect_packet.version = bp::protocol_version::v3_1_1;
    config.connect_packet.client_id = id;
    config.connect_packet.clean_start = true;
    config.connect_packet.keep_alive = 60;
    config.window = 65535; // lifted: only the benchmark's window applies
    config.queue_limit = static_cast<std::size_t>(std::max(O.count, 100000L)) + 16;
    config.offline_limit = static_cast<std::size_t>(std::max(O.count, 10000L)) + 16;
    auto c = std::make_unique<braid::client>(io_.get_executor(), std::move(config));
    bool done = false;
    error_code result;
    c->async_connect(O.host, std::to_string(O.port), [&](error_code ec, bp::connack) {
      result = ec;
      done = true;
    });
    if (!wait(done) || result) {
      note("%s: connect failed: %s", name, done ? result.message().c_str() : "no CONNACK");
      std::exit(2);
    }
    c->set_state_handler([this, name](const braid::connection_event& e) {
      if (e.what != braid::connection_event::kind::disconnected) {
        return;
      }
      if (closing_) {
        ++closed_; // after async_disconnect: DISCONNECT written, socket closed
        return;
      }
      note("%s: connection lost: %s", name, e.reason.message().c_str());
      lost_ = true;
      io_.stop();
    });
    return c;
  }

  void subscribe(braid::client& c, const std::string& filter, bp::qos q) {
    bool done = false;
    error_code result;
    std::vector<bp::reason_code> granted;
    c.async_subscribe({{filter, {q}}}, [&](error_code ec, std::vector<bp::reason_code> r) {
      result = ec;
      granted = std::move(r);
      done = true;
    });
    if (!wait(done) || result || granted.size() != 1 || static_cast<int>(granted[0]) >= 0x80) {
      note("subscribe %s failed: %s", filter.c_str(),
           done ? (result ? result.message().c_str() : "refused") : "no SUBACK");
      std::exit(2);
    }
  }

  // Runs handlers until `flag` is set (or the stall timeout passes).
  bool wait(const bool& flag) {
    const auto deadline = now_ns() + static_cast<std::uint64_t>(O.stall_s * 1e9);
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
      if (static_cast<double>(now_ns() - last_progress_ns_) / 1e9 > O.stall_s) {
        note("no progress for %.1f s", O.stall_s);
        finish();
        return;
      }
      if (started_ && clock_.expired()) {
        finish();
        return;
      }
      watch();
    });
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
        if (m.payload.size() != O.size || m.topic != O.topic) {
          fail();
          return;
        }
        progress();
        if (++received_ == O.count) {
          finish();
        }
      });
    }
    start_clock();
    fill_qos0();
    measure();
  }

  void fill_qos0() {
    while (sent_ < O.count && outstanding_ < kQos0Outstanding) {
      ++sent_;
      ++outstanding_;
      pub_->async_publish(O.topic, payload_, bp::qos::at_most_once, false,
                          [this](error_code ec, bp::reason_code) {
                            --outstanding_;
                            if (finished_) {
                              return;
                            }
                            if (ec) {
                              note("publish: %s", ec.message().c_str());
                              fail();
                              return;
                            }
                            progress();
                            if (!finished_) {
                              fill_qos0();
                            }
                          });
    }
    if (sent_ == O.count && O.sink && !fence_sent_) {
      fence_sent_ = true; // after the last QoS 0 message in the client's output
      pub_->async_publish(O.topic, payload_, bp::qos::at_least_once, false,
                          [this](error_code ec, bp::reason_code rc) {
                            if (finished_) {
                              return;
                            }
                            if (ec || static_cast<int>(rc) >= 0x80) {
                              note("fence: %s", ec ? ec.message().c_str() : "refused");
                              fail();
                              return;
                            }
                            fence_acked_ = true;
                            finish();
                          });
    }
  }

  // qos1, qos2, large: at most O.window unacknowledged.
  void run_window() {
    start_clock();
    for (int i = 0; i < O.window && sent_ < O.count; i++) {
      publish_windowed();
    }
    measure();
  }

  void publish_windowed() {
    ++sent_;
    pub_->async_publish(O.topic, payload_, static_cast<bp::qos>(O.qos), false,
                        [this](error_code ec, bp::reason_code rc) {
                          if (finished_) {
                            return;
                          }
                          if (ec || static_cast<int>(rc) >= 0x80) {
                            note("publish: %s", ec ? ec.message().c_str() : "refused");
                            fail();
                            return;
                          }
                          progress();
                          if (++completed_ == O.count) {
                            finish();
                          } else if (sent_ < O.count && !finished_) {
                            publish_windowed();
                          }
                        });
  }

  // latency: one message at a time to our own topic.
  void run_latency() {
    rtt_.resize(static_cast<std::size_t>(O.count));
    pub_->set_message_handler([this](const bp::publish& m) {
      if (finished_) {
        return;
      }
      if (m.payload.size() != O.size || get_seq(m.payload) != seq_ || got_echo_) {
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
    if (seq_ == static_cast<std::uint64_t>(O.warmup)) {
      start_clock();
    }
    got_ack_ = got_echo_ = false;
    put_seq(payload_, seq_);
    progress();
    t0_ns_ = now_ns();
    pub_->async_publish(O.rtt_topic, payload_, bp::qos::at_least_once, false,
                        [this](error_code ec, bp::reason_code rc) {
                          if (finished_) {
                            return;
                          }
                          if (ec || static_cast<int>(rc) >= 0x80) {
                            note("publish: %s", ec ? ec.message().c_str() : "refused");
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
    if (seq_ >= static_cast<std::uint64_t>(O.warmup)) {
      rtt_[static_cast<std::size_t>(rtt_done_)] = static_cast<double>(echo_ns_ - t0_ns_) / 1e3;
      ++rtt_done_;
    }
    ++seq_;
    if (seq_ == static_cast<std::uint64_t>(O.warmup + O.count)) {
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

  asio::io_context io_{1};
  asio::steady_timer watchdog_;
  std::unique_ptr<braid::client> pub_, sub_;
  bp::bytes payload_;
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

int main(int argc, char** argv) {
  if (!parse_args(argc, argv)) {
    return 2;
  }
  bench b;
  return b.run();
}
