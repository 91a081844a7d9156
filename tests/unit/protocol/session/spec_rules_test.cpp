// Client-side normative statements of MQTT 3.1.1 and MQTT 5.0, one test per
// rule, named after the MQTT 5.0 statement id (the 3.1.1 id is given in the
// comment where it differs). Rules already covered by the other session tests
// are not repeated here.
//
// Tests named DISABLED_ show a rule the session does not follow yet: they
// state the behaviour the spec asks for and fail today.
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace braid::protocol {
namespace {

using testing::make_config;
using testing::make_publish;
using testing::packets;
using testing::scripted_peer;

constexpr auto v3_1_1 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;
constexpr auto q0 = qos::at_most_once;
constexpr auto q1 = qos::at_least_once;
constexpr auto q2 = qos::exactly_once;

subscription sub(std::string filter, qos q = qos::at_most_once) {
  return subscription{std::move(filter), subscription_options{q}};
}

connack accepted_with(property_id id, std::uint32_t value, bool session_present = false) {
  connack ack;
  ack.session_present = session_present;
  ack.props.add(id, value);
  return ack;
}

// The broker's packets written back to back, to be read in one chunk.
bytes chunk_of(const packets& ps, protocol_version v) {
  output_buffer out;
  for (const auto& p : ps) {
    EXPECT_FALSE(encode(p, v, out));
  }
  return {out.view().begin(), out.view().end()};
}

std::size_t encoded_bytes(const packets& ps, protocol_version v) {
  return chunk_of(ps, v).size();
}

class test_authenticator final : public authenticator {
public:
  std::string method() const override { return "TEST-SCRAM"; }
  bytes initial_data() override { return to_bytes("client-first"); }
  std::error_code respond(const bytes& challenge, bytes& response) override {
    if (refuse) {
      return std::make_error_code(std::errc::permission_denied);
    }
    response = to_bytes("proof:" + std::string(challenge.begin(), challenge.end()));
    return {};
  }
  bool refuse = false;
};

properties auth_props(const std::string& data) {
  properties p;
  p.add(property_id::authentication_method, std::string{"TEST-SCRAM"});
  p.add(property_id::authentication_data, to_bytes(data));
  return p;
}

template <class A>
bool has(const std::vector<action>& actions) {
  for (const auto& a : actions) {
    if (std::holds_alternative<A>(a)) {
      return true;
    }
  }
  return false;
}

// --- packet identifiers ---------------------------------------------------------

// [MQTT-2.2.1-3] (3.1.1 [MQTT-2.3.1-1], [MQTT-2.3.1-2]): each new SUBSCRIBE,
// UNSUBSCRIBE or QoS > 0 PUBLISH gets a non-zero Packet Identifier that is
// currently unused, whatever the packet type holding the others.
TEST(SpecRules, MQTT_2_2_1_3_NewPacketsTakeANonZeroIdUnusedByAnyType) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.publish("t", "1", q1);
  peer.subscribe({sub("s")});
  request_id u = 0;
  ASSERT_FALSE(peer.client().unsubscribe({"u"}, {}, u, peer.now()));
  peer.publish("t", "2", q2);
  EXPECT_EQ(peer.sent(), (packets{make_publish("t", "1", q1, 1), subscribe{2, {sub("s")}, {}},
                                  unsubscribe{3, {"u"}, {}}, make_publish("t", "2", q2, 4)}));
  for (std::uint16_t id = 1; id <= 4; ++id) {
    EXPECT_TRUE(peer.client().packet_ids().in_use(id)) << id;
  }
}

// --- CONNECT first, and nothing but AUTH before CONNACK ----------------------------

// [MQTT-3.1.0-1]: the first packet sent from the Client to the Server MUST be CONNECT.
TEST(SpecRules, MQTT_3_1_0_1_ConnectIsTheFirstPacket) {
  scripted_peer peer(make_config());
  peer.publish("a", "0", q0);
  peer.publish("b", "1", q1);
  peer.subscribe({sub("s")});
  EXPECT_TRUE(peer.sent().empty());
  peer.open();
  EXPECT_EQ(peer.sent(), packets{peer.client().config().connect_packet});
  peer.receive(connack{});
  EXPECT_EQ(peer.sent(), (packets{make_publish("a", "0", q0, 0), subscribe{1, {sub("s")}, {}},
                                  make_publish("b", "1", q1, 2)}));
}

// [MQTT-3.1.2-30]: with an Authentication Method in CONNECT the Client MUST NOT
// send packets other than AUTH or DISCONNECT until it has received a CONNACK.
TEST(SpecRules, MQTT_3_1_2_30_OnlyAuthBeforeConnackWithEnhancedAuthentication) {
  test_authenticator a;
  auto config = make_config(v5);
  config.auth = &a;
  scripted_peer peer(config);
  peer.open();
  peer.sent();
  peer.publish("a", "0", q0);
  peer.publish("b", "1", q1);
  peer.subscribe({sub("s")});
  request_id id = 0;
  ASSERT_FALSE(peer.client().unsubscribe({"u"}, {}, id, peer.now()));
  EXPECT_EQ(peer.client().ping(id, peer.now()), make_error_code(session_errc::not_connected));
  peer.advance(120'000);
  peer.fire(timer_id::keep_alive); // not armed before CONNACK: no PINGREQ
  EXPECT_TRUE(peer.sent().empty());
  peer.receive(auth{reason_code::continue_authentication, auth_props("c1")});
  EXPECT_EQ(peer.sent(),
            (packets{auth{reason_code::continue_authentication, auth_props("proof:c1")}}));
  connack ok;
  ok.props = auth_props("final");
  peer.receive(ok);
  EXPECT_EQ(peer.sent().size(), 4u); // only now: QoS 0, SUBSCRIBE, UNSUBSCRIBE, QoS 1
}

// --- CONNACK -------------------------------------------------------------------------

// [MQTT-3.2.2-4]: a Client without Session State that receives Session Present 1
// MUST close the Network Connection. With session_config::strict_session_present
// (off by default, see its comment for why) the session does.
TEST(SpecRules, MQTT_3_2_2_4_SessionPresentWithoutSessionStateCloses) {
  auto config = make_config(v5, false);
  config.strict_session_present = true;
  scripted_peer peer(config); // a fresh memory store: no state
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_TRUE(has<close_connection>(peer.take_actions()));
  EXPECT_EQ(peer.sent(), (packets{disconnect{reason_code::protocol_error, {}}}));
}

// By default a fresh client takes the broker's session (and the messages it
// kept), and a client that had a session on this run always does.
TEST(SpecRules, MQTT_3_2_2_4_DefaultAcceptsTheBrokersSessionAndStrictKeepsOwnState) {
  {
    scripted_peer peer(make_config(v5, false));
    peer.open();
    peer.sent();
    peer.receive(connack{true});
    EXPECT_EQ(peer.client().state(), session_state::connected);
  }
  auto config = make_config(v5, false);
  config.strict_session_present = true;
  scripted_peer peer(config);
  peer.connect(connack{false}); // now the session has state of its own
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

// [MQTT-3.2.2-15]: the Client MUST NOT send packets exceeding the Maximum Packet
// Size to the Server. A SUBSCRIBE made while offline is not checked against the
// limit that the CONNACK brings before it is sent.
TEST(SpecRules, MQTT_3_2_2_15_OfflineSubscribeIsNotSentOverTheMaximumPacketSize) {
  scripted_peer peer(make_config(v5));
  peer.subscribe({sub(std::string(100, 'f'))});
  peer.open();
  peer.sent();
  peer.receive(accepted_with(property_id::maximum_packet_size, 50));
  for (const auto& p : peer.sent()) {
    EXPECT_LE(encoded_bytes({p}, v5), 50u);
  }
}

// [MQTT-3.2.2-17] / [MQTT-3.3.2-9]: the Client MUST NOT send a Topic Alias
// greater than the Server's Topic Alias Maximum. Automatic aliases respect it
// (FlowControlTopicAlias); a Topic Alias set by the caller (auto_topic_alias
// off) is not checked.
TEST(SpecRules, MQTT_3_2_2_17_CallerTopicAliasAboveTheBrokersMaximumIsRefused) {
  auto config = make_config(v5);
  config.auto_topic_alias = false;
  scripted_peer peer(config);
  peer.connect(accepted_with(property_id::topic_alias_maximum, 2));
  publish p = make_publish("a/b", "x", q0, 0);
  p.props.add(property_id::topic_alias, 5u);
  request_id id = 0;
  EXPECT_TRUE(peer.client().publish(p, id, peer.now()));
  EXPECT_TRUE(peer.sent().empty());
}

// [MQTT-3.2.2-18]: without a Topic Alias Maximum from the Server the Client MUST
// NOT send any Topic Alias. Not checked for an alias set by the caller.
TEST(SpecRules, MQTT_3_2_2_18_CallerTopicAliasWithoutTheBrokersMaximumIsRefused) {
  auto config = make_config(v5);
  config.auto_topic_alias = false;
  scripted_peer peer(config);
  peer.connect();
  publish p = make_publish("a/b", "x", q1, 0);
  p.props.add(property_id::topic_alias, 1u);
  request_id id = 0;
  EXPECT_TRUE(peer.client().publish(p, id, peer.now()));
  EXPECT_TRUE(peer.sent().empty());
}

// --- PUBLISH -------------------------------------------------------------------------

// [MQTT-3.3.1-2] (3.1.1 [MQTT-3.3.1-2]): the DUP flag MUST be 0 for all QoS 0
// messages; [MQTT-4.3.1-1]: QoS 0 is sent with DUP 0. Even when the caller sets it.
TEST(SpecRules, MQTT_3_3_1_2_DupIsZeroForQoS0) {
  for (auto v : {v3_1_1, v5}) {
    SCOPED_TRACE(static_cast<int>(v));
    scripted_peer peer(make_config(v));
    auto p = make_publish("a", "held", q0, 0, true);
    request_id id = 0;
    ASSERT_FALSE(peer.client().publish(p, id, peer.now())); // offline: held
    peer.connect();
    p.payload = to_bytes("now");
    ASSERT_FALSE(peer.client().publish(p, id, peer.now()));
    auto view = p.view();
    ASSERT_FALSE(peer.client().publish(view, id, peer.now())); // the zero-copy path
    EXPECT_EQ(peer.sent(),
              (packets{make_publish("a", "now", q0, 0), make_publish("a", "now", q0, 0)}));
  }
}

// [MQTT-3.3.2-10]: the Client MUST accept all Topic Alias values greater than 0
// and less than or equal to the Topic Alias Maximum it sent in CONNECT.
TEST(SpecRules, MQTT_3_3_2_10_EveryAliasUpToOurMaximumIsAccepted) {
  auto config = make_config(v5);
  config.connect_packet.props.add(property_id::topic_alias_maximum, 3u);
  scripted_peer peer(config);
  peer.connect();
  for (std::uint32_t alias = 1; alias <= 3; ++alias) {
    auto p = make_publish("t/" + std::to_string(alias), "set", q0, 0);
    p.props.add(property_id::topic_alias, alias);
    peer.receive(p);
  }
  for (std::uint32_t alias = 3; alias >= 1; --alias) {
    auto p = make_publish("", "use", q0, 0);
    p.props.add(property_id::topic_alias, alias);
    peer.receive(p);
  }
  auto got = peer.take<message_received>();
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[3].message.topic, "t/3");
  EXPECT_EQ(got[4].message.topic, "t/2");
  EXPECT_EQ(got[5].message.topic, "t/1");
  EXPECT_TRUE(peer.sent().empty()); // no DISCONNECT
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

// [MQTT-3.3.2-14]: the Response Topic MUST NOT contain wildcard characters.
// Only its UTF-8 is checked: the PUBLISH is sent.
TEST(SpecRules, MQTT_3_3_2_14_ResponseTopicWithAWildcardIsRefused) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  auto p = make_publish("req", "x", q1, 0);
  p.props.add(property_id::response_topic, std::string{"resp/#"});
  request_id id = 0;
  EXPECT_TRUE(peer.client().publish(p, id, peer.now()));
  EXPECT_TRUE(peer.sent().empty());
}

// [MQTT-3.3.4-6]: a PUBLISH sent from a Client to a Server MUST NOT contain a
// Subscription Identifier. The property is allowed in PUBLISH (the server's)
// and not refused in the client's.
TEST(SpecRules, MQTT_3_3_4_6_PublishWithASubscriptionIdentifierIsRefused) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  auto p = make_publish("t", "x", q0, 0);
  p.props.add(property_id::subscription_identifier, 7u);
  request_id id = 0;
  EXPECT_TRUE(peer.client().publish(p, id, peer.now()));
  EXPECT_TRUE(peer.sent().empty());
}

// [MQTT-3.3.4-7]: the Client MUST NOT send more than Receive Maximum QoS 1/2
// PUBLISH packets that are unacknowledged. After a reconnect every in-flight
// PUBLISH is resent, whatever the new CONNACK's Receive Maximum.
TEST(SpecRules, MQTT_3_3_4_7_ResendAfterReconnectRespectsTheNewReceiveMaximum) {
  scripted_peer peer(make_config(v5, false));
  peer.connect();
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  peer.publish("t", "3", q1);
  EXPECT_EQ(peer.sent().size(), 3u);
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(accepted_with(property_id::receive_maximum, 1, true));
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1, true)});
  peer.receive(puback{1});
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "2", q1, 2, true)});
}

