#include <braid/detail/completion_queue.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using braid::detail::completion_queue;
using braid::detail::deferred_task;
using error_code = boost::system::error_code;

std::shared_ptr<completion_queue> make_queue(asio::io_context& ctx) {
  return std::make_shared<completion_queue>(braid::detail::make_client_strand(ctx.get_executor()));
}

// Handlers run later, in the order they became ready, never inside the
// call that queued them; what a handler queues runs after it.
TEST(CompletionQueue, RunsLaterInOrder) {
  asio::io_context ctx;
  auto q = make_queue(ctx);
  std::vector<int> order;
  asio::post(q->strand(), [&] {
    for (int i = 0; i < 100; ++i) {
      q->complete(
          [&, i](error_code ec, int v) {
            EXPECT_FALSE(ec);
            EXPECT_EQ(v, i * 2);
            order.push_back(i);
            if (i == 0) {
              q->defer([&] { order.push_back(1000); });
            }
          },
          error_code{}, i * 2);
    }
    EXPECT_TRUE(order.empty());
  });
  ctx.run();
  ASSERT_EQ(order.size(), 101u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  }
  EXPECT_EQ(order.back(), 1000);
}

// A handler with an executor of its own runs there.
TEST(CompletionQueue, AHandlerWithItsOwnExecutorRunsOnIt) {
  asio::io_context ctx;
  asio::io_context other;
  auto q = make_queue(ctx);
  bool ran = false;
  asio::post(q->strand(), [&] {
    q->complete(asio::bind_executor(other, [&](error_code) { ran = true; }), error_code{});
  });
  ctx.run();
  EXPECT_FALSE(ran);
  other.run();
  EXPECT_TRUE(ran);
}

// A handler that throws leaves through run(); the rest still runs on the
// next run().
TEST(CompletionQueue, AThrowingHandlerDoesNotStrandTheOthers) {
  asio::io_context ctx;
  auto q = make_queue(ctx);
  int ran = 0;
  asio::post(q->strand(), [&] {
    q->defer([] { throw std::runtime_error("handler"); });
    q->defer([&] { ++ran; });
  });
  EXPECT_THROW(ctx.run(), std::runtime_error);
  ctx.restart();
  ctx.run();
  EXPECT_EQ(ran, 1);
}

// Small callables are kept in place, large ones on the heap; both run once
// and are destroyed once, also when never run.
TEST(DeferredTask, HoldsSmallAndLargeCallables) {
  auto token = std::make_shared<int>(0);
  {
    std::array<char, 400> big{};
    int runs = 0;
    deferred_task small([token, &runs] { ++runs; });
    deferred_task large([token, big, &runs] { runs += 1 + big[0]; });
    EXPECT_EQ(token.use_count(), 3);
    deferred_task moved(std::move(large));
    small();
    moved();
    EXPECT_EQ(runs, 2);
    deferred_task never([token] {});
  }
  EXPECT_EQ(token.use_count(), 1);
}

} // namespace
