// Incoming packets: decoding, dispatch, application messages (QoS 0/1/2
// receipt), the broker's DISCONNECT and AUTH. The requests that wait for an
// answer, and their answers, are in session_requests.cpp.

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/session/session.hpp>

#include "session_internal.hpp"

#include <algorithm>

namespace braid::protocol {

void session::bytes_received(byte_view data, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  while (!data.empty() &&
         (state_ == session_state::connecting || state_ == session_state::connected)) {
    auto r = decoder_.feed(data, incoming_);
    data = data.subspan(r.consumed);
    if (r.status == decode_status::error) {
      fail_decoding(r.error);
      return;
    }
    if (r.status == decode_status::need_more) {
      return;
    }
    dispatch(incoming_, now_ms);
  }
}

// The broker sent bytes the decoder refuses: DISCONNECT with the reason that
// names the fault (malformed packet when it has none of its own).
void session::fail_decoding(std::error_code error) {
  const auto rc = error.category() == protocol_category()
                      ? to_reason_code(static_cast<errc>(error.value()))
                      : reason_code::malformed_packet;
  fail_connection(error, rc);
}

session::read_space session::direct_read_space() {
  if (state_ != session_state::connecting && state_ != session_state::connected) {
    return {};
  }
  auto space = decoder_.direct_space();
  return {space, space.empty() ? nullptr : decoder_.direct_owner()};
}

void session::bytes_received_in_place(byte_view data, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ != session_state::connecting && state_ != session_state::connected) {
    return;
  }
  const auto space = decoder_.direct_space();
  if (space.data() != data.data() || data.size() > space.size()) {
    return; // read for a packet the decoder gave up, or not into its space
  }
  auto r = decoder_.commit_direct(data.size(), incoming_);
  if (r.status == decode_status::error) {
    fail_decoding(r.error);
    return;
  }
  if (r.status == decode_status::packet_ready) {
    dispatch(incoming_, now_ms);
  }
}

void session::dispatch(packet& p, std::uint64_t now_ms) {
  // Any packet shows the broker is alive.
  if (ping_outstanding_) {
    ping_outstanding_ = false;
    disarm(timer_id::ping_timeout);
  }
  if (state_ == session_state::connecting) {
    if (auto* ack = std::get_if<connack>(&p)) {
      on_connack(*ack, now_ms);
    } else if (auto* a = std::get_if<auth>(&p)) {
      on_auth(*a);
    } else {
      fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
    }
    return;
  }
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, struct publish>) {
          on_publish(typed);
        } else if constexpr (std::is_same_v<T, puback> || std::is_same_v<T, pubrec> ||
                             std::is_same_v<T, pubcomp>) {
          on_publish_response(typed);
        } else if constexpr (std::is_same_v<T, pubrel>) {
          on_pubrel(typed);
        } else if constexpr (std::is_same_v<T, suback>) {
          on_suback(typed);
        } else if constexpr (std::is_same_v<T, unsuback>) {
          on_unsuback(typed);
        } else if constexpr (std::is_same_v<T, pingresp>) {
          on_pingresp();
        } else if constexpr (std::is_same_v<T, struct disconnect>) {
          on_disconnect(typed);
        } else if constexpr (std::is_same_v<T, auth>) {
          on_auth(typed);
        } else {
          // CONNACK twice, or a packet only a client sends.
          fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
        }
      },
      p);
}

// --- incoming messages --------------------------------------------------------

std::uint16_t session::our_topic_alias_maximum() const noexcept {
  return static_cast<std::uint16_t>(
      config_.connect_packet.props.integer(property_id::topic_alias_maximum).value_or(0));
}

std::uint16_t session::our_receive_maximum() const noexcept {
  return static_cast<std::uint16_t>(
      config_.connect_packet.props.integer(property_id::receive_maximum).value_or(65535));
}

