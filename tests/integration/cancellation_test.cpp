// Per-operation cancellation of every asynchronous operation, against a
// private mosquitto: each operation under each cancellation type, the
// coroutine `||` idiom, and cancellation racing a completion (one completion,
// no message lost).
#include <braid/client.hpp>

#include "loopback_port.hpp"
#include "mosquitto_broker.hpp"
#include "scripted_v5_broker.hpp"
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace braid {
namespace {

namespace bp = braid::protocol;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using braid::testing::mosquitto_broker;
using ct = asio::cancellation_type;

const error_code aborted = asio::error::operation_aborted;
const std::vector<ct> every_type{ct::terminal, ct::partial, ct::total};

std::string text(bp::byte_view b) {
  return {b.begin(), b.end()};
}

bp::session_config config_for(std::string id, std::uint16_t window = 16) {
  bp::session_config c;
  c.connect_packet.client_id = std::move(id);
  c.connect_packet.keep_alive = 30;
  c.window = window;
  return c;
}

/// How an operation completed: how often, and with what error.
struct outcome {
  int calls = 0;
  error_code ec;
  bool done() const { return calls > 0; }
};

class Cancellation : public ::testing::Test {
protected:
  /// Runs handlers until `until()` holds or `limit` passes.
  void run_until(const std::function<bool()>& until, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!until() && std::chrono::steady_clock::now() < end) {
      io.restart();
      io.run_one_for(20ms);
    }
  }
  /// Runs handlers for `d` (to see that nothing more happens).
  void run_for(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }
  void connect(client& c) {
    bool connected = false;
    c.async_connect("127.0.0.1", broker.port_string(), [&](error_code ec, bp::connack) {
      EXPECT_FALSE(ec) << ec.message();
      connected = true;
    });
    run_until([&] { return connected; });
    ASSERT_TRUE(connected);
  }
  void subscribe(client& c, std::string filter) {
    bool done = false;
    c.async_subscribe({{std::move(filter), {bp::qos::at_least_once}}},
                      [&](error_code, std::vector<bp::reason_code>) { done = true; });
    run_until([&] { return done; });
  }
  /// A second client that records every payload on `filter`.
  std::unique_ptr<client> watcher(const std::string& filter, std::vector<std::string>& got) {
    auto w = std::make_unique<client>(io.get_executor(), config_for("braid-watcher"));
    connect(*w);
    subscribe(*w, filter);
    w->set_message_handler([&got](const bp::publish& m) { got.push_back(text(m.payload)); });
    return w;
  }
  mosquitto_broker broker;
  asio::io_context io;
};

// --- async_receive -----------------------------------------------------------------

TEST_F(Cancellation, AWaitingReceiveEndsWithOperationAbortedUnderEveryTypeAndLosesNothing) {
  for (ct type : every_type) {
    client c(io.get_executor(), config_for("braid-receiver"));
    connect(c);
    subscribe(c, "r/t");
    asio::cancellation_signal signal;
    outcome receive;
    c.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::publish) {
      ++receive.calls;
      receive.ec = ec;
    }));
    run_for(50ms);
    signal.emit(type);
    run_until([&] { return receive.done(); });
    EXPECT_EQ(receive.calls, 1);
    EXPECT_EQ(receive.ec, aborted) << receive.ec.message();
    // The next message goes to the next receive.
    c.async_publish("r/t", bp::to_bytes("after"), bp::qos::at_least_once, false,
                    [](error_code, bp::reason_code) {});
    std::optional<std::string> next;
    c.async_receive([&](error_code ec, bp::publish m) {
      EXPECT_FALSE(ec);
      next = text(m.payload);
    });
    run_until([&] { return next.has_value(); });
    EXPECT_EQ(next, "after");
    c.close();
    run_for(20ms);
  }
}

