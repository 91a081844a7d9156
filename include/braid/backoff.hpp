#pragma once
// Reconnection delays. Retry n (counting from 0) is based on
//   d = min(initial_delay * factor^n, max_delay)
// and waits a time drawn uniformly from [d * (1 - jitter), d]. With the
// default jitter of 0.5, clients that lost their connection together come
// back spread over the second half of each delay — at the cap too, between
// max_delay / 2 and max_delay — rather than all at the same instant. Each
// backoff draws from a generator of its own, seeded from std::random_device
// (or from a seed you give, for reproducible runs); tests can inject the
// numbers themselves.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>

namespace braid {

struct backoff_policy {
  std::chrono::milliseconds initial_delay{1000}; ///< before the first retry (before jitter)
  std::chrono::milliseconds max_delay{60'000};   ///< never wait longer than this
  double factor = 1.5;                           ///< growth per failed attempt
  /// The share of each delay that is random, from 0 to 1: 0, none (every
  /// client waits exactly d); 0.5, "equal jitter" (d/2 to d); 1, "full
  /// jitter" (0 to d).
  double jitter = 0.5;
};

class backoff {
public:
  /// Jitter from a generator of this backoff's own, seeded from std::random_device.
  explicit backoff(backoff_policy policy = {}) : backoff(policy, fresh_seed()) {}
  /// Jitter from a generator seeded with `seed`: the same seed, the same delays.
  backoff(backoff_policy policy, std::uint64_t seed) : policy_(policy), state_(seed) {}
  /// Jitter from `random`, which returns numbers in [0, 1) (a test's fixed sequence).
  backoff(backoff_policy policy, std::function<double()> random)
      : policy_(policy), random_(std::move(random)) {}

  /// The delay before the next attempt; each call counts one more failure.
  std::chrono::milliseconds next_delay() {
    const double base = static_cast<double>(policy_.initial_delay.count()) *
                        std::pow(policy_.factor, static_cast<double>(attempts_));
    const double d = std::min(base, static_cast<double>(policy_.max_delay.count()));
    const double share = std::clamp(policy_.jitter, 0.0, 1.0);
    const double r = std::clamp(random_ ? random_() : draw(), 0.0, 1.0);
    ++attempts_;
    return std::chrono::milliseconds(static_cast<std::int64_t>(d * (1.0 - share * r)));
  }

  /// A connection succeeded: the next failure starts from the initial delay.
  void reset() noexcept { attempts_ = 0; }
  std::uint32_t attempts() const noexcept { return attempts_; }
  const backoff_policy& policy() const noexcept { return policy_; }

private:
  static std::uint64_t fresh_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }

  // splitmix64: eight bytes of state, good enough to spread retries.
  double draw() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53; // [0, 1)
  }

  backoff_policy policy_;
  std::function<double()> random_;
  std::uint64_t state_ = 0;
  std::uint32_t attempts_ = 0;
};

} // namespace braid
