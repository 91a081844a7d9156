// What braid::client tells its logger (client_options::logger) and the
// figures client::stats() returns.
#include <braid/detail/client_impl.hpp>
#include <braid/protocol/version.hpp>

namespace braid::detail {
void client_impl::log(log_level level, std::string_view step, const std::string& message) const {
  if (logging(level)) {
    options_.logger(log_record{level, step, message});
  }
}

// The transport's steps: resolve, tcp, tls, websocket.
void client_impl::log_opening(std::string_view step, const std::error_code& ec,
                              const std::string& detail) {
  if (ec) {
    log(log_level::warning, step,
        step == "resolve" ? "cannot resolve " + detail + ": " + ec.message()
        : step == "tcp"   ? "cannot connect to " + detail + ": " + ec.message()
        : step == "tls"   ? "TLS handshake failed: " + ec.message()
                          : "WebSocket upgrade failed: " + ec.message());
    return;
  }
  if (step == "resolve") {
    log(log_level::debug, step, detail);
  } else if (step == "tcp") {
    log(log_level::info, step, "connected to " + detail);
  } else if (step == "tls") {
    log(log_level::info, step, "handshake done: " + detail);
  } else {
    log(log_level::info, step, "upgraded: " + detail);
  }
}

void client_impl::log_connect_sent() {
  if (!logging(log_level::debug)) {
    return;
  }
  const auto& c = session_.config().connect_packet;
  log(log_level::debug, "connect",
      "CONNECT sent: MQTT " + std::string(bp::to_string(c.version)) + ", client id \"" +
          c.client_id + "\", clean start " + (c.clean_start ? "1" : "0") + ", keep alive " +
          std::to_string(c.keep_alive) + " s" +
          (c.username ? ", user name \"" + *c.username + "\"" : ""));
}

void client_impl::log_connected(const bp::connack& ack) {
  if (!logging(log_level::info)) {
    return;
  }
  std::string m =
      "connection accepted: session present " + std::string(ack.session_present ? "1" : "0");
  if (session_.version() == bp::protocol_version::v5) {
    const auto& limits = session_.limits();
    m += ", keep alive " + std::to_string(limits.keep_alive) + " s, receive maximum " +
         std::to_string(limits.receive_maximum);
    if (const auto* id = ack.props.string(bp::property_id::assigned_client_identifier)) {
      m += ", assigned client id \"" + *id + "\"";
    }
  }
  log(log_level::info, "connack", m);
}

// The connection ended: as asked (close, async_disconnect), lost, or cut for
// the broker's fault (with the broker's DISCONNECT, if it sent one).
void client_impl::log_closed(std::error_code ec) {
  const auto level = !ec || reconnect_.stopped()   ? log_level::info
                     : bp::is_broker_violation(ec) ? log_level::error
                                                   : log_level::warning;
  if (!logging(level)) {
    return;
  }
  std::string m = level == log_level::info ? "disconnected" : "connection lost: " + ec.message();
  if (server_disconnect_) {
    m += "; the broker's DISCONNECT: " + std::string(bp::to_string(server_disconnect_->reason));
    if (const auto* why = server_disconnect_->props.string(bp::property_id::reason_string)) {
      m += " (" + *why + ")";
    }
  }
  log(level, "disconnect", m);
}

void client_impl::update_stats() {
  client_stats s;
  s.connected = session_.state() == bp::session_state::connected;
  s.in_flight = session_.in_flight();
  s.queued = session_.queued();
  s.offline_queued = session_.offline_queued();
  s.blocked = session_.blocked();
  s.receive_queue = dispatcher_.queued();
  s.unacknowledged = session_.unacknowledged();
  const auto& c = session_.counters();
  for (std::size_t q = 0; q < 3; ++q) {
    s.sent[q] = {c.sent[q].messages, c.sent[q].payload_bytes};
    s.received[q] = {c.received[q].messages, c.received[q].payload_bytes};
  }
  s.resent = c.resent;
  s.replays = c.replays;
  s.bytes_written = io_.bytes_written();
  s.bytes_read = io_.bytes_read();
  s.connections = connections_;
  s.reconnects = connections_ > 0 ? connections_ - 1 : 0;
  if (c.round_trip_ms) {
    s.round_trip = std::chrono::milliseconds(*c.round_trip_ms);
  }
  const std::lock_guard lock(stats_mutex_);
  stats_ = s;
}

client_stats client_impl::stats() const {
  const std::lock_guard lock(stats_mutex_);
  return stats_;
}

} // namespace braid::detail
