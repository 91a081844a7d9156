// CONNECT / CONNACK and the life of a connection: refusals, the 3.1 fallback,
// session present, MQTT 5 CONNACK limits, the CONNACK timeout, keep alive,
// protocol violations by the broker, server DISCONNECT, incoming topic
// aliases, chunked input and timers.
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
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

constexpr auto v3_1 = protocol_version::v3_1;
constexpr auto v3_1_1 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

connack accepted(properties props = {}) {
  connack a;
  a.props = std::move(props);
  return a;
}

connack refused(reason_code rc, properties props = {}) {
  connack a;
  a.reason = rc;
  a.props = std::move(props);
  return a;
}

connected connected_with(connack ack) {
  connected e;
  e.ack = std::move(ack);
  return e;
}

bytes raw(std::initializer_list<std::uint8_t> b) {
  return bytes(b);
}

// --- CONNECT -----------------------------------------------------------------

TEST(Connect, V311EmptyClientIdWithCleanSessionIsWrittenExactly) {
  auto config = make_config(v3_1_1, true, "");
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent_bytes(), raw({0x10, 0x0C,                           // CONNECT, length 12
                                    0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, // "MQTT", level 4
                                    0x02,                                 // clean session
                                    0x00, 0x3C,                           // keep alive 60
                                    0x00, 0x00}));                        // client id ""
  EXPECT_EQ(peer.client().state(), session_state::connecting);
}

TEST(Connect, V311WillUsernamePasswordAndFlagsAreWrittenExactly) {
  auto config = make_config(v3_1_1, true, "c");
  config.connect_packet.keep_alive = 10;
  config.connect_packet.will = will_message{"w", to_bytes("p"), qos::at_least_once, true, {}};
  config.connect_packet.username = "u";
  config.connect_packet.password = to_bytes("pw");
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent_bytes(),
            raw({0x10, 0x1A,                           // CONNECT, length 26
                 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, // "MQTT", level 4
                 0xEE,       // user name, password, will retain, will QoS 1, will, clean session
                 0x00, 0x0A, // keep alive 10
                 0x00, 0x01, 'c',         // client id
                 0x00, 0x01, 'w',         // will topic
                 0x00, 0x01, 'p',         // will payload
                 0x00, 0x01, 'u',         // user name
                 0x00, 0x02, 'p', 'w'})); // password
}

TEST(Connect, V31IsWrittenWithProtocolNameMQIsdpAndLevel3) {
  auto config = make_config(v3_1, false, "braid");
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent_bytes(),
            raw({0x10, 0x13,                                     // CONNECT, length 19
                 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, // "MQIsdp", level 3
                 0x00,                                           // no clean session
                 0x00, 0x3C,                                     // keep alive 60
                 0x00, 0x05, 'b', 'r', 'a', 'i', 'd'}));
}

TEST(Connect, V5CarriesWillPropertiesCredentialsAndConnectProperties) {
  auto config = make_config(v5, false, "v5-client");
  auto& c = config.connect_packet;
  c.keep_alive = 0;
  properties will_props;
  will_props.add(property_id::will_delay_interval, 30u)
      .add(property_id::content_type, std::string{"text/plain"})
      .add_user_property("k", "v");
  c.will =
      will_message{"status/v5-client", to_bytes("offline"), qos::exactly_once, true, will_props};
  c.username = "user";
  c.password = to_bytes("secret");
  c.props.add(property_id::session_expiry_interval, 3600u)
      .add(property_id::receive_maximum, 10u)
      .add(property_id::topic_alias_maximum, 5u)
      .add(property_id::request_problem_information, 1u)
      .add_user_property("app", "braid");
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{config.connect_packet});
}

TEST(Connect, V5AnnouncesTheIncomingPacketLimitAsMaximumPacketSize) {
  auto config = make_config(v5);
  config.max_incoming_packet_size = 4096;
  scripted_peer peer(config);
  peer.open();
  auto expected = config.connect_packet;
  expected.props.add(property_id::maximum_packet_size, 4096u);
  EXPECT_EQ(peer.sent(), packets{expected});
}

// --- CONNACK -----------------------------------------------------------------

TEST(Connack, AcceptedConnectsAndArmsKeepAlive) {
  scripted_peer peer(make_config());
  peer.open();
  peer.sent();
  EXPECT_TRUE(peer.take_actions().empty());
  peer.receive(accepted());
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 60'000}, connected_with(accepted())}));
  EXPECT_EQ(peer.client().state(), session_state::connected);
  EXPECT_TRUE(peer.sent().empty());
}

