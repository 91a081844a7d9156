#include <braid/backoff.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace braid {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheFactorUpToTheMaximum) {
  backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.0});
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
  backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.0});
  b.next_delay();
  b.next_delay();
  b.reset();
  EXPECT_EQ(b.next_delay(), milliseconds(100));
}

TEST(Backoff, JitterTakesAShareOfTheDelayFromTheInjectedSource) {
  std::vector<double> draws{0.5, 0.0, 0.99, 1.0};
  std::size_t next = 0;
  backoff b({milliseconds(100), milliseconds(500), 2.0, 0.5}, [&] { return draws[next++]; });
  EXPECT_EQ(b.next_delay(), milliseconds(75));  // 100 * (1 - 0.5 * 0.5)
  EXPECT_EQ(b.next_delay(), milliseconds(200)); // 200 * (1 - 0)
  EXPECT_EQ(b.next_delay(), milliseconds(202)); // 400 * (1 - 0.5 * 0.99)
  EXPECT_EQ(b.next_delay(), milliseconds(250)); // 800 capped at 500, * (1 - 0.5)
}

TEST(Backoff, FullJitterRangesFromZeroToTheDelay) {
  std::vector<double> draws{0.0, 0.999};
  std::size_t next = 0;
  backoff b({milliseconds(1000), milliseconds(1000), 2.0, 1.0}, [&] { return draws[next++]; });
  EXPECT_EQ(b.next_delay(), milliseconds(1000));
  EXPECT_EQ(b.next_delay(), milliseconds(1));
}

TEST(Backoff, ItsOwnGeneratorStaysInTheRangeAndDiffersPerBackoff) {
  backoff_policy p{milliseconds(1000), milliseconds(1000), 2.0, 0.5};
  backoff a(p), b(p);
  std::vector<milliseconds> da, db;
  for (int i = 0; i < 20; ++i) {
    da.push_back(a.next_delay());
    db.push_back(b.next_delay());
    EXPECT_GE(da.back(), milliseconds(500));
    EXPECT_LE(da.back(), milliseconds(1000));
  }
  EXPECT_NE(da, db); // seeded apart (equal by chance: about 1 in 500^20)
}

TEST(Backoff, ASeedMakesTheDelaysRepeat) {
  backoff_policy p;
  backoff a(p, std::uint64_t{7}), b(p, std::uint64_t{7});
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(a.next_delay(), b.next_delay());
  }
}

TEST(Backoff, SeedDefaultsAreTwistedsBackoffPolicy) {
  backoff_policy p;
  EXPECT_EQ(p.initial_delay, milliseconds(1000));
  EXPECT_EQ(p.max_delay, milliseconds(60'000));
  EXPECT_DOUBLE_EQ(p.factor, 1.5);
  EXPECT_DOUBLE_EQ(p.jitter, 0.5); // on by default
}

} // namespace
} // namespace braid
