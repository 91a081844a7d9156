// Requests that wait for an answer, and the answers: subscribe, unsubscribe,
// ping, disconnect, re-authentication (MQTT 5). Requests made while there is
// no connection wait in requests_ and go out after the next CONNACK.

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/session.hpp>

#include <algorithm>

namespace braid::protocol {

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
  send_what_fits(); // the freed id may be what a waiting message or request needs
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
  done.packet_id = p.packet_id;
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
  done.packet_id = p.packet_id;
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
    ids_exhausted_ = true; // retried when an id is freed (send_what_fits)
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

// --- ping, disconnect ------------------------------------------------------------

std::error_code session::ping(request_id& id, std::uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state_ != session_state::connected) {
    return session_errc::not_connected;
  }
  id = next_request_id();
  requests_.push_back(pending_request{id, request_kind::ping, 0, true, pingreq{}});
  write(pingreq{});
  pingreq_sent_ms_ = now_ms;
  return {};
}

void session::on_pingresp() {
  if (pingreq_sent_ms_) {
    counters_.round_trip_ms = now_ms_ - *pingreq_sent_ms_;
    pingreq_sent_ms_.reset();
  }
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

// --- re-authentication (MQTT 5) ------------------------------------------------

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

} // namespace braid::protocol
