// Incoming packets, and the requests that wait for an answer: subscribe,
// unsubscribe, ping, disconnect, re-authentication.

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
      const auto rc = r.error.category() == protocol_category()
                          ? to_reason_code(static_cast<errc>(r.error.value()))
                          : reason_code::malformed_packet;
      fail_connection(r.error, rc);
      return;
    }
    if (r.status == decode_status::need_more) {
      return;
    }
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
  auto& table = aliases_->incoming;
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
void session::on_publish(struct publish& p) {
  if (version() == protocol_version::v5 && !resolve_topic_alias(p)) {
    fail_connection(session_errc::topic_alias_invalid, reason_code::topic_alias_invalid);
    return;
  }
  switch (p.qos) {
  case qos::at_most_once:
    actions_.emplace_back(message_received{std::move(p)});
    break;
  case qos::at_least_once: {
    const auto id = p.packet_id;
    actions_.emplace_back(message_received{std::move(p)});
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
      actions_.emplace_back(message_received{std::move(p)});
    } else if (!p.dup && config_.dup_flag_marks_resends) {
      // A first attempt with an id awaiting PUBREL: the sender forgot that
      // exchange, and this is another message (see session_config). The id
      // now stands for it.
      actions_.emplace_back(message_received{std::move(p)});
    }
    write(pubrec{id, reason_code::success, {}});
    break;
  }
  }
}

// PUBCOMP for every PUBREL, also for an id we do not know (3.1.1 4.3.3).
void session::on_pubrel(pubrel& p) {
  const bool known = store_.remove_incoming(p.packet_id);
  const bool v5 = version() == protocol_version::v5;
  write(pubcomp{p.packet_id,
                known || !v5 ? reason_code::success : reason_code::packet_identifier_not_found,
                {}});
}

// --- subscribe / unsubscribe ---------------------------------------------------

session::pending_request* session::find_sent_request(request_kind kind, std::uint16_t packet_id) {
  auto it = std::find_if(requests_.begin(), requests_.end(), [&](const pending_request& r) {
    return r.sent && r.kind == kind && r.packet_id == packet_id;
  });
  return it == requests_.end() ? nullptr : &*it;
}

void session::erase_request(const pending_request* r) {
  ids_.release(r->packet_id);
  std::erase_if(requests_, [&](const pending_request& x) { return &x == r; });
  pump(); // the freed id may be what a waiting message or request needs
}

void session::on_suback(suback& p) {
  auto* r = find_sent_request(request_kind::subscribe, p.packet_id);
  if (r == nullptr) {
    return; // an answer to nothing we asked: ignored
  }
  auto& request = std::get<protocol::subscribe>(r->message);
  if (p.reasons.size() != request.subscriptions.size()) {
    fail_connection(session_errc::packet_id_mismatch, reason_code::protocol_error);
    return;
  }
  for (std::size_t i = 0; i < p.reasons.size(); ++i) {
    if (!is_error(p.reasons[i])) {
      store_.add_subscription(request.subscriptions[i]);
    }
  }
  request_completed done;
  done.id = r->id;
  done.kind = request_kind::subscribe;
  done.reasons = std::move(p.reasons);
  done.props = std::move(p.props);
  if (done.id != 0) {
    actions_.emplace_back(std::move(done));
  }
  erase_request(r);
}

void session::on_unsuback(unsuback& p) {
  auto* r = find_sent_request(request_kind::unsubscribe, p.packet_id);
  if (r == nullptr) {
    return;
  }
  auto& request = std::get<protocol::unsubscribe>(r->message);
  const bool v5 = version() == protocol_version::v5;
  if (v5 && p.reasons.size() != request.filters.size()) {
    fail_connection(session_errc::packet_id_mismatch, reason_code::protocol_error);
    return;
  }
  for (std::size_t i = 0; i < request.filters.size(); ++i) {
    if (!v5 || !is_error(p.reasons[i])) {
      store_.remove_subscription(request.filters[i]);
    }
  }
  request_completed done;
  done.id = r->id;
  done.kind = request_kind::unsubscribe;
  done.reasons = std::move(p.reasons);
  done.props = std::move(p.props);
  actions_.emplace_back(std::move(done));
  erase_request(r);
}

std::error_code session::subscribe(std::vector<subscription> subscriptions, properties props,
                                   request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  protocol::subscribe request{1, std::move(subscriptions), std::move(props)};
  std::size_t size = 0;
  if (auto ec = encoded_size(request, version(), size)) {
    return ec;
  }
  if (state_ == session_state::connected && size > limits_.maximum_packet_size) {
    return session_errc::packet_too_large; // 5.0 3.2.2-15
  }
  return add_request(request_kind::subscribe, std::move(request), id);
}

