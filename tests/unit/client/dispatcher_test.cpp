// The dispatcher alone: routes by topic filter, the message handler, waiting
// receives and the receive queue with its pause and resume signals.
#include <braid/detail/dispatcher.hpp>
#include <braid/protocol/session/errors.hpp>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::detail {
namespace {

using topics = std::vector<std::string>;

bp::publish message(std::string topic) {
  bp::publish m;
  m.topic = std::move(topic);
  m.payload = {'x'};
  return m;
}

/// A handler that records the topics it is given.
message_handler record_into(topics& seen) {
  return [&seen](const bp::publish& m) { seen.push_back(m.topic); };
}

/// What an async_receive completed with.
struct receive_result {
  int calls = 0;
  std::error_code ec;
  bp::publish message;
};

receive_handler receive_into(receive_result& r) {
  return [&r](error_code ec, bp::publish m) {
    ++r.calls;
    r.ec = ec;
    r.message = std::move(m);
  };
}

class Dispatcher : public ::testing::Test {
protected:
  static constexpr std::size_t limit = 4;

  /// Runs the handlers the dispatcher posted.
  void run() {
    ctx.restart();
    ctx.run();
  }

  asio::io_context ctx;
  dispatcher d{std::make_shared<braid::detail::completion_queue>(
                   braid::detail::make_client_strand(ctx.get_executor())),
               limit};
};

// --- routes and the message handler -------------------------------------------------

TEST_F(Dispatcher, EveryMatchingRouteGetsTheMessage) {
  topics plus, hash, other, unrouted;
  d.add_route(1, "sensors/+/temp", record_into(plus));
  d.add_route(2, "sensors/#", record_into(hash));
  d.add_route(3, "actuators/#", record_into(other));
  d.set_message_handler(record_into(unrouted));
  EXPECT_FALSE(d.deliver(message("sensors/kitchen/temp")));
  EXPECT_FALSE(d.deliver(message("sensors/kitchen/humidity")));
  EXPECT_TRUE(plus.empty()); // posted, not run inside deliver()
  run();
  EXPECT_EQ(plus, (topics{"sensors/kitchen/temp"}));
  EXPECT_EQ(hash, (topics{"sensors/kitchen/temp", "sensors/kitchen/humidity"}));
  EXPECT_TRUE(other.empty());
  EXPECT_TRUE(unrouted.empty());
  EXPECT_EQ(d.queued(), 0u);
}

TEST_F(Dispatcher, AMessageNoRouteTakesGoesToTheMessageHandler) {
  topics routed, unrouted;
  d.add_route(1, "a/#", record_into(routed));
  d.set_message_handler(record_into(unrouted));
  EXPECT_FALSE(d.deliver(message("b/1")));
  EXPECT_FALSE(d.deliver(message("a/1")));
  EXPECT_FALSE(d.deliver(message("b/2")));
  run();
  EXPECT_EQ(routed, (topics{"a/1"}));
  EXPECT_EQ(unrouted, (topics{"b/1", "b/2"}));
  EXPECT_EQ(d.queued(), 0u);
}

// A removed route is not called again, not even for a message posted to it
// before; later messages go to the other routes or the unrouted path.
TEST_F(Dispatcher, ARemovedRouteIsNotCalledAgain) {
  topics removed, kept, unrouted;
  d.add_route(1, "a/#", record_into(removed));
  d.add_route(2, "a/+", record_into(kept));
  d.set_message_handler(record_into(unrouted));
  (void)d.deliver(message("a/1")); // posted to both routes
  EXPECT_TRUE(d.remove_route(1));
  EXPECT_FALSE(d.remove_route(1));
  (void)d.deliver(message("a/2"));
  (void)d.deliver(message("a/b/c")); // only the removed route matched it
  run();
  EXPECT_TRUE(removed.empty());
  EXPECT_EQ(kept, (topics{"a/1", "a/2"}));
  EXPECT_EQ(unrouted, (topics{"a/b/c"}));
}

TEST_F(Dispatcher, RemoveRoutesTakesEveryRouteOfExactlyThatFilter) {
  topics first, second, other;
  d.add_route(1, "s/#", record_into(first));
  d.add_route(2, "s/#", record_into(second));
  d.add_route(3, "s/+", record_into(other));
  EXPECT_EQ(d.remove_routes("s/#"), 2u);
  EXPECT_EQ(d.remove_routes("s/#"), 0u);
  (void)d.deliver(message("s/1"));
  run();
  EXPECT_TRUE(first.empty());
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(other, (topics{"s/1"}));
}

TEST_F(Dispatcher, ClearingTheMessageHandlerSendsLaterMessagesToReceive) {
  topics handled;
  d.set_message_handler(record_into(handled));
  (void)d.deliver(message("first"));
  run();
  d.set_message_handler({});
  (void)d.deliver(message("second"));
  EXPECT_EQ(d.queued(), 1u);
  receive_result r;
  (void)d.receive(receive_into(r));
  run();
  EXPECT_EQ(handled, (topics{"first"}));
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.message.topic, "second");
}