// [MQTT-3.3.4-8] (and [MQTT-4.9.0-3]): the Client MUST NOT delay packets other
// than PUBLISH because Receive Maximum PUBLISH packets are unacknowledged.
TEST(SpecRules, MQTT_3_3_4_8_OtherPacketsAreNotDelayedByAFullSendQuota) {
  scripted_peer peer(make_config(v5));
  peer.connect(accepted_with(property_id::receive_maximum, 1));
  peer.publish("t", "1", q1);
  peer.publish("t", "2", q1);
  EXPECT_EQ(peer.sent(), packets{make_publish("t", "1", q1, 1)});
  ASSERT_EQ(peer.client().queued(), 1u);

  peer.subscribe({sub("s")});
  EXPECT_EQ(peer.sent(), (packets{subscribe{2, {sub("s")}, {}}}));
  request_id id = 0;
  ASSERT_FALSE(peer.client().unsubscribe({"s"}, {}, id, peer.now()));
  EXPECT_EQ(peer.sent(), (packets{unsubscribe{3, {"s"}, {}}}));
  peer.receive(make_publish("in", "a", q1, 7));
  EXPECT_EQ(peer.sent(), packets{puback{7}});
  peer.receive(make_publish("in", "b", q2, 8));
  EXPECT_EQ(peer.sent(), packets{pubrec{8}});
  peer.receive(pubrel{8});
  EXPECT_EQ(peer.sent(), packets{pubcomp{8}});
  ASSERT_FALSE(peer.client().ping(id, peer.now()));
  EXPECT_EQ(peer.sent(), packets{pingreq{}});
  EXPECT_EQ(peer.client().queued(), 1u); // the second PUBLISH still waits
  ASSERT_FALSE(peer.client().disconnect(reason_code::normal_disconnection, {}, id, peer.now()));
  EXPECT_EQ(peer.sent(), packets{disconnect{}});
}

