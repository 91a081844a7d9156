// Requests that wait for an answer: subscribe, unsubscribe, ping, disconnect,
// MQTT 5 enhanced authentication and re-authentication; requests made while
// disconnected; resubscription; misuse; cancel.
#include <braid/protocol/error.hpp>
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::protocol {
namespace {

using testing::actions;
using testing::make_config;
using testing::packets;
using testing::scripted_peer;

constexpr auto v3_1_1 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

bytes raw(std::initializer_list<std::uint8_t> b) {
  return bytes(b);
}

subscription sub(std::string filter, qos q = qos::at_most_once) {
  return subscription{std::move(filter), subscription_options{q}};
}

request_completed completed(request_id id, request_kind kind, std::error_code ec = {},
                            std::vector<reason_code> reasons = {}, properties props = {}) {
  request_completed done;
  done.id = id;
  done.kind = kind;
  done.error = ec;
  done.reasons = std::move(reasons);
  done.props = std::move(props);
  return done;
}

connected connected_event(bool session_present, std::size_t resubscribed) {
  connected e;
  e.ack.session_present = session_present;
  e.resubscribed = resubscribed;
  return e;
}

request_id unsubscribe_from(scripted_peer& peer, std::vector<std::string> filters,
                            properties props = {}) {
  request_id id = 0;
  auto ec = peer.client().unsubscribe(std::move(filters), std::move(props), id, peer.now());
  EXPECT_FALSE(ec) << ec.message();
  return id;
}

// --- a test authenticator (MQTT 5 enhanced authentication) -------------------------

class test_authenticator final : public authenticator {
public:
  std::string method() const override { return "TEST-SCRAM"; }
  bytes initial_data() override { return to_bytes("client-first-" + std::to_string(++starts)); }
  std::error_code respond(const bytes& challenge, bytes& response) override {
    challenges.emplace_back(challenge.begin(), challenge.end());
    if (refuse) {
      return std::make_error_code(std::errc::permission_denied);
    }
    response = to_bytes("proof:" + challenges.back());
    return {};
  }
  void succeeded(const bytes& final_data) override {
    successes.emplace_back(final_data.begin(), final_data.end());
  }

  int starts = 0;
  bool refuse = false;
  std::vector<std::string> challenges;
  std::vector<std::string> successes;
};

properties auth_props(std::string method, std::string data) {
  properties p;
  p.add(property_id::authentication_method, std::move(method));
  p.add(property_id::authentication_data, to_bytes(data));
  return p;
}

session_config auth_config(test_authenticator& a) {
  auto config = make_config(v5);
  config.connect_packet.props.add(property_id::session_expiry_interval, 60u);
  config.auth = &a;
  return config;
}

// --- subscribe -----------------------------------------------------------------

TEST(Subscribe, ManyFiltersGoInOneSubscribe) {
  scripted_peer peer(make_config());
  peer.connect();
  const std::vector<subscription> subs{sub("a/b"), sub("c", qos::at_least_once),
                                       sub("d/#", qos::exactly_once)};
  peer.subscribe(subs);
  EXPECT_EQ(peer.sent_bytes(), raw({0x82, 0x12,                          // SUBSCRIBE, length 18
                                    0x00, 0x01,                          // packet id 1
                                    0x00, 0x03, 'a', '/',  'b', 0x00,    // QoS 0
                                    0x00, 0x01, 'c', 0x01,               // QoS 1
                                    0x00, 0x03, 'd', '/',  '#', 0x02})); // QoS 2
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.client().packet_ids().in_use(1));
}

TEST(Subscribe, V311SubackGivesAReasonPerFilterAndOnlyGrantedOnesAreRemembered) {
  scripted_peer peer(make_config());
  peer.connect();
  auto id = peer.subscribe(
      {sub("a", qos::at_least_once), sub("b", qos::exactly_once), sub("c", qos::exactly_once)});
  EXPECT_EQ(peer.sent(),
            (packets{subscribe{1,
                               {sub("a", qos::at_least_once), sub("b", qos::exactly_once),
                                sub("c", qos::exactly_once)},
                               {}}}));
  peer.receive_bytes(
      raw({0x90, 0x05, 0x00, 0x01, 0x01, 0x80, 0x02})); // granted 1, failure, granted 2
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(id, request_kind::subscribe, {},
                               {reason_code::granted_qos_1, reason_code::unspecified_error,
                                reason_code::granted_qos_2})}));
  EXPECT_EQ(peer.store().subscriptions(),
            (std::vector<subscription>{sub("a", qos::at_least_once), sub("c", qos::exactly_once)}));
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
}

