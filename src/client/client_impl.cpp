#include <braid/detail/client_impl.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/topic.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <chrono>

namespace braid::detail {
namespace {

// Runs a completion handler later, on its associated executor (by default
// the client's strand), so that it never runs inside the call that caused it.
template <class Handler, class Executor, class... Args>
void post_result(Handler handler, const Executor& strand, error_code ec, Args... args) {
  asio::post(strand, [strand, ec, h = std::move(handler), ... a = std::move(args)]() mutable {
    auto ex = asio::get_associated_executor(h, strand);
    asio::dispatch(ex, [ec, h = std::move(h), ... b = std::move(a)]() mutable {
      std::move(h)(ec, std::move(b)...);
    });
  });
}

template <class Handler, class Executor, class... Args>
void post_completion(Handler handler, const Executor& strand, std::error_code ec, Args... args) {
  post_result(std::move(handler), strand, error_code{ec}, std::move(args)...);
}

// Why the configured CONNECT cannot be sent (empty client id with clean
// start off, a password without a user name in 3.1.1 ...), if it cannot.
std::error_code connect_packet_error(const bp::session_config& config) {
  std::size_t size = 0;
  return bp::encoded_size(bp::packet{config.connect_packet}, config.connect_packet.version, size);
}

// The session holds publishes that wait for queue room when either the
// session config or the client options ask for it.
bp::session_config with_options(bp::session_config config, const client_options& options) {
  if (options.on_queue_full == queue_full_policy::block) {
    config.on_queue_full = bp::overflow_policy::block;
  }
  return config;
}

} // namespace

client_impl::client_impl(asio::any_io_executor executor, bp::session_config config,
                         client_options options)
    : strand_(asio::make_strand(executor)), timers_{asio::steady_timer(strand_),
                                                    asio::steady_timer(strand_),
                                                    asio::steady_timer(strand_)},
      store_(options.store ? options.store : std::make_shared<bp::memory_store>()),
      connect_error_(connect_packet_error(config)),
      session_(with_options(std::move(config), options), *store_), read_buffer_(64 * 1024),
      options_(std::move(options)), reconnect_(options_), reconnect_timer_(strand_),
      connect_timer_(strand_), linger_timer_(strand_) {
}

client_impl::~client_impl() = default;

std::uint64_t client_impl::now_ms() const {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

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
    asio::dispatch(strand_, [self = shared_from_this(), ec, h = std::move(handler)]() mutable {
      post_completion(std::move(h), self->strand_, ec, bp::connack{});
    });
    return;
  }
  connect_urls(std::move(parsed), std::move(handler));
}

void client_impl::connect_urls(std::vector<broker_url> urls, connect_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), urls = std::move(urls),
                           h = std::move(handler)]() mutable {
    if (self->open_ || self->connect_handler_) {
      post_completion(std::move(h), self->strand_,
                      std::error_code{bp::session_errc::already_connected}, bp::connack{});
      return;
    }
    // A CONNECT that cannot be encoded, or TLS settings that cannot work (a
    // CA file that cannot be read ...), fail now, not at every retry.
    if (self->connect_error_) {
      post_completion(std::move(h), self->strand_, self->connect_error_, bp::connack{});
      return;
    }
    for (const auto& u : urls) {
      std::error_code ec;
      (void)make_transport(u.kind, self->strand_, self->options_.tls, ec);
      if (ec) {
        post_completion(std::move(h), self->strand_, ec, bp::connack{});
        return;
      }
    }
    self->connect_handler_.emplace(std::move(h));
    self->reconnect_.start(std::move(urls));
    self->start_connect();
  });
}

void client_impl::start_connect() {
  refused_.reset();
  server_disconnect_.reset();
  const auto& url = reconnect_.begin_attempt(now_ms());
  if (!transport_ || url_.kind != url.kind) {
    std::error_code ec;
    transport_ = make_transport(url.kind, strand_, options_.tls, ec);
  }
  url_ = url;
  connect_timer_.expires_after(reconnect_.connect_timeout());
  connect_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (!ec) {
      self->on_connect_timeout();
    }
  });
  transport_->async_open(url_,
                         [self = shared_from_this()](std::error_code ec) { self->on_opened(ec); });
}