TEST_F(Cancellation, TheCoroutineOrIdiomBoundsAReceiveWithATimer) {
  client c(io.get_executor(), config_for("braid-or"));
  connect(c);
  subscribe(c, "or/t");
  std::optional<std::size_t> winner;
  std::optional<std::string> later;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io, 200ms);
        auto first = co_await (c.async_receive(asio::use_awaitable) ||
                               timer.async_wait(asio::use_awaitable));
        winner = first.index();
        // Nothing was lost: a message published now is the next one received.
        co_await c.async_publish("or/t", bp::to_bytes("next"), bp::qos::at_least_once, false,
                                 asio::use_awaitable);
        auto m = co_await c.async_receive(asio::use_awaitable);
        later = text(m.payload);
      },
      asio::detached);
  run_until([&] { return later.has_value(); });
  EXPECT_EQ(winner, 1u); // the timer
  EXPECT_EQ(later, "next");
}

// The cancellation comes while the message is being delivered: before the
// message reaches the receive (the receive ends aborted, the message waits
// for the next one), or after (the receive gets the message). Either way one
// completion and no lost message.
TEST_F(Cancellation, ReceiveCancellationRacingADeliveryCompletesOnceAndLosesNothing) {
  for (bool cancel_first : {true, false}) {
    asio::cancellation_signal signal;
    client_options options;
    client* self = nullptr;
    options.on_arrival = [&](const bp::publish&) {
      if (cancel_first) {
        signal.emit(ct::terminal); // on the strand, before the message is delivered
      } else {
        asio::post(self->get_executor(), [&] { signal.emit(ct::terminal); });
      }
    };
    client c(io.get_executor(), config_for("braid-race"), options);
    self = &c;
    connect(c);
    subscribe(c, "race/t");
    outcome receive;
    std::vector<std::string> got;
    c.async_receive(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::publish m) {
      ++receive.calls;
      receive.ec = ec;
      if (!ec) {
        got.push_back(text(m.payload));
      }
    }));
    c.async_publish("race/t", bp::to_bytes("m"), bp::qos::at_least_once, false,
                    [](error_code, bp::reason_code) {});
    run_until([&] { return receive.done(); });
    run_for(50ms);
    EXPECT_EQ(receive.calls, 1);
    if (cancel_first) {
      EXPECT_EQ(receive.ec, aborted);
      c.async_receive([&](error_code ec, bp::publish m) {
        EXPECT_FALSE(ec);
        got.push_back(text(m.payload));
      });
      run_until([&] { return !got.empty(); });
    } else {
      EXPECT_FALSE(receive.ec) << receive.ec.message();
    }
    EXPECT_EQ(got, std::vector<std::string>{"m"}) << (cancel_first ? "cancel first" : "after");
    c.close();
    run_for(20ms);
  }
}

// --- async_publish -------------------------------------------------------------------

// Window 1: the second publish waits behind the first. Every type withdraws
// it; it is never sent. The first is not affected.
TEST_F(Cancellation, AQueuedPublishIsWithdrawnUnderEveryType) {
  std::vector<std::string> seen;
  auto w = watcher("q/t", seen);
  for (ct type : every_type) {
    seen.clear();
    client c(io.get_executor(), config_for("braid-queued", 1));
    connect(c);
    asio::cancellation_signal signal;
    outcome first, second;
    c.async_publish("q/t", bp::to_bytes("1"), bp::qos::at_least_once, false,
                    [&](error_code ec, bp::reason_code) {
                      ++first.calls;
                      first.ec = ec;
                    });
    c.async_publish(
        "q/t", bp::to_bytes("2"), bp::qos::at_least_once, false,
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::reason_code) {
          ++second.calls;
          second.ec = ec;
        }));
    signal.emit(type);
    run_until([&] { return first.done() && second.done() && !seen.empty(); });
    run_for(100ms);
    EXPECT_FALSE(first.ec) << first.ec.message();
    EXPECT_EQ(second.calls, 1);
    EXPECT_EQ(second.ec, aborted) << second.ec.message();
    EXPECT_EQ(seen, std::vector<std::string>{"1"});
    c.close();
    run_for(20ms);
  }
}