TEST(Subscribe, V5ReasonCodesAndPropertiesAreReported) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  auto id = peer.subscribe({sub("a/+", qos::at_least_once), sub("b/#"), sub("$share/g/c")});
  peer.sent();
  suback ack{1,
             {reason_code::granted_qos_1, reason_code::wildcard_subscriptions_not_supported,
              reason_code::not_authorized},
             {}};
  ack.props.add(property_id::reason_string, std::string{"partly refused"})
      .add_user_property("k", "v");
  peer.receive(ack);
  auto expected = completed(id, request_kind::subscribe, {}, ack.reasons, ack.props);
  expected.packet_id = 1; // the SUBSCRIBE's
  EXPECT_EQ(peer.take_exact_actions(), (actions{expected}));
  EXPECT_EQ(peer.store().subscriptions(),
            (std::vector<subscription>{sub("a/+", qos::at_least_once)}));
}

TEST(Subscribe, V5OptionsAndSubscriptionIdentifierAreWrittenExactly) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  subscription s{"a", {qos::at_least_once, true, true, retain_handling::do_not_send}};
  properties props;
  props.add(property_id::subscription_identifier, 300u);
  peer.subscribe({s}, props);
  EXPECT_EQ(peer.sent_bytes(), raw({0x82, 0x0A,       // SUBSCRIBE, length 10
                                    0x00, 0x01,       // packet id 1
                                    0x03,             // properties: 3 bytes
                                    0x0B, 0xAC, 0x02, // Subscription Identifier 300
                                    0x00, 0x01, 'a',  // filter
                                    0x2D}));          // QoS 1, no local, RAP, retain handling 2
}

TEST(Subscribe, V5RequestOverTheBrokersMaximumPacketSizeIsRefused) {
  scripted_peer peer(make_config(v5));
  properties limits;
  limits.add(property_id::maximum_packet_size, 20u);
  peer.connect(connack{false, reason_code::success, limits});
  request_id id = 0;
  EXPECT_EQ(peer.client().subscribe({sub(std::string(30, 'f'))}, {}, id, peer.now()),
            make_error_code(session_errc::packet_too_large));
  EXPECT_EQ(peer.client().unsubscribe({std::string(30, 'f')}, {}, id, peer.now()),
            make_error_code(session_errc::packet_too_large));
  EXPECT_TRUE(peer.sent().empty());
  peer.subscribe({sub("short")}); // 13 bytes
  EXPECT_EQ(peer.sent(), (packets{subscribe{1, {sub("short")}, {}}}));
}

TEST(Subscribe, SubackWithTheWrongNumberOfReasonsIsAProtocolError) {
  for (auto v : {v3_1_1, v5}) {
    SCOPED_TRACE(static_cast<int>(v));
    scripted_peer peer(make_config(v));
    peer.connect();
    peer.subscribe({sub("a"), sub("b")});
    peer.sent();
    peer.receive(suback{1, {reason_code::granted_qos_0}, {}});
    EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                            close_connection{session_errc::packet_id_mismatch}}));
    EXPECT_EQ(peer.sent(), v == v5 ? packets{disconnect{reason_code::protocol_error}} : packets{});
    EXPECT_TRUE(peer.store().subscriptions().empty());
  }
}

TEST(Subscribe, SubackForAnUnknownPacketIdIsIgnored) {
  scripted_peer peer(make_config());
  peer.connect();
  auto id = peer.subscribe({sub("a")});
  peer.sent();
  peer.receive(suback{7, {reason_code::granted_qos_0}, {}});
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
  // An UNSUBACK with the id of the SUBSCRIBE does not answer it either.
  peer.receive(unsuback{1, {}, {}});
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(suback{1, {reason_code::granted_qos_0}, {}});
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(id, request_kind::subscribe, {}, {reason_code::granted_qos_0})}));
}

// --- unsubscribe ---------------------------------------------------------------

