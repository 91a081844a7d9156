// Outgoing messages: the QoS 0/1/2 flows, the in-flight window and queue,
// packet ids, broker limits and outgoing topic aliases.

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/session.hpp>

#include "../checked_publish.hpp"
#include "session_internal.hpp"

#include <algorithm>

namespace braid::protocol {

template <class Packet>
void session::write(const Packet& p) {
  // Packets the session builds itself are valid by construction; requests
  // were validated when they were made.
  (void)encode(p, config_.connect_packet.version, output_);
  last_sent_ms_ = now_ms_;
}

template void session::write(const connect&);
template void session::write(const struct subscribe&);
template void session::write(const struct unsubscribe&);
template void session::write(const pingreq&);
template void session::write(const struct disconnect&);
template void session::write(const auth&);
template void session::write(const puback&);
template void session::write(const pubrec&);
template void session::write(const pubrel&);
template void session::write(const pubcomp&);

// `size`: the packet's size with a packet id, as check_request measured it; 0
// when not known.
std::error_code session::check_against_broker(const struct publish& message,
                                              std::size_t size) const {
  if (state_ != session_state::connected) {
    return {};
  }
  // A Topic Alias of the caller's must be within the broker's maximum (5.0 3.2.2-17/18).
  if (auto alias = message.props.integer(property_id::topic_alias);
      alias && *alias > limits_.topic_alias_maximum) {
    return session_errc::invalid_request;
  }
  if (message.qos > limits_.maximum_qos) {
    return session_errc::qos_not_supported;
  }
  if (message.retain && !limits_.retain_available) {
    return session_errc::retain_not_supported;
  }
  if (size == 0) {
    auto view = message.view();
    view.packet_id = 1;
    size = detail::checked_publish_size(view, version());
  }
  if (size > limits_.maximum_packet_size) {
    return session_errc::packet_too_large;
  }
  return {};
}

std::error_code session::publish(struct publish message, request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  message.dup = false;
  std::size_t size = 0;
  if (auto ec = check_request(message, size)) {
    return ec;
  }
  // Under the blocking policy a message that finds no room waits, and every
  // later one waits behind it, so that order is kept.
  if (config_.on_queue_full == overflow_policy::block &&
      (!blocked_.empty() || !has_room(message))) {
    id = next_request_id();
    blocked_.push_back({id, std::move(message)});
    return {};
  }
  const bool qos0 = message.qos == qos::at_most_once;
  request_id accepted = 0;
  if (auto ec = accept(std::move(message), accepted, size)) {
    return ec;
  }
  id = accepted;
  if (!qos0) {
    send_what_fits();
  }
  return {};
}

// What makes a message one that can never be sent, whatever the broker.
std::error_code session::check_request(const struct publish& message, std::size_t& size) const {
  // A Topic Alias of the caller's own would clash with the automatic ones, and
  // a message kept for resending needs its topic (aliases die with the connection).
  if (message.props.contains(property_id::topic_alias) &&
      (config_.auto_topic_alias || (message.qos != qos::at_most_once && message.topic.empty()))) {
    return session_errc::invalid_request;
  }
  // Subscription Identifiers are the server's to send (5.0 3.3.4-6).
  if (message.props.contains(property_id::subscription_identifier)) {
    return session_errc::invalid_request;
  }
  {
    auto view = message.view();
    if (view.qos != qos::at_most_once) {
      view.packet_id = 1; // assigned when sent
    }
    if (auto ec = encoded_size(view, version(), size)) {
      return ec;
    }
  }
  return {};
}

// Takes a checked message in: QoS 0 is written (or held while there is no
// connection), QoS 1/2 joins the queue (send_what_fits() sends it). `id` is the
// message's request id, or 0 to take the next one once the message is in.
std::error_code session::accept(struct publish&& message, request_id& id, std::size_t size) {
  if (auto ec = check_against_broker(message, size)) {
    return ec;
  }
  if (message.qos == qos::at_most_once) {
    if (state_ == session_state::connected) {
      id = id != 0 ? id : next_request_id();
      write_publish_view(message.view(), false, &message.payload);
      complete(id, request_kind::publish, {});
      return {};
    }
    if (offline_qos0_.size() >= config_.offline_limit) {
      return session_errc::queue_full;
    }
    id = id != 0 ? id : next_request_id();
    offline_qos0_.push_back({id, std::move(message)});
    return {};
  }
  // The bound is on messages that wait: one that goes out at once never does.
  const bool goes_out_now =
      state_ == session_state::connected && queue_.empty() && in_flight_ < window();
  if (!goes_out_now && queue_.size() >= config_.queue_limit) {
    queue_was_full_ = true;
    return session_errc::queue_full;
  }
  id = id != 0 ? id : next_request_id();
  message.packet_id = 0;
  store_.add(stored_publish{id, std::move(message), publish_state::queued});
  queue_.push_back(id);
  return {};
}

bool session::has_room(const struct publish& message) const noexcept {
  return message.qos == qos::at_most_once || queue_.size() < config_.queue_limit;
}

// Blocked publishes enter, in order, while there is room (overflow_policy::
// block). One that cannot be sent now completes with the reason. Returns
// whether any joined the queue.
bool session::admit_blocked() {
  bool queued = false;
  while (!blocked_.empty() && has_room(blocked_.front().second)) {
    auto [id, message] = std::move(blocked_.front());
    blocked_.pop_front();
    const bool qos0 = message.qos == qos::at_most_once;
    if (auto ec = accept(std::move(message), id)) {
      complete(id, request_kind::publish, ec);
    } else if (!qos0) {
      queued = true;
    }
  }
  return queued;
}

void session::fail_blocked_publishes(std::error_code reason, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  for (auto blocked = std::move(blocked_); !blocked.empty(); blocked.pop_front()) {
    complete(blocked.front().first, request_kind::publish, reason);
  }
}

std::error_code session::publish(const publish_view& message, request_id& id,
                                 std::uint64_t now_ms) {
  if (message.qos != qos::at_most_once || state_ != session_state::connected || !blocked_.empty()) {
    struct publish copy;
    copy.topic.assign(message.topic);
    copy.payload = shared_bytes::copy(message.payload);
    copy.qos = message.qos;
    copy.retain = message.retain;
    if (message.props != nullptr) {
      copy.props = *message.props;
    }
    return publish(std::move(copy), id, now_ms);
  }
  now_ms_ = now_ms;
  auto view = message;
  view.dup = false;
  std::size_t size = 0;
  if (auto ec = encoded_size(view, version(), size)) {
    return ec;
  }
  if (view.retain && !limits_.retain_available) {
    return session_errc::retain_not_supported;
  }
  if (size > limits_.maximum_packet_size) {
    return session_errc::packet_too_large;
  }
  id = next_request_id();
  write_publish_view(view, false);
  complete(id, request_kind::publish, {});
  return {};
}

void session::send_qos0(request_id id, const struct publish& message) {
  if (auto ec = check_against_broker(message)) {
    complete(id, request_kind::publish, ec);
    return;
  }
  write_publish_view(message.view(), false, &message.payload);
  complete(id, request_kind::publish, {});
}

// Sends what waits and now fits, in order: in-flight messages to resend and
// queued ones while the window has room (W = 1 keeps strict order across
// reconnects too), blocked publishes into the queue while it has room, and
// requests that waited for a packet id; then reports queue space.
void session::send_what_fits() {
  do {
    // What the session had in flight goes first, then the queue.
    while (state_ == session_state::connected && in_flight_ < window() && resend_next()) {
    }
    while (state_ == session_state::connected && in_flight_ < window() && resend_.empty() &&
           !queue_.empty()) {
      if (!send_from_queue(queue_.front())) {
        break;
      }
    }
  } while (admit_blocked()); // room in the queue takes in blocked publishes
  // Requests that found every packet id in use go out once one is free.
  if (state_ == session_state::connected && ids_exhausted_) {
    send_unsent_requests();
  }
  if (queue_was_full_ && queue_.size() < config_.queue_limit) {
    queue_was_full_ = false;
    actions_.emplace_back(queue_space_available{});
  }
}

bool session::send_from_queue(std::uint64_t sequence) {
  auto* record = store_.find(sequence);
  if (record == nullptr) {
    queue_.pop_front();
    return true;
  }
  if (auto ec = check_against_broker(record->message)) {
    queue_.pop_front();
    store_.remove(sequence);
    complete(sequence, request_kind::publish, ec);
    return true;
  }
  auto packet_id = ids_.allocate();
  if (!packet_id) {
    return false; // every id in use: wait for one to be freed
  }
  queue_.pop_front();
  record->message.packet_id = *packet_id;
  record->state = publish_state::sent;
  store_.update(*record);
  in_flight_ids_.emplace_back(*packet_id, sequence);
  ++in_flight_;
  write_publish(*record, false);
  return true;
}

void session::write_publish(const stored_publish& record, bool dup) {
  write_publish_view(record.message.view(), dup, &record.message.payload);
}

// A large shared payload is not copied into the output: the output holds a
// reference to it and the write gathers it after the encoded header.
void session::encode_publish_into_output(const publish_view& view, const shared_bytes* payload) {
  // Every message was checked when it was published (or read from a store).
  if (payload != nullptr && payload->is_shared() && payload->size() >= kSharedPayloadMin) {
    detail::encode_checked_publish(view, version(), false, output_);
    output_.append_shared(*payload);
    return;
  }
  detail::encode_checked_publish(view, version(), true, output_);
}

void session::write_publish_view(publish_view view, bool dup, const shared_bytes* payload) {
  view.dup = dup && view.qos != qos::at_most_once;
  if (view.dup) {
    ++counters_.resent;
  } else {
    auto& c = counters_.sent[static_cast<std::size_t>(view.qos)];
    ++c.messages;
    c.payload_bytes += view.payload.size();
  }
  const auto v = version();
  // A resend always carries the full topic: aliases belong to one connection.
  const bool has_alias = view.props != nullptr && view.props->contains(property_id::topic_alias);
  if (v == protocol_version::v5 && config_.auto_topic_alias && !dup &&
      limits_.topic_alias_maximum != 0 && !has_alias) {
    auto& table = aliases().outgoing;
    const std::string topic{view.topic};
    auto known = table.find(topic);
    std::uint16_t alias = 0;
    if (known != table.end()) {
      alias = known->second;
    } else if (aliases_->next_outgoing <= limits_.topic_alias_maximum) {
      alias = aliases_->next_outgoing;
    }
    if (alias != 0) {
      properties with_alias = view.props != nullptr ? *view.props : properties{};
      with_alias.add(property_id::topic_alias, alias);
      auto aliased = view;
      aliased.props = &with_alias;
      if (known != table.end()) {
        aliased.topic = {};
      }
      // The alias property adds 3 bytes: never past the broker's Maximum
      // Packet Size (5.0 3.1.2-24), which was checked without it.
      if (detail::checked_publish_size(aliased, v) <= limits_.maximum_packet_size) {
        if (known == table.end()) {
          table.emplace(topic, alias);
          ++aliases_->next_outgoing;
        }
        encode_publish_into_output(aliased, payload);
        last_sent_ms_ = now_ms_;
        return;
      }
    }
  }
  encode_publish_into_output(view, payload);
  last_sent_ms_ = now_ms_;
}

std::uint64_t session::in_flight_sequence(std::uint16_t packet_id) const {
  for (const auto& [id, sequence] : in_flight_ids_) {
    if (id == packet_id) {
      return sequence;
    }
  }
  return 0;
}

void session::finish_publish(std::uint64_t sequence, std::uint16_t packet_id, std::error_code ec,
                             reason_code rc, properties props) {
  std::erase_if(in_flight_ids_, [&](const auto& e) { return e.first == packet_id; });
  std::erase(release_order_, sequence);
  ids_.release(packet_id);
  // An answer for a message not yet resent on this connection (the broker had
  // it from the last one) does not free a place in the window.
  if (!resend_.erase(sequence)) {
    --in_flight_;
  }
  store_.remove(sequence);
  complete_publish(sequence, ec, rc, std::move(props), packet_id);
  send_what_fits();
}

void session::complete_publish(request_id id, std::error_code ec, reason_code rc, properties props,
                               std::uint16_t packet_id) {
  request_completed done;
  done.id = id;
  done.kind = request_kind::publish;
  done.error = ec;
  done.reason = rc;
  done.props = std::move(props);
  done.packet_id = packet_id;
  actions_.emplace_back(std::move(done));
}

// PUBACK ends QoS 1 (and, in MQTT 3, a QoS 2 exchange the broker downgraded:
// it ends with session_errc::qos_downgraded); PUBREC moves QoS 2 on to PUBREL; PUBCOMP ends it. A
// reason code of 0x80 or more ends the flow with that error (MQTT 5). Answers
// for ids we do not know are ignored (a successful PUBREC gets a PUBREL so the
// broker can finish its side; a failed one ends the exchange [MQTT-4.3.3-4]).
template <packet_type T>
void session::on_publish_response(basic_publish_response<T>& p) {
  const auto sequence = in_flight_sequence(p.packet_id);
  auto* record = sequence != 0 ? store_.find(sequence) : nullptr;
  const auto error = is_error(p.reason) ? make_error_code(p.reason) : std::error_code{};
  if constexpr (T == packet_type::puback) {
    if (record != nullptr && record->message.qos == qos::at_least_once) {
      finish_publish(sequence, p.packet_id, error, p.reason, std::move(p.props));
    } else if (record != nullptr && record->state == publish_state::sent &&
               version() != protocol_version::v5) {
      // A QoS 2 PUBLISH answered with PUBACK: MQTT 3 brokers that take QoS 2
      // as QoS 1 (RabbitMQ) do this, having no way to announce it (an MQTT 5
      // broker sets Maximum QoS instead). The broker has the message and has
      // released the id; waiting for a PUBREC that never comes would stall
      // the window.
      finish_publish(sequence, p.packet_id,
                     error ? error : std::error_code{session_errc::qos_downgraded}, p.reason,
                     std::move(p.props));
    }
  } else if constexpr (T == packet_type::pubrec) {
    if (record == nullptr || record->message.qos != qos::exactly_once) {
      if (error) {
        return; // a PUBREC of 0x80 or more is never followed by PUBREL
      }
      const bool v5 = version() == protocol_version::v5;
      write(pubrel{
          p.packet_id, v5 ? reason_code::packet_identifier_not_found : reason_code::success, {}});
      return;
    }
    if (error && record->state == publish_state::sent) {
      finish_publish(sequence, p.packet_id, error, p.reason, std::move(p.props));
      return;
    }
    if (record->state == publish_state::sent) {
      record->state = publish_state::released; // never resend the PUBLISH from here on
      store_.update(*record);
      release_order_.push_back(sequence);
    }
    write(pubrel{p.packet_id, reason_code::success, {}});
  } else if constexpr (T == packet_type::pubcomp) {
    if (record != nullptr && record->state == publish_state::released) {
      finish_publish(sequence, p.packet_id, error, p.reason, std::move(p.props));
    }
  }
}

template void session::on_publish_response(puback&);
template void session::on_publish_response(pubrec&);
template void session::on_publish_response(pubcomp&);

std::error_code session::make_durable(std::uint64_t now_ms) {
  const auto ec = store_.flush();
  if (!ec) {
    return {};
  }
  now_ms_ = now_ms;
  // Records that never became durable are failed: never sent from here on.
  for (auto sequence : store_.not_durable()) {
    if (!queue_.erase(sequence)) {
      auto it = std::find_if(in_flight_ids_.begin(), in_flight_ids_.end(),
                             [&](const auto& e) { return e.second == sequence; });
      if (it != in_flight_ids_.end()) {
        ids_.release(it->first);
        in_flight_ids_.erase(it);
        if (!resend_.erase(sequence)) {
          --in_flight_;
        }
      }
    }
    store_.remove(sequence);
    complete_publish(sequence, ec, reason_code::success, {});
  }
  // The output may hold a PUBLISH, PUBREL or PUBREC that depends on what is
  // not durable: none of it goes out, and the connection starts over.
  output_.clear();
  request_close(ec);
  send_what_fits(); // reports queue space, if the failed records freed some
  return ec;
}

bool session::cancel(request_id id) {
  if (id == 0) {
    return false; // the session's own requests (resubscription) are not the caller's
  }
  if (queue_.erase(id)) {
    store_.remove(id);
    complete(id, request_kind::publish, session_errc::cancelled);
    send_what_fits(); // reports queue_space_available if the queue was full
    return true;
  }
  const auto has_id = [&](const auto& e) { return e.first == id; };
  if (const auto i = offline_qos0_.find_if(has_id); i < offline_qos0_.size()) {
    offline_qos0_.erase(i);
    complete(id, request_kind::publish, session_errc::cancelled);
    return true;
  }
  if (const auto i = blocked_.find_if(has_id); i < blocked_.size()) {
    blocked_.erase(i);
    complete(id, request_kind::publish, session_errc::cancelled);
    send_what_fits(); // a QoS 0 message that waited behind it may go now
    return true;
  }
  if (auto it = std::find_if(requests_.begin(), requests_.end(),
                             [&](const auto& r) { return r.id == id && !r.sent; });
      it != requests_.end()) {
    auto kind = it->kind;
    requests_.erase(it);
    complete(id, kind, session_errc::cancelled);
    return true;
  }
  return false;
}

} // namespace braid::protocol