// queue_full_policy::block: with the window and the queue full, a third
// publish waits outside the queue; cancelling it withdraws it.
TEST_F(Cancellation, APublishBlockedOnAFullQueueIsWithdrawn) {
  std::vector<std::string> seen;
  auto w = watcher("b/t", seen);
  client_options options;
  options.on_queue_full = queue_full_policy::block;
  auto config = config_for("braid-blocked", 1);
  config.queue_limit = 1;
  client c(io.get_executor(), config, options);
  connect(c);
  asio::cancellation_signal signal;
  int completed = 0;
  outcome blocked;
  for (const char* payload : {"1", "2"}) {
    c.async_publish("b/t", bp::to_bytes(payload), bp::qos::at_least_once, false,
                    [&](error_code ec, bp::reason_code) {
                      EXPECT_FALSE(ec) << ec.message();
                      ++completed;
                    });
  }
  c.async_publish("b/t", bp::to_bytes("3"), bp::qos::at_least_once, false,
                  asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::reason_code) {
                    ++blocked.calls;
                    blocked.ec = ec;
                  }));
  signal.emit(ct::total);
  run_until([&] { return completed == 2 && blocked.done() && seen.size() == 2; });
  run_for(100ms);
  EXPECT_EQ(blocked.calls, 1);
  EXPECT_EQ(blocked.ec, aborted) << blocked.ec.message();
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2"}));
}

// A publish already sent: total cancellation cannot undo it (it completes
// with its PUBACK); partial and terminal complete it at once, and the
// message still reaches the broker (QoS 1 keeps going unwatched).
TEST_F(Cancellation, ASentPublishIgnoresTotalAndEndsAtOnceOnPartialOrTerminal) {
  std::vector<std::string> seen;
  auto w = watcher("s/t", seen);
  for (ct type : every_type) {
    seen.clear();
    client c(io.get_executor(), config_for("braid-sent"));
    connect(c);
    asio::cancellation_signal signal;
    outcome publish;
    c.async_publish(
        "s/t", bp::to_bytes("sent"), bp::qos::at_least_once, false,
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::reason_code) {
          ++publish.calls;
          publish.ec = ec;
        }));
    signal.emit(type);
    run_until([&] { return publish.done() && !seen.empty(); });
    run_for(50ms);
    EXPECT_EQ(publish.calls, 1);
    if (type == ct::total) {
      EXPECT_FALSE(publish.ec) << publish.ec.message();
    } else {
      EXPECT_EQ(publish.ec, aborted) << publish.ec.message();
    }
    EXPECT_EQ(seen, std::vector<std::string>{"sent"});
    c.close();
    run_for(20ms);
  }
}

// The PUBACK arrives and the cancellation comes while it is being handled:
// before (from the packet trace, which runs before the session reads the
// PUBACK: the publish ends aborted) or after (it ends with its PUBACK). One
// completion either way.
TEST_F(Cancellation, PublishCancellationRacingItsAcknowledgementCompletesOnce) {
  for (bool cancel_first : {true, false}) {
    asio::cancellation_signal signal;
    client_options options;
    client* self = nullptr;
    options.packet_trace = [&](packet_direction d, const bp::packet& p) {
      if (d == packet_direction::received && std::holds_alternative<bp::puback>(p)) {
        if (cancel_first) {
          signal.emit(ct::terminal);
        } else {
          asio::post(self->get_executor(), [&] { signal.emit(ct::terminal); });
        }
      }
    };
    client c(io.get_executor(), config_for("braid-ack-race"), options);
    self = &c;
    connect(c);
    outcome publish;
    c.async_publish(
        "a/t", bp::to_bytes("x"), bp::qos::at_least_once, false,
        asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::reason_code) {
          ++publish.calls;
          publish.ec = ec;
        }));
    run_until([&] { return publish.done(); });
    run_for(50ms);
    EXPECT_EQ(publish.calls, 1);
    if (cancel_first) {
      EXPECT_EQ(publish.ec, aborted) << publish.ec.message();
    } else {
      EXPECT_FALSE(publish.ec) << publish.ec.message();
    }
    c.close();
    run_for(20ms);
  }
}