TEST(Unsubscribe, V311RemovesTheRememberedSubscriptions) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.subscribe({sub("a"), sub("b"), sub("c")});
  peer.receive(suback{
      1, {reason_code::granted_qos_0, reason_code::granted_qos_0, reason_code::granted_qos_0}, {}});
  peer.sent();
  peer.take_actions();
  auto id = unsubscribe_from(peer, {"a", "c"});
  EXPECT_EQ(peer.sent_bytes(), raw({0xA2, 0x08, 0x00, 0x02, 0x00, 0x01, 'a', 0x00, 0x01, 'c'}));
  peer.receive(unsuback{2, {}, {}});
  EXPECT_EQ(peer.take_actions(), (actions{completed(id, request_kind::unsubscribe)}));
  EXPECT_EQ(peer.store().subscriptions(), std::vector<subscription>{sub("b")});
}

TEST(Unsubscribe, V5KeepsTheSubscriptionsTheBrokerRefusedToRemove) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.subscribe({sub("a"), sub("b"), sub("c")});
  peer.receive(suback{
      1, {reason_code::granted_qos_0, reason_code::granted_qos_0, reason_code::granted_qos_0}, {}});
  peer.sent();
  peer.take_actions();
  auto id = unsubscribe_from(peer, {"a", "b", "c"});
  EXPECT_EQ(peer.sent(), (packets{unsubscribe{2, {"a", "b", "c"}, {}}}));
  const std::vector<reason_code> reasons{reason_code::success, reason_code::no_subscription_existed,
                                         reason_code::not_authorized};
  peer.receive(unsuback{2, reasons, {}});
  EXPECT_EQ(peer.take_actions(), (actions{completed(id, request_kind::unsubscribe, {}, reasons)}));
  EXPECT_EQ(peer.store().subscriptions(), std::vector<subscription>{sub("c")});
}

TEST(Unsubscribe, V5UnsubackWithTheWrongNumberOfReasonsIsAProtocolError) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  unsubscribe_from(peer, {"a", "b"});
  peer.sent();
  peer.receive(unsuback{1, {reason_code::success}, {}});
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::packet_id_mismatch}}));
}

// --- requests while disconnected --------------------------------------------------

TEST(OfflineRequests, AreSentInOrderAfterTheNextConnack) {
  scripted_peer peer(make_config());
  auto s = peer.subscribe({sub("a", qos::at_least_once)});
  auto u = unsubscribe_from(peer, {"old/#"});
  EXPECT_NE(s, u);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{peer.client().config().connect_packet});
  auto s2 = peer.subscribe({sub("b")}); // while CONNECT waits for its answer
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), (packets{subscribe{1, {sub("a", qos::at_least_once)}, {}},
                                  unsubscribe{2, {"old/#"}, {}}, subscribe{3, {sub("b")}, {}}}));
  peer.take_actions();
  peer.receive(unsuback{2, {}, {}});
  peer.receive(suback{1, {reason_code::granted_qos_1}, {}});
  peer.receive(suback{3, {reason_code::granted_qos_0}, {}});
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(u, request_kind::unsubscribe),
                     completed(s, request_kind::subscribe, {}, {reason_code::granted_qos_1}),
                     completed(s2, request_kind::subscribe, {}, {reason_code::granted_qos_0})}));
}

TEST(OfflineRequests, FailWithRequestLimitPastTheOfflineLimit) {
  auto config = make_config();
  config.offline_limit = 2;
  scripted_peer peer(config);
  peer.subscribe({sub("a")});
  unsubscribe_from(peer, {"b"});
  request_id id = 0;
  EXPECT_EQ(peer.client().subscribe({sub("c")}, {}, id, peer.now()),
            make_error_code(session_errc::request_limit));
  EXPECT_EQ(peer.client().unsubscribe({"c"}, {}, id, peer.now()),
            make_error_code(session_errc::request_limit));
  EXPECT_EQ(id, 0u);
  EXPECT_TRUE(peer.take_actions().empty());
}

TEST(OfflineRequests, SubscribeInFlightWhenTheConnectionDropsIsSentAgain) {
  scripted_peer peer(make_config(v3_1_1, false));
  peer.connect();
  auto id = peer.subscribe({sub("a", qos::exactly_once)});
  EXPECT_EQ(peer.sent(), (packets{subscribe{1, {sub("a", qos::exactly_once)}, {}}}));
  peer.close();
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive}}));
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  auto sent = peer.sent();
  ASSERT_EQ(sent.size(), 1u);
  auto& again = std::get<subscribe>(sent[0]);
  EXPECT_EQ(again.subscriptions, std::vector<subscription>{sub("a", qos::exactly_once)});
  EXPECT_NE(again.packet_id, 0);
  peer.take_actions();
  peer.receive(suback{again.packet_id, {reason_code::granted_qos_2}, {}});
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(id, request_kind::subscribe, {}, {reason_code::granted_qos_2})}));
}