// A connection attempt failed before the session started.
void client_impl::connect_failed(std::error_code ec) {
  connect_timer_.cancel();
  const auto step = reconnect_.open_failed();
  switch (step.what) {
  case reconnect_step::kind::next_broker:
    start_connect();
    break;
  case reconnect_step::kind::retry:
    schedule_reconnect(ec, step);
    break;
  case reconnect_step::kind::give_up:
  case reconnect_step::kind::fail:
    fail_connect(ec);
    break;
  }
}

void client_impl::schedule_reconnect(std::error_code ec, const reconnect_step& step) {
  notify({connection_event::kind::reconnecting, ec, false, step.attempt, step.delay, {}});
  reconnect_timer_.expires_after(step.delay);
  reconnect_timer_.async_wait([self = shared_from_this()](std::error_code e) {
    if (!e && !self->reconnect_.stopped() && !self->open_) {
      self->start_connect();
    }
  });
}

void client_impl::give_up(std::error_code ec, std::uint32_t attempts) {
  notify({connection_event::kind::gave_up, ec, false, attempts, {}, {}});
  fail_connect(ec);
  fail_receivers(ec);
  fail_blocked(ec);
}

void client_impl::notify(connection_event event) {
  if (on_state_) {
    on_state_(event);
  }
}

void client_impl::set_state_handler(std::function<void(const connection_event&)> handler) {
  asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler)]() mutable {
    self->on_state_ = std::move(h);
  });
}

void client_impl::on_connect_timeout() {
  if (!reconnect_.connect_timer_fired(now_ms())) {
    return;
  }
  if (open_) {
    transport_closed(client_errc::connect_timeout); // waiting for CONNACK
  } else {
    transport_->close(); // on_opened sees the cancellation
  }
}

// The transport is up (TCP connected, TLS and WebSocket handshakes done).
void client_impl::on_opened(std::error_code ec) {
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
  open_ = true;
  closing_ = false;
  for (auto& d : trace_decoders_) {
    d.reset();
    d.set_version(session_.version());
  }
  session_.connection_opened(now_ms());
  start_read();
  process_actions();
  flush();
}

