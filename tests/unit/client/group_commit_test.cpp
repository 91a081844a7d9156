// The group commit alone: later() calls within one strand turn share one
// commit, which runs after the handlers already queued; can_wait's truth table.
#include <braid/detail/group_commit.hpp>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::detail {
namespace {

class GroupCommit : public ::testing::Test {
protected:
  void run() {
    ctx.restart();
    ctx.run();
  }
  /// Posts `f` to the strand, as a handler of the client would run.
  template <class F>
  void on_strand(F f) {
    asio::post(strand, std::move(f));
  }

  asio::io_context ctx;
  client_strand strand = braid::detail::make_client_strand(ctx.get_executor());
  group_commit commit{strand};
  std::vector<std::string> log;
};

TEST_F(GroupCommit, LaterCallsInOneStrandTurnRunOneCommit) {
  on_strand([&] {
    commit.later([&] { log.push_back("first"); });
    commit.later([&] { log.push_back("second"); });
    commit.later([&] { log.push_back("third"); });
    EXPECT_TRUE(commit.waiting());
    EXPECT_TRUE(log.empty()); // not run inside later()
  });
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"first"})); // the others joined it
  EXPECT_FALSE(commit.waiting());
}

TEST_F(GroupCommit, TheCommitRunsAfterTheHandlersAlreadyQueued) {
  on_strand([&] { log.push_back("queued before"); });
  commit.later([&] { log.push_back("commit"); });
  on_strand([&] { log.push_back("queued after"); });
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"queued before", "commit", "queued after"}));
}

TEST_F(GroupCommit, ALaterAfterTheCommitRanSchedulesAnother) {
  commit.later([&] { log.push_back("one"); });
  run();
  EXPECT_FALSE(commit.waiting());
  commit.later([&] { log.push_back("two"); });
  EXPECT_TRUE(commit.waiting());
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"one", "two"}));
}

TEST_F(GroupCommit, ALaterFromInsideTheCommitSchedulesAnother) {
  commit.later([&] {
    log.push_back("one");
    commit.later([&] { log.push_back("two"); });
  });
  run();
  EXPECT_EQ(log, (std::vector<std::string>{"one", "two"}));
}

TEST(GroupCommitCanWait, OnlyAnOpenQuietConnectionWithStoreChangesWaits) {
  for (bool open : {false, true}) {
    for (bool closing : {false, true}) {
      for (bool has_output : {false, true}) {
        for (bool store_dirty : {false, true}) {
          const bool expected = open && !closing && !has_output && store_dirty;
          EXPECT_EQ(group_commit::can_wait(open, closing, has_output, store_dirty), expected)
              << "open " << open << " closing " << closing << " has_output " << has_output
              << " store_dirty " << store_dirty;
        }
      }
    }
  }
  EXPECT_TRUE(group_commit::can_wait(true, false, false, true));
  EXPECT_FALSE(group_commit::can_wait(true, false, false, false)); // nothing to commit
  EXPECT_FALSE(group_commit::can_wait(true, false, true, true));   // output waits on the commit
  EXPECT_FALSE(group_commit::can_wait(true, true, false, true));   // closing: commit now
  EXPECT_FALSE(group_commit::can_wait(false, false, false, true)); // no connection
}

} // namespace
} // namespace braid::detail