// --- resubscription -------------------------------------------------------------

TEST(Resubscribe, RememberedSubscriptionsAreRestoredWhenTheBrokerLostTheSession) {
  scripted_peer peer(make_config(v5, false));
  peer.connect();
  const subscription a{"a/#", {qos::at_least_once, true, false, retain_handling::do_not_send}};
  peer.subscribe({a, sub("b"), sub("refused")});
  peer.receive(
      suback{1,
             {reason_code::granted_qos_1, reason_code::granted_qos_0, reason_code::not_authorized},
             {}});
  peer.sent();
  peer.take_actions();
  peer.close();
  peer.take_actions();

  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(), (packets{subscribe{2, {a, sub("b")}, {}}}));
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 60'000}, connected_event(false, 2)}));
  // The session's own request completes nothing for the application.
  peer.receive(suback{2, {reason_code::granted_qos_1, reason_code::granted_qos_0}, {}});
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_FALSE(peer.client().packet_ids().in_use(2));
}

TEST(Resubscribe, RepeatedSessionLossSendsOneResubscription) {
  scripted_peer peer(make_config(v3_1_1, false));
  peer.connect();
  peer.subscribe({sub("a")});
  peer.receive(suback{1, {reason_code::granted_qos_0}, {}});
  peer.close();
  peer.open();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(),
            (packets{peer.client().config().connect_packet, subscribe{2, {sub("a")}, {}}}));
  // Lost again before the SUBACK: one SUBSCRIBE, not one per connection.
  peer.close();
  peer.open();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(),
            (packets{peer.client().config().connect_packet, subscribe{3, {sub("a")}, {}}}));
  EXPECT_EQ(peer.take<connected>().back().resubscribed, 1u);
}

TEST(Resubscribe, CleanStartRestoresSubscriptionsOnEveryConnection) {
  scripted_peer peer(make_config(v3_1_1, true));
  peer.connect();
  peer.subscribe({sub("a", qos::at_least_once)});
  peer.receive(suback{1, {reason_code::granted_qos_1}, {}});
  peer.close();
  peer.open();
  peer.sent();
  peer.take_actions();
  peer.receive(connack{false});
  EXPECT_EQ(peer.sent(), (packets{subscribe{2, {sub("a", qos::at_least_once)}, {}}}));
  EXPECT_EQ(peer.take<connected>(), std::vector<connected>{connected_event(false, 1)});
}

TEST(Resubscribe, SubscriptionsKeptByTheStoreAcrossARestartAreRestored) {
  // A durable store handed to a new session (a restarted process) that kept
  // only subscriptions: the broker has lost the session, so they are restored.
  memory_store store;
  store.add_subscription(sub("kept/#", qos::at_least_once));
  session s(make_config(v3_1_1, false), store);
  s.connection_opened(0);
  output_buffer ack;
  ASSERT_FALSE(encode(packet{connack{false}}, v3_1_1, ack));
  s.bytes_received(ack.view(), 0);
  output_buffer out;
  s.swap_output(out);
  decoder d({.version = v3_1_1});
  byte_view in = out.view();
  packets sent;
  while (!in.empty()) {
    packet p;
    auto r = d.feed(in, p);
    ASSERT_NE(r.status, decode_status::error);
    in = in.subspan(r.consumed);
    if (r.status == decode_status::packet_ready) {
      sent.push_back(std::move(p));
    }
  }
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1], (packet{subscribe{1, {sub("kept/#", qos::at_least_once)}, {}}}));
}

TEST(Resubscribe, NothingIsSentWhenTheSessionIsPresent) {
  scripted_peer peer(make_config(v3_1_1, false));
  peer.connect();
  peer.subscribe({sub("a")});
  peer.receive(suback{1, {reason_code::granted_qos_0}, {}});
  peer.close();
  peer.take_actions();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 60'000}, connected_event(true, 0)}));
}

TEST(Resubscribe, OffWhenConfigured) {
  auto config = make_config(v3_1_1, false);
  config.resubscribe = false;
  scripted_peer peer(config);
  peer.connect();
  peer.subscribe({sub("a")});
  peer.receive(suback{1, {reason_code::granted_qos_0}, {}});
  peer.close();
  peer.open();
  peer.sent();
  peer.take_actions();
  peer.receive(connack{false});
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take<connected>(), std::vector<connected>{connected_event(false, 0)});
}

