#pragma once
// Reconnection delays: the n-th retry waits min(initial * factor^n, max),
// plus a random jitter of up to `jitter` when a random source is given (none
// by default: no jitter), so that many clients cut off together do not all
// come back at the same instant. The random source is injected, so tests give
// it a fixed sequence.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>

namespace braid {

struct backoff_policy {
  std::chrono::milliseconds initial_delay{1000}; ///< before the first retry
  std::chrono::milliseconds max_delay{60'000};   ///< never wait longer than this (jitter included)
  double factor = 1.5;                           ///< growth per failed attempt
  std::chrono::milliseconds jitter{1000};        ///< up to this much added at random
};

class backoff {
public:
  /// `random` returns a number in [0, 1); the default adds no jitter.
  explicit backoff(backoff_policy policy = {}, std::function<double()> random = {})
      : policy_(policy), random_(std::move(random)) {}

  /// The delay before the next attempt; each call counts one more failure.
  std::chrono::milliseconds next_delay() {
    const double base = static_cast<double>(policy_.initial_delay.count()) *
                        std::pow(policy_.factor, static_cast<double>(attempts_));
    const double capped = std::min(base, static_cast<double>(policy_.max_delay.count()));
    const double r = random_ ? std::clamp(random_(), 0.0, 1.0) : 0.0;
    const double with_jitter = std::min(capped + r * static_cast<double>(policy_.jitter.count()),
                                        static_cast<double>(policy_.max_delay.count()));
    ++attempts_;
    return std::chrono::milliseconds(static_cast<std::int64_t>(with_jitter));
  }

  /// A connection succeeded: the next failure starts from the initial delay.
  void reset() noexcept { attempts_ = 0; }
  std::uint32_t attempts() const noexcept { return attempts_; }
  const backoff_policy& policy() const noexcept { return policy_; }

private:
  backoff_policy policy_;
  std::function<double()> random_;
  std::uint32_t attempts_ = 0;
};

} // namespace braid