bool session::resolve_topic_alias(struct publish& p) {
  auto alias = p.props.integer(property_id::topic_alias);
  if (!alias) {
    return true;
  }
  if (*alias > our_topic_alias_maximum()) {
    return false;
  }
  auto& table = aliases().incoming;
  if (table.size() <= *alias) {
    table.resize(std::size_t{*alias} + 1);
  }
  if (p.topic.empty()) {
    if (table[*alias].empty()) {
      return false;
    }
    p.topic = table[*alias];
  } else {
    table[*alias] = p.topic;
  }
  return true;
}

// QoS 1: deliver, PUBACK. QoS 2: remember the id, deliver once, PUBREC; a
// resent PUBLISH (DUP) for an id not yet released only gets its PUBREC again.
// With the replay guard, a resend of a message whose exchange is over is
// answered and not delivered (is_replay). A new message that
// session_config::take_message declines gets no answer.
// Under manual acknowledgement the answer waits for the application (hold).
void session::on_publish(struct publish& p) {
  if (version() == protocol_version::v5 && !resolve_topic_alias(p)) {
    fail_connection(session_errc::topic_alias_invalid, reason_code::topic_alias_invalid);
    return;
  }
  const bool held = config_.manual_acknowledgement && p.qos != qos::at_most_once;
  const bool resend_of_a_delivered_message =
      (p.qos == qos::exactly_once && store_.contains_incoming(p.packet_id) &&
       (p.dup || !config_.dup_flag_marks_resends)) ||
      (held && p.dup && find_held(p.qos, p.packet_id) != nullptr);
  if (!resend_of_a_delivered_message && is_replay(p)) {
    answer_replay(p);
    return;
  }
  if (config_.take_message && !resend_of_a_delivered_message && !config_.take_message(p)) {
    return;
  }
  if (held) {
    hold(p); // acknowledged when the application says so (session_acknowledge.cpp)
    return;
  }
  switch (p.qos) {
  case qos::at_most_once:
    deliver(p);
    break;
  case qos::at_least_once: {
    const auto id = p.packet_id;
    deliver(p);
    write(puback{id, reason_code::success, {}});
    break;
  }
  case qos::exactly_once: {
    const auto id = p.packet_id;
    if (!store_.contains_incoming(id)) {
      if (store_.incoming_count() >= our_receive_maximum()) {
        fail_connection(session_errc::receive_maximum_exceeded,
                        reason_code::receive_maximum_exceeded);
        return;
      }
      store_.add_incoming(id); // durable before PUBREC goes out (see session.hpp)
      deliver(p);
    } else if (!p.dup && config_.dup_flag_marks_resends) {
      // A first attempt with an id awaiting PUBREL: the sender forgot that
      // exchange, and this is another message (see session_config). The id
      // now stands for it.
      deliver(p);
    }
    write(pubrec{id, reason_code::success, {}});
    break;
  }
  }
}

void session::deliver(struct publish& p) {
  auto& c = counters_.received[static_cast<std::size_t>(p.qos)];
  ++c.messages;
  c.payload_bytes += p.payload.size();
  if (config_.replay_guard != 0 && p.qos != qos::at_most_once) {
    const replay_memory::entry e{p.packet_id, message_digest(p.topic, p.payload)};
    if (p.qos == qos::exactly_once) {
      store_.remember_delivered(e, config_.replay_guard);
    } else {
      if (!qos1_delivered_) {
        qos1_delivered_ = std::make_unique<replay_memory>();
      }
      qos1_delivered_->remember(e, config_.replay_guard);
    }
  }
  actions_.emplace_back(message_received{std::move(p)});
}

// The replay guard (session_config::replay_guard): a resend (DUP 1) of the
// latest message delivered with this packet id, whose exchange is over (a
// QoS 2 id awaiting PUBREL is a resend the usual way, answered above).
bool session::is_replay(const struct publish& p) const {
  if (config_.replay_guard == 0 || !p.dup || p.qos == qos::at_most_once) {
    return false;
  }
  if (p.qos == qos::exactly_once && store_.contains_incoming(p.packet_id)) {
    return false;
  }
  const replay_memory::entry e{p.packet_id, message_digest(p.topic, p.payload)};
  return p.qos == qos::exactly_once ? store_.delivered_before(e)
                                    : qos1_delivered_ && qos1_delivered_->matches(e);
}