// --- ping ---------------------------------------------------------------------------

TEST(NotConnected, PingDisconnectAndReauthenticateAreRefused) {
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  request_id id = 0;
  EXPECT_EQ(peer.client().ping(id, peer.now()), make_error_code(session_errc::not_connected));
  EXPECT_EQ(peer.client().disconnect(reason_code::normal_disconnection, {}, id, peer.now()),
            make_error_code(session_errc::not_connected));
  EXPECT_EQ(peer.client().reauthenticate(id, peer.now()),
            make_error_code(session_errc::not_connected));
  peer.open(); // CONNECT sent, no CONNACK yet
  EXPECT_EQ(peer.client().ping(id, peer.now()), make_error_code(session_errc::not_connected));
  EXPECT_EQ(peer.client().reauthenticate(id, peer.now()),
            make_error_code(session_errc::not_connected));
  EXPECT_EQ(id, 0u);
}

TEST(Ping, CompletesOnPingresp) {
  scripted_peer peer(make_config());
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().ping(id, peer.now()));
  EXPECT_EQ(peer.sent_bytes(), raw({0xC0, 0x00}));
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(pingresp{});
  EXPECT_EQ(peer.take_actions(), (actions{completed(id, request_kind::ping)}));
}

TEST(Ping, FailsWithConnectionLostWhenTheConnectionCloses) {
  scripted_peer peer(make_config());
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().ping(id, peer.now()));
  peer.close(std::make_error_code(std::errc::connection_reset));
  EXPECT_EQ(peer.take_actions(),
            (actions{cancel_timer{timer_id::keep_alive},
                     completed(id, request_kind::ping, session_errc::connection_lost)}));
  // Not carried over to the next connection.
  peer.connect();
  peer.receive(pingresp{});
  EXPECT_TRUE(peer.take_actions().empty());
}

// --- disconnect -------------------------------------------------------------------

TEST(Disconnect, V311WritesDisconnectCompletesAndAsksToClose) {
  scripted_peer peer(make_config());
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().disconnect(reason_code::normal_disconnection, {}, id, peer.now()));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x00}));
  EXPECT_EQ(peer.take_actions(), (actions{completed(id, request_kind::disconnect),
                                          cancel_timer{timer_id::keep_alive}, close_connection{}}));
  EXPECT_EQ(peer.client().state(), session_state::closing);
  request_id again = 0;
  EXPECT_EQ(peer.client().disconnect(reason_code::normal_disconnection, {}, again, peer.now()),
            make_error_code(session_errc::not_connected));
}

TEST(Disconnect, V5WritesTheReasonAndSessionExpiryInterval) {
  auto config = make_config(v5, false);
  config.connect_packet.props.add(property_id::session_expiry_interval, 3600u);
  scripted_peer peer(config);
  peer.connect();
  properties props;
  props.add(property_id::session_expiry_interval, 0u);
  request_id id = 0;
  ASSERT_FALSE(
      peer.client().disconnect(reason_code::disconnect_with_will_message, props, id, peer.now()));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x07,                      // DISCONNECT, length 7
                                    0x04,                            // disconnect with will message
                                    0x05,                            // properties: 5 bytes
                                    0x11, 0x00, 0x00, 0x00, 0x00})); // Session Expiry Interval 0
  EXPECT_EQ(peer.take_actions(), (actions{completed(id, request_kind::disconnect),
                                          cancel_timer{timer_id::keep_alive}, close_connection{}}));
}

TEST(Disconnect, V5NonZeroSessionExpiryAfterAZeroOneInConnectIsRefused) {
  // 5.0 3.14.2.2.2: a protocol error when CONNECT had Session Expiry Interval 0.
  scripted_peer peer(make_config(v5));
  peer.connect();
  properties props;
  props.add(property_id::session_expiry_interval, 60u);
  request_id id = 0;
  EXPECT_EQ(peer.client().disconnect(reason_code::normal_disconnection, props, id, peer.now()),
            make_error_code(session_errc::invalid_request));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

TEST(Disconnect, WhileConnectingClosesWithoutWritingDisconnect) {
  scripted_peer peer(make_config());
  peer.open();
  peer.sent();
  request_id id = 0;
  ASSERT_FALSE(peer.client().disconnect(reason_code::normal_disconnection, {}, id, peer.now()));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(id, request_kind::disconnect), close_connection{}}));
}

