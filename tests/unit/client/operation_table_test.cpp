// The operation table alone: completion with error, reason and reasons, posted
// never inline; QoS 0 publishes waiting for the write that carries them; a
// disconnect waiting for the connection to close (no sockets, no session).
#include <braid/detail/operation_table.hpp>
#include <braid/protocol/session/errors.hpp>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace braid::detail {
namespace {

using bp::reason_code;
using bp::request_kind;

/// What a handler was called with; `calls` counts the calls.
struct result {
  int calls = 0;
  std::error_code ec;
  reason_code reason = reason_code::unspecified_error; // not success, so that success is seen
  std::vector<reason_code> reasons;
};

publish_handler publish_into(result& r) {
  return [&r](error_code ec, reason_code reason) {
    ++r.calls;
    r.ec = ec;
    r.reason = reason;
  };
}

reasons_handler reasons_into(result& r) {
  return [&r](error_code ec, std::vector<reason_code> reasons) {
    ++r.calls;
    r.ec = ec;
    r.reasons = std::move(reasons);
  };
}

plain_handler plain_into(result& r) {
  return [&r](error_code ec) {
    ++r.calls;
    r.ec = ec;
  };
}

bp::request_completed completed(bp::request_id id, request_kind kind, std::error_code ec = {},
                                reason_code reason = reason_code::success,
                                std::vector<reason_code> reasons = {}) {
  bp::request_completed done;
  done.id = id;
  done.kind = kind;
  done.error = ec;
  done.reason = reason;
  done.reasons = std::move(reasons);
  return done;
}

const std::error_code connection_lost = bp::session_errc::connection_lost;

class OperationTable : public ::testing::Test {
protected:
  /// Runs whatever the table posted.
  void run() {
    ctx.restart();
    ctx.run();
  }
  void complete(bp::request_completed done) { table.complete(done); }

  asio::io_context ctx;
  operation_table table{std::make_shared<braid::detail::completion_queue>(
      braid::detail::make_client_strand(ctx.get_executor()))};
};

// --- completion --------------------------------------------------------------------

TEST_F(OperationTable, APublishCompletesWithTheAcknowledgementsReason) {
  result r;
  table.add(7, publish_into(r));
  complete(completed(7, request_kind::publish, {}, reason_code::no_matching_subscribers));
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.reason, reason_code::no_matching_subscribers);
  EXPECT_EQ(table.pending(), 0u);
}

TEST_F(OperationTable, ASubscribeCompletesWithOneReasonPerFilter) {
  result r;
  table.add(1, reasons_into(r));
  complete(completed(1, request_kind::subscribe, {}, reason_code::success,
                     {reason_code::granted_qos_1, reason_code::not_authorized}));
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.reasons,
            (std::vector<reason_code>{reason_code::granted_qos_1, reason_code::not_authorized}));
}

TEST_F(OperationTable, AFailedRequestCompletesWithItsError) {
  result ping;
  result publish;
  table.add(1, plain_into(ping));
  table.add(2, publish_into(publish));
  complete(completed(1, request_kind::ping, bp::session_errc::keep_alive_timeout));
  complete(completed(2, request_kind::publish, bp::session_errc::queue_full));
  run();
  EXPECT_EQ(ping.calls, 1);
  EXPECT_EQ(ping.ec, std::error_code(bp::session_errc::keep_alive_timeout));
  EXPECT_EQ(publish.calls, 1);
  EXPECT_EQ(publish.ec, std::error_code(bp::session_errc::queue_full));
}

TEST_F(OperationTable, AnUnknownIdIsIgnored) {
  result r;
  table.add(1, publish_into(r));
  complete(completed(2, request_kind::publish));
  run();
  EXPECT_EQ(r.calls, 0);
  EXPECT_EQ(table.pending(), 1u);
  // The known one still completes, once.
  complete(completed(1, request_kind::publish));
  complete(completed(1, request_kind::publish));
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(table.pending(), 0u);
}

TEST_F(OperationTable, CompletionsArePostedNeverRunInsideComplete) {
  result r;
  table.add(1, publish_into(r));
  complete(completed(1, request_kind::publish));
  EXPECT_EQ(r.calls, 0);
  run();
  EXPECT_EQ(r.calls, 1);
}

