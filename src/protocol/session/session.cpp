// The session's life cycle: CONNECT and CONNACK, resuming or losing the
// session, keep alive, closing, and the output buffer.

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/session.hpp>

#include "session_internal.hpp"

#include <algorithm>

namespace braid::protocol {

session::session(session_config config, session_store& store)
    : config_(std::move(config)), store_(store) {
  auto& c = config_.connect_packet;
  decoder_.set_version(c.version);
  if (c.version == protocol_version::v5) {
    // The limit announced is the limit enforced: a Maximum Packet Size set in
    // the CONNECT's properties lowers the decoder's limit, and a lower
    // max_incoming_packet_size is announced.
    if (auto announced = c.props.integer(property_id::maximum_packet_size)) {
      config_.max_incoming_packet_size =
          std::min<std::size_t>(config_.max_incoming_packet_size, *announced);
    } else if (config_.max_incoming_packet_size < 268'435'460) {
      c.props.add(property_id::maximum_packet_size,
                  static_cast<std::uint32_t>(config_.max_incoming_packet_size));
    }
  }
  decoder_.set_max_packet_size(config_.max_incoming_packet_size);
  if (config_.manual_acknowledgement && c.version == protocol_version::v5 &&
      !c.props.integer(property_id::receive_maximum)) {
    // The broker itself holds back what the application cannot take yet.
    c.props.add(property_id::receive_maximum,
                std::max<std::uint16_t>(1, config_.unacknowledged_limit));
  }
  if (config_.auth != nullptr && c.version == protocol_version::v5) {
    c.props.add(property_id::authentication_method, config_.auth->method());
  }
  if (c.clean_start) {
    store_.clear(false); // a clean start discards what an earlier run left
    return;
  }
  // Resume what a durable store kept: in-flight messages keep their ids.
  next_id_ = std::max(next_id_, store_.next_free_sequence());
  for (auto sequence : store_.sequences()) {
    auto* record = store_.find(sequence);
    if (record == nullptr) {
      continue;
    }
    next_id_ = std::max(next_id_, sequence + 1);
    if (record->state == publish_state::queued || !ids_.reserve(record->message.packet_id)) {
      if (record->state != publish_state::queued) {
        record->state = publish_state::queued; // no usable id: sent again as new
        record->message.packet_id = 0;
        store_.update(*record);
      }
      queue_.push_back(sequence);
    } else {
      in_flight_ids_.emplace_back(record->message.packet_id, sequence);
      ++in_flight_;
      if (record->state == publish_state::released) {
        release_order_.push_back(sequence); // released in an earlier run: sequence order
      }
    }
  }
  had_session_ = in_flight_ > 0 || store_.incoming_count() > 0 || !store_.subscriptions().empty();
}

session::~session() = default;

bool is_permanent_refusal(reason_code reason) noexcept {
  switch (reason) {
  case reason_code::unsupported_protocol_version:
  case reason_code::client_identifier_not_valid:
  case reason_code::bad_user_name_or_password:
  case reason_code::not_authorized:
  case reason_code::banned:
  case reason_code::bad_authentication_method:
    return true;
  default:
    return false;
  }
}

std::uint64_t session::next_request_id() {
  return next_id_++;
}

std::uint16_t session::window() const noexcept {
  auto w = config_.window == 0 ? std::uint16_t{1} : config_.window;
  return std::min(w, limits_.receive_maximum);
}

void session::set_window(std::uint16_t window) {
  config_.window = window;
  send_what_fits();
}

void session::swap_output(output_buffer& empty) noexcept {
  std::swap(output_, empty);
}

void session::note_sent(std::uint64_t now_ms) {
  last_sent_ms_ = now_ms;
}

// --- timers ------------------------------------------------------------------

void session::arm(timer_id t, std::uint64_t delay_ms) {
  armed_timers_ = static_cast<std::uint8_t>(armed_timers_ | (1u << static_cast<unsigned>(t)));
  actions_.emplace_back(arm_timer{t, delay_ms});
}

void session::disarm(timer_id t) {
  const auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(t));
  if ((armed_timers_ & bit) != 0) {
    armed_timers_ = static_cast<std::uint8_t>(armed_timers_ & ~bit);
    actions_.emplace_back(cancel_timer{t});
  }
}

std::uint64_t session::keep_alive_ms() const noexcept {
  return std::uint64_t{limits_.keep_alive} * 1000;
}

