#include "stats_line.hpp"

#include <cstdio>

namespace braid::cli {
namespace {

std::string rate(std::uint64_t now, std::uint64_t before, double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f",
                seconds > 0 ? static_cast<double>(now - before) / seconds : 0.0);
  return text;
}

std::string bytes_rate(std::uint64_t now, std::uint64_t before, double seconds) {
  const double per_second = seconds > 0 ? static_cast<double>(now - before) / seconds : 0.0;
  char text[32];
  if (per_second >= 1024.0 * 1024.0) {
    std::snprintf(text, sizeof text, "%.1f MiB/s", per_second / (1024.0 * 1024.0));
  } else {
    std::snprintf(text, sizeof text, "%.1f KiB/s", per_second / 1024.0);
  }
  return text;
}

// "1200 msg/s (0/1200/0 by QoS)"
std::string messages(const std::array<client_stats::per_qos, 3>& now,
                     const std::array<client_stats::per_qos, 3>& before, double seconds) {
  std::uint64_t all_now = 0;
  std::uint64_t all_before = 0;
  std::string by_qos;
  for (std::size_t q = 0; q < 3; ++q) {
    all_now += now[q].messages;
    all_before += before[q].messages;
    by_qos += (q == 0 ? "" : "/") + rate(now[q].messages, before[q].messages, seconds);
  }
  return rate(all_now, all_before, seconds) + " msg/s (" + by_qos + " by QoS)";
}

} // namespace

std::string stats_line(const client_stats& now, const client_stats& before, double seconds) {
  std::string line = "sent " + messages(now.sent, before.sent, seconds) + " " +
                     bytes_rate(now.bytes_written, before.bytes_written, seconds) + ", received " +
                     messages(now.received, before.received, seconds) + " " +
                     bytes_rate(now.bytes_read, before.bytes_read, seconds) + "; in flight " +
                     std::to_string(now.in_flight) + ", queued " + std::to_string(now.queued) +
                     ", offline " + std::to_string(now.offline_queued) + ", receive queue " +
                     std::to_string(now.receive_queue) + ", resent " + std::to_string(now.resent) +
                     ", reconnects " + std::to_string(now.reconnects);
  if (now.replays > 0) {
    line += ", replays not delivered " + std::to_string(now.replays);
  }
  if (now.round_trip) {
    line += ", round trip " + std::to_string(now.round_trip->count()) + " ms";
  }
  if (!now.connected) {
    line += " (not connected)";
  }
  return line;
}

} // namespace braid::cli
