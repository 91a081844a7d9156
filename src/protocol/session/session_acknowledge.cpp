// Acknowledgement by the application (session_config::manual_acknowledgement):
// an incoming QoS 1/2 message is delivered at once and its PUBACK or PUBREC
// waits for acknowledge(). The held messages outlive a connection, so that an
// acknowledgement made after a reconnect still reaches the broker and a
// message the application is still processing is not delivered again.

#include <braid/protocol/session/session.hpp>

#include <algorithm>

namespace braid::protocol {

std::uint16_t session::unacknowledged_limit() const noexcept {
  return std::max<std::uint16_t>(1, std::min(config_.unacknowledged_limit, our_receive_maximum()));
}

bool session::acknowledgements_full() const noexcept {
  return config_.manual_acknowledgement && unacknowledged_ >= unacknowledged_limit();
}

session::held_message* session::find_held(qos q, std::uint16_t packet_id) {
  auto it = std::find_if(held_.begin(), held_.end(), [&](const held_message& h) {
    return h.packet_id == packet_id && h.q == q;
  });
  return it == held_.end() ? nullptr : &*it;
}

void session::release_held(held_message* held) {
  unacknowledged_ -= held->deliveries;
  *held = held_.back();
  held_.pop_back();
}

// PUBACK or PUBREC for a message the application has processed. A failing
// PUBREC ends the QoS 2 exchange: no PUBREL follows it.
void session::answer(qos q, std::uint16_t packet_id, reason_code reason) {
  if (version() != protocol_version::v5) {
    reason = reason_code::success;
  }
  if (q == qos::at_least_once) {
    write(puback{packet_id, reason, {}});
    return;
  }
  if (is_error(reason)) {
    store_.remove_incoming(packet_id);
  }
  write(pubrec{packet_id, reason, {}});
}

// A QoS 1/2 message under manual acknowledgement: delivered and held, or,
// when it is a resend of one the application has, answered or left to its
// acknowledgement.
void session::hold(struct publish& p) {
  const auto id = p.packet_id;
  auto* held = find_held(p.qos, id);
  bool resend = p.qos == qos::exactly_once
                    ? store_.contains_incoming(id) && (p.dup || !config_.dup_flag_marks_resends)
                    : held != nullptr && p.dup;
  if (!resend && held != nullptr && is_replay(p)) {
    // A QoS 2 message still held whose id the broker released early (PUBREL
    // before PUBREC), sent again: the replay guard knows it, so it is the
    // held message's resend, answered when the application acknowledges it
    // (or now, if it already did).
    ++counters_.replays;
    store_.add_incoming(id);
    resend = true;
  }
  if (resend) {
    if (held == nullptr) {
      // Acknowledged and the PUBREC lost, or delivered before a restart of
      // the client (a QoS 2 message is not delivered twice).
      answer(p.qos, id, reason_code::success);
    } else if (held->deliveries == 0) {
      answer(p.qos, id, held->reason); // acknowledged while there was no connection
      release_held(held);
    } else {
      held->before_reconnect = false; // still being processed: answered when acknowledged
    }
    return;
  }
  if (held != nullptr && held->deliveries == 0) {
    // Acknowledged while there was no connection, and the broker sends a new
    // message with the id instead of the old one: it let the old one go.
    release_held(held);
    held = nullptr;
  }
  // A broker that sends more than the Receive Maximum announced is not cut
  // off here: mosquitto 2.0.11 does, once it releases messages it queued for
  // the client. The runner stops reading instead (acknowledgements_full).
  if (p.qos == qos::exactly_once && !store_.contains_incoming(id)) {
    store_.add_incoming(id); // durable before PUBREC goes out (see session.hpp)
  }
  if (held != nullptr) {
    ++held->deliveries; // a new message with an id still held (the sender forgot the old one)
  } else {
    held_.push_back({id, p.qos, 1, reason_code::success});
  }
  ++unacknowledged_;
  deliver(p);
}

std::error_code session::acknowledge(qos q, std::uint16_t packet_id, reason_code reason,
                                     std::uint64_t now_ms) {
  now_ms_ = now_ms;
  const auto type = q == qos::exactly_once ? packet_type::pubrec : packet_type::puback;
  if (version() == protocol_version::v5 && !is_allowed(type, reason)) {
    return session_errc::invalid_request;
  }
  auto* held = find_held(q, packet_id);
  if (held == nullptr || held->deliveries == 0) {
    return session_errc::not_awaiting_acknowledgement;
  }
  --held->deliveries;
  --unacknowledged_;
  if (held->deliveries > 0) {
    return {}; // the other delivery of this id is acknowledged later
  }
  if (state_ == session_state::connected && !held->before_reconnect) {
    answer(q, packet_id, reason);
    release_held(held);
  } else {
    held->reason = reason; // answered when the broker sends the message again (hold)
  }
  return {};
}

} // namespace braid::protocol