TEST(Connack, EveryV3ReturnCodeRefusesAndClosesWithItsReasonCode) {
  // Return code 1..5 on the wire, mapped to MQTT 5 reason codes.
  const std::pair<std::uint8_t, reason_code> codes[] = {
      {1, reason_code::unsupported_protocol_version},
      {2, reason_code::client_identifier_not_valid},
      {3, reason_code::server_unavailable},
      {4, reason_code::bad_user_name_or_password},
      {5, reason_code::not_authorized},
  };
  for (auto [wire, rc] : codes) {
    SCOPED_TRACE(static_cast<int>(wire));
    scripted_peer peer(make_config());
    peer.open();
    peer.sent();
    peer.receive_bytes(raw({0x20, 0x02, 0x00, wire}));
    EXPECT_EQ(peer.take_actions(), (actions{connection_refused{refused(rc), false},
                                            close_connection{make_error_code(rc)}}));
    EXPECT_EQ(peer.client().state(), session_state::closing);
    EXPECT_TRUE(peer.sent().empty());
  }
  EXPECT_STREQ(make_error_code(reason_code::not_authorized).category().name(), "braid.mqtt");
  EXPECT_EQ(make_error_code(reason_code::not_authorized).value(), 0x87);
}

TEST(Connack, V5RefusalReasonCodesAreReportedWithTheirProperties) {
  const reason_code codes[] = {
      reason_code::unspecified_error,
      reason_code::unsupported_protocol_version,
      reason_code::not_authorized,
      reason_code::banned,
      reason_code::bad_authentication_method,
      reason_code::quota_exceeded,
      reason_code::use_another_server,
      reason_code::connection_rate_exceeded,
  };
  for (auto rc : codes) {
    SCOPED_TRACE(static_cast<int>(rc));
    auto config = make_config(v5);
    config.fallback_to_3_1 = true; // only 3.1.1 falls back
    scripted_peer peer(config);
    peer.open();
    peer.sent();
    properties props;
    props.add(property_id::reason_string, std::string{"go away"});
    if (rc == reason_code::use_another_server) {
      props.add(property_id::server_reference, std::string{"other.example:1883"});
    }
    peer.receive(refused(rc, props));
    actions expected{connection_refused{refused(rc, props), false},
                     close_connection{make_error_code(rc)}};
    if (rc == reason_code::use_another_server) {
      expected.insert(expected.begin(),
                      server_redirect{false, "other.example:1883", {{"other.example", "1883"}}});
    }
    EXPECT_EQ(peer.take_actions(), expected);
    EXPECT_TRUE(peer.sent().empty());
    EXPECT_EQ(peer.client().version(), v5);
  }
}

// --- server redirection (MQTT 5.0 4.11) ----------------------------------------------

TEST(Redirect, ACONNACKThatSendsTheClientElsewhereSaysWhereAndWhetherForGood) {
  for (auto rc : {reason_code::use_another_server, reason_code::server_moved}) {
    SCOPED_TRACE(static_cast<int>(rc));
    scripted_peer peer(make_config(v5));
    peer.open();
    peer.sent();
    properties props;
    props.add(property_id::server_reference, std::string{"b.example:8883 [::1]:1884 c.example"});
    peer.receive(refused(rc, props));
    const server_redirect redirect{rc == reason_code::server_moved,
                                   "b.example:8883 [::1]:1884 c.example",
                                   {{"b.example", "8883"}, {"::1", "1884"}, {"c.example", ""}}};
    EXPECT_EQ(peer.take_actions(), (actions{redirect, connection_refused{refused(rc, props), false},
                                            close_connection{make_error_code(rc)}}));
    EXPECT_FALSE(is_permanent_refusal(rc)); // another server will take the client
  }
}

TEST(Redirect, ADISCONNECTThatSendsTheClientElsewhereComesBeforeTheClose) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  disconnect bye{reason_code::use_another_server, {}};
  bye.props.add(property_id::server_reference, std::string{"b.example"});
  peer.receive(bye);
  EXPECT_EQ(peer.take_actions(),
            (actions{server_redirect{false, "b.example", {{"b.example", ""}}},
                     server_disconnected{bye}, cancel_timer{timer_id::keep_alive},
                     close_connection{session_errc::server_disconnected}}));
}

// Without a Server Reference there is nowhere to go; with one that names no
// server the runner is still told (it says so); other reasons never redirect.
TEST(Redirect, OnlyUseAnotherServerAndServerMovedWithAReferenceRedirect) {
  {
    scripted_peer peer(make_config(v5));
    peer.open();
    peer.sent();
    peer.receive(refused(reason_code::server_moved));
    EXPECT_TRUE(peer.take<server_redirect>().empty());
  }
  {
    scripted_peer peer(make_config(v5));
    peer.open();
    peer.sent();
    properties props;
    props.add(property_id::server_reference, std::string{"host:0"});
    peer.receive(refused(reason_code::use_another_server, props));
    EXPECT_EQ(peer.take<server_redirect>(), (std::vector<server_redirect>{{false, "host:0", {}}}));
  }
  {
    scripted_peer peer(make_config(v5));
    peer.connect();
    disconnect bye{reason_code::server_shutting_down, {}};
    bye.props.add(property_id::server_reference, std::string{"b.example"});
    peer.receive(bye);
    EXPECT_TRUE(peer.take<server_redirect>().empty());
  }
}

