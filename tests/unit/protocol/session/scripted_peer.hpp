#pragma once
// A scripted broker for session tests: no sockets, no waiting. It feeds the
// session bytes as a broker would send them, decodes what the session wrote,
// moves time, and hands over the actions, so a test reads as a dialogue:
//
//   scripted_peer peer(config);
//   peer.open();
//   EXPECT_EQ(peer.sent(), packets{config.connect_packet});
//   peer.receive(connack{});
//   auto id = peer.publish("a/b", "hi", qos::at_least_once);
//   EXPECT_EQ(peer.sent(), packets{publish{...}});

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/session.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::protocol::testing {

using packets = std::vector<packet>;
using actions = std::vector<action>;

class scripted_peer {
public:
  explicit scripted_peer(session_config config) : session_(std::move(config), store_) {}
  /// A session over a store owned by the test (store() is then unused).
  scripted_peer(session_config config, session_store& store) : session_(std::move(config), store) {}

  session& client() { return session_; }
  memory_store& store() { return store_; }
  protocol_version version() const { return session_.version(); }
  std::uint64_t now() const { return now_; }

  /// The transport came up: the session writes CONNECT.
  void open() { session_.connection_opened(now_); }
  /// The transport went away.
  void close(std::error_code ec = {}) { session_.connection_closed(ec, now_); }
  /// Moves the clock on (timers do not fire by themselves: see fire()).
  void advance(std::uint64_t ms) { now_ += ms; }
  void fire(timer_id t) { session_.timer_fired(t, now_); }

  /// The broker sends `p`, encoded in the session's version, fed in chunks of
  /// `chunk` bytes (0: all at once).
  void receive(const packet& p, std::size_t chunk = 0) {
    output_buffer out;
    auto ec = encode(p, session_.version(), out);
    ASSERT_FALSE(ec) << "the scripted broker sent an invalid packet: " << ec.message();
    receive_bytes(out.view(), chunk);
  }
  void receive_bytes(byte_view bytes, std::size_t chunk = 0) {
    if (chunk == 0) {
      chunk = bytes.size();
    }
    while (!bytes.empty()) {
      auto n = std::min(chunk, bytes.size());
      session_.bytes_received(bytes.first(n), now_);
      bytes = bytes.subspan(n);
    }
  }

  /// The bytes the session wrote since the last call.
  bytes sent_bytes() {
    output_buffer out;
    session_.swap_output(out);
    return out.flatten(); // a large payload is a shared part, not copied in
  }
  /// The packets the session wrote since the last call, decoded as the broker would.
  packets sent() {
    auto raw = sent_bytes();
    packets out;
    decoder d({.version = session_.version()});
    byte_view in = raw;
    while (!in.empty()) {
      packet p;
      auto r = d.feed(in, p);
      in = in.subspan(r.consumed);
      if (r.status == decode_status::error) {
        ADD_FAILURE() << "the session wrote a malformed packet: " << d.error_message();
        break;
      }
      if (r.status == decode_status::packet_ready) {
        out.push_back(std::move(p));
      }
    }
    return out;
  }

  /// The actions since the last call. Completions come without their packet
  /// ids (most tests are not about them); take_exact_actions keeps them.
  actions take_actions() {
    actions out = take_exact_actions();
    for (auto& a : out) {
      if (auto* c = std::get_if<request_completed>(&a)) {
        c->packet_id = 0;
      }
    }
    return out;
  }
  /// The actions since the last call, as the session made them.
  actions take_exact_actions() {
    actions out = session_.actions();
    session_.clear_actions();
    return out;
  }
  /// Only the actions of type A since the last call (the others are dropped).
  template <class A>
  std::vector<A> take() {
    return only<A>(take_actions());
  }
  /// The same, as the session made them (completions with their packet ids).
  template <class A>
  std::vector<A> take_exactly() {
    return only<A>(take_exact_actions());
  }
  template <class A>
  static std::vector<A> only(actions all) {
    std::vector<A> out;
    for (auto& a : all) {
      if (auto* x = std::get_if<A>(&a)) {
        out.push_back(std::move(*x));
      }
    }
    return out;
  }

  /// open() and a CONNACK accepting the connection; output and actions cleared.
  void connect(connack ack = {}) {
    open();
    receive(ack);
    sent();
    take_actions();
  }

  /// A new connection after a lost one, the broker with (or without) the
  /// session: the CONNECT dropped, what the session does after the CONNACK kept.
  void reconnect(bool session_present = true) {
    close();
    open();
    sent();
    receive(connack{session_present});
  }

  /// open() (the CONNECT checked and dropped) and `ack`, keeping what the
  /// session does after it (output and actions) for the test to see.
  void connect_keeping(connack ack) {
    open();
    EXPECT_EQ(sent().size(), 1u);
    receive(ack);
  }

  request_id publish(std::string topic, std::string payload, qos q, bool retain = false,
                     properties props = {}) {
    struct publish p;
    p.topic = std::move(topic);
    p.payload = to_bytes(payload);
    p.qos = q;
    p.retain = retain;
    p.props = std::move(props);
    request_id id = 0;
    auto ec = session_.publish(std::move(p), id, now_);
    EXPECT_FALSE(ec) << ec.message();
    return id;
  }

  request_id subscribe(std::vector<subscription> subs, properties props = {}) {
    request_id id = 0;
    auto ec = session_.subscribe(std::move(subs), std::move(props), id, now_);
    EXPECT_FALSE(ec) << ec.message();
    return id;
  }

private:
  memory_store store_;
  session session_;
  std::uint64_t now_ = 1'000'000;
};

/// A PUBLISH as the broker expects to see it.
inline publish make_publish(std::string topic, std::string payload, qos q, std::uint16_t id,
                            bool dup = false, bool retain = false) {
  publish p;
  p.topic = std::move(topic);
  p.payload = to_bytes(payload);
  p.qos = q;
  p.packet_id = id;
  p.dup = dup;
  p.retain = retain;
  return p;
}

/// A session config for `client_id`, clean start as given, keep alive 60 s.
inline session_config make_config(protocol_version v = protocol_version::v3_1_1,
                                  bool clean_start = true, std::string client_id = "braid") {
  session_config c;
  c.connect_packet.version = v;
  c.connect_packet.client_id = std::move(client_id);
  c.connect_packet.clean_start = clean_start;
  c.connect_packet.keep_alive = 60;
  return c;
}

} // namespace braid::protocol::testing