// A message goes to the handler that was set when it arrived, even when another
// one (or none) is set before it runs: it is never dropped.
TEST_F(Dispatcher, AMessageOnItsWayGoesToTheHandlerSetWhenItArrived) {
  topics old_handler, new_handler;
  d.set_message_handler(record_into(old_handler));
  (void)d.deliver(message("on/its/way"));
  d.set_message_handler(record_into(new_handler));
  (void)d.deliver(message("after"));
  run();
  EXPECT_EQ(old_handler, (topics{"on/its/way"}));
  EXPECT_EQ(new_handler, (topics{"after"}));
}

TEST_F(Dispatcher, ClearingTheHandlerDoesNotDropAMessageOnItsWay) {
  topics handled;
  d.set_message_handler(record_into(handled));
  (void)d.deliver(message("on/its/way"));
  d.set_message_handler({});
  run();
  EXPECT_EQ(handled, (topics{"on/its/way"}));
}

// --- async_receive and the queue ------------------------------------------------------

TEST_F(Dispatcher, AReceiveWaitsForTheNextMessage) {
  receive_result r;
  EXPECT_FALSE(d.receive(receive_into(r)));
  run();
  EXPECT_EQ(r.calls, 0);
  EXPECT_FALSE(d.deliver(message("t")));
  EXPECT_EQ(d.queued(), 0u); // handed to the waiting receive, not queued
  EXPECT_EQ(r.calls, 0);     // posted
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.message, message("t"));
}

TEST_F(Dispatcher, QueuedMessagesAreReceivedInOrder) {
  (void)d.deliver(message("1"));
  (void)d.deliver(message("2"));
  receive_result first, second;
  (void)d.receive(receive_into(first));
  (void)d.receive(receive_into(second));
  run();
  EXPECT_EQ(first.message.topic, "1");
  EXPECT_EQ(second.message.topic, "2");
  EXPECT_EQ(d.queued(), 0u);
}

TEST_F(Dispatcher, DeliverAsksToPauseExactlyWhenTheMessageFillsTheQueue) {
  std::vector<bool> pause;
  for (std::size_t i = 0; i < limit; ++i) {
    pause.push_back(d.deliver(message(std::to_string(i))));
  }
  EXPECT_EQ(pause, (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(d.queued(), limit);
}

TEST_F(Dispatcher, ReceiveSaysResumeOnceTheQueueIsBelowHalfItsLimit) {
  for (std::size_t i = 0; i < limit; ++i) {
    (void)d.deliver(message(std::to_string(i)));
  }
  std::vector<bool> resume;
  receive_result r;
  for (std::size_t i = 0; i < limit; ++i) {
    resume.push_back(d.receive(receive_into(r)));
  }
  // Queue left: 3, 2, 1, 0; half of 4 is 2.
  EXPECT_EQ(resume, (std::vector<bool>{false, false, true, true}));
  // Nothing queued: the receive waits, and says nothing about reading.
  EXPECT_FALSE(d.receive(receive_into(r)));
  run();
  EXPECT_EQ(r.calls, 4);
}

// The smallest queue: one message fills it; once it is taken the queue is
// empty, below half of 1, and reading must resume (else it never does).
TEST(DispatcherLimitOne, ReceiveSaysResumeOnceTheQueueIsEmpty) {
  asio::io_context ctx;
  dispatcher d{std::make_shared<braid::detail::completion_queue>(
                   braid::detail::make_client_strand(ctx.get_executor())),
               1};
  EXPECT_TRUE(d.deliver(message("only")));
  receive_result r;
  EXPECT_TRUE(d.receive(receive_into(r)));
  ctx.run();
  EXPECT_EQ(r.message.topic, "only");
}

TEST_F(Dispatcher, FailReceiversCompletesWaitingReceivesWithTheError) {
  receive_result first, second;
  (void)d.receive(receive_into(first));
  (void)d.receive(receive_into(second));
  const std::error_code lost = bp::session_errc::connection_lost;
  d.fail_receivers(lost);
  run();
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.ec, lost);
  EXPECT_EQ(first.message, bp::publish{});
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.ec, lost);
  // They no longer wait: the next message is queued.
  (void)d.deliver(message("later"));
  run();
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(d.queued(), 1u);
}

} // namespace
} // namespace braid::detail