void client_impl::start_read() {
  if (reading_ || !open_ || read_paused_) {
    return;
  }
  reading_ = true;
  transport_->async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](std::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void client_impl::on_read(std::error_code ec, std::size_t n) {
  reading_ = false;
  if (!open_) {
    return;
  }
  if (ec) {
    transport_closed(lingering_ ? close_reason_ : ec); // the broker closed after us
    return;
  }
  if (options_.packet_trace) {
    trace(packet_direction::received, {read_buffer_.data(), n});
  }
  session_.bytes_received({read_buffer_.data(), n}, now_ms());
  process_actions();
  flush();
  start_read();
}

// Commits the store's changes. When that fails, the session fails what was
// not durable and asks for the connection to close (see session::make_durable).
void client_impl::make_durable() {
  if (store_->dirty() && session_.make_durable(now_ms())) {
    process_actions();
  }
}

// Changes that nothing waits on yet (publishes from outside the strand, one
// handler each; the removals of a read full of acknowledgements) are
// committed a little later, after the handlers already queued on the strand
// have run, so that one commit and one write carry them all (group commit).
void client_impl::flush_soon() {
  if (!store_->dirty()) {
    flush();
    return;
  }
  if (flush_posted_) {
    return;
  }
  flush_posted_ = true;
  asio::post(strand_, [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->write_out();
  });
}

// Output goes out at once; changes of the store alone wait a little, to be
// committed with what follows (flush_soon).
void client_impl::flush() {
  if (write_in_flight_) {
    return; // on_written flushes again
  }
  if (open_ && !closing_ && !session_.has_output() && store_->dirty()) {
    flush_soon();
    return;
  }
  write_out();
}

// Commits what the output depends on, then writes everything the session
// produced since the last write, in one write.
void client_impl::write_out() {
  if (write_in_flight_) {
    return; // on_written flushes again
  }
  make_durable();
  if (!open_) {
    return;
  }
  if (!session_.has_output()) {
    if (closing_) {
      linger();
    }
    return;
  }
  writing_.clear();
  session_.swap_output(writing_);
  write_in_flight_ = true;
  ++writes_started_;
  transport_->async_write(
      asio::buffer(writing_.data(), writing_.size()),
      [self = shared_from_this()](std::error_code ec, std::size_t) { self->on_written(ec); });
  // The trace is a user callback that may call the client: it runs once the
  // write is under way, so that what it causes waits for the next write.
  if (options_.packet_trace) {
    trace(packet_direction::sent, {writing_.data(), writing_.size()});
  }
}

void client_impl::trace(packet_direction direction, bp::byte_view bytes) {
  auto& decoder = trace_decoders_[static_cast<std::size_t>(direction)];
  while (!bytes.empty()) {
    bp::packet p;
    const auto r = decoder.feed(bytes, p);
    bytes = bytes.subspan(r.consumed);
    if (r.status == bp::decode_status::packet_ready) {
      options_.packet_trace(direction, p);
    } else if (r.status == bp::decode_status::error) {
      return; // the session reports the error itself
    }
  }
}

void client_impl::on_written(std::error_code ec) {
  write_in_flight_ = false;
  if (ec) {
    transport_closed(ec);
    return;
  }
  complete_written(writes_started_, {});
  flush();
}

void client_impl::complete_written(std::uint64_t write, std::error_code ec) {
  while (!after_write_.empty() && after_write_.front().write <= write) {
    post_completion(std::move(after_write_.front().handler), strand_, ec, bp::reason_code::success);
    after_write_.pop_front();
  }
}

void client_impl::process_actions() {
  std::vector<bp::action> batch;
  for (session_.take_actions(batch); !batch.empty(); session_.take_actions(batch)) {
    handle_actions(batch);
  }
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
            handle(x);
          } else if constexpr (std::is_same_v<T, bp::connected>) {
            reconnect_.connected();
            connect_timer_.cancel();
            connection_event e{
                connection_event::kind::connected, {}, x.ack.session_present, 0, {}, {}};
            e.resent = x.resent;
            e.republished = x.republished;
            e.failed = x.failed;
            e.resubscribed = x.resubscribed;
            notify(std::move(e));
            if (connect_handler_) {
              post_completion(std::move(*connect_handler_), strand_, std::error_code{},
                              std::move(x.ack));
              connect_handler_.reset();
            }
          } else if constexpr (std::is_same_v<T, bp::connection_refused>) {
            reconnect_.refused(x.permanent(), x.retry_with_3_1);
            refused_ = std::move(x.ack);
          } else if constexpr (std::is_same_v<T, bp::server_disconnected>) {
            server_disconnect_ = std::move(x.packet);
          } else if constexpr (std::is_same_v<T, bp::close_connection>) {
            // Pending output (a DISCONNECT) is written first: see flush().
            closing_ = true;
            close_reason_ = x.reason;
          }
        },
        a);
  }
}

void client_impl::handle(bp::request_completed& done) {
  auto it = handlers_.find(done.id);
  if (it == handlers_.end()) {
    return;
  }
  auto handler = std::move(it->second.handler);
  const bool after_write = it->second.after_write && !done.error;
  handlers_.erase(it);
  if (after_write) {
    // The packet is in the session's output: the next write carries it.
    after_write_.push_back({writes_started_ + 1, std::move(std::get<publish_handler>(handler))});
    return;
  }
  if (done.kind == bp::request_kind::disconnect && !done.error) {
    disconnect_handler_ = std::move(std::get<plain_handler>(handler));
    return; // completes when the connection is closed
  }
  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, publish_handler>) {
          post_completion(std::move(h), strand_, done.error, done.reason);
        } else if constexpr (std::is_same_v<H, reasons_handler>) {
          post_completion(std::move(h), strand_, done.error, std::move(done.reasons));
        } else {
          post_completion(std::move(h), strand_, done.error);
        }
      },
      handler);
}

