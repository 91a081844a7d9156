#include <braid/backoff.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace braid {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheFactorUpToTheMaximum) {
  backoff b({milliseconds(100), milliseconds(1000), 2.0, milliseconds(0)});
  std::vector<milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    delays.push_back(b.next_delay());
  }
  EXPECT_EQ(delays,
            (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400),
                                       milliseconds(800), milliseconds(1000), milliseconds(1000)}));
  EXPECT_EQ(b.attempts(), 6u);
}

TEST(Backoff, ResetStartsAgainFromTheInitialDelay) {
  backoff b({milliseconds(100), milliseconds(1000), 2.0, milliseconds(0)});
  b.next_delay();
  b.next_delay();
  b.reset();
  EXPECT_EQ(b.next_delay(), milliseconds(100));
}

TEST(Backoff, JitterComesFromTheInjectedSourceAndStaysUnderTheMaximum) {
  std::vector<double> draws{0.5, 0.0, 0.99, 0.99};
  std::size_t next = 0;
  backoff b({milliseconds(100), milliseconds(500), 2.0, milliseconds(200)},
            [&] { return draws[next++]; });
  EXPECT_EQ(b.next_delay(), milliseconds(200)); // 100 + 0.5 * 200
  EXPECT_EQ(b.next_delay(), milliseconds(200)); // 200 + 0
  EXPECT_EQ(b.next_delay(), milliseconds(500)); // 400 + 198 capped at 500
  EXPECT_EQ(b.next_delay(), milliseconds(500)); // 800 capped, jitter capped
}

TEST(Backoff, SeedDefaultsAreTwistedsBackoffPolicy) {
  backoff_policy p;
  EXPECT_EQ(p.initial_delay, milliseconds(1000));
  EXPECT_EQ(p.max_delay, milliseconds(60'000));
  EXPECT_DOUBLE_EQ(p.factor, 1.5);
}

} // namespace
} // namespace braid