// --- DISCONNECT ------------------------------------------------------------------

// [MQTT-3.14.2-3]: the sender MUST NOT send a Reason String that would take the
// DISCONNECT beyond the receiver's Maximum Packet Size. It is sent as given.
TEST(SpecRules, MQTT_3_14_2_3_DisconnectStaysWithinTheMaximumPacketSize) {
  scripted_peer peer(make_config(v5));
  peer.connect(accepted_with(property_id::maximum_packet_size, 20));
  properties props;
  props.add(property_id::reason_string, std::string(40, 'r'));
  request_id id = 0;
  (void)peer.client().disconnect(reason_code::normal_disconnection, props, id, peer.now());
  EXPECT_LE(peer.sent_bytes().size(), 20u);
}

// [MQTT-3.14.4-1] (3.1.1 [MQTT-3.14.4-2]): after sending DISCONNECT the sender
// MUST NOT send any more MQTT Control Packets on that Network Connection.
TEST(SpecRules, MQTT_3_14_4_1_NothingIsSentAfterDisconnect) {
  for (auto v : {v3_1_1, v5}) {
    SCOPED_TRACE(static_cast<int>(v));
    scripted_peer peer(make_config(v));
    peer.connect();
    request_id id = 0;
    ASSERT_FALSE(peer.client().disconnect(reason_code::normal_disconnection, {}, id, peer.now()));
    EXPECT_EQ(peer.sent(), packets{disconnect{}});
    peer.publish("a", "0", q0);
    peer.publish("a", "1", q1);
    peer.subscribe({sub("s")});
    EXPECT_EQ(peer.client().ping(id, peer.now()), make_error_code(session_errc::not_connected));
    peer.receive(make_publish("in", "x", q1, 3)); // no PUBACK
    peer.advance(120'000);
    peer.fire(timer_id::keep_alive); // no PINGREQ
    EXPECT_TRUE(peer.sent().empty());
  }
  // The same after a DISCONNECT the session sent for the broker's protocol error,
  // with more of the broker's packets in the same chunk.
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive_bytes(chunk_of({connack{}, make_publish("in", "x", q1, 3), pingresp{}}, v5));
  EXPECT_EQ(peer.sent(), (packets{disconnect{reason_code::protocol_error, {}}}));
  peer.publish("a", "0", q0);
  EXPECT_TRUE(peer.sent().empty());
}

// --- QoS 1 and QoS 2 ---------------------------------------------------------------

// [MQTT-4.3.2-2] (3.1.1 [MQTT-4.3.2-1]): a new QoS 1 message is sent with DUP 0,
// even when the caller set it.
TEST(SpecRules, MQTT_4_3_2_2_NewQoS1PublishHasDupZero) {
  scripted_peer peer(make_config());
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().publish(make_publish("a", "x", q1, 0, true), id, peer.now()));
  EXPECT_EQ(peer.sent(), packets{make_publish("a", "x", q1, 1)});
}

