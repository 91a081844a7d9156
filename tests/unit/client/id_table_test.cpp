#include <braid/detail/id_table.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>

namespace {

using braid::detail::id_table;

TEST(IdTable, FindsWhatWasInsertedUntilTaken) {
  id_table<std::unique_ptr<int>> t;
  EXPECT_EQ(t.find(1), nullptr);
  t.insert(1, std::make_unique<int>(10));
  t.insert(2, std::make_unique<int>(20));
  ASSERT_NE(t.find(2), nullptr);
  EXPECT_EQ(**t.find(2), 20);
  auto out = t.take(1);
  ASSERT_TRUE(out);
  EXPECT_EQ(**out, 10);
  EXPECT_FALSE(t.take(1));
  EXPECT_EQ(t.find(1), nullptr);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(0), nullptr);
}

// Random inserts and removals, ids mostly in order with stragglers (as
// requests complete), agree with a std::map at every step, across growth
// and wrap-around of the probe sequences.
TEST(IdTable, AgreesWithAMapUnderRandomUse) {
  std::mt19937_64 random(7);
  id_table<std::uint64_t> t;
  std::map<std::uint64_t, std::uint64_t> model;
  std::uint64_t next = 1;
  for (int step = 0; step < 200'000; ++step) {
    const auto r = random() % 10;
    if (r < 5 || model.empty()) {
      const auto id = next++;
      t.insert(id, id * 3);
      model[id] = id * 3;
    } else {
      // Mostly the oldest, sometimes any.
      auto it = model.begin();
      if (r == 9) {
        std::advance(it, static_cast<long>(random() % model.size()));
      }
      const auto out = t.take(it->first);
      ASSERT_TRUE(out) << it->first;
      EXPECT_EQ(*out, it->second);
      model.erase(it);
    }
    ASSERT_EQ(t.size(), model.size());
    if (step % 997 == 0) {
      for (const auto& [id, value] : model) {
        ASSERT_NE(t.find(id), nullptr) << id;
        EXPECT_EQ(*t.find(id), value);
      }
      EXPECT_EQ(t.find(next), nullptr);
    }
  }
}

} // namespace
