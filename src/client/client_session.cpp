// braid::client running its session on a connection: bytes read go to the
// session, the session's actions are carried out (timers, completions,
// deliveries, closing), and its output is committed and written.
#include <braid/detail/client_impl.hpp>

#include <chrono>

namespace braid::detail {

void client_impl::start_read() {
  // While the receive queue is full the socket is not read (back-pressure);
  // a lingering connection is read to its end whatever the queue holds.
  if (!session_.reading_paused() || io_.lingering()) {
    io_.read();
  }
}

void client_impl::received(std::error_code ec, bp::byte_view bytes) {
  if (ec) {
    stream_ended(ec);
    return;
  }
  session_.bytes_received(bytes, now_ms());
  after_received();
}

bp::session::read_space client_impl::direct_read_space() {
  return session_.direct_read_space();
}

void client_impl::received_in_place(std::error_code ec, bp::byte_view bytes) {
  if (ec) {
    stream_ended(ec);
    return;
  }
  session_.bytes_received_in_place(bytes, now_ms());
  after_received();
}

// The broker ended the stream, or it broke. When the session had already
// asked to close (a refusing CONNACK, the broker's DISCONNECT, a protocol
// error), the broker may close before the client lingers (a store commit
// can delay that): the session's reason is the one told.
void client_impl::stream_ended(std::error_code ec) {
  if (closing_ && close_reason_) {
    ec = close_reason_;
  } else if (session_.state() == bp::session_state::connecting &&
             (ec == std::error_code(error_code(asio::error::eof)) ||
              ec == std::error_code(error_code(asio::error::connection_reset)))) {
    // Closed with no answer to CONNECT: say what that usually means.
    ec = client_errc::closed_before_connack;
  }
  transport_closed(ec);
}

void client_impl::after_received() {
  process_actions();
  flush();
  start_read();
  update_stats();
}

void client_impl::written(std::error_code ec) {
  if (ec) {
    transport_closed(ec);
    return;
  }
  operations_.write_ended();
  flush();
  update_stats();
}

// Commits the store's changes. When that fails, the session fails what was
// not durable and asks for the connection to close (see session::make_durable).
void client_impl::make_durable() {
  if (store_->dirty() && session_.make_durable(now_ms())) {
    process_actions();
  }
}

// Output goes out at once; changes of the store alone wait a little, to be
// committed with what follows (group commit).
void client_impl::flush() {
  if (io_.writing()) {
    return; // written() flushes again
  }
  if (group_commit::can_wait(io_.is_open(), closing_, session_.has_output(), store_->dirty())) {
    flush_soon();
    return;
  }
  write_out();
}

void client_impl::flush_soon() {
  if (!store_->dirty()) {
    flush();
    return;
  }
  commit_.later([self = shared_from_this()] { self->write_out(); });
}

// Commits what the output depends on, then writes everything the session
// produced since the last write, in one write.
void client_impl::write_out() {
  if (io_.writing()) {
    return; // written() flushes again
  }
  make_durable();
  if (!io_.is_open()) {
    return;
  }
  if (!session_.has_output()) {
    if (closing_) {
      linger();
    }
    return;
  }
  io_.output().clear();
  session_.swap_output(io_.output());
  operations_.write_started();
  io_.write();
}

// The last bytes (acknowledgements, DISCONNECT) are written: the connection
// is half-closed and read to its end before it is closed. Closing a socket
// with unread input resets the connection, and the broker then drops what it
// had not read yet — acknowledgements included, so that it would send those
// messages again. A broker that is not answering (keep alive, CONNACK
// timeout) is not waited for; another one waits at most a second.
void client_impl::linger() {
  if (close_reason_ == bp::session_errc::keep_alive_timeout ||
      close_reason_ == bp::session_errc::connack_timeout) {
    transport_closed(close_reason_);
    return;
  }
  io_.linger(std::chrono::seconds(1));
}

// The batches' vectors are kept for the next call (a call may come back here
// while handling its batch), so that the session's action list keeps its
// storage instead of growing anew each time.
void client_impl::process_actions() {
  std::vector<bp::action> batch;
  if (!spare_batches_.empty()) {
    batch = std::move(spare_batches_.back());
    spare_batches_.pop_back();
  }
  for (session_.take_actions(batch); !batch.empty(); session_.take_actions(batch)) {
    handle_actions(batch);
  }
  spare_batches_.push_back(std::move(batch));
}

void client_impl::handle_actions(std::vector<bp::action>& batch) {
  for (auto& a : batch) {
    std::visit(
        [&](auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bp::arm_timer>) {
            arm(x.timer, x.delay_ms);
          } else if constexpr (std::is_same_v<T, bp::cancel_timer>) {
            timers_[static_cast<std::size_t>(x.timer)].cancel();
          } else if constexpr (std::is_same_v<T, bp::message_received>) {
            if (options_.on_arrival) {
              options_.on_arrival(x.message);
            }
            deliver(std::move(x.message));
          } else if constexpr (std::is_same_v<T, bp::request_completed>) {
            operations_.complete(x);
          } else if constexpr (std::is_same_v<T, bp::connected>) {
            connected(x);
          } else if constexpr (std::is_same_v<T, bp::connection_refused>) {
            reconnect_.refused(x.permanent(), x.retry_with_3_1);
            if (logging(log_level::warning)) {
              log(log_level::warning, "connack",
                  "connection refused: " + std::string(bp::to_string(x.ack.reason)));
            }
            refused_ = std::move(x.ack);
          } else if constexpr (std::is_same_v<T, bp::server_redirect>) {
            redirect_ = std::make_unique<bp::server_redirect>(std::move(x));
          } else if constexpr (std::is_same_v<T, bp::server_disconnected>) {
            server_disconnect_ = std::move(x.packet);
          } else if constexpr (std::is_same_v<T, bp::close_connection>) {
            // Pending output (a DISCONNECT) is written first: see write_out().
            closing_ = true;
            close_reason_ = x.reason;
          }
        },
        a);
  }
}