// --- invalid requests ---------------------------------------------------------------

TEST(InvalidRequest, IsRefusedWithTheProtocolErrorAndNothingIsSent) {
  scripted_peer peer(make_config());
  peer.connect();
  auto& s = peer.client();
  const auto now = peer.now();
  request_id id = 0;
  EXPECT_EQ(s.subscribe({sub("a/#/b")}, {}, id, now), make_error_code(errc::topic_filter_invalid));
  EXPECT_EQ(s.subscribe({sub("")}, {}, id, now), make_error_code(errc::topic_filter_empty));
  EXPECT_EQ(s.subscribe({}, {}, id, now), make_error_code(errc::no_topic_filters));
  EXPECT_EQ(s.subscribe({subscription{"a", {qos::at_most_once, true}}}, {}, id, now),
            make_error_code(errc::not_in_protocol_version));
  EXPECT_EQ(s.subscribe({subscription{
                            "a", {qos::at_most_once, false, false, retain_handling::do_not_send}}},
                        {}, id, now),
            make_error_code(errc::not_in_protocol_version));
  properties props;
  props.add(property_id::subscription_identifier, 1u);
  EXPECT_EQ(s.subscribe({sub("a")}, props, id, now),
            make_error_code(errc::not_in_protocol_version));
  EXPECT_EQ(s.unsubscribe({"a/+b"}, {}, id, now), make_error_code(errc::topic_filter_invalid));
  EXPECT_EQ(s.unsubscribe({}, {}, id, now), make_error_code(errc::no_topic_filters));
  EXPECT_EQ(s.disconnect(reason_code::server_busy, {}, id, now),
            make_error_code(errc::reason_code_not_allowed));
  EXPECT_EQ(s.reauthenticate(id, now), make_error_code(session_errc::not_in_protocol_version));
  EXPECT_EQ(id, 0u);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(s.state(), session_state::connected);
}

TEST(InvalidRequest, V5InvalidOptionsAndPropertyValuesAreRefused) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  request_id id = 0;
  EXPECT_EQ(peer.client().subscribe({subscription{"$share/g/a", {qos::at_most_once, true}}}, {}, id,
                                    peer.now()),
            make_error_code(errc::invalid_subscription_options));
  properties props;
  props.add(property_id::subscription_identifier, 0u);
  EXPECT_EQ(peer.client().subscribe({sub("a")}, props, id, peer.now()),
            make_error_code(errc::invalid_property_value));
  EXPECT_TRUE(peer.sent().empty());
}

// --- cancel -------------------------------------------------------------------------

TEST(Cancel, AnUnsentSubscribeCompletesWithCancelled) {
  scripted_peer peer(make_config());
  auto keep = peer.subscribe({sub("keep")});
  auto drop = peer.subscribe({sub("drop")});
  EXPECT_TRUE(peer.client().cancel(drop));
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(drop, request_kind::subscribe, session_errc::cancelled)}));
  EXPECT_FALSE(peer.client().cancel(drop)); // already gone
  peer.open();
  peer.sent();
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), (packets{subscribe{1, {sub("keep")}, {}}}));
  // Once sent it cannot be cancelled.
  EXPECT_FALSE(peer.client().cancel(keep));
  EXPECT_FALSE(peer.client().cancel(12345));
}

// --- enhanced authentication (MQTT 5) ---------------------------------------------------

TEST(EnhancedAuth, ConnectCarriesMethodAndDataAndChallengesAreAnswered) {
  test_authenticator a;
  auto config = auth_config(a);
  scripted_peer peer(config);
  peer.open();
  auto expected = config.connect_packet;
  expected.props.add(property_id::authentication_method, std::string{"TEST-SCRAM"});
  expected.props.add(property_id::authentication_data, to_bytes("client-first-1"));
  EXPECT_EQ(peer.sent(), packets{expected});

  peer.receive(auth{reason_code::continue_authentication, auth_props("TEST-SCRAM", "nonce")});
  EXPECT_EQ(peer.sent(), (packets{auth{reason_code::continue_authentication,
                                       auth_props("TEST-SCRAM", "proof:nonce")}}));
  EXPECT_EQ(a.challenges, std::vector<std::string>{"nonce"});
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connecting);

  connack ok;
  ok.props = auth_props("TEST-SCRAM", "server-final");
  peer.receive(ok);
  EXPECT_EQ(a.successes, std::vector<std::string>{"server-final"});
  EXPECT_EQ(peer.client().state(), session_state::connected);

  // Every connection starts the exchange afresh.
  peer.close();
  peer.open();
  auto sent = peer.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(*std::get<connect>(sent[0]).props.binary(property_id::authentication_data),
            to_bytes("client-first-2"));
}