TEST(Connack, UnsupportedVersionFallsBackFrom311To31WhenConfigured) {
  auto config = make_config(v3_1_1, true, "braid");
  config.fallback_to_3_1 = true;
  scripted_peer peer(config);
  peer.open();
  peer.sent();
  peer.receive(refused(reason_code::unsupported_protocol_version));
  EXPECT_EQ(
      peer.take_actions(),
      (actions{connection_refused{refused(reason_code::unsupported_protocol_version), true},
               close_connection{make_error_code(reason_code::unsupported_protocol_version)}}));
  peer.close(make_error_code(reason_code::unsupported_protocol_version));
  EXPECT_EQ(peer.client().state(), session_state::disconnected);

  peer.open();
  EXPECT_EQ(peer.sent_bytes(), raw({0x10, 0x13, 0x00, 0x06, 'M',  'Q', 'I', 's', 'd', 'p', 0x03,
                                    0x02, 0x00, 0x3C, 0x00, 0x05, 'b', 'r', 'a', 'i', 'd'}));
  EXPECT_EQ(peer.client().version(), v3_1);
  peer.receive_bytes(raw({0x20, 0x02, 0x00, 0x00})); // a 3.1 CONNACK
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

// Refusals that another attempt will not fix: a reconnecting client gives up.
TEST(Connack, PermanentRefusalsAreTheOnesAnotherAttemptWillNotFix) {
  auto expect_permanent = [](reason_code rc, bool permanent) {
    SCOPED_TRACE(static_cast<int>(rc));
    EXPECT_EQ(is_permanent_refusal(rc), permanent);
    scripted_peer peer(make_config(v5));
    peer.open();
    peer.receive(refused(rc));
    auto refusals = peer.take<connection_refused>();
    ASSERT_EQ(refusals.size(), 1u);
    EXPECT_EQ(refusals[0].permanent(), permanent);
  };
  for (auto rc :
       {reason_code::unsupported_protocol_version, reason_code::client_identifier_not_valid,
        reason_code::bad_user_name_or_password, reason_code::not_authorized, reason_code::banned,
        reason_code::bad_authentication_method}) {
    expect_permanent(rc, true);
  }
  for (auto rc :
       {reason_code::unspecified_error, reason_code::server_unavailable, reason_code::server_busy,
        reason_code::quota_exceeded, reason_code::use_another_server, reason_code::server_moved,
        reason_code::connection_rate_exceeded}) {
    expect_permanent(rc, false);
  }
}

TEST(Connack, UnsupportedVersionIsNotPermanentWhenTheSessionRetriesWith31) {
  auto config = make_config(v3_1_1, true, "braid");
  config.fallback_to_3_1 = true;
  scripted_peer peer(config);
  peer.open();
  peer.receive(refused(reason_code::unsupported_protocol_version));
  auto refusals = peer.take<connection_refused>();
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_TRUE(refusals[0].retry_with_3_1);
  EXPECT_FALSE(refusals[0].permanent());
  // 3.1 refused too: nothing is left to try.
  peer.close();
  peer.open();
  peer.receive_bytes(raw({0x20, 0x02, 0x00, 0x01}));
  refusals = peer.take<connection_refused>();
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_FALSE(refusals[0].retry_with_3_1);
  EXPECT_TRUE(refusals[0].permanent());
}

TEST(Connack, UnsupportedVersionDoesNotFallBackWhenNotConfigured) {
  scripted_peer peer(make_config());
  peer.open();
  peer.sent();
  peer.receive(refused(reason_code::unsupported_protocol_version));
  EXPECT_EQ(peer.take<connection_refused>(),
            (std::vector<connection_refused>{
                {refused(reason_code::unsupported_protocol_version), false}}));
  peer.close();
  peer.open();
  auto sent = peer.sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(std::get<connect>(sent[0]).version, v3_1_1);
}

TEST(Connack, NoFallbackTo31WithAnEmptyClientIdThat31CannotCarry) {
  auto config = make_config(v3_1_1, true, "");
  config.fallback_to_3_1 = true;
  scripted_peer peer(config);
  peer.open();
  peer.sent();
  peer.receive(refused(reason_code::unsupported_protocol_version));
  EXPECT_EQ(peer.take<connection_refused>(),
            (std::vector<connection_refused>{
                {refused(reason_code::unsupported_protocol_version), false}}));
  peer.close();
  peer.open();
  EXPECT_EQ(peer.sent(), packets{config.connect_packet});
}

TEST(Connack, SessionPresentAfterCleanStartClosesTheConnection) {
  scripted_peer peer(make_config(v3_1_1, true));
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.take_actions(),
            (actions{close_connection{session_errc::session_present_without_state}}));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().state(), session_state::closing);
}