// --- async_subscribe and async_unsubscribe -----------------------------------------

/// Counts the packets of type T the client sends.
template <class T>
client_options counting_sent(int& count) {
  client_options options;
  options.packet_trace = [&count](packet_direction d, const bp::packet& p) {
    if (d == packet_direction::sent && std::holds_alternative<T>(p)) {
      ++count;
    }
  };
  return options;
}

// Requested before connecting, the SUBSCRIBE waits for the connection: every
// type withdraws it, and it is never sent.
TEST_F(Cancellation, AnUnsentSubscribeIsWithdrawnUnderEveryType) {
  for (ct type : every_type) {
    int subscribes_sent = 0;
    client c(io.get_executor(), config_for("braid-unsent-sub"),
             counting_sent<bp::subscribe>(subscribes_sent));
    asio::cancellation_signal signal;
    outcome sub;
    c.async_subscribe({{"u/t", {bp::qos::at_least_once}}},
                      asio::bind_cancellation_slot(
                          signal.slot(), [&](error_code ec, std::vector<bp::reason_code>) {
                            ++sub.calls;
                            sub.ec = ec;
                          }));
    run_for(20ms);
    signal.emit(type);
    run_until([&] { return sub.done(); });
    EXPECT_EQ(sub.ec, aborted) << sub.ec.message();
    connect(c);
    run_for(100ms);
    EXPECT_EQ(sub.calls, 1);
    EXPECT_EQ(subscribes_sent, 0);
    c.close();
    run_for(20ms);
  }
}

TEST_F(Cancellation, ASentSubscribeIgnoresTotalAndEndsAtOnceOnPartialOrTerminal) {
  for (ct type : every_type) {
    client c(io.get_executor(), config_for("braid-sent-sub"));
    connect(c);
    asio::cancellation_signal signal;
    outcome sub;
    c.async_subscribe({{"ss/t", {bp::qos::at_least_once}}},
                      asio::bind_cancellation_slot(
                          signal.slot(), [&](error_code ec, std::vector<bp::reason_code>) {
                            ++sub.calls;
                            sub.ec = ec;
                          }));
    signal.emit(type);
    run_until([&] { return sub.done(); });
    EXPECT_EQ(sub.calls, 1);
    if (type == ct::total) {
      EXPECT_FALSE(sub.ec) << sub.ec.message();
    } else {
      EXPECT_EQ(sub.ec, aborted) << sub.ec.message();
    }
    // Sent is sent: the subscription holds either way.
    std::optional<std::string> got;
    c.async_publish("ss/t", bp::to_bytes("held"), bp::qos::at_least_once, false,
                    [](error_code, bp::reason_code) {});
    c.async_receive([&](error_code, bp::publish m) { got = text(m.payload); });
    run_until([&] { return got.has_value(); });
    EXPECT_EQ(got, "held");
    c.close();
    run_for(20ms);
  }
}

