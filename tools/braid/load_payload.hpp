#pragma once
// The first bytes of every payload `braid bench pub|pubsub` sends: the send
// time (steady clock, ns) and the publisher's sequence number, both
// little-endian, so that a subscriber on the same machine (this process or
// another: the steady clock is the system's CLOCK_MONOTONIC) measures the
// latency on arrival. The rest of the payload is filler.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace braid::cli {

constexpr std::size_t load_header_size = 16;

inline std::uint64_t steady_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

inline void write_load_header(std::uint8_t* out, std::uint64_t sent_ns, std::uint64_t sequence) {
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(sent_ns >> (8 * i));
    out[8 + i] = static_cast<std::uint8_t>(sequence >> (8 * i));
  }
}

/// The send time of a payload of `size` bytes at `in`; 0 when it has no
/// header (too short).
inline std::uint64_t read_load_sent_ns(const std::uint8_t* in, std::size_t size) {
  if (size < load_header_size) {
    return 0;
  }
  std::uint64_t value = 0;
  for (std::size_t i = 8; i-- > 0;) {
    value = (value << 8) | in[i];
  }
  return value;
}

} // namespace braid::cli