// Per-subscription handlers first: every one whose filter matches gets the
// message; a message no route takes goes to the message handler or the
// receive queue.
void client_impl::deliver(bp::publish message) {
  bool routed = false;
  for (const auto& r : routes_) {
    if (bp::topic_matches(r.filter, message.topic)) {
      routed = true;
      asio::post(strand_, [h = r.handler, m = message] { h(m); });
    }
  }
  if (routed) {
    return;
  }
  deliver_unrouted(std::move(message));
}

// A message no per-subscription handler took: to the message handler if one
// is set, else to a waiting async_receive, else into the receive queue (which
// pauses reading when full).
void client_impl::deliver_unrouted(bp::publish message) {
  if (on_message_) {
    asio::post(strand_, [self = shared_from_this(), m = std::move(message)] {
      if (self->on_message_) {
        self->on_message_(m);
      }
    });
    return;
  }
  if (!receivers_.empty()) {
    auto h = std::move(receivers_.front());
    receivers_.pop_front();
    post_completion(std::move(h), strand_, std::error_code{}, std::move(message));
    return;
  }
  received_.push_back(std::move(message));
  if (received_.size() >= options_.receive_queue_limit && !read_paused_) {
    read_paused_ = true; // back-pressure: the socket is read again once the queue drains
    session_.set_reading_paused(true, now_ms());
  }
}

void client_impl::add_route(std::string filter, std::function<void(const bp::publish&)> handler) {
  asio::dispatch(strand_, [self = shared_from_this(), f = std::move(filter),
                           h = std::move(handler)]() mutable {
    self->routes_.push_back({std::move(f), std::move(h)});
  });
}

// Publishers only publish; subscribers subscribe, unsubscribe and receive.
bool client_impl::in_profile(operation op) const {
  switch (options_.profile) {
  case client_profile::publisher:
    return op == operation::publish;
  case client_profile::subscriber:
    return op != operation::publish;
  case client_profile::both:
    break;
  }
  return true;
}

void client_impl::arm(bp::timer_id t, std::uint64_t delay_ms) {
  auto& timer = timers_[static_cast<std::size_t>(t)];
  timer.expires_after(std::chrono::milliseconds(delay_ms));
  timer.async_wait([self = shared_from_this(), t](std::error_code ec) {
    if (ec || !self->open_) {
      return; // cancelled or re-armed
    }
    self->session_.timer_fired(t, self->now_ms());
    self->process_actions();
    self->flush();
  });
}

// The last bytes (acknowledgements, DISCONNECT) are written: the connection
// is half-closed and read to its end before it is closed. Closing a socket
// with unread input resets the connection, and the broker then drops what it
// had not read yet — acknowledgements included, so that it would send those
// messages again. A broker that is not answering (keep alive, CONNACK
// timeout) is not waited for; another one waits at most a second.
void client_impl::linger() {
  if (lingering_) {
    return;
  }
  if (close_reason_ == bp::session_errc::keep_alive_timeout ||
      close_reason_ == bp::session_errc::connack_timeout) {
    transport_closed(close_reason_);
    return;
  }
  lingering_ = true;
  transport_->shutdown_send();
  read_paused_ = false; // what still comes is read and dropped (the session is closing)
  start_read();
  linger_timer_.expires_after(std::chrono::seconds(1));
  linger_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
    if (!ec && self->lingering_) {
      self->transport_closed(self->close_reason_);
    }
  });
}