std::error_code session::unsubscribe(std::vector<std::string> filters, properties props,
                                     request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  protocol::unsubscribe request{1, std::move(filters), std::move(props)};
  std::size_t size = 0;
  if (auto ec = encoded_size(request, version(), size)) {
    return ec;
  }
  if (state_ == session_state::connected && size > limits_.maximum_packet_size) {
    return session_errc::packet_too_large; // 5.0 3.2.2-15
  }
  return add_request(request_kind::unsubscribe, std::move(request), id);
}

std::error_code session::add_request(request_kind kind, packet message, request_id& id) {
  if (requests_.size() >= config_.offline_limit) {
    return session_errc::request_limit;
  }
  id = next_request_id();
  requests_.push_back(pending_request{id, kind, 0, false, std::move(message)});
  if (state_ == session_state::connected) {
    send_unsent_requests();
  }
  return {};
}

// Sends `r`, or says why not: no packet id free now (wait), or too large for
// the broker ever (dropped: completed with the error).
session::send_result session::send_request(pending_request& r) {
  std::size_t size = 0;
  (void)encoded_size(r.message, version(), size);
  if (size > limits_.maximum_packet_size) { // 5.0 3.2.2-15
    complete(r.id, r.kind, session_errc::packet_too_large);
    return send_result::dropped;
  }
  auto packet_id = ids_.allocate();
  if (!packet_id) {
    ids_exhausted_ = true; // retried when an id is freed (pump)
    return send_result::wait;
  }
  r.packet_id = *packet_id;
  r.sent = true;
  std::visit(
      [&](auto& typed) {
        using T = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<T, struct subscribe> ||
                      std::is_same_v<T, struct unsubscribe>) {
          typed.packet_id = *packet_id;
          write(typed);
        }
      },
      r.message);
  return send_result::sent;
}

void session::send_unsent_requests() {
  ids_exhausted_ = false;
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->sent || it->kind == request_kind::ping) {
      ++it;
      continue;
    }
    const auto result = send_request(*it);
    if (result == send_result::dropped) {
      it = requests_.erase(it);
      continue;
    }
    if (result == send_result::wait) {
      break;
    }
    ++it;
  }
}

// --- ping, disconnect, server disconnect -------------------------------------

std::error_code session::ping(request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ != session_state::connected) {
    return session_errc::not_connected;
  }
  id = next_request_id();
  requests_.push_back(pending_request{id, request_kind::ping, 0, true, pingreq{}});
  write(pingreq{});
  return {};
}

void session::on_pingresp() {
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->kind == request_kind::ping) {
      complete(it->id, request_kind::ping, {});
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
}

std::error_code session::disconnect(reason_code reason, properties props, request_id& id,
                                    std::uint64_t now_ms) {
  now_ms_ = now_ms;
  protocol::disconnect request{reason, std::move(props)};
  std::size_t size = 0;
  if (auto ec = encoded_size(request, version(), size)) {
    return ec;
  }
  // A non-zero Session Expiry Interval after a zero one in CONNECT is a
  // protocol error (5.0 3.14.2.2.2).
  const auto& connect_props = config_.connect_packet.props;
  if (request.props.integer(property_id::session_expiry_interval).value_or(0) != 0 &&
      connect_props.integer(property_id::session_expiry_interval).value_or(0) == 0) {
    return session_errc::invalid_request;
  }
  if (state_ == session_state::disconnected || state_ == session_state::closing) {
    return session_errc::not_connected;
  }
  id = next_request_id();
  if (state_ == session_state::connected) {
    std::size_t wire_size = 0;
    if (!encoded_size(request, version(), wire_size) && wire_size > limits_.maximum_packet_size) {
      // No Reason String or User Property past the limit (5.0 3.14.2-3).
      properties kept;
      for (const auto& p : request.props) {
        if (p.id != property_id::reason_string && p.id != property_id::user_property) {
          kept.push_back(p);
        }
      }
      request.props = std::move(kept);
    }
    write(request);
  }
  complete(id, request_kind::disconnect, {});
  request_close({});
  return {};
}

// MQTT 5: the broker closes with a reason (and maybe a Server Reference).
void session::on_disconnect(struct disconnect& p) {
  actions_.emplace_back(server_disconnected{std::move(p)});
  request_close(session_errc::server_disconnected);
}

// --- enhanced authentication (MQTT 5) ------------------------------------------

std::error_code session::reauthenticate(request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  if (version() != protocol_version::v5 || config_.auth == nullptr) {
    return session_errc::not_in_protocol_version;
  }
  if (state_ != session_state::connected) {
    return session_errc::not_connected;
  }
  if (reauth_request_) {
    return session_errc::request_limit; // one exchange at a time
  }
  id = next_request_id();
  reauth_request_ = id;
  properties props;
  props.add(property_id::authentication_method, config_.auth->method());
  props.add(property_id::authentication_data, config_.auth->initial_data());
  write(auth{reason_code::re_authenticate, std::move(props)});
  return {};
}

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