// [MQTT-4.3.2-3] (3.1.1 [MQTT-4.3.2-1]): the sender MUST treat a QoS 1 PUBLISH
// as unacknowledged until it has received the corresponding PUBACK.
TEST(SpecRules, MQTT_4_3_2_3_QoS1IsUnacknowledgedUntilPuback) {
  scripted_peer peer(make_config(v5, false));
  peer.connect();
  auto id = peer.publish("a", "x", q1);
  peer.sent();
  peer.receive(pubcomp{1});
  peer.receive(pubrec{1}); // answered so the broker can finish, but not an ack
  EXPECT_EQ(peer.sent(), (packets{pubrel{1, reason_code::packet_identifier_not_found, {}}}));
  EXPECT_TRUE(peer.take<request_completed>().empty());
  EXPECT_EQ(peer.client().in_flight(), 1u);
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), packets{make_publish("a", "x", q1, 1, true)});
  peer.receive(puback{1});
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
}

// [MQTT-4.3.2-5] (3.1.1 [MQTT-4.3.2-2]): after sending PUBACK the receiver MUST
// treat a PUBLISH with the same Packet Identifier as a new message, whatever DUP.
TEST(SpecRules, MQTT_4_3_2_5_QoS1WithAnAcknowledgedIdIsANewMessage) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.receive(make_publish("in", "1", q1, 4));
  peer.receive(make_publish("in", "1", q1, 4, true));
  EXPECT_EQ(peer.take<message_received>().size(), 2u);
  EXPECT_EQ(peer.sent(), (packets{puback{4}, puback{4}}));
}