void client_impl::transport_closed(std::error_code ec) {
  if (!open_) {
    return;
  }
  open_ = false;
  closing_ = false;
  lingering_ = false;
  linger_timer_.cancel();
  read_paused_ = false; // a new connection starts reading; the queue still bounds it
  transport_->close();
  for (auto& timer : timers_) {
    timer.cancel();
  }
  session_.connection_closed(ec, now_ms());
  process_actions();
  // QoS 0 packets not written died with the connection.
  complete_written(writes_started_ + 1,
                   ec ? ec : std::error_code{bp::session_errc::connection_lost});
  if (disconnect_handler_) {
    post_completion(std::move(*disconnect_handler_), strand_, std::error_code{});
    disconnect_handler_.reset();
  }
  const auto reason = ec ? ec : std::error_code{bp::session_errc::connection_lost};
  notify({connection_event::kind::disconnected, reason, false, 0, {}, server_disconnect_});
  const auto step = reconnect_.connection_ended();
  if (step.what == reconnect_step::kind::give_up) {
    give_up(reason, step.attempt);
    return;
  }
  if (step.what == reconnect_step::kind::retry) {
    schedule_reconnect(reason, step);
    return;
  }
  fail_connect(reason);
  fail_receivers(reason); // nothing more will arrive
  fail_blocked(reason);
}

void client_impl::fail_receivers(std::error_code ec) {
  while (!receivers_.empty()) {
    auto h = std::move(receivers_.front());
    receivers_.pop_front();
    post_completion(std::move(h), strand_, ec, bp::publish{});
  }
}

void client_impl::fail_connect(std::error_code ec) {
  if (!connect_handler_) {
    return;
  }
  post_completion(std::move(*connect_handler_), strand_, ec, refused_.value_or(bp::connack{}));
  connect_handler_.reset();
}

void client_impl::add_handler(bp::request_id id, any_handler handler, bool after_write) {
  handlers_.emplace(id, pending_handler{std::move(handler), after_write});
}

void client_impl::publish(bp::publish message, publish_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), m = std::move(message),
                           h = std::move(handler)]() mutable {
    if (!self->in_profile(operation::publish)) {
      post_completion(std::move(h), self->strand_, client_errc::not_in_profile,
                      bp::reason_code::success);
      return;
    }
    self->submit(std::move(m), std::move(h));
    self->process_actions();
    self->flush_soon();
  });
}

void client_impl::submit(bp::publish message, publish_handler handler) {
  const bool qos0 = message.qos == bp::qos::at_most_once;
  bp::request_id id = 0;
  if (auto ec = session_.publish(std::move(message), id, now_ms())) {
    post_completion(std::move(handler), strand_, ec, bp::reason_code::success);
    return;
  }
  // Per-operation cancellation: a publish still queued or blocked (not sent)
  // completes with session_errc::cancelled; one already sent is not affected.
  auto slot = asio::get_associated_cancellation_slot(handler);
  if (slot.is_connected()) {
    slot.assign([weak = weak_from_this(), id](asio::cancellation_type) {
      if (auto self = weak.lock()) {
        asio::dispatch(self->strand_, [self, id] {
          if (self->session_.cancel(id)) {
            self->process_actions();
          }
        });
      }
    });
  }
  add_handler(id, std::move(handler), qos0);
}

// No connection will come for the publishes the session holds for queue room
// (queue_full_policy::block): they complete with `ec`.
void client_impl::fail_blocked(std::error_code ec) {
  session_.fail_blocked_publishes(ec, now_ms());
  process_actions();
}

// Runs a session request: `start(id)` returns the session's refusal, if any;
// otherwise the handler waits for the request's completion. A refused request
// completes at once with `failed...` as the handler's other arguments.
template <class Handler, class Start, class... Failed>
void client_impl::request(Handler handler, Start start, Failed... failed) {
  bp::request_id id = 0;
  if (auto ec = start(id)) {
    post_completion(std::move(handler), strand_, ec, std::move(failed)...);
    return;
  }
  add_handler(id, std::move(handler));
  process_actions();
  flush();
}