TEST(EnhancedAuth, ReauthenticateSendsAuth0x19AndCompletesOnSuccess) {
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().reauthenticate(id, peer.now()));
  EXPECT_EQ(peer.sent(), (packets{auth{reason_code::re_authenticate,
                                       auth_props("TEST-SCRAM", "client-first-2")}}));
  peer.receive(auth{reason_code::continue_authentication, auth_props("TEST-SCRAM", "n2")});
  EXPECT_EQ(peer.sent(), (packets{auth{reason_code::continue_authentication,
                                       auth_props("TEST-SCRAM", "proof:n2")}}));
  EXPECT_TRUE(peer.take_actions().empty());
  const auto final_props = auth_props("TEST-SCRAM", "done");
  peer.receive(auth{reason_code::success, final_props});
  EXPECT_EQ(peer.take_actions(),
            (actions{completed(id, request_kind::reauthenticate, {}, {}, final_props)}));
  EXPECT_EQ(a.successes.back(), "done");
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

TEST(EnhancedAuth, OneReauthenticationAtATime) {
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  peer.connect();
  request_id first = 0;
  ASSERT_FALSE(peer.client().reauthenticate(first, peer.now()));
  peer.sent();
  request_id second = 0;
  EXPECT_EQ(peer.client().reauthenticate(second, peer.now()),
            make_error_code(session_errc::request_limit));
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(auth{reason_code::success, auth_props("TEST-SCRAM", "ok")});
  EXPECT_EQ(peer.take<request_completed>(),
            std::vector<request_completed>{completed(first, request_kind::reauthenticate, {}, {},
                                                     auth_props("TEST-SCRAM", "ok"))});
  EXPECT_FALSE(peer.client().reauthenticate(second, peer.now()));
}

TEST(EnhancedAuth, ReauthenticationInProgressFailsWhenTheConnectionCloses) {
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().reauthenticate(id, peer.now()));
  peer.close();
  EXPECT_EQ(peer.take_actions(),
            (actions{cancel_timer{timer_id::keep_alive},
                     completed(id, request_kind::reauthenticate, session_errc::connection_lost)}));
}

TEST(EnhancedAuth, WrongMethodFromTheBrokerClosesTheConnection) {
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  peer.open();
  peer.sent();
  peer.receive(auth{reason_code::continue_authentication, auth_props("OTHER", "x")});
  // 0x8C (Bad authentication method) is a CONNACK reason only: DISCONNECT says 0x82.
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(peer.take_actions(), (actions{close_connection{session_errc::unexpected_packet}}));
  EXPECT_TRUE(a.challenges.empty());
}

TEST(EnhancedAuth, AuthenticatorRefusalClosesWithItsError) {
  test_authenticator a;
  a.refuse = true;
  scripted_peer peer(auth_config(a));
  peer.open();
  peer.sent();
  peer.receive(auth{reason_code::continue_authentication, auth_props("TEST-SCRAM", "x")});
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::not_authorized}});
  EXPECT_EQ(peer.take_actions(),
            (actions{close_connection{std::make_error_code(std::errc::permission_denied)}}));
}

TEST(EnhancedAuth, AuthWithoutAnExchangeIsAProtocolError) {
  // No authenticator configured.
  scripted_peer plain(make_config(v5));
  plain.connect();
  plain.receive(auth{reason_code::continue_authentication, auth_props("TEST-SCRAM", "x")});
  EXPECT_EQ(plain.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(plain.take<close_connection>(),
            std::vector<close_connection>{{session_errc::unexpected_packet}});
  // AUTH success with no re-authentication in progress.
  test_authenticator a;
  scripted_peer peer(auth_config(a));
  peer.connect();
  peer.receive(auth{reason_code::success, auth_props("TEST-SCRAM", "x")});
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(peer.take<close_connection>(),
            std::vector<close_connection>{{session_errc::unexpected_packet}});
}

} // namespace
} // namespace braid::protocol