// [MQTT-4.3.3-2] (3.1.1 [MQTT-4.3.3-1]): a new QoS 2 message is sent with DUP 0,
// even when the caller set it.
TEST(SpecRules, MQTT_4_3_3_2_NewQoS2PublishHasDupZero) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().publish(make_publish("a", "x", q2, 0, true), id, peer.now()));
  EXPECT_EQ(peer.sent(), packets{make_publish("a", "x", q2, 1)});
}

// [MQTT-4.3.3-5] (3.1.1 [MQTT-4.3.3-1]): the sender MUST treat the PUBREL as
// unacknowledged until it has received the corresponding PUBCOMP.
TEST(SpecRules, MQTT_4_3_3_5_PubrelIsUnacknowledgedUntilPubcomp) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  auto id = peer.publish("a", "x", q2);
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), (packets{make_publish("a", "x", q2, 1), pubrel{1}}));
  peer.receive(puback{1});
  EXPECT_TRUE(peer.take<request_completed>().empty());
  EXPECT_EQ(peer.client().in_flight(), 1u);
  EXPECT_TRUE(peer.client().packet_ids().in_use(1));
  peer.receive(pubcomp{1});
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  EXPECT_FALSE(peer.client().packet_ids().in_use(1));
}

// [MQTT-4.3.3-6] (3.1.1 [MQTT-4.3.3-1]): the sender MUST NOT re-send the PUBLISH
// once it has sent the corresponding PUBREL. When the broker has lost the
// session, a QoS 2 message whose PUBREC already came (the broker owns it) is
// published again as a new message by the default policy: a duplicate.
TEST(SpecRules, MQTT_4_3_3_6_ReleasedQoS2IsNotRepublishedWhenTheSessionIsLost) {
  scripted_peer peer(make_config(v3_1_1, false));
  peer.connect();
  peer.publish("a", "x", q2);
  peer.receive(pubrec{1});
  EXPECT_EQ(peer.sent(), (packets{make_publish("a", "x", q2, 1), pubrel{1}}));
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{false});
  EXPECT_TRUE(peer.sent().empty());
}