TEST(Connack, V5SessionPresentAfterCleanStartSendsDisconnectProtocolErrorFirst) {
  scripted_peer peer(make_config(v5, true));
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(peer.take_actions(),
            (actions{close_connection{session_errc::session_present_without_state}}));
}

TEST(Connack, V5PropertiesBecomeTheBrokerLimits) {
  scripted_peer peer(make_config(v5));
  peer.open();
  peer.sent();
  properties props;
  props.add(property_id::receive_maximum, 5u)
      .add(property_id::maximum_qos, 1u)
      .add(property_id::retain_available, 0u)
      .add(property_id::maximum_packet_size, 1024u)
      .add(property_id::topic_alias_maximum, 3u)
      .add(property_id::wildcard_subscription_available, 0u)
      .add(property_id::subscription_identifier_available, 0u)
      .add(property_id::shared_subscription_available, 0u)
      .add(property_id::server_keep_alive, 20u);
  peer.receive(accepted(props));
  // Server Keep Alive replaces ours (60 s) for the timer.
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 20'000}, connected_with(accepted(props))}));
  const auto& l = peer.client().limits();
  EXPECT_EQ(l.receive_maximum, 5);
  EXPECT_EQ(l.maximum_qos, qos::at_least_once);
  EXPECT_FALSE(l.retain_available);
  EXPECT_EQ(l.maximum_packet_size, 1024u);
  EXPECT_EQ(l.topic_alias_maximum, 3);
  EXPECT_FALSE(l.wildcard_subscription_available);
  EXPECT_FALSE(l.subscription_identifier_available);
  EXPECT_FALSE(l.shared_subscription_available);
  EXPECT_EQ(l.keep_alive, 20);
  EXPECT_EQ(peer.client().window(), 5);
}

TEST(Connack, V5LimitsAreResetForEachConnection) {
  scripted_peer peer(make_config(v5));
  properties props;
  props.add(property_id::receive_maximum, 5u).add(property_id::maximum_qos, 0u);
  peer.connect(accepted(props));
  EXPECT_EQ(peer.client().limits().receive_maximum, 5);
  peer.close();
  peer.connect(accepted());
  EXPECT_EQ(peer.client().limits().receive_maximum, 65535);
  EXPECT_EQ(peer.client().limits().maximum_qos, qos::exactly_once);
  EXPECT_EQ(peer.client().limits().keep_alive, 60);
}

TEST(Connack, V5AssignedClientIdentifierIsUsedInTheNextConnect) {
  auto config = make_config(v5, true, "");
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{config.connect_packet});
  properties props;
  props.add(property_id::assigned_client_identifier, std::string{"auto-7f3a"});
  peer.receive(accepted(props));
  peer.take_actions();
  peer.close();
  peer.open();
  auto expected = config.connect_packet;
  expected.client_id = "auto-7f3a";
  EXPECT_EQ(peer.sent(), packets{expected});
}

