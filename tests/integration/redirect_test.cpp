// MQTT 5 server redirection (Use another server 0x9C, Server moved 0x9D):
// braid::client sent on by a scripted front door, to itself (a loop) and to
// two private mosquittos, by CONNACK and by DISCONNECT.
#include <braid/client.hpp>
#include <braid/protocol/session/errors.hpp>

#include "mosquitto_broker.hpp"
#include "scripted_front.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace braid {
namespace {

namespace bp = braid::protocol;
using braid::testing::mosquitto_broker;
using braid::testing::redirect_to;
using braid::testing::scripted_front;
using kind = connection_event::kind;
using namespace std::chrono_literals;

template <class Future>
auto get(Future&& f) {
  if (f.wait_for(10s) != std::future_status::ready) {
    throw std::runtime_error("timed out");
  }
  return f.get();
}

// A client on its own thread whose connection events are kept.
class watched_client {
public:
  explicit watched_client(client_options options, std::string id = "braid-redirected")
      : work_(asio::make_work_guard(io_)),
        client_(io_.get_executor(), config(std::move(id)), std::move(options)) {
    client_.set_state_handler([this](const connection_event& e) {
      const std::lock_guard lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~watched_client() {
    client_.close();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  client& get() { return client_; }

  bool wait_for(kind k, std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return of_locked(k).size() >= n; });
  }
  std::vector<connection_event> of(kind k) const {
    const std::lock_guard lock(mutex_); // the client's thread adds events meanwhile
    return of_locked(k);
  }
  std::vector<kind> kinds() const {
    const std::lock_guard lock(mutex_);
    std::vector<kind> out;
    for (const auto& e : events_) {
      out.push_back(e.what);
    }
    return out;
  }

private:
  std::vector<connection_event> of_locked(kind k) const {
    std::vector<connection_event> out;
    for (const auto& e : events_) {
      if (e.what == k) {
        out.push_back(e);
      }
    }
    return out;
  }
  static bp::session_config config(std::string id) {
    bp::session_config c;
    c.connect_packet.version = bp::protocol_version::v5;
    c.connect_packet.client_id = std::move(id);
    return c;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  client client_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<connection_event> events_;
};

client_options reconnecting() {
  client_options o;
  o.reconnect.enabled = true;
  o.reconnect.policy = {50ms, 500ms, 2.0, 0.0};
  return o;
}

std::string at(const mosquitto_broker& broker) {
  return "127.0.0.1:" + broker.port_string();
}

// How a connect to `url` fails (empty if it succeeds).
std::error_code connect_error(client& c, const std::string& url) {
  try {
    get(c.async_connect(std::vector<std::string>{url}, asio::use_future));
    return {};
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
}

// True when a message the client publishes reaches a subscriber connected
// straight to `broker`: the client is connected there (the brokers are not bridged).
bool publishes_through(client& c, const mosquitto_broker& broker) {
  watched_client watcher(client_options{}, "braid-watcher");
  auto& w = watcher.get();
  get(w.async_connect("127.0.0.1", broker.port_string(), asio::use_future));
  get(w.async_subscribe({{"where/#", {bp::qos::at_least_once}}}, asio::use_future));
  get(c.async_publish("where/am-i", bp::to_bytes("here"), bp::qos::at_least_once, false,
                      asio::use_future));
  auto arrived = w.async_receive(asio::use_future);
  return arrived.wait_for(3s) == std::future_status::ready && arrived.get().topic == "where/am-i";
}

// The scenario of a deployment: a front door that sends clients on, a broker
// that restarts, one that moved for good.
TEST(Redirect, AClientFollowsTheFrontToOneBrokerThenForGoodToAnother) {
  mosquitto_broker a, b;
  scripted_front front([&](std::size_t n) -> std::vector<bp::packet> {
    if (n == 0) {
      return {redirect_to<bp::connack>(bp::reason_code::use_another_server, at(a))};
    }
    return {redirect_to<bp::connack>(bp::reason_code::server_moved, at(b))};
  });
  watched_client wc(reconnecting());
  auto& c = wc.get();
  get(c.async_connect(std::vector<std::string>{front.url()}, asio::use_future));
  EXPECT_TRUE(publishes_through(c, a));
  auto redirects = wc.of(kind::redirected);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].server_reference, at(a));
  EXPECT_FALSE(redirects[0].permanent);
  EXPECT_TRUE(redirects[0].followed);
  EXPECT_EQ(redirects[0].reason, bp::make_error_code(bp::reason_code::use_another_server));
  EXPECT_EQ(wc.kinds(), (std::vector<kind>{kind::disconnected, kind::redirected, kind::reconnecting,
                                           kind::connected}));
  EXPECT_EQ(wc.of(kind::reconnecting)[0].delay, 0ms); // a redirect is not a failure

  // Use another server held for one attempt: once a is gone, the client asks
  // the front again, which says b, for good.
  a.restart();
  ASSERT_TRUE(wc.wait_for(kind::connected, 2));
  EXPECT_EQ(front.connections(), 2u);
  EXPECT_TRUE(wc.of(kind::redirected)[1].permanent);
  EXPECT_TRUE(publishes_through(c, b));

  // Server moved: b took the front's place in the list.
  b.restart();
  ASSERT_TRUE(wc.wait_for(kind::connected, 3));
  EXPECT_EQ(front.connections(), 2u);
  EXPECT_TRUE(publishes_through(c, b));
}

TEST(Redirect, ABrokersDisconnectSendsAReconnectingClientOn) {
  mosquitto_broker a;
  scripted_front front([&](std::size_t) -> std::vector<bp::packet> {
    return {bp::connack{}, redirect_to<bp::disconnect>(bp::reason_code::use_another_server, at(a))};
  });
  watched_client wc(reconnecting());
  auto& c = wc.get();
  get(c.async_connect(std::vector<std::string>{front.url()}, asio::use_future));
  ASSERT_TRUE(wc.wait_for(kind::connected, 2));
  EXPECT_TRUE(publishes_through(c, a));
  const auto lost = wc.of(kind::disconnected);
  ASSERT_GE(lost.size(), 1u);
  ASSERT_TRUE(lost[0].server_disconnect.has_value());
  EXPECT_EQ(lost[0].server_disconnect->reason, bp::reason_code::use_another_server);
  EXPECT_TRUE(wc.of(kind::redirected).at(0).followed);
  EXPECT_EQ(front.connections(), 1u);
}

// Not reconnecting, a connection already made stays lost; the redirect is
// still reported, as not followed.
TEST(Redirect, ADisconnectsRedirectIsNotFollowedWithoutReconnecting) {
  scripted_front front([&](std::size_t) -> std::vector<bp::packet> {
    return {bp::connack{}, redirect_to<bp::disconnect>(bp::reason_code::server_moved, "elsewhere")};
  });
  watched_client wc(client_options{});
  get(wc.get().async_connect(std::vector<std::string>{front.url()}, asio::use_future));
  ASSERT_TRUE(wc.wait_for(kind::redirected, 1));
  EXPECT_FALSE(wc.of(kind::redirected)[0].followed);
  EXPECT_TRUE(wc.of(kind::redirected)[0].permanent);
  EXPECT_EQ(front.connections(), 1u);
  EXPECT_TRUE(wc.of(kind::reconnecting).empty());
}

// A front that sends the client back to itself: followed max_redirects
// times, then the refusal is an ordinary one (the connect fails with it).
TEST(Redirect, ARedirectLoopEndsAfterMaxRedirects) {
  std::string self;
  scripted_front front([&](std::size_t) -> std::vector<bp::packet> {
    return {redirect_to<bp::connack>(bp::reason_code::use_another_server, self)};
  });
  self = "127.0.0.1:" + front.port();
  client_options o;
  o.reconnect.max_redirects = 3;
  watched_client wc(o);
  EXPECT_EQ(connect_error(wc.get(), front.url()),
            bp::make_error_code(bp::reason_code::use_another_server));
  EXPECT_EQ(front.connections(), 4u);
  const auto redirects = wc.of(kind::redirected);
  ASSERT_EQ(redirects.size(), 4u);
  EXPECT_TRUE(redirects[2].followed);
  EXPECT_FALSE(redirects[3].followed);
}

// reconnect_options::follow_redirects off, or a reference that names no
// server: the refusal is the connect's result.
TEST(Redirect, ARefusedOrEmptyRedirectFailsTheConnectWithTheBrokersReason) {
  for (const bool follow : {false, true}) {
    SCOPED_TRACE(follow);
    scripted_front front([&](std::size_t) -> std::vector<bp::packet> {
      return {redirect_to<bp::connack>(bp::reason_code::server_moved,
                                       follow ? "host:0" : "127.0.0.1:1")};
    });
    client_options o;
    o.reconnect.follow_redirects = follow;
    watched_client wc(o);
    EXPECT_EQ(connect_error(wc.get(), front.url()),
              bp::make_error_code(bp::reason_code::server_moved));
    EXPECT_EQ(front.connections(), 1u);
    const auto redirects = wc.of(kind::redirected);
    ASSERT_EQ(redirects.size(), 1u);
    EXPECT_FALSE(redirects[0].followed);
  }
}

} // namespace
} // namespace braid