void client_impl::subscribe(std::vector<bp::subscription> subscriptions, bp::properties props,
                            reasons_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), s = std::move(subscriptions),
                           p = std::move(props), h = std::move(handler)]() mutable {
    self->request(
        std::move(h),
        [&](bp::request_id& id) -> std::error_code {
          if (!self->in_profile(operation::subscribe)) {
            return client_errc::not_in_profile;
          }
          return self->session_.subscribe(std::move(s), std::move(p), id, self->now_ms());
        },
        std::vector<bp::reason_code>{});
  });
}

void client_impl::unsubscribe(std::vector<std::string> filters, bp::properties props,
                              reasons_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), f = std::move(filters), p = std::move(props),
                           h = std::move(handler)]() mutable {
    self->request(
        std::move(h),
        [&](bp::request_id& id) -> std::error_code {
          if (!self->in_profile(operation::unsubscribe)) {
            return client_errc::not_in_profile;
          }
          return self->session_.unsubscribe(std::move(f), std::move(p), id, self->now_ms());
        },
        std::vector<bp::reason_code>{});
  });
}

void client_impl::ping(plain_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler)]() mutable {
    self->request(std::move(h),
                  [&](bp::request_id& id) { return self->session_.ping(id, self->now_ms()); });
  });
}

void client_impl::disconnect(bp::reason_code reason, bp::properties props, plain_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), reason, p = std::move(props),
                           h = std::move(handler)]() mutable {
    self->request(std::move(h), [&](bp::request_id& id) {
      auto ec = self->session_.disconnect(reason, std::move(p), id, self->now_ms());
      // A requested disconnect is not followed by a reconnect, and one made
      // while reconnecting stops the service; a refused argument changes nothing.
      if (!ec || ec == bp::session_errc::not_connected) {
        self->reconnect_.stop();
        self->reconnect_timer_.cancel();
      }
      if (ec == bp::session_errc::not_connected) {
        // Nothing more will come: what waited for a connection ends as with close().
        if (self->transport_) {
          self->transport_->close(); // an attempt in progress
        }
        self->fail_connect(bp::session_errc::cancelled);
        self->fail_receivers(bp::session_errc::connection_lost);
        self->fail_blocked(bp::session_errc::connection_lost);
      }
      return ec;
    });
  });
}

void client_impl::reauthenticate(plain_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler)]() mutable {
    self->request(std::move(h), [&](bp::request_id& id) {
      return self->session_.reauthenticate(id, self->now_ms());
    });
  });
}

void client_impl::set_window(std::uint16_t window) {
  asio::dispatch(strand_, [self = shared_from_this(), window] {
    self->session_.set_window(window);
    self->process_actions();
    self->flush();
  });
}

void client_impl::receive(receive_handler handler) {
  asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler)]() mutable {
    if (!self->in_profile(operation::receive)) {
      post_completion(std::move(h), self->strand_, client_errc::not_in_profile, bp::publish{});
      return;
    }
    if (!self->received_.empty()) {
      auto m = std::move(self->received_.front());
      self->received_.pop_front();
      post_completion(std::move(h), self->strand_, std::error_code{}, std::move(m));
      if (self->read_paused_ && self->received_.size() < self->options_.receive_queue_limit / 2) {
        self->read_paused_ = false;
        self->session_.set_reading_paused(false, self->now_ms());
        self->start_read();
      }
      return;
    }
    self->receivers_.push_back(std::move(h));
  });
}

void client_impl::set_message_handler(std::function<void(const bp::publish&)> handler) {
  asio::dispatch(strand_, [self = shared_from_this(), h = std::move(handler)]() mutable {
    self->on_message_ = std::move(h);
  });
}

void client_impl::close() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->reconnect_.stop();
    if (self->transport_) {
      self->transport_->close();
    }
    self->reconnect_timer_.cancel();
    if (self->open_) {
      self->transport_closed(bp::session_errc::connection_lost);
    } else {
      self->fail_connect(bp::session_errc::connection_lost);
      self->fail_receivers(bp::session_errc::connection_lost);
      self->fail_blocked(bp::session_errc::connection_lost);
    }
  });
}

} // namespace braid::detail