void client_impl::connected(bp::connected& done) {
  reconnect_.connected(now_ms());
  ++connections_;
  log_connected(done.ack);
  connect_timer_.cancel();
  {
    const auto& limits = session_.limits();
    connection_info info;
    info.version = session_.version();
    info.client_id = session_.config().connect_packet.client_id; // the assigned one, if any
    info.session_present = done.ack.session_present;
    info.keep_alive = limits.keep_alive;
    info.receive_maximum = limits.receive_maximum;
    info.maximum_packet_size = limits.maximum_packet_size;
    info.topic_alias_maximum = limits.topic_alias_maximum;
    info.maximum_qos = limits.maximum_qos;
    info.retain_available = limits.retain_available;
    info.wildcard_subscription_available = limits.wildcard_subscription_available;
    info.subscription_identifier_available = limits.subscription_identifier_available;
    info.shared_subscription_available = limits.shared_subscription_available;
    const std::lock_guard lock(connection_mutex_);
    connection_ = std::move(info);
  }
  connection_event e{connection_event::kind::connected, {}, done.ack.session_present, 0, {}, {}};
  e.resent = done.resent;
  e.republished = done.republished;
  e.failed = done.failed;
  e.resubscribed = done.resubscribed;
  notify(std::move(e));
  update_stats();
  if (connect_handler_) {
    completions_->complete(std::move(*connect_handler_), std::error_code{}, std::move(done.ack));
    connect_handler_.reset();
  }
}

// Back-pressure: the socket is not read while the receive queue is full or
// the application holds as many unacknowledged messages as it may (manual
// acknowledgement); resume_reading() reads it again.
void client_impl::deliver(bp::publish message) {
  const bool queue_full = dispatcher_.deliver(std::move(message));
  if ((queue_full || session_.acknowledgements_full()) && !session_.reading_paused()) {
    session_.set_reading_paused(true, now_ms());
  }
}

void client_impl::resume_reading() {
  if (session_.reading_paused() && dispatcher_.has_room() && !session_.acknowledgements_full()) {
    session_.set_reading_paused(false, now_ms());
    start_read();
  }
}

void client_impl::arm(bp::timer_id t, std::uint64_t delay_ms) {
  auto& timer = timers_[static_cast<std::size_t>(t)];
  timer.expires_after(std::chrono::milliseconds(delay_ms));
  timer.async_wait(asio::bind_executor(strand_, [self = shared_from_this(), t](std::error_code ec) {
    if (ec || !self->io_.is_open()) {
      return; // cancelled or re-armed
    }
    self->session_.timer_fired(t, self->now_ms());
    self->process_actions();
    self->flush();
  }));
}

} // namespace braid::detail
