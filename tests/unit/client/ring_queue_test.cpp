#include <braid/detail/ring_queue.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>

namespace {

using braid::detail::ring_queue;

TEST(RingQueue, KeepsOrderAcrossGrowthAndWrapAround) {
  std::mt19937 random(3);
  ring_queue<int> q;
  std::deque<int> model;
  int next = 0;
  for (int step = 0; step < 100'000; ++step) {
    const auto r = random() % 7;
    if (r < 3 || model.empty()) {
      q.push_back(next);
      model.push_back(next++);
    } else if (r < 6) {
      ASSERT_EQ(q.front(), model.front());
      q.pop_front();
      model.pop_front();
    } else {
      const auto i = random() % model.size();
      q.erase(i);
      model.erase(model.begin() + static_cast<long>(i));
    }
    ASSERT_EQ(q.size(), model.size());
    for (std::size_t i = 0; i < model.size() && i < 5; ++i) {
      ASSERT_EQ(q[i], model[i]);
    }
  }
}

// A popped or erased item is released at once, not when its slot is reused.
TEST(RingQueue, ReleasesWhatLeaves) {
  ring_queue<std::shared_ptr<int>> q;
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  q.push_back(a);
  q.push_back(b);
  q.pop_front();
  EXPECT_EQ(a.use_count(), 1);
  q.erase(0);
  EXPECT_EQ(b.use_count(), 1);
  EXPECT_TRUE(q.empty());
}

} // namespace