// Acknowledged as a new message would be, without delivering it: PUBACK, or
// PUBREC with the id awaiting its PUBREL (which then gets PUBCOMP).
void session::answer_replay(const struct publish& p) {
  ++counters_.replays;
  if (p.qos == qos::at_least_once) {
    write(puback{p.packet_id, reason_code::success, {}});
    return;
  }
  if (store_.incoming_count() >= our_receive_maximum()) {
    fail_connection(session_errc::receive_maximum_exceeded, reason_code::receive_maximum_exceeded);
    return;
  }
  store_.add_incoming(p.packet_id); // durable before PUBREC goes out
  write(pubrec{p.packet_id, reason_code::success, {}});
}

// PUBCOMP for every PUBREL, also for an id we do not know (3.1.1 4.3.3).
void session::on_pubrel(pubrel& p) {
  const bool known = store_.remove_incoming(p.packet_id);
  const bool v5 = version() == protocol_version::v5;
  write(pubcomp{p.packet_id,
                known || !v5 ? reason_code::success : reason_code::packet_identifier_not_found,
                {}});
}

// --- server disconnect ------------------------------------------------------

// MQTT 5: the broker closes with a reason (and maybe a Server Reference).
void session::on_disconnect(struct disconnect& p) {
  report_redirect(p.reason, p.props);
  actions_.emplace_back(server_disconnected{std::move(p)});
  request_close(session_errc::server_disconnected);
}

// Use another server / Server moved with a Server Reference (MQTT 5.0 4.11):
// the runner decides whether and where to go.
void session::report_redirect(reason_code reason, const properties& props) {
  if (reason != reason_code::use_another_server && reason != reason_code::server_moved) {
    return;
  }
  const auto* reference = props.string(property_id::server_reference);
  if (reference == nullptr) {
    return; // nowhere to go: an ordinary refusal or disconnect
  }
  actions_.emplace_back(server_redirect{reason == reason_code::server_moved, *reference,
                                        parse_server_reference(*reference)});
}

// --- enhanced authentication (MQTT 5) ------------------------------------------

void session::on_auth(auth& p) {
  if (config_.auth == nullptr) {
    fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
    return;
  }
  const auto* method = p.props.string(property_id::authentication_method);
  if (method == nullptr || *method != config_.auth->method()) {
    // 0x8C is not a DISCONNECT reason code: another method is a protocol error.
    fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
    return;
  }
  const auto* data = p.props.binary(property_id::authentication_data);
  const bytes empty;
  switch (p.reason) {
  case reason_code::continue_authentication: {
    bytes response;
    if (auto ec = config_.auth->respond(data != nullptr ? *data : empty, response)) {
      fail_connection(ec, reason_code::not_authorized);
      return;
    }
    properties props;
    props.add(property_id::authentication_method, config_.auth->method());
    props.add(property_id::authentication_data, std::move(response));
    write(auth{reason_code::continue_authentication, std::move(props)});
    break;
  }
  case reason_code::success:
    // Success of a re-authentication; a first authentication ends in CONNACK.
    if (state_ != session_state::connected || !reauth_request_) {
      fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
      return;
    }
    config_.auth->succeeded(data != nullptr ? *data : empty);
    {
      request_completed done;
      done.id = *reauth_request_;
      done.kind = request_kind::reauthenticate;
      done.props = std::move(p.props);
      actions_.emplace_back(std::move(done));
    }
    reauth_request_.reset();
    break;
  default:
    fail_connection(session_errc::unexpected_packet, reason_code::protocol_error);
    break;
  }
}

} // namespace braid::protocol
