#include "bench_command.hpp"

#include "latency_chart.hpp"
#include "load_command.hpp"
#include "message_format.hpp"
#include "private_broker.hpp"
#include "runner.hpp"
#include "sink.hpp"
#include "workload.hpp"
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
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

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// A JSON number with `decimals` digits after the point; null for what JSON
// has no number for (infinite, not a number).
std::string json_number(double value, int decimals) {
  if (!std::isfinite(value)) {
    return "null";
  }
  char text[400]; // room for the longest double in %f
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// One result as a JSON object. A rate over no time, or a cost per message of
// no message, is null.
std::string json_result(const loadgen::workload_options& o, const loadgen::workload_result& r) {
  const auto d = static_cast<double>(r.done);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double per_s = r.seconds > 0 ? 1.0 / r.seconds : nan;
  std::string out = "{\"client\":" + json_string(o.client);
  out += ",\"workload\":" + json_string(loadgen::to_string(o.kind));
  out += ",\"target\":" + json_string(o.sink ? "sink" : "broker");
  out += ",\"msgs\":" + std::to_string(o.count);
  out += ",\"size\":" + std::to_string(o.size);
  out += ",\"window\":" + std::to_string(o.window);
  out += ",\"seconds\":" + json_number(r.seconds, 6);
  out += ",\"msgs_per_s\":" + json_number(d * per_s, 0);
  out += ",\"mib_per_s\":" + json_number(d * static_cast<double>(o.size) / 1048576.0 * per_s, 2);
  out += ",\"cpu_s\":" + json_number(r.cpu_s, 3);
  out += ",\"cpu_us_per_msg\":" + json_number(r.done > 0 ? r.cpu_s * 1e6 / d : nan, 3);
  out += ",\"peak_rss_kb\":" + std::to_string(r.peak_rss_kb);
  out += ",\"status\":" + json_string(r.status);
  out += ",\"done\":" + std::to_string(r.done);
  if (!r.error.empty()) {
    out += ",\"error\":" + json_string(r.error);
  }
  if (!r.rtt_us.empty()) {
    out += ",\"latency_us\":{\"p50\":" + json_number(loadgen::percentile(r.rtt_us, 0.5), 1);
    out += ",\"p90\":" + json_number(loadgen::percentile(r.rtt_us, 0.9), 1);
    out += ",\"p99\":" + json_number(loadgen::percentile(r.rtt_us, 0.99), 1);
    out += ",\"p99_9\":" + json_number(loadgen::percentile(r.rtt_us, 0.999), 1);
    out += ",\"max\":" + json_number(r.rtt_us.back(), 1) + "}";
  }
  return out + "}";
}

int run_bench(const bench_options& b) {
  const bool sink = b.target == "sink";
  std::unique_ptr<private_broker> broker;
  std::unique_ptr<loadgen::sink_process> sink_process;
  std::string host = b.host.empty() ? "127.0.0.1" : b.host;
  int port = b.port;
  if (b.host.empty() && b.port == 0) {
    if (sink) {
      // Forked before anything else runs: this process has no thread yet.
      sink_process = std::make_unique<loadgen::sink_process>();
      if (!sink_process->running()) {
        std::cerr << "braid bench: " << sink_process->error() << "\n";
        return exit_failure;
      }
      port = sink_process->port();
      if (!b.json) {
        std::fprintf(stderr, "ack-only sink (a child process) on 127.0.0.1:%d\n", port);
      }
    } else {
      std::string error;
      broker = start_private_broker(error);
      if (!broker) {
        std::cerr << "braid bench: " << error << "\n";
        return exit_failure;
      }
      port = broker->port();
      if (!b.json) {
        std::fprintf(stderr, "private mosquitto (%s) on 127.0.0.1:%d\n",
                     broker->executable().c_str(), port);
      }
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
    loadgen::workload_options o;
    o.host = host;
    o.port = port == 0 ? 1883 : port;
    o.sink = sink;
    o.max_s = b.max_seconds;
    if (!loadgen::parse_workload(name, o.kind)) {
      std::cerr << "braid bench: unknown workload '" << name
                << "' (qos0, qos1, qos2, latency, large)\n";
      return exit_usage;
    }
    std::string problem;
    if (!loadgen::apply_defaults(o, b.count, b.size, b.window, b.warmup, problem)) {
      std::cerr << "braid bench: " << problem << "\n";
      return exit_usage;
    }
    progress_bar progress(name, terminal);
    if (show_progress) {
      o.on_progress = [&progress](long done, long total) { progress.update(done, total); };
    }
    const auto r = loadgen::run_workload(o);
    if (show_progress && terminal) {
      progress_bar::clear();
    }
    if (!r.error.empty()) {
      std::cerr << "braid bench: " << name << ": " << r.error << "\n";
    }
    if (r.exit_code == 2) {
      if (b.json) {
        std::printf("%s]\n", json.c_str()); // what was measured before
      }
      return exit_failure; // cannot connect: the other workloads would fail alike
    }
    worst = r.exit_code == 0 ? worst : static_cast<int>(exit_failure);
    if (b.json) {
      json += (json.size() > 1 ? ",\n " : "") + json_result(o, r);
      continue;
    }
    std::printf("%s\n", loadgen::result_line(o, r).c_str());
    if (o.kind == loadgen::workload::latency) {
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
  auto* cmd = app.add_subcommand(
      "bench", "run the client comparison benchmark's workloads (RESULT lines), or with conn, "
               "pub, sub or pubsub load a broker with many clients");
  cmd->set_help_flag("--help", "print this help");
  cmd->add_option(
      "-h,--host", options->host,
      "broker or sink (default: a private mosquitto, or with --target sink an ack-only sink)");
  cmd->add_option("-p,--port", options->port, "its port")->check(CLI::Range(1, 65535));
  cmd->add_option("--target", options->target,
                  "broker (default) or sink (acknowledges only, routes nothing)")
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
  add_load_commands(*cmd, exit);
  cmd->callback([options, cmd, &exit] {
    if (cmd->get_subcommands().empty()) { // bench conn|pub|sub|pubsub ran instead
      exit = run_bench(*options);
    }
  });
}

} // namespace braid::cli
