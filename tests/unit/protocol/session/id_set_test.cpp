#include <braid/protocol/session/id_set.hpp>
#include <braid/protocol/session/packet_id_pool.hpp>

#include <gtest/gtest.h>

namespace {

using braid::protocol::id_set;
using braid::protocol::packet_id_pool;

TEST(IdSet, HoldsIdsUntilResetOrCleared) {
  id_set s;
  EXPECT_FALSE(s.test(7));
  EXPECT_TRUE(s.bits().none());
  s.reset(7); // on an empty set: nothing
  s.set(7);
  s.set(65535);
  EXPECT_TRUE(s.test(7));
  EXPECT_TRUE(s.test(65535));
  EXPECT_EQ(s.bits().count(), 2u);
  s.reset(7);
  EXPECT_FALSE(s.test(7));
  s.clear();
  EXPECT_TRUE(s.bits().none());
}

TEST(IdSet, CopiesAreIndependent) {
  id_set a;
  a.set(1);
  id_set b = a;
  b.set(2);
  EXPECT_FALSE(a.test(2));
  EXPECT_TRUE(b.test(1));
  id_set empty;
  b = empty;
  EXPECT_FALSE(b.test(1));
  id_set moved = std::move(a);
  EXPECT_TRUE(moved.test(1));
}

// The pool over it: ids cycle, a freed id is not reused at once, all 65535
// can be in use.
TEST(PacketIdPool, CyclesAndFillsUp) {
  packet_id_pool pool;
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 2);
  pool.release(1);
  EXPECT_EQ(pool.allocate(), 3);
  EXPECT_TRUE(pool.reserve(9));
  EXPECT_FALSE(pool.reserve(9));
  while (pool.size() < 65535) {
    ASSERT_TRUE(pool.allocate());
  }
  EXPECT_FALSE(pool.allocate());
  EXPECT_TRUE(pool.in_use(1));
  pool.clear();
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_FALSE(pool.in_use(1));
}

} // namespace