void session::timer_fired(timer_id timer, std::uint64_t now_ms) {
  const auto bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(timer));
  if ((armed_timers_ & bit) == 0) {
    return; // cancelled after it fired: stale
  }
  armed_timers_ = static_cast<std::uint8_t>(armed_timers_ & ~bit);
  switch (timer) {
  case timer_id::keep_alive:
    on_keep_alive(now_ms);
    break;
  case timer_id::ping_timeout:
    if (!ping_outstanding_ || state_ != session_state::connected) {
      break;
    }
    if (reading_paused_) {
      // The PINGRESP is likely waiting unread: judge the broker once reading
      // resumes, and meanwhile keep pinging so that its keep alive holds.
      now_ms_ = now_ms;
      write(pingreq{});
      arm(timer_id::ping_timeout, ping_timeout_ms());
      break;
    }
    fail_connection(session_errc::keep_alive_timeout, reason_code::keep_alive_timeout);
    break;
  case timer_id::connack_timeout:
    if (state_ == session_state::connecting) {
      request_close(session_errc::connack_timeout);
    }
    break;
  }
}

// PINGREQ when nothing was sent for a keep alive interval (3.1.1 3.1.2.10).
void session::on_keep_alive(std::uint64_t now_ms) {
  if (state_ != session_state::connected || keep_alive_ms() == 0) {
    return;
  }
  const auto idle = now_ms - last_sent_ms_;
  if (idle < keep_alive_ms()) {
    arm(timer_id::keep_alive, keep_alive_ms() - idle);
    return;
  }
  write(pingreq{});
  pingreq_sent_ms_ = now_ms;
  note_sent(now_ms);
  if (!ping_outstanding_) {
    ping_outstanding_ = true;
    ping_sent_ms_ = now_ms;
    arm(timer_id::ping_timeout, ping_timeout_ms());
  }
  arm(timer_id::keep_alive, keep_alive_ms());
}

std::uint64_t session::ping_timeout_ms() const noexcept {
  return config_.ping_timeout_ms != 0 ? config_.ping_timeout_ms : keep_alive_ms();
}

void session::set_reading_paused(bool paused, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  reading_paused_ = paused;
}

// --- connection ----------------------------------------------------------------

void session::connection_opened(std::uint64_t now_ms) {
  if (state_ != session_state::disconnected) {
    request_close(session_errc::already_connected);
    return;
  }
  reset_connection_state();
  state_ = session_state::connecting;
  std::size_t size = 0;
  if (auto ec = encoded_size(config_.connect_packet, config_.connect_packet.version, size)) {
    request_close(ec); // the configured CONNECT cannot be sent (the caller's mistake)
    return;
  }
  write_connect();
  note_sent(now_ms);
  if (config_.connack_timeout_ms != 0) {
    arm(timer_id::connack_timeout, config_.connack_timeout_ms);
  }
}

void session::write_connect() {
  auto& c = config_.connect_packet;
  if (config_.auth != nullptr && c.version == protocol_version::v5) {
    // The method was added at construction; the data is fresh for each connection.
    properties props;
    for (const auto& p : c.props) {
      if (p.id != property_id::authentication_data) {
        props.push_back(p);
      }
    }
    props.add(property_id::authentication_data, config_.auth->initial_data());
    auto copy = c;
    copy.props = std::move(props);
    write(copy);
    return;
  }
  write(c);
}

void session::reset_connection_state() {
  decoder_.reset();
  decoder_.set_version(config_.connect_packet.version);
  limits_ = broker_limits{};
  limits_.keep_alive = config_.connect_packet.keep_alive;
  if (aliases_) {
    aliases_->reset();
  }
  ping_outstanding_ = false;
}

void session::on_connack(connack& p, std::uint64_t now_ms) {
  disarm(timer_id::connack_timeout);
  auto& c = config_.connect_packet;
  if (p.reason != reason_code::success) {
    // 3.1 cannot carry an empty client id: falling back would write no CONNECT.
    const bool fallback = config_.fallback_to_3_1 && c.version == protocol_version::v3_1_1 &&
                          p.reason == reason_code::unsupported_protocol_version &&
                          !c.client_id.empty();
    if (fallback) {
      c.version = protocol_version::v3_1;
    }
    report_redirect(p.reason, p.props);
    actions_.emplace_back(connection_refused{p, fallback});
    request_close(make_error_code(p.reason));
    return;
  }
  // A clean start has no session to be present (3.1.1 3.2.2-1, 5.0 3.2.2-2);
  // optionally, neither has a client without state (5.0 3.2.2-4).
  const bool stateless = !had_session_ && store_.sequences().empty() &&
                         store_.incoming_count() == 0 && store_.subscriptions().empty();
  if (p.session_present && (c.clean_start || (config_.strict_session_present &&
                                              c.version == protocol_version::v5 && stateless))) {
    fail_connection(session_errc::session_present_without_state, reason_code::protocol_error);
    return;
  }
  if (c.version == protocol_version::v5) {
    apply_connack_properties(p.props);
  }
  if (config_.auth != nullptr && c.version == protocol_version::v5) {
    const auto* data = p.props.binary(property_id::authentication_data);
    config_.auth->succeeded(data != nullptr ? *data : bytes{});
  }
  state_ = session_state::connected;
  connected event{p};
  // An MQTT 3.1 CONNACK cannot say whether the broker kept the session. With
  // clean start off it must have ("resume communications with the client
  // based on state from the current session"): resending what was in flight
  // is right, and taking the session for lost would send it again as new and
  // forget the incoming QoS 2 ids (a duplicate). In case the broker lost it
  // anyway, the subscriptions are made again, as mosquitto_sub does.
  const bool presumed = c.version == protocol_version::v3_1 && !c.clean_start;
  if (p.session_present || presumed) {
    resume_session(event);
    if (presumed && had_session_) {
      forget_resubscription();
      resubscribe(event);
    }
  } else {
    lose_session(event);
  }
  if (!c.clean_start) {
    had_session_ = true;
  }
  // Resent messages first (within the window), then requests made while
  // offline, then queued publishes.
  while (in_flight_ < window() && resend_next()) {
  }
  for (; !offline_qos0_.empty(); offline_qos0_.pop_front()) {
    auto& [id, message] = offline_qos0_.front();
    send_qos0(id, message);
  }
  send_unsent_requests();
  send_what_fits();
  // Keep alive counts from the last packet sent, maybe the CONNECT (3.1.1
  // 3.1.2-23): the timer is armed for what is left of the interval.
  on_keep_alive(now_ms);
  actions_.emplace_back(std::move(event));
}

