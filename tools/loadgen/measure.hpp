#pragma once
// What the workloads measure with: wall clock, CPU time and peak memory of
// the process, and the sequence number carried in a payload.

#include <braid/protocol/bytes.hpp>

#include <sys/resource.h>

#include <cstdint>
#include <ctime>

namespace braid::loadgen {

inline std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

/// User + system CPU seconds of the whole process.
inline double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6 +
         static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
}

inline long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/// The measured phase: its wall-clock and CPU bounds.
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
  bool expired(double max_s) const { return static_cast<double>(now_ns() - t0_ns) / 1e9 > max_s; }
};

/// A sequence number in the first 8 bytes of a payload (little-endian).
inline void put_seq(protocol::bytes& buf, std::uint64_t seq) {
  for (std::size_t i = 0; i < 8; i++) {
    buf[i] = static_cast<std::uint8_t>(seq >> (8 * i));
  }
}

inline std::uint64_t get_seq(protocol::byte_view buf) {
  std::uint64_t v = 0;
  for (std::size_t i = 8; i-- > 0;) {
    v = (v << 8) | buf[i];
  }
  return v;
}

} // namespace braid::loadgen
