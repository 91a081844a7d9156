// The soak's faults come from its seed: the same seed, the same faults.
#include "fault_plan.hpp"
#include <gtest/gtest.h>

#include <set>

namespace braid::soak {
namespace {

const std::vector<fault_kind> all = {fault_kind::cut, fault_kind::stall, fault_kind::slice,
                                     fault_kind::kill, fault_kind::term};

TEST(FaultPlan, TheSameSeedGivesTheSameFaults) {
  fault_plan a(42, all, 2), b(42, all, 2), c(43, all, 2);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next(), y = b.next(), z = c.next();
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.after_s, y.after_s);
    EXPECT_EQ(x.duration_s, y.duration_s);
    differs = differs || x.kind != z.kind || x.after_s != z.after_s;
  }
  EXPECT_TRUE(differs);
}

TEST(FaultPlan, FaultsKeepToTheirBounds) {
  fault_plan plan(7, all, 2);
  std::set<fault_kind> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto f = plan.next();
    seen.insert(f.kind);
    EXPECT_GE(f.after_s, 1.0);
    EXPECT_LT(f.after_s, 4.0);
    if (f.kind == fault_kind::stall) {
      EXPECT_GT(f.duration_s, 2 * 1.5); // longer than the keep-alive's own grace
      EXPECT_LE(f.duration_s, 2 * 2.5);
    } else if (f.kind == fault_kind::slice) {
      EXPECT_GE(f.duration_s, 1.0);
      EXPECT_LT(f.duration_s, 3.0);
    } else {
      EXPECT_EQ(f.duration_s, 0.0);
    }
  }
  EXPECT_EQ(seen.size(), all.size());
}

TEST(FaultPlan, OnlyTheKindsAskedFor) {
  fault_plan plan(9, {fault_kind::cut}, 2);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(plan.next().kind, fault_kind::cut);
  }
  fault_kind k{};
  EXPECT_TRUE(parse_fault_kind("slice", k));
  EXPECT_EQ(k, fault_kind::slice);
  EXPECT_EQ(to_string(fault_kind::term), "term");
  EXPECT_FALSE(parse_fault_kind("flood", k));
}

} // namespace
} // namespace braid::soak