void session::apply_connack_properties(const properties& props) {
  if (auto v = props.integer(property_id::receive_maximum)) {
    limits_.receive_maximum = static_cast<std::uint16_t>(*v);
  }
  if (auto v = props.integer(property_id::maximum_qos)) {
    limits_.maximum_qos = static_cast<qos>(*v);
  }
  if (auto v = props.integer(property_id::retain_available)) {
    limits_.retain_available = *v != 0;
  }
  if (auto v = props.integer(property_id::maximum_packet_size)) {
    limits_.maximum_packet_size = *v;
  }
  if (auto v = props.integer(property_id::topic_alias_maximum)) {
    limits_.topic_alias_maximum = static_cast<std::uint16_t>(*v);
  }
  if (auto v = props.integer(property_id::wildcard_subscription_available)) {
    limits_.wildcard_subscription_available = *v != 0;
  }
  if (auto v = props.integer(property_id::subscription_identifier_available)) {
    limits_.subscription_identifier_available = *v != 0;
  }
  if (auto v = props.integer(property_id::shared_subscription_available)) {
    limits_.shared_subscription_available = *v != 0;
  }
  if (auto v = props.integer(property_id::server_keep_alive)) {
    limits_.keep_alive = static_cast<std::uint16_t>(*v);
  }
  if (const auto* id = props.string(property_id::assigned_client_identifier)) {
    config_.connect_packet.client_id = *id; // used by the next connections
  }
}

// The broker kept the session: resend every PUBLISH not acknowledged (DUP,
// same id) in the order first sent, and every PUBREL in the order its PUBREC
// came (3.1.1 4.4 and 4.6, 5.0 4.4 and 4.6): in sequence order, the PUBRELs
// taking the places of the released messages in release_order_. They go out
// through send_what_fits(), within the new Receive Maximum (5.0 3.3.4-7).
void session::resume_session(connected& event) {
  resend_ = sequence_queue{};
  std::size_t next_release = 0;
  for (auto [packet_id, sequence] : sorted_in_flight()) {
    const auto* record = store_.find(sequence);
    if (record != nullptr && record->state == publish_state::released &&
        next_release < release_order_.size()) {
      sequence = release_order_[next_release++];
    }
    resend_.push_back(sequence);
    ++event.resent;
  }
  in_flight_ = 0; // counts what is sent on this connection
}

// Resends the next in-flight message of the session; false when none is left.
bool session::resend_next() {
  while (!resend_.empty()) {
    const auto sequence = resend_.front();
    resend_.pop_front();
    auto* record = store_.find(sequence);
    if (record == nullptr) {
      continue;
    }
    const auto packet_id = record->message.packet_id;
    if (record->state == publish_state::sent) {
      // Limits may have dropped since it was first sent (5.0 3.2.2-11/14/15).
      if (auto ec = check_against_broker(record->message)) {
        ++in_flight_; // finish_publish counts it down again
        finish_publish(sequence, packet_id, ec, reason_code::success, {});
        return true;
      }
      write_publish(*record, true);
    } else {
      write(pubrel{packet_id, reason_code::success, {}});
      ++counters_.resent;
    }
    ++in_flight_;
    return true;
  }
  return false;
}