// [MQTT-4.3.3-11] (3.1.1 [MQTT-4.3.3-2]): the receiver MUST respond to a PUBREL
// with a PUBCOMP carrying the same Packet Identifier, also for one it does not
// know (MQTT 5 says 0x92 then).
TEST(SpecRules, MQTT_4_3_3_11_PubcompAnswersEveryPubrel) {
  {
    scripted_peer peer(make_config());
    peer.connect();
    peer.receive(pubrel{7});
    EXPECT_EQ(peer.sent(), packets{pubcomp{7}});
  }
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive(pubrel{7});
  EXPECT_EQ(peer.sent(), (packets{pubcomp{7, reason_code::packet_identifier_not_found, {}}}));
  EXPECT_EQ(peer.client().state(), session_state::connected);
}

// --- resending -----------------------------------------------------------------------

// [MQTT-4.4.0-1]: unacknowledged PUBLISH and PUBREL are resent when the Client
// reconnects with a session present, and MUST NOT be resent at any other time
// (no retry on a timer within one connection).
TEST(SpecRules, MQTT_4_4_0_1_ResendOnlyAfterReconnect) {
  for (auto v : {v3_1_1, v5}) {
    SCOPED_TRACE(static_cast<int>(v));
    scripted_peer peer(make_config(v, false));
    peer.connect();
    peer.publish("a", "1", q1);
    peer.publish("b", "2", q2);
    peer.publish("c", "3", q2);
    peer.receive(pubrec{3});
    EXPECT_EQ(peer.sent(), (packets{make_publish("a", "1", q1, 1), make_publish("b", "2", q2, 2),
                                    make_publish("c", "3", q2, 3), pubrel{3}}));
    for (int i = 0; i < 3; ++i) {
      peer.advance(60'000);
      peer.fire(timer_id::keep_alive);
      EXPECT_EQ(peer.sent(), packets{pingreq{}});
      peer.receive(pingresp{});
    }
    peer.fire(timer_id::ping_timeout); // stale
    peer.fire(timer_id::connack_timeout);
    EXPECT_TRUE(peer.sent().empty());
    peer.close();
    peer.open();
    EXPECT_EQ(peer.sent().size(), 1u); // CONNECT only, before the CONNACK
    peer.receive(connack{true});
    EXPECT_EQ(peer.sent(), (packets{make_publish("a", "1", q1, 1, true),
                                    make_publish("b", "2", q2, 2, true), pubrel{3}}));
  }
}

// [MQTT-4.4.0-2]: a PUBLISH answered by PUBACK or PUBREC with a Reason Code of
// 0x80 or greater is acknowledged and MUST NOT be retransmitted.
TEST(SpecRules, MQTT_4_4_0_2_PublishRefusedByTheBrokerIsNotResent) {
  scripted_peer peer(make_config(v5, false));
  peer.connect();
  peer.publish("a", "1", q1);
  peer.publish("b", "2", q2);
  peer.sent();
  peer.receive(puback{1, reason_code::not_authorized, {}});
  peer.receive(pubrec{2, reason_code::quota_exceeded, {}});
  EXPECT_TRUE(peer.sent().empty()); // no PUBREL either
  EXPECT_EQ(peer.take<request_completed>().size(), 2u);
  EXPECT_EQ(peer.client().in_flight(), 0u);
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_TRUE(peer.sent().empty());
}

// --- ordering ------------------------------------------------------------------------

// [MQTT-4.6.0-2]: the Client MUST send PUBACK packets in the order in which the
// corresponding PUBLISH packets were received.
TEST(SpecRules, MQTT_4_6_0_2_PubacksInTheOrderThePublishesCame) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.receive_bytes(chunk_of(
      {make_publish("a", "1", q1, 5), make_publish("b", "2", q1, 3), make_publish("c", "3", q1, 9)},
      v3_1_1));
  EXPECT_EQ(peer.sent(), (packets{puback{5}, puback{3}, puback{9}}));
}