TEST(Connack, TimeoutArmedOnOpenClosesWhenItFires) {
  auto config = make_config();
  config.connack_timeout_ms = 5'000;
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::connack_timeout, 5'000}}));
  peer.advance(5'000);
  peer.fire(timer_id::connack_timeout);
  EXPECT_EQ(peer.take_actions(), (actions{close_connection{session_errc::connack_timeout}}));
  EXPECT_EQ(peer.client().state(), session_state::closing);
}

TEST(Connack, ArrivalCancelsTheTimeoutAndALateFiringIsIgnored) {
  auto config = make_config();
  config.connack_timeout_ms = 5'000;
  scripted_peer peer(config);
  peer.open();
  peer.take_actions();
  peer.receive(accepted());
  EXPECT_EQ(peer.take_actions(),
            (actions{cancel_timer{timer_id::connack_timeout},
                     arm_timer{timer_id::keep_alive, 60'000}, connected_with(accepted())}));
  peer.fire(timer_id::connack_timeout); // raced with the cancellation
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

// --- keep alive ----------------------------------------------------------------

// The keep alive interval (60 s) passes and the PINGREQ goes out; what it
// wrote and armed is taken.
void ping_after_keep_alive(scripted_peer& peer) {
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive);
  peer.sent();
  peer.take_actions();
}

TEST(KeepAlive, PingreqWhenNothingWasSentForTheInterval) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent_bytes(), raw({0xC0, 0x00}));
  EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::ping_timeout, 60'000},
                                          arm_timer{timer_id::keep_alive, 60'000}}));
}

TEST(KeepAlive, IntervalCountsFromTheConnectNotFromTheConnack) {
  // 3.1.1 3.1.2-23: at most Keep Alive between two packets sent; CONNECT is one.
  scripted_peer peer(make_config());
  peer.open();
  peer.sent();
  peer.advance(10'000);
  peer.receive(accepted());
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 50'000}, connected_with(accepted())}));
  peer.advance(50'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
}

TEST(KeepAlive, TimerIsRearmedForTheRemainderWhenSomethingWasSent) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.advance(20'000);
  peer.publish("t", "x", qos::at_most_once);
  peer.sent();
  peer.take_actions();
  peer.advance(40'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::keep_alive, 20'000}}));
  peer.advance(20'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
}

TEST(KeepAlive, ReceivingDoesNotCountAsSending) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.advance(30'000);
  peer.receive(make_publish("t", "x", qos::at_most_once, 0));
  peer.take_actions();
  peer.advance(30'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
}

TEST(KeepAlive, UnansweredPingClosesWithKeepAliveTimeout) {
  scripted_peer peer(make_config());
  peer.connect();
  ping_after_keep_alive(peer);
  peer.advance(60'000);
  peer.fire(timer_id::ping_timeout);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::keep_alive_timeout}}));
}

TEST(KeepAlive, V5UnansweredPingSendsDisconnectKeepAliveTimeoutFirst) {
  auto config = make_config(v5);
  config.ping_timeout_ms = 5'000;
  scripted_peer peer(config);
  peer.connect();
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
  EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::ping_timeout, 5'000},
                                          arm_timer{timer_id::keep_alive, 60'000}}));
  peer.advance(5'000);
  peer.fire(timer_id::ping_timeout);
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x8D}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::keep_alive_timeout}}));
}

TEST(KeepAlive, PingrespCancelsThePingTimeout) {
  scripted_peer peer(make_config());
  peer.connect();
  ping_after_keep_alive(peer);
  peer.advance(100);
  peer.receive(pingresp{});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::ping_timeout}}));
  peer.fire(timer_id::ping_timeout); // stale
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
  // The next interval pings again.
  peer.advance(59'900);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
}

// Reading paused (the application is behind): the PINGRESP may be waiting
// unread, so an unanswered ping is not held against the broker; another
// PINGREQ goes out each ping timeout, so that the broker's keep alive holds.
TEST(KeepAlive, WhileReadingIsPausedAPingTimeoutPingsAgainInsteadOfClosing) {
  auto config = make_config();
  config.ping_timeout_ms = 5'000;
  scripted_peer peer(config);
  peer.connect();
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
  peer.take_actions();
  peer.client().set_reading_paused(true, peer.now());
  EXPECT_TRUE(peer.client().reading_paused());
  EXPECT_TRUE(peer.take_actions().empty());
  for (int i = 0; i < 3; ++i) {
    peer.advance(5'000);
    peer.fire(timer_id::ping_timeout);
    EXPECT_EQ(peer.sent(), packets{pingreq{}});
    EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::ping_timeout, 5'000}}));
    EXPECT_EQ(peer.client().state(), session_state::connected);
  }
}

TEST(KeepAlive, OnceReadingResumesAnUnansweredPingClosesAsUsual) {
  scripted_peer peer(make_config());
  peer.connect();
  ping_after_keep_alive(peer);
  peer.client().set_reading_paused(true, peer.now());
  peer.advance(60'000);
  peer.fire(timer_id::ping_timeout);
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
  EXPECT_EQ(peer.take_actions(), (actions{arm_timer{timer_id::ping_timeout, 60'000}}));
  peer.client().set_reading_paused(false, peer.now());
  peer.advance(60'000);
  peer.fire(timer_id::ping_timeout);
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::keep_alive_timeout}}));
}

TEST(KeepAlive, AnyPacketReadAfterResumingAnswersThePausedPings) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive);
  peer.sent();
  peer.client().set_reading_paused(true, peer.now());
  peer.advance(60'000);
  peer.fire(timer_id::ping_timeout);
  peer.sent();
  peer.take_actions();
  peer.client().set_reading_paused(false, peer.now());
  peer.receive(pingresp{});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::ping_timeout}}));
  peer.fire(timer_id::ping_timeout); // stale
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