TEST_F(Cancellation, AnUnsentUnsubscribeIsWithdrawnAndASentOneEndsOnPartial) {
  int unsubscribes_sent = 0;
  client c(io.get_executor(), config_for("braid-unsub"),
           counting_sent<bp::unsubscribe>(unsubscribes_sent));
  asio::cancellation_signal unsent_signal, sent_signal;
  outcome unsent, sent;
  c.async_unsubscribe(
      {"x/t"}, asio::bind_cancellation_slot(unsent_signal.slot(),
                                            [&](error_code ec, std::vector<bp::reason_code>) {
                                              ++unsent.calls;
                                              unsent.ec = ec;
                                            }));
  unsent_signal.emit(ct::total);
  run_until([&] { return unsent.done(); });
  connect(c);
  run_for(50ms);
  EXPECT_EQ(unsent.ec, aborted);
  EXPECT_EQ(unsubscribes_sent, 0);
  c.async_unsubscribe(
      {"x/t"}, asio::bind_cancellation_slot(sent_signal.slot(),
                                            [&](error_code ec, std::vector<bp::reason_code>) {
                                              ++sent.calls;
                                              sent.ec = ec;
                                            }));
  sent_signal.emit(ct::partial);
  run_until([&] { return sent.done(); });
  run_for(50ms);
  EXPECT_EQ(sent.calls, 1);
  EXPECT_EQ(sent.ec, aborted);
  EXPECT_EQ(unsubscribes_sent, 1); // sent, its UNSUBACK not waited for
}

// --- async_ping ------------------------------------------------------------------------

TEST_F(Cancellation, APingIgnoresTotalAndEndsAtOnceOnPartialOrTerminal) {
  client c(io.get_executor(), config_for("braid-ping"));
  connect(c);
  for (ct type : every_type) {
    asio::cancellation_signal signal;
    outcome ping;
    c.async_ping(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) {
      ++ping.calls;
      ping.ec = ec;
    }));
    signal.emit(type);
    run_until([&] { return ping.done(); });
    run_for(50ms);
    EXPECT_EQ(ping.calls, 1);
    if (type == ct::total) {
      EXPECT_FALSE(ping.ec) << ping.ec.message();
    } else {
      EXPECT_EQ(ping.ec, aborted) << ping.ec.message();
    }
  }
}

// --- async_reauthenticate ---------------------------------------------------------------

struct fixed_authenticator : bp::authenticator {
  std::string method() const override { return "TEST"; }
  bp::bytes initial_data() override { return bp::to_bytes("hello"); }
  std::error_code respond(const bp::bytes&, bp::bytes& response) override {
    response = bp::to_bytes("again");
    return {};
  }
};

TEST_F(Cancellation, AReauthenticationIgnoresTotalAndEndsAtOnceOnPartial) {
  braid::testing::scripted_v5_broker server(io); // answers CONNECT only: AUTH gets nothing
  fixed_authenticator auth;
  auto config = config_for("braid-reauth");
  config.connect_packet.version = bp::protocol_version::v5;
  config.auth = &auth;
  client c(io.get_executor(), config);
  bool connected = false;
  c.async_connect("127.0.0.1", server.port(), [&](error_code ec, bp::connack) {
    EXPECT_FALSE(ec) << ec.message();
    connected = true;
  });
  run_until([&] { return connected; });
  ASSERT_TRUE(connected);
  asio::cancellation_signal signal;
  outcome reauth;
  c.async_reauthenticate(
      asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, auth_result) {
        ++reauth.calls;
        reauth.ec = ec;
      }));
  run_for(50ms);
  signal.emit(ct::total); // the AUTH is out: nothing to withdraw
  run_for(100ms);
  EXPECT_EQ(reauth.calls, 0);
  signal.emit(ct::partial);
  run_until([&] { return reauth.done(); });
  run_for(50ms);
  EXPECT_EQ(reauth.calls, 1);
  EXPECT_EQ(reauth.ec, aborted) << reauth.ec.message();
  c.close();
  run_for(20ms);
}

// --- async_connect ---------------------------------------------------------------------

/// A client reconnecting every ~20 ms to a port nothing listens on.
client_options retrying_fast() {
  client_options options;
  options.reconnect.enabled = true;
  options.reconnect.policy = {20ms, 20ms, 1.0, 0.0};
  return options;
}

