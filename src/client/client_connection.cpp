// The life of braid::client's connection: connect along the broker list,
// the connect timeout, reconnect with backoff or give up (as the
// reconnect_policy says), close.
#include <braid/detail/client_impl.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>

namespace braid::detail {

void client_impl::connect(std::string host, std::string port, connect_handler handler) {
  connect_urls({broker_url{transport_kind::tcp, std::move(host), std::move(port), "/"}},
               std::move(handler));
}

void client_impl::connect(std::string url, connect_handler handler) {
  connect(std::vector<std::string>{std::move(url)}, std::move(handler));
}

void client_impl::connect(std::vector<std::string> urls, connect_handler handler) {
  std::vector<broker_url> parsed(urls.size());
  std::error_code ec = urls.empty() ? make_error_code(client_errc::no_brokers) : std::error_code{};
  for (std::size_t i = 0; i < urls.size() && !ec; ++i) {
    ec = parse_url(urls[i], parsed[i]);
  }
  if (ec) {
    on_strand([self = shared_from_this(), ec, h = std::move(handler)]() mutable {
      self->completions_->complete(std::move(h), ec, bp::connack{});
    });
    return;
  }
  connect_urls(std::move(parsed), std::move(handler));
}

void client_impl::connect_urls(std::vector<broker_url> urls, connect_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::connect);
  on_strand([self = shared_from_this(), urls = std::move(urls), h = std::move(handler),
             cancel]() mutable {
    if (self->io_.is_open() || self->connect_handler_) {
      self->completions_->complete(
          std::move(h), std::error_code{bp::session_errc::already_connected}, bp::connack{});
      return;
    }
    // A CONNECT that cannot be encoded, or TLS settings that cannot work (a
    // CA file that cannot be read ...), fail now, not at every retry.
    if (self->connect_error_) {
      self->completions_->complete(std::move(h), self->connect_error_, bp::connack{});
      return;
    }
    for (const auto& u : urls) {
      std::error_code ec;
      (void)make_transport(u.kind, self->strand_, self->tls(), ec);
      if (ec) {
        self->completions_->complete(std::move(h), ec, bp::connack{});
        return;
      }
    }
    self->connect_handler_.emplace(std::move(h));
    self->reconnect_.start(std::move(urls));
    self->start_connect();
    self->started(cancel, 0);
  });
}

void client_impl::start_connect() {
  refused_.reset();
  server_disconnect_.reset();
  redirect_.reset();
  const auto& url = reconnect_.begin_attempt(now_ms());
  connect_timer_.expires_after(reconnect_.connect_timeout());
  connect_timer_.async_wait(
      asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
        if (!ec) {
          self->on_connect_timeout();
        }
      }));
  io_.open(url);
}

void client_impl::on_connect_timeout() {
  if (!reconnect_.connect_timer_fired(now_ms())) {
    return;
  }
  if (io_.is_open()) {
    transport_closed(client_errc::connect_timeout); // waiting for CONNACK
  } else {
    io_.abort(); // opened() sees the cancellation
  }
}

// The transport is up (TCP connected, TLS and WebSocket handshakes done), or
// could not be opened.
void client_impl::opened(std::error_code ec) {
  if (reconnect_.stopped()) {
    return;
  }
  if (reconnect_.timed_out()) {
    ec = client_errc::connect_timeout;
  }
  if (ec) {
    connect_failed(ec);
    return;
  }
  closing_ = false;
  io_.start(session_.version());
  session_.connection_opened(now_ms());
  log_connect_sent();
  start_read();
  process_actions();
  flush();
}

// A connection attempt failed before the session started.
void client_impl::connect_failed(std::error_code ec) {
  connect_timer_.cancel();
  const auto step = reconnect_.open_failed(is_certificate_rejected(ec));
  switch (step.what) {
  case reconnect_step::kind::next_broker:
    start_connect();
    break;
  case reconnect_step::kind::retry:
    schedule_reconnect(ec, step);
    break;
  case reconnect_step::kind::give_up:
    give_up(ec, step.attempt);
    break;
  case reconnect_step::kind::fail:
    fail_connect(ec);
    break;
  }
}

void client_impl::schedule_reconnect(std::error_code ec, const reconnect_step& step,
                                     std::string_view note) {
  if (logging(log_level::info)) {
    log(log_level::info, "reconnect",
        "attempt " + std::to_string(step.attempt) + " in " + std::to_string(step.delay.count()) +
            " ms (" + ec.message() + ")" + std::string(note));
  }
  notify({connection_event::kind::reconnecting, ec, false, step.attempt, step.delay, {}});
  reconnect_timer_.expires_after(step.delay);
  reconnect_timer_.async_wait(
      asio::bind_executor(strand_, [self = shared_from_this()](std::error_code e) {
        if (!e && !self->reconnect_.stopped() && !self->io_.is_open()) {
          self->start_connect();
        }
      }));
}

