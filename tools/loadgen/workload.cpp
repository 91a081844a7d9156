// The workloads' names and defaults, and the RESULT line.
#include "workload.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace braid::loadgen {

const char* to_string(workload w) noexcept {
  switch (w) {
  case workload::qos0:
    return "qos0";
  case workload::qos1:
    return "qos1";
  case workload::qos2:
    return "qos2";
  case workload::latency:
    return "latency";
  case workload::large:
    return "large";
  }
  return "?";
}

bool parse_workload(const std::string& name, workload& out) noexcept {
  for (auto w :
       {workload::qos0, workload::qos1, workload::qos2, workload::latency, workload::large}) {
    if (name == to_string(w)) {
      out = w;
      return true;
    }
  }
  return false;
}

bool apply_defaults(workload_options& o, long count, long size, long window, long warmup,
                    std::string& error) {
  switch (o.kind) {
  case workload::qos0:
    o.count = 200000, o.size = 64, o.qos = 0, o.window = 0;
    break;
  case workload::qos1:
    o.count = 100000, o.size = 64, o.qos = 1, o.window = 64;
    break;
  case workload::qos2:
    o.count = 50000, o.size = 64, o.qos = 2, o.window = 64;
    break;
  case workload::latency:
    o.count = 10000, o.size = 64, o.qos = 1, o.window = 1, o.warmup = 100;
    break;
  case workload::large:
    o.count = 1000, o.size = std::size_t{1} << 20, o.qos = 1, o.window = 64;
    break;
  }
  if (count >= 0) {
    o.count = count;
  }
  if (size >= 0) {
    o.size = static_cast<std::size_t>(size);
  }
  if (window >= 0 && o.kind != workload::qos0 && o.kind != workload::latency) {
    o.window = static_cast<int>(std::min(window, 1L << 20));
  }
  if (warmup >= 0 && o.kind == workload::latency) {
    o.warmup = warmup;
  }
  if (o.count < 1 || (o.window < 1 && o.qos > 0) || o.window > 65535) {
    error = "count must be >= 1 and window within 1..65535";
    return false;
  }
  if (o.kind == workload::latency && o.size < 8) {
    error = "latency payloads carry an 8-byte sequence number; size must be >= 8";
    return false;
  }
  return true;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  const auto n = static_cast<long>(sorted.size());
  long rank = static_cast<long>(std::ceil(p * static_cast<double>(n)));
  rank = std::clamp(rank, 1L, n);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

std::string result_line(const workload_options& o, const workload_result& r) {
  char p50[32] = "-", p99[32] = "-";
  if (!r.rtt_us.empty()) {
    std::snprintf(p50, sizeof(p50), "%.1f", percentile(r.rtt_us, 0.50));
    std::snprintf(p99, sizeof(p99), "%.1f", percentile(r.rtt_us, 0.99));
  }
  const auto d = static_cast<double>(r.done);
  char line[512];
  std::snprintf(
      line, sizeof line,
      "RESULT client=%s workload=%s target=%s msgs=%ld size=%zu window=%d "
      "seconds=%.6f msgs_per_s=%.0f mib_per_s=%.2f cpu_s=%.3f cpu_us_per_msg=%.3f "
      "p50_us=%s p99_us=%s peak_rss_kb=%ld status=%s done=%ld",
      o.client.c_str(), to_string(o.kind), o.sink ? "sink" : "broker", o.count, o.size, o.window,
      r.seconds, d / r.seconds, d * static_cast<double>(o.size) / r.seconds / 1048576.0, r.cpu_s,
      r.done > 0 ? r.cpu_s * 1e6 / d : 0.0, p50, p99, r.peak_rss_kb, r.status.c_str(), r.done);
  return line;
}

} // namespace braid::loadgen
