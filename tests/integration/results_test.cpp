// What the broker answers reaches the completion handlers: reason codes,
// MQTT 5 properties and packet identifiers of PUBACK, PUBCOMP, SUBACK and
// UNSUBACK, from a scripted MQTT 5 broker that puts properties in every
// acknowledgement (mosquitto sends none).
#include <braid/client.hpp>

#include "scripted_v5_broker.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace braid {
namespace {

namespace bp = braid::protocol;
using asio::use_awaitable;
using braid::testing::scripted_v5_broker;

/// The properties every acknowledgement of the scripted broker carries.
bp::properties answer_props(const std::string& what) {
  bp::properties props;
  props.add(bp::property_id::reason_string, what);
  props.add_user_property("broker", "scripted");
  return props;
}

/// The scripted broker's answers: PUBACK "no matching subscribers", PUBREC
/// then PUBCOMP, SUBACK, UNSUBACK, each with answer_props() naming the packet.
std::vector<bp::packet> acknowledge(const bp::packet& p) {
  if (const auto* m = std::get_if<bp::publish>(&p)) {
    if (m->qos == bp::qos::at_least_once) {
      return {bp::puback{m->packet_id, bp::reason_code::no_matching_subscribers,
                         answer_props("puback")}};
    }
    if (m->qos == bp::qos::exactly_once) {
      return {bp::pubrec{m->packet_id, bp::reason_code::success, answer_props("pubrec")}};
    }
  } else if (const auto* rel = std::get_if<bp::pubrel>(&p)) {
    return {bp::pubcomp{rel->packet_id, bp::reason_code::success, answer_props("pubcomp")}};
  } else if (const auto* s = std::get_if<bp::subscribe>(&p)) {
    return {bp::suback{s->packet_id, {bp::reason_code::granted_qos_1}, answer_props("suback")}};
  } else if (const auto* u = std::get_if<bp::unsubscribe>(&p)) {
    return {bp::unsuback{u->packet_id, {bp::reason_code::success}, answer_props("unsuback")}};
  }
  return {};
}

TEST(Results, AcknowledgementsReachTheHandlerWithPropertiesAndPacketIds) {
  asio::io_context io;
  scripted_v5_broker broker(io, acknowledge);
  bp::session_config config;
  config.connect_packet.version = bp::protocol_version::v5;
  config.connect_packet.client_id = "braid-results";
  client c(io.get_executor(), config);
  std::optional<publish_result> qos1, qos2, qos0;
  std::optional<subscribe_result> sub;
  std::optional<unsubscribe_result> unsub;
  bool finished = false;
  // (Outside the coroutine: g++ 12 rejects braced lists inside a co_await expression.)
  const std::vector<std::string> unfilters{"r/#"};
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await c.async_connect("127.0.0.1", broker.port(), use_awaitable);
        std::vector<bp::subscription> filters{{"r/#", {bp::qos::at_least_once}}};
        sub = co_await c.async_subscribe(filters, use_awaitable);
        qos1 = co_await c.async_publish("r/1", bp::to_bytes("a"), bp::qos::at_least_once, false,
                                        use_awaitable);
        qos2 = co_await c.async_publish("r/2", bp::to_bytes("b"), bp::qos::exactly_once, false,
                                        use_awaitable);
        qos0 = co_await c.async_publish("r/0", bp::to_bytes("c"), bp::qos::at_most_once, false,
                                        use_awaitable);
        unsub = co_await c.async_unsubscribe(unfilters, use_awaitable);
        finished = true;
        c.close();
      },
      [&](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& x) {
            ADD_FAILURE() << x.what();
          }
        }
        io.stop();
      });
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(finished);

  EXPECT_EQ(*sub, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});
  EXPECT_EQ(sub->props, answer_props("suback"));
  EXPECT_EQ(sub->packet_id, 1);

  EXPECT_EQ(qos1->reason, bp::reason_code::no_matching_subscribers);
  EXPECT_EQ(qos1->props, answer_props("puback"));
  EXPECT_EQ(qos1->packet_id, 2);
  EXPECT_EQ(*qos1, bp::reason_code::no_matching_subscribers); // converts to its reason

  EXPECT_EQ(qos2->reason, bp::reason_code::success);
  EXPECT_EQ(qos2->props, answer_props("pubcomp")); // the PUBCOMP's, which ended it
  EXPECT_EQ(qos2->packet_id, 3);

  EXPECT_EQ(qos0->packet_id, 0);
  EXPECT_TRUE(qos0->props.empty());

  EXPECT_EQ(*unsub, std::vector<bp::reason_code>{bp::reason_code::success});
  EXPECT_EQ(unsub->props, answer_props("unsuback"));
}

// Handlers written for the reason code alone keep working.
TEST(Results, HandlersTakingTheReasonCodeOrTheVectorStillWork) {
  asio::io_context io;
  scripted_v5_broker broker(io, acknowledge);
  bp::session_config config;
  config.connect_packet.version = bp::protocol_version::v5;
  config.connect_packet.client_id = "braid-results-compat";
  client c(io.get_executor(), config);
  std::optional<bp::reason_code> reason;
  std::optional<std::vector<bp::reason_code>> granted;
  c.async_connect("127.0.0.1", broker.port(), [&](error_code, bp::connack) {
    c.async_subscribe({{"r/#", {bp::qos::at_least_once}}},
                      [&](error_code, std::vector<bp::reason_code> codes) { granted = codes; });
    c.async_publish("r/1", bp::to_bytes("a"), bp::qos::at_least_once, false,
                    [&](error_code, bp::reason_code rc) {
                      reason = rc;
                      io.stop();
                    });
  });
  io.run_for(std::chrono::seconds(10));
  EXPECT_EQ(reason, bp::reason_code::no_matching_subscribers);
  EXPECT_EQ(granted, std::vector<bp::reason_code>{bp::reason_code::granted_qos_1});
}

} // namespace
} // namespace braid