TEST(KeepAlive, ANewConnectionStartsWithReadingNotPaused) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.client().set_reading_paused(true, peer.now());
  peer.close();
  EXPECT_FALSE(peer.client().reading_paused());
  peer.connect();
  ping_after_keep_alive(peer);
  peer.advance(60'000);
  peer.fire(timer_id::ping_timeout);
  EXPECT_EQ(peer.take<close_connection>(),
            std::vector<close_connection>{close_connection{session_errc::keep_alive_timeout}});
}

TEST(KeepAlive, ZeroArmsNoTimer) {
  auto config = make_config();
  config.connect_packet.keep_alive = 0;
  scripted_peer peer(config);
  peer.open();
  peer.sent();
  peer.receive(accepted());
  EXPECT_EQ(peer.take_actions(), (actions{connected_with(accepted())}));
  EXPECT_TRUE(peer.sent().empty());
  peer.advance(600'000);
  peer.fire(timer_id::keep_alive); // never armed: ignored
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.sent().empty());
}

TEST(KeepAlive, V5ServerKeepAliveZeroTurnsKeepAliveOff) {
  scripted_peer peer(make_config(v5));
  peer.open();
  peer.sent();
  properties props;
  props.add(property_id::server_keep_alive, 0u);
  peer.receive(accepted(props));
  EXPECT_EQ(peer.take_actions(), (actions{connected_with(accepted(props))}));
  EXPECT_EQ(peer.client().limits().keep_alive, 0);
}

// --- protocol violations by the broker ------------------------------------------

TEST(ProtocolViolation, PacketsOnlyAClientSendsCloseTheConnection) {
  const packet forbidden[] = {
      connect{},
      subscribe{1, {subscription{"a/b", {}}}, {}},
      unsubscribe{1, {"a/b"}, {}},
      pingreq{},
  };
  for (auto v : {v3_1_1, v5}) {
    for (const auto& p : forbidden) {
      SCOPED_TRACE(::testing::Message() << "version " << static_cast<int>(v) << " type "
                                        << static_cast<int>(type_of(p)));
      scripted_peer peer(make_config(v));
      peer.connect();
      auto wrong = p;
      if (auto* c = std::get_if<connect>(&wrong)) {
        c->version = v;
        c->client_id = "x";
      }
      peer.receive(wrong);
      EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                              close_connection{session_errc::unexpected_packet}}));
      EXPECT_EQ(peer.sent(),
                v == v5 ? packets{disconnect{reason_code::protocol_error}} : packets{});
      EXPECT_EQ(peer.client().state(), session_state::closing);
    }
  }
}

TEST(ProtocolViolation, SecondConnackClosesTheConnection) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive(accepted());
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::protocol_error}});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::unexpected_packet}}));
}

TEST(ProtocolViolation, PacketBeforeConnackClosesTheConnection) {
  for (auto v : {v3_1_1, v5}) {
    SCOPED_TRACE(static_cast<int>(v));
    scripted_peer peer(make_config(v));
    peer.open();
    peer.sent();
    peer.receive(make_publish("a", "early", qos::at_most_once, 0));
    EXPECT_EQ(peer.take_actions(), (actions{close_connection{session_errc::unexpected_packet}}));
    EXPECT_EQ(peer.sent(), v == v5 ? packets{disconnect{reason_code::protocol_error}} : packets{});
    // Nothing more is read from a connection being closed.
    peer.receive(accepted());
    EXPECT_TRUE(peer.take_actions().empty());
    EXPECT_EQ(peer.client().state(), session_state::closing);
  }
}

TEST(ProtocolViolation, MalformedBytesCloseWithTheDecoderError) {
  scripted_peer peer(make_config());
  peer.connect();
  // PUBLISH QoS 3 ("a", no packet id).
  peer.receive_bytes(raw({0x36, 0x03, 0x00, 0x01, 'a'}));
  EXPECT_EQ(peer.take_actions(),
            (actions{cancel_timer{timer_id::keep_alive}, close_connection{errc::invalid_qos}}));
  EXPECT_TRUE(peer.sent().empty());
}

TEST(ProtocolViolation, V5MalformedPacketSendsDisconnect0x81) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive_bytes(raw({0x00, 0x00})); // packet type 0
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x81}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{errc::invalid_packet_type}}));
}

TEST(ProtocolViolation, V5ProtocolErrorSendsDisconnect0x82) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  // PUBACK for id 1 with reason 0x18, which PUBACK cannot carry.
  peer.receive_bytes(raw({0x40, 0x03, 0x00, 0x01, 0x18}));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x82}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{errc::reason_code_not_allowed}}));
}

TEST(ProtocolViolation, V5PacketOverOurMaximumSendsDisconnect0x95) {
  auto config = make_config(v5);
  config.max_incoming_packet_size = 16;
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("a/b", std::string(20, 'x'), qos::at_most_once, 0));
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::packet_too_large}});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{errc::packet_too_large}}));
}

