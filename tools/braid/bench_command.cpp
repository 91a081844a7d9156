#include "bench_command.hpp"

#include "latency_chart.hpp"
#include "private_broker.hpp"
#include "runner.hpp"
#include "workload.hpp"
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace braid::cli {
namespace {

struct bench_options {
  std::string host;
  int port = 0;
  std::string target = "broker";
  std::vector<std::string> workloads;
  long count = -1, size = -1, window = -1, warmup = -1;
  double max_seconds = 30;
  bool json = false;
  bool no_progress = false;
};

// On a terminal, one line redrawn in place:
//   "\r qos1 [########----------]  45,000/100,000  312,400 msg/s  ETA 0.2 s"
// elsewhere, a plain line every second.
class progress_bar {
public:
  progress_bar(std::string name, bool terminal) : name_(std::move(name)), terminal_(terminal) {}

  void update(long done, long total) {
    const auto now = std::chrono::steady_clock::now();
    if (done == 0 || total == 0) {
      start_ = now;
      return;
    }
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    if (!terminal_) {
      if (now - last_line_ >= std::chrono::seconds(1)) {
        last_line_ = now;
        std::fprintf(stderr, "%s: %ld/%ld, %.0f msg/s, ETA %.1f s\n", name_.c_str(), done, total,
                     rate, eta);
      }
      return;
    }
    constexpr int width = 24;
    const int filled = static_cast<int>(static_cast<double>(width) * static_cast<double>(done) /
                                        static_cast<double>(total));
    std::fprintf(stderr, "\r %-7s [%s%s] %10ld/%-10ld %10.0f msg/s  ETA %5.1f s ", name_.c_str(),
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '-').c_str(), done, total,
                 rate, eta);
    std::fflush(stderr);
  }

  static void clear() {
    std::fprintf(stderr, "\r%*s\r", 90, "");
    std::fflush(stderr);
  }

private:
  std::string name_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_line_ = start_;
};

std::string json_result(const bench::workload_options& o, const bench::workload_result& r) {
  const auto d = static_cast<double>(r.done);
  char text[768];
  int n = std::snprintf(
      text, sizeof text,
      "{\"client\":\"braid\",\"workload\":\"%s\",\"target\":\"%s\",\"msgs\":%ld,\"size\":%zu,"
      "\"window\":%d,\"seconds\":%.6f,\"msgs_per_s\":%.0f,\"mib_per_s\":%.2f,\"cpu_s\":%.3f,"
      "\"cpu_us_per_msg\":%.3f,\"peak_rss_kb\":%ld,\"status\":\"%s\",\"done\":%ld",
      bench::to_string(o.kind), o.sink ? "sink" : "broker", o.count, o.size, o.window, r.seconds,
      d / r.seconds, d * static_cast<double>(o.size) / r.seconds / 1048576.0, r.cpu_s,
      r.done > 0 ? r.cpu_s * 1e6 / d : 0.0, r.peak_rss_kb, r.status.c_str(), r.done);
  std::string out(text, static_cast<std::size_t>(n));
  if (!r.rtt_us.empty()) {
    std::snprintf(text, sizeof text,
                  ",\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f,"
                  "\"max\":%.1f}",
                  bench::percentile(r.rtt_us, 0.5), bench::percentile(r.rtt_us, 0.9),
                  bench::percentile(r.rtt_us, 0.99), bench::percentile(r.rtt_us, 0.999),
                  r.rtt_us.back());
    out += text;
  }
  return out + "}";
}

int run_bench(const bench_options& b) {
  const bool sink = b.target == "sink";
  std::unique_ptr<private_broker> broker;
  std::string host = b.host.empty() ? "127.0.0.1" : b.host;
  int port = b.port;
  if (b.host.empty() && b.port == 0) {
    if (sink) {
      std::cerr << "braid bench: --target sink needs the sink's address (-h/-p)\n";
      return exit_usage;
    }
    broker = std::make_unique<private_broker>();
    if (!broker->running()) {
      std::cerr << "braid bench: " << broker->error() << "\n";
      return exit_failure;
    }
    port = broker->port();
    if (!b.json) {
      std::fprintf(stderr, "private mosquitto (%s) on 127.0.0.1:%d\n", broker->executable().c_str(),
                   port);
    }
  }
  std::vector<std::string> names = b.workloads;
  if (names.empty()) {
    names = {"qos0", "qos1", "qos2", "latency", "large"};
  }
  const bool show_progress = !b.no_progress && !b.json;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  int worst = exit_ok;
  std::string json = "[";
  for (const auto& name : names) {
    bench::workload_options o;
    o.host = host;
    o.port = port == 0 ? 1883 : port;
    o.sink = sink;
    o.max_s = b.max_seconds;
    if (!bench::parse_workload(name, o.kind)) {
      std::cerr << "braid bench: unknown workload '" << name
                << "' (qos0, qos1, qos2, latency, large)\n";
      return exit_usage;
    }
    std::string problem;
    if (!bench::apply_defaults(o, b.count, b.size, b.window, b.warmup, problem)) {
      std::cerr << "braid bench: " << problem << "\n";
      return exit_usage;
    }
    progress_bar progress(name, terminal);
    if (show_progress) {
      o.on_progress = [&progress](long done, long total) { progress.update(done, total); };
    }
    const auto r = bench::run_workload(o);
    if (show_progress && terminal) {
      progress_bar::clear();
    }
    if (!r.error.empty()) {
      std::cerr << "braid bench: " << name << ": " << r.error << "\n";
    }
    if (r.exit_code == 2) {
      return exit_failure; // cannot connect: the other workloads would fail alike
    }
    worst = r.exit_code == 0 ? worst : static_cast<int>(exit_failure);
    if (b.json) {
      json += (json.size() > 1 ? ",\n " : "") + json_result(o, r);
      continue;
    }
    std::printf("%s\n", bench::result_line(o, r).c_str());
    if (o.kind == bench::workload::latency) {
      std::printf("%s", latency_chart(r.rtt_us).c_str());
    }
    std::fflush(stdout);
  }
  if (b.json) {
    std::printf("%s]\n", json.c_str());
  }
  return worst;
}

} // namespace

void add_bench_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<bench_options>();
  auto* cmd =
      app.add_subcommand("bench", "run the peer benchmark's workloads; prints its RESULT lines");
  cmd->set_help_flag("--help", "print this help");
  cmd->add_option("-h,--host", options->host, "broker or sink (default: a private mosquitto)");
  cmd->add_option("-p,--port", options->port, "its port")->check(CLI::Range(1, 65535));
  cmd->add_option("--target", options->target, "broker (default) or sink (acknowledges only)")
      ->check(CLI::IsMember({"broker", "sink"}));
  cmd->add_option("-w,--workload", options->workloads,
                  "qos0, qos1, qos2, latency, large (repeatable; default all)");
  cmd->add_option("--count", options->count, "messages per workload (default: per workload)");
  cmd->add_option("--size", options->size, "payload bytes (default: per workload)");
  cmd->add_option("--window", options->window, "QoS 1/2 messages in flight (default 64)");
  cmd->add_option("--warmup", options->warmup, "latency: unmeasured round trips (default 100)");
  cmd->add_option("--max-seconds", options->max_seconds, "cap on each workload (default 30)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", options->json, "print one JSON array of results instead");
  cmd->add_flag("--no-progress", options->no_progress,
                "no progress (a bar on a terminal, else a line a second on stderr)");
  cmd->callback([options, &exit] { exit = run_bench(*options); });
}

} // namespace braid::cli