void client_impl::give_up(std::error_code ec, std::uint32_t attempts) {
  if (logging(log_level::error)) {
    log(log_level::error, "give-up",
        "no more attempts after " + std::to_string(attempts) + ": " + ec.message());
  }
  notify({connection_event::kind::gave_up, ec, false, attempts, {}, {}});
  end_waiting(ec, ec);
}

// The connection ended with the broker's redirect (MQTT 5 Use another server
// or Server moved): the reconnect policy decides whether the next attempt
// follows it; either way the application hears of it.
void client_impl::follow_redirect() {
  if (!redirect_) {
    return;
  }
  const auto redirect = std::move(redirect_);
  const auto from = reconnect_.current();
  const auto outcome = reconnect_.redirect(redirect->servers, redirect->permanent);
  const bool followed = outcome == redirect_outcome::followed;
  const auto reason = bp::make_error_code(
      redirect->permanent ? bp::reason_code::server_moved : bp::reason_code::use_another_server);
  const auto level = followed ? log_level::info : log_level::warning;
  if (logging(level)) {
    std::string m = std::string(redirect->permanent ? "server moved" : "use another server") +
                    ": " + from.host + ":" + from.port + " sends the client to \"" +
                    redirect->reference + "\"";
    switch (outcome) {
    case redirect_outcome::followed:
      m += redirect->permanent ? ", in its place from now on" : ", for the next attempt";
      break;
    case redirect_outcome::turned_off:
      m += "; not followed: reconnect_options::follow_redirects is off";
      break;
    case redirect_outcome::too_many:
      m += "; not followed: too many redirects in a row (reconnect_options::max_redirects)";
      break;
    case redirect_outcome::nowhere:
      m += "; not followed: the reference names no server";
      break;
    case redirect_outcome::not_reconnecting:
      m += "; not followed: the client does not reconnect";
      break;
    }
    log(level, "redirect", m);
  }
  connection_event event{connection_event::kind::redirected, reason};
  event.server_reference = redirect->reference;
  event.permanent = redirect->permanent;
  event.followed = followed;
  notify(std::move(event));
}

void client_impl::notify(connection_event event) {
  if (on_state_) {
    on_state_(event);
  }
}

void client_impl::linger_ended() {
  transport_closed(close_reason_);
}

void client_impl::transport_closed(std::error_code ec) {
  if (!io_.is_open()) {
    return;
  }
  closing_ = false;
  io_.close();
  connect_timer_.cancel(); // this attempt is over (an armed timer would hold io_context::run)
  {
    const std::lock_guard lock(connection_mutex_);
    connection_.reset();
  }
  for (auto& timer : timers_) {
    timer.cancel();
  }
  // A new connection reads from the start (the session forgets a pause);
  // the receive queue still bounds it.
  session_.connection_closed(ec, now_ms());
  process_actions();
  log_closed(ec);
  update_stats();
  const auto reason = ec ? ec : std::error_code{bp::session_errc::connection_lost};
  operations_.connection_closed(reason);
  notify({connection_event::kind::disconnected, reason, false, 0, {}, server_disconnect_});
  follow_redirect();
  const auto step = reconnect_.connection_ended(now_ms());
  if (step.what == reconnect_step::kind::give_up) {
    give_up(reason, step.attempt);
    return;
  }
  if (step.what == reconnect_step::kind::retry) {
    std::string note;
    if (reconnect_.brief_connections() > 0) {
      note = "; the broker ended the connection soon after accepting it (" +
             std::to_string(reconnect_.brief_connections()) + " in a row), so the wait grows";
    }
    schedule_reconnect(reason, step, note);
    return;
  }
  end_waiting(reason, reason); // nothing more will arrive
}

// No connection will come: the connect handler completes with `connect_ec`;
// waiting receives and publishes blocked for queue room with `ec`.
void client_impl::end_waiting(std::error_code connect_ec, std::error_code ec) {
  fail_connect(connect_ec);
  dispatcher_.fail_receivers(ec);
  fail_blocked(ec);
}

void client_impl::fail_connect(error_code ec) {
  if (!connect_handler_) {
    return;
  }
  completions_->complete(std::move(*connect_handler_), ec, refused_.value_or(bp::connack{}));
  connect_handler_.reset();
}

// The publishes the session holds for queue room (queue_full_policy::block)
// complete with `ec`.
void client_impl::fail_blocked(std::error_code ec) {
  session_.fail_blocked_publishes(ec, now_ms());
  process_actions();
}

std::optional<connection_info> client_impl::connection() const {
  const std::lock_guard lock(connection_mutex_);
  return connection_;
}

void client_impl::close() {
  on_strand([self = shared_from_this()] { self->shut_down(); });
}

// No more attempts; the connection, if any, closes at once.
void client_impl::shut_down() {
  reconnect_.stop();
  io_.abort();
  reconnect_timer_.cancel();
  if (io_.is_open()) {
    transport_closed(bp::session_errc::connection_lost);
  } else {
    end_waiting(bp::session_errc::connection_lost, bp::session_errc::connection_lost);
  }
}

} // namespace braid::detail