TEST_F(Cancellation, TerminalOrPartialCancellationOfConnectStopsTheReconnectingService) {
  for (ct type : {ct::terminal, ct::partial}) {
    client c(io.get_executor(), config_for("braid-connect"), retrying_fast());
    int attempts = 0;
    c.set_state_handler([&](const connection_event& e) {
      attempts += e.what == connection_event::kind::reconnecting ? 1 : 0;
    });
    asio::cancellation_signal signal;
    outcome connect;
    const auto dead = std::to_string(braid::mosquitto::free_loopback_port());
    c.async_connect("127.0.0.1", dead,
                    asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::connack) {
                      ++connect.calls;
                      connect.ec = ec;
                    }));
    run_until([&] { return attempts >= 2; });
    signal.emit(type);
    run_until([&] { return connect.done(); });
    const int attempts_when_cancelled = attempts;
    run_for(200ms);
    EXPECT_EQ(connect.calls, 1);
    EXPECT_EQ(connect.ec, aborted) << connect.ec.message();
    EXPECT_EQ(attempts, attempts_when_cancelled) << "it went on trying";
  }
}

TEST_F(Cancellation, TheCoroutineOrIdiomGivesConnectATimeout) {
  client c(io.get_executor(), config_for("braid-connect-or"), retrying_fast());
  int attempts = 0;
  c.set_state_handler([&](const connection_event& e) {
    attempts += e.what == connection_event::kind::reconnecting ? 1 : 0;
  });
  const auto dead = std::to_string(braid::mosquitto::free_loopback_port());
  std::optional<std::size_t> winner;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(io, 150ms);
        auto first = co_await (c.async_connect("127.0.0.1", dead, asio::use_awaitable) ||
                               timer.async_wait(asio::use_awaitable));
        winner = first.index();
      },
      asio::detached);
  run_until([&] { return winner.has_value(); });
  const int attempts_then = attempts;
  run_for(200ms);
  EXPECT_EQ(winner, 1u);
  EXPECT_GT(attempts_then, 0);
  EXPECT_EQ(attempts, attempts_then);
}

TEST_F(Cancellation, TotalCancellationOfConnectIsIgnored) {
  client c(io.get_executor(), config_for("braid-connect-total"));
  asio::cancellation_signal signal;
  outcome connect;
  c.async_connect("127.0.0.1", broker.port_string(),
                  asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, bp::connack) {
                    ++connect.calls;
                    connect.ec = ec;
                  }));
  signal.emit(ct::total);
  run_until([&] { return connect.done(); });
  EXPECT_EQ(connect.calls, 1);
  EXPECT_FALSE(connect.ec) << connect.ec.message();
}

// --- async_disconnect ------------------------------------------------------------------

// Partial: the handler ends at once; the connection still closes after its
// last bytes. Terminal: it closes at once. Total cannot stop a DISCONNECT
// that is written: the handler ends when the connection is closed.
TEST_F(Cancellation, DisconnectEndsAtOnceOnPartialOrTerminalAndTheConnectionCloses) {
  for (ct type : every_type) {
    client c(io.get_executor(), config_for("braid-disconnect"));
    connect(c);
    int disconnected = 0;
    c.set_state_handler([&](const connection_event& e) {
      disconnected += e.what == connection_event::kind::disconnected ? 1 : 0;
    });
    asio::cancellation_signal signal;
    outcome disconnect;
    c.async_disconnect(asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) {
      ++disconnect.calls;
      disconnect.ec = ec;
    }));
    signal.emit(type);
    run_until([&] { return disconnect.done() && disconnected > 0; });
    run_for(50ms);
    EXPECT_EQ(disconnect.calls, 1);
    if (type == ct::total) {
      EXPECT_FALSE(disconnect.ec) << disconnect.ec.message();
    } else {
      EXPECT_EQ(disconnect.ec, aborted) << disconnect.ec.message();
    }
    EXPECT_EQ(disconnected, 1);
  }
}

} // namespace
} // namespace braid