// --- QoS 0 publishes: after the write ---------------------------------------------

TEST_F(OperationTable, AQoS0PublishCompletesWhenTheWriteCarryingItEnds) {
  result r;
  table.add(1, publish_into(r), true);
  table.write_started(); // an earlier write, under way before the packet was produced
  complete(completed(1, request_kind::publish));
  run();
  EXPECT_EQ(r.calls, 0);
  table.write_ended(); // the earlier write did not carry it
  run();
  EXPECT_EQ(r.calls, 0);
  EXPECT_EQ(table.pending(), 1u);
  table.write_started(); // this one carries it
  run();
  EXPECT_EQ(r.calls, 0);
  table.write_ended();
  EXPECT_EQ(r.calls, 0); // posted, not run inside write_ended()
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
  EXPECT_EQ(r.reason, reason_code::success);
  EXPECT_EQ(table.pending(), 0u);
}

TEST_F(OperationTable, QoS0PublishesOfOneWriteCompleteInOrder) {
  const std::vector<bp::request_id> ids{1, 2, 3};
  std::vector<bp::request_id> order;
  for (auto id : ids) {
    table.add(id, publish_handler([&order, id](error_code, reason_code) { order.push_back(id); }),
              true);
  }
  for (auto id : ids) {
    complete(completed(id, request_kind::publish));
  }
  table.write_started();
  table.write_ended();
  run();
  EXPECT_EQ(order, ids);
}

TEST_F(OperationTable, AQoS0PublishFailsWithTheCloseErrorWhenItsWriteDoesNotEnd) {
  result in_flight;   // its write started, then the connection closed
  result not_written; // produced after that write started: never written
  table.add(1, publish_into(in_flight), true);
  complete(completed(1, request_kind::publish));
  table.write_started();
  table.add(2, publish_into(not_written), true);
  complete(completed(2, request_kind::publish));
  table.connection_closed(connection_lost);
  run();
  EXPECT_EQ(in_flight.calls, 1);
  EXPECT_EQ(in_flight.ec, connection_lost);
  EXPECT_EQ(not_written.calls, 1);
  EXPECT_EQ(not_written.ec, connection_lost);
  EXPECT_EQ(table.pending(), 0u);
}

TEST_F(OperationTable, AQoS0PublishWrittenBeforeTheCloseKeepsItsSuccess) {
  result r;
  table.add(1, publish_into(r), true);
  complete(completed(1, request_kind::publish));
  table.write_started();
  table.write_ended();
  table.connection_closed(connection_lost);
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
}

TEST_F(OperationTable, AFailedQoS0PublishCompletesAtOnceWithItsError) {
  result r;
  table.add(1, publish_into(r), true);
  complete(completed(1, request_kind::publish, bp::session_errc::packet_too_large));
  run(); // no write at all
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.ec, std::error_code(bp::session_errc::packet_too_large));
  EXPECT_EQ(table.pending(), 0u);
}

// --- disconnect: after the close ----------------------------------------------------

TEST_F(OperationTable, ADisconnectCompletesWhenTheConnectionCloses) {
  result r;
  table.add(1, plain_into(r));
  complete(completed(1, request_kind::disconnect));
  table.write_started();
  table.write_ended(); // the DISCONNECT is written: not enough
  run();
  EXPECT_EQ(r.calls, 0);
  table.connection_closed(connection_lost); // a requested disconnect succeeds all the same
  EXPECT_EQ(r.calls, 0);
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_FALSE(r.ec);
  // Only once: a later close finds nothing.
  table.connection_closed(connection_lost);
  run();
  EXPECT_EQ(r.calls, 1);
}

TEST_F(OperationTable, AFailedDisconnectCompletesAtOnce) {
  result r;
  table.add(1, plain_into(r));
  complete(completed(1, request_kind::disconnect, bp::session_errc::not_connected));
  run();
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.ec, std::error_code(bp::session_errc::not_connected));
}

} // namespace
} // namespace braid::detail