// The Maximum Packet Size put in the CONNECT's properties by the caller is
// enforced too, not only the one the session adds from max_incoming_packet_size.
TEST(ProtocolViolation, V5PacketOverTheAnnouncedMaximumPacketSizeSendsDisconnect0x95) {
  auto config = make_config(v5);
  config.connect_packet.props.add(property_id::maximum_packet_size, 64u);
  scripted_peer peer(config);
  peer.connect();
  peer.receive(make_publish("a/b", std::string(40, 'x'), qos::at_most_once, 0)); // 49 bytes
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
  peer.receive(make_publish("a/b", std::string(80, 'x'), qos::at_most_once, 0)); // 89 bytes
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::packet_too_large}});
  EXPECT_EQ(peer.client().state(), session_state::closing);
}

TEST(ProtocolViolation, V5TheLowerOfTheTwoLimitsIsEnforcedAndAnnounced) {
  auto config = make_config(v5);
  config.connect_packet.props.add(property_id::maximum_packet_size, 1000u);
  config.max_incoming_packet_size = 64;
  scripted_peer peer(config);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{config.connect_packet}); // the caller's property is sent as set
  peer.receive(accepted());
  peer.take_actions();
  peer.receive(make_publish("a/b", std::string(80, 'x'), qos::at_most_once, 0));
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::packet_too_large}});
}

TEST(ProtocolViolation, V5ReasonsDisconnectCannotCarryBecomeProtocolError) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  // A CONNECT from the broker with protocol level 6: the decoder's reason
  // (0x84 Unsupported Protocol Version) is a CONNACK reason only.
  peer.receive_bytes(
      raw({0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x02, 0x00, 0x3C, 0x00, 0x01, 'x'}));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x82}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{errc::unsupported_protocol_version}}));
}

// --- server DISCONNECT -----------------------------------------------------------

TEST(ServerDisconnect, ReasonReasonStringAndServerReferenceAreSurfacedThenTheConnectionCloses) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  disconnect bye{reason_code::server_moved, {}};
  bye.props.add(property_id::reason_string, std::string{"maintenance"})
      .add(property_id::server_reference, std::string{"b.example"});
  peer.receive(bye);
  EXPECT_EQ(peer.take_actions(),
            (actions{server_redirect{true, "b.example", {{"b.example", ""}}},
                     server_disconnected{bye}, cancel_timer{timer_id::keep_alive},
                     close_connection{session_errc::server_disconnected}}));
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().state(), session_state::closing);
}

// --- incoming topic aliases (MQTT 5) ------------------------------------------------

session_config alias_config(std::uint32_t maximum = 10) {
  auto config = make_config(v5);
  config.connect_packet.props.add(property_id::topic_alias_maximum, maximum);
  return config;
}

publish aliased(std::string topic, std::string payload, std::uint32_t alias) {
  auto p = make_publish(std::move(topic), std::move(payload), qos::at_most_once, 0);
  p.props.add(property_id::topic_alias, alias);
  return p;
}

TEST(TopicAlias, AliasSetByTheBrokerIsResolvedToTheFullTopic) {
  scripted_peer peer(alias_config());
  peer.connect();
  peer.receive(aliased("sensors/t1", "20", 3));
  peer.receive(aliased("", "21", 3));
  EXPECT_EQ(peer.take_actions(), (actions{message_received{aliased("sensors/t1", "20", 3)},
                                          message_received{aliased("sensors/t1", "21", 3)}}));
  // The broker may point an alias at another topic.
  peer.receive(aliased("sensors/t2", "5", 3));
  peer.receive(aliased("", "6", 3));
  auto got = peer.take<message_received>();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].message.topic, "sensors/t2");
  EXPECT_TRUE(peer.sent().empty());
}

TEST(TopicAlias, AliasAboveOurMaximumIsAProtocolError) {
  scripted_peer peer(alias_config(10));
  peer.connect();
  peer.receive(aliased("a", "x", 11));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x94}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::topic_alias_invalid}}));
}

TEST(TopicAlias, AliasWhenWeAllowedNoneIsAProtocolError) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive(aliased("a", "x", 1));
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::topic_alias_invalid}});
  EXPECT_EQ(peer.take<close_connection>(),
            std::vector<close_connection>{{session_errc::topic_alias_invalid}});
}

TEST(TopicAlias, UnknownAliasWithEmptyTopicIsAProtocolError) {
  scripted_peer peer(alias_config());
  peer.connect();
  peer.receive(aliased("a", "x", 1));
  peer.take_actions();
  peer.receive(aliased("", "y", 2));
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::topic_alias_invalid}});
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{session_errc::topic_alias_invalid}}));
}