// [MQTT-4.6.0-3]: the Client MUST send PUBREC packets in the order in which the
// corresponding PUBLISH packets were received.
TEST(SpecRules, MQTT_4_6_0_3_PubrecsInTheOrderThePublishesCame) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  peer.receive_bytes(chunk_of(
      {make_publish("a", "1", q2, 5), make_publish("b", "2", q1, 3), make_publish("c", "3", q2, 9)},
      v5));
  EXPECT_EQ(peer.sent(), (packets{pubrec{5}, puback{3}, pubrec{9}}));
}

// [MQTT-4.6.0-4]: the Client MUST send PUBREL packets in the order in which the
// corresponding PUBREC packets were received.
TEST(SpecRules, MQTT_4_6_0_4_PubrelsInTheOrderThePubrecsCame) {
  scripted_peer peer(make_config());
  peer.connect();
  peer.publish("t", "1", q2);
  peer.publish("t", "2", q2);
  peer.publish("t", "3", q2);
  peer.sent();
  peer.receive_bytes(chunk_of({pubrec{3}, pubrec{1}, pubrec{2}}, v3_1_1));
  EXPECT_EQ(peer.sent(), (packets{pubrel{3}, pubrel{1}, pubrel{2}}));
}

// [MQTT-4.6.0-4] on a reconnect: the resent PUBRELs keep the order the
// PUBRECs came in, not the order the PUBLISH packets were first sent.
TEST(SpecRules, MQTT_4_6_0_4_ResentPubrelsKeepThePubrecOrder) {
  scripted_peer peer(make_config(v3_1_1, false));
  peer.connect();
  peer.publish("t", "1", q2);
  peer.publish("t", "2", q2);
  peer.publish("t", "3", q2);
  peer.receive_bytes(chunk_of({pubrec{3}, pubrec{1}, pubrec{2}}, v3_1_1));
  peer.sent();
  peer.close();
  peer.open();
  peer.sent();
  peer.receive(connack{true});
  EXPECT_EQ(peer.sent(), (packets{pubrel{3}, pubrel{1}, pubrel{2}}));
}

// --- enhanced authentication ---------------------------------------------------------

// [MQTT-4.12.0-7]: a Client that put no Authentication Method in CONNECT MUST
// NOT send an AUTH packet.
TEST(SpecRules, MQTT_4_12_0_7_NoAuthWithoutAnAuthenticationMethod) {
  scripted_peer peer(make_config(v5));
  peer.connect();
  request_id id = 0;
  EXPECT_EQ(peer.client().reauthenticate(id, peer.now()),
            make_error_code(session_errc::not_in_protocol_version));
  EXPECT_TRUE(peer.sent().empty());
  // An AUTH from the broker is answered with DISCONNECT, not AUTH.
  peer.receive(auth{reason_code::continue_authentication, auth_props("x")});
  EXPECT_EQ(peer.sent(), (packets{disconnect{reason_code::protocol_error, {}}}));
}

// [MQTT-4.12.1-2]: if the re-authentication fails the Client MUST close the
// Network Connection (a DISCONNECT with a reason first).
TEST(SpecRules, MQTT_4_12_1_2_FailedReauthenticationClosesTheConnection) {
  test_authenticator a;
  auto config = make_config(v5);
  config.auth = &a;
  scripted_peer peer(config);
  peer.connect();
  request_id id = 0;
  ASSERT_FALSE(peer.client().reauthenticate(id, peer.now()));
  EXPECT_EQ(peer.sent(), (packets{auth{reason_code::re_authenticate, auth_props("client-first")}}));
  a.refuse = true;
  peer.receive(auth{reason_code::continue_authentication, auth_props("c")});
  EXPECT_EQ(peer.sent(), (packets{disconnect{reason_code::not_authorized, {}}}));
  auto closes = peer.take<close_connection>();
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].reason, std::make_error_code(std::errc::permission_denied));
  peer.close();
  auto done = peer.take<request_completed>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, id);
  EXPECT_EQ(done[0].error, make_error_code(session_errc::connection_lost));
}

} // namespace
} // namespace braid::protocol