// The broker has no session: what was in flight is either sent again as new
// or failed, incoming QoS 2 ids are forgotten, subscriptions restored.
void session::lose_session(connected& event) {
  auto in_flight = sorted_in_flight();
  std::vector<std::uint64_t> requeue;
  for (const auto& [packet_id, sequence] : in_flight) {
    ids_.release(packet_id);
    auto* record = store_.find(sequence);
    if (record == nullptr) {
      continue;
    }
    if (record->state == publish_state::released) {
      // PUBREC came: the broker took the message. Sending it again could
      // deliver it twice (5.0 4.3.3-6), so it is complete.
      store_.remove(sequence);
      complete_publish(sequence, {}, reason_code::success, {});
    } else if (config_.on_session_lost == session_lost_policy::republish) {
      record->state = publish_state::queued;
      record->message.packet_id = 0;
      record->message.dup = false;
      store_.update(*record);
      requeue.push_back(sequence);
      ++event.republished;
    } else {
      store_.remove(sequence);
      complete_publish(sequence, session_errc::session_lost, reason_code::success, {});
      ++event.failed;
    }
  }
  in_flight_ids_.clear();
  in_flight_ = 0;
  resend_ = sequence_queue{};
  release_order_.clear();
  // Republished messages go before the ones queued after them.
  queue_.push_front(requeue);
  store_.clear_incoming(); // and the replay guard's memory of QoS 2 messages
  qos1_delivered_.reset();
  // The broker will not send the held messages again: their acknowledgements have nowhere to go.
  held_.clear();
  unacknowledged_ = 0;
  forget_resubscription();
  if (had_session_ || config_.connect_packet.clean_start) {
    resubscribe(event);
  }
}

// A resubscription still unanswered from an earlier connection is replaced
// (requests_ must not grow with every reconnect).
void session::forget_resubscription() {
  std::erase_if(requests_, [this](const pending_request& r) {
    if (r.id == 0 && r.sent) {
      ids_.release(r.packet_id);
    }
    return r.id == 0;
  });
}

// Subscribes again to every remembered subscription (session_config::resubscribe).
void session::resubscribe(connected& event) {
  if (config_.resubscribe) {
    auto subscriptions = store_.subscriptions();
    if (!subscriptions.empty()) {
      event.resubscribed = subscriptions.size();
      pending_request r;
      r.kind = request_kind::subscribe;
      r.message = protocol::subscribe{0, std::move(subscriptions), {}};
      requests_.insert(requests_.begin(), std::move(r));
    }
  }
}

std::vector<std::pair<std::uint16_t, std::uint64_t>> session::sorted_in_flight() const {
  auto sorted = in_flight_ids_;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  return sorted;
}

void session::connection_closed(std::error_code, std::uint64_t) {
  if (state_ == session_state::disconnected) {
    return;
  }
  state_ = session_state::disconnected;
  reading_paused_ = false; // the next connection is read from the start
  disarm(timer_id::keep_alive);
  disarm(timer_id::ping_timeout);
  disarm(timer_id::connack_timeout);
  // Pings cannot survive a connection; subscribe/unsubscribe are sent again.
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->kind == request_kind::ping) {
      complete(it->id, request_kind::ping, session_errc::connection_lost);
      it = requests_.erase(it);
      continue;
    }
    if (it->sent) {
      ids_.release(it->packet_id);
      it->packet_id = 0;
      it->sent = false;
    }
    ++it;
  }
  if (reauth_request_) {
    complete(*reauth_request_, request_kind::reauthenticate, session_errc::connection_lost);
    reauth_request_.reset();
  }
  output_.clear(); // unsent bytes belong to the dead connection
  pingreq_sent_ms_.reset();
  for (auto& h : held_) {
    h.before_reconnect = true; // see held_message
  }
}

void session::request_close(std::error_code ec) {
  if (state_ == session_state::closing || state_ == session_state::disconnected) {
    return;
  }
  state_ = session_state::closing;
  disarm(timer_id::keep_alive);
  disarm(timer_id::ping_timeout);
  disarm(timer_id::connack_timeout);
  actions_.emplace_back(close_connection{ec});
}

// The broker broke the protocol: tell it why (MQTT 5) and close.
void session::fail_connection(std::error_code ec, reason_code rc) {
  if (state_ == session_state::closing || state_ == session_state::disconnected) {
    return;
  }
  if (config_.connect_packet.version == protocol_version::v5) {
    // Only a reason DISCONNECT may carry: an unwritable one would send nothing.
    write(protocol::disconnect{
        is_allowed(packet_type::disconnect, rc) ? rc : reason_code::protocol_error, {}});
  }
  request_close(ec);
}

void session::complete(request_id id, request_kind kind, std::error_code ec) {
  if (id == 0) {
    return;
  }
  request_completed done;
  done.id = id;
  done.kind = kind;
  done.error = ec;
  actions_.emplace_back(std::move(done));
}

} // namespace braid::protocol