TEST(TopicAlias, AliasZeroIsRejectedByTheDecoder) {
  scripted_peer peer(alias_config());
  peer.connect();
  // PUBLISH QoS 0 "a" with properties {Topic Alias 0}: the encoder refuses to
  // build it, so it is written by hand. The decoder finds the value out of
  // range before the session sees an alias.
  peer.receive_bytes(raw({0x30, 0x07, 0x00, 0x01, 'a', 0x03, 0x23, 0x00, 0x00}));
  EXPECT_EQ(peer.sent_bytes(), raw({0xE0, 0x01, 0x81}));
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::keep_alive},
                                          close_connection{errc::invalid_property_value}}));
}

TEST(TopicAlias, AliasesAreForgottenWithTheConnection) {
  scripted_peer peer(alias_config());
  peer.connect();
  peer.receive(aliased("a", "x", 1));
  peer.close();
  peer.connect();
  peer.receive(aliased("", "y", 1));
  EXPECT_EQ(peer.sent(), packets{disconnect{reason_code::topic_alias_invalid}});
  EXPECT_TRUE(peer.take<message_received>().empty());
}

// --- connection events and timers --------------------------------------------------

TEST(ConnectionEvents, OpenedTwiceClosesWithAlreadyConnected) {
  scripted_peer peer(make_config());
  peer.open();
  peer.sent();
  peer.open();
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.take_actions(), (actions{close_connection{session_errc::already_connected}}));
}

TEST(ConnectionEvents, BytesFedOneAtATimeWorkTheSame) {
  scripted_peer peer(make_config(v5));
  peer.open();
  peer.sent();
  properties props;
  props.add(property_id::receive_maximum, 7u).add(property_id::reason_string, std::string{"hi"});
  peer.receive(accepted(props), 1);
  EXPECT_EQ(peer.take_actions(),
            (actions{arm_timer{timer_id::keep_alive, 60'000}, connected_with(accepted(props))}));
  auto p = make_publish("a/b", "payload", qos::at_least_once, 9);
  p.props.add_user_property("k", "v");
  peer.receive(p, 1);
  EXPECT_EQ(peer.take_actions(), (actions{message_received{p}}));
  EXPECT_EQ(peer.sent(), packets{puback{9}});
  // Two packets in one chunk, then a packet split in the middle.
  output_buffer two;
  ASSERT_FALSE(encode(packet{pingresp{}}, v5, two));
  ASSERT_FALSE(encode(packet{make_publish("c", "1", qos::at_most_once, 0)}, v5, two));
  peer.receive_bytes(two.view(), 3);
  EXPECT_EQ(peer.take_actions(),
            (actions{message_received{make_publish("c", "1", qos::at_most_once, 0)}}));
}

TEST(ConnectionEvents, ConnectionClosedCancelsArmedTimers) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.advance(60'000);
  peer.fire(timer_id::keep_alive); // PINGREQ: ping timeout armed too
  peer.take_actions();
  peer.close(std::make_error_code(std::errc::connection_reset));
  EXPECT_EQ(peer.take_actions(),
            (actions{cancel_timer{timer_id::keep_alive}, cancel_timer{timer_id::ping_timeout}}));
  EXPECT_EQ(peer.client().state(), session_state::disconnected);
  // Timers that fired anyway are stale.
  peer.fire(timer_id::keep_alive);
  peer.fire(timer_id::ping_timeout);
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.sent().empty());
}

TEST(ConnectionEvents, ConnectionClosedWhileConnectingCancelsTheConnackTimeout) {
  auto config = make_config();
  config.connack_timeout_ms = 1'000;
  scripted_peer peer(config);
  peer.open();
  peer.take_actions();
  peer.close();
  EXPECT_EQ(peer.take_actions(), (actions{cancel_timer{timer_id::connack_timeout}}));
  peer.fire(timer_id::connack_timeout);
  EXPECT_TRUE(peer.take_actions().empty());
}

TEST(ConnectionEvents, NothingOfAClosedConnectionLingers) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.publish("a", "x", qos::at_most_once); // written, never flushed
  peer.close();
  peer.take_actions();
  EXPECT_TRUE(peer.sent().empty());
  // Closed twice, and bytes after the close: ignored.
  peer.close();
  peer.receive(make_publish("a", "x", qos::at_least_once, 1));
  EXPECT_TRUE(peer.take_actions().empty());
  EXPECT_TRUE(peer.sent().empty());
  EXPECT_EQ(peer.client().state(), session_state::disconnected);
  peer.open();
  EXPECT_EQ(peer.sent(), packets{peer.client().config().connect_packet});
}

} // namespace
} // namespace braid::protocol
