// braid::client's operations: each one runs on the strand, asks the session
// and leaves its handler in the operation table (see client_impl.hpp for
// the parts).
#include <braid/detail/client_impl.hpp>
#include <braid/protocol/encoder.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>

#include <chrono>

namespace braid::detail {
namespace {

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

// Whether `tls` differs from the default settings.
bool has_tls_settings(const tls_options& tls) {
#if defined(__GLIBCXX__) && defined(__x86_64__)
  static_assert(sizeof(tls_options) == 528, "tls_options changed: compare its new fields here");
#endif
  const tls_options defaults;
  return tls.ca_file != defaults.ca_file || tls.ca_path != defaults.ca_path ||
         tls.cert_file != defaults.cert_file || tls.key_file != defaults.key_file ||
         tls.key_password != defaults.key_password || tls.ca_pem != defaults.ca_pem ||
         tls.cert_pem != defaults.cert_pem || tls.key_pem != defaults.key_pem ||
         tls.crl_file != defaults.crl_file || tls.crl_pem != defaults.crl_pem ||
         tls.server_name != defaults.server_name || tls.alpn != defaults.alpn ||
         tls.min_version != defaults.min_version || tls.ciphers != defaults.ciphers ||
         tls.insecure_skip_verification != defaults.insecure_skip_verification ||
         tls.context != nullptr || static_cast<bool>(tls.verify) ||
         static_cast<bool>(tls.before_handshake);
}

} // namespace

// Moves out the options the client keeps; the others stay for the parts
// built from them.
client_impl::kept_options client_impl::keep(client_options& options) {
  kept_options kept;
  kept.profile = options.profile;
  kept.packet_trace = std::move(options.packet_trace);
  kept.logger = std::move(options.logger);
  kept.log_verbosity = options.log_verbosity;
  kept.on_arrival = std::move(options.on_arrival);
  if (has_tls_settings(options.tls)) {
    kept.tls = std::make_unique<const tls_options>(std::move(options.tls));
  }
  return kept;
}

const tls_options& client_impl::tls() const {
  static const tls_options defaults;
  return options_.tls ? *options_.tls : defaults;
}

client_impl::client_impl(asio::any_io_executor executor, bp::session_config config,
                         client_options options)
    : strand_(make_client_strand(executor)),
      completions_(std::make_shared<completion_queue>(strand_)),
      store_(options.store ? options.store : std::make_shared<bp::memory_store>()),
      connect_error_(connect_packet_error(config)),
      session_(with_options(std::move(config), options), *store_), options_(keep(options)),
      reconnect_(options), operations_(completions_),
      dispatcher_(completions_, options.receive_queue_limit), commit_(strand_),
      io_(
          strand_, *this,
          [this](transport_kind kind, std::error_code& ec) {
            auto t = make_transport(kind, strand_, tls(), ec);
            if (t && options_.logger) {
              t->observe([this](std::string_view step, const std::error_code& e,
                                const std::string& detail) { log_opening(step, e, detail); });
            }
            return t;
          },
          options_.packet_trace),
      timers_{asio::steady_timer(strand_.get_inner_executor().inner()),
              asio::steady_timer(strand_.get_inner_executor().inner()),
              asio::steady_timer(strand_.get_inner_executor().inner())},
      reconnect_timer_(strand_.get_inner_executor().inner()),
      connect_timer_(strand_.get_inner_executor().inner()) {
}

client_impl::~client_impl() = default;

std::uint64_t client_impl::now_ms() const {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
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

void client_impl::publish(bp::publish&& message, publish_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::request);
  on_strand([self = shared_from_this(), m = std::move(message), h = std::move(handler),
             cancel]() mutable {
    if (!self->in_profile(operation::publish)) {
      self->completions_->complete(std::move(h), client_errc::not_in_profile, publish_result{});
      return;
    }
    self->submit(std::move(m), std::move(h), cancel);
    self->process_actions();
    self->flush_soon();
    if (!self->io_.is_open()) {
      self->update_stats(); // the offline queue (else: at the write)
    }
  });
}

void client_impl::submit(bp::publish&& message, publish_handler handler,
                         const cancellation_ptr& cancel) {
  const bool qos0 = message.qos == bp::qos::at_most_once;
  bp::request_id id = 0;
  if (auto ec = session_.publish(std::move(message), id, now_ms())) {
    completions_->complete(std::move(handler), ec, publish_result{});
    return;
  }
  operations_.add(id, std::move(handler), qos0);
  started(cancel, id);
}

// Runs a session request: `start(id)` returns the session's refusal, if any;
// otherwise the handler waits for the request's completion. A refused request
// completes at once with `failed...` as the handler's other arguments.
template <class Handler, class Start, class... Failed>
void client_impl::request(Handler handler, const cancellation_ptr& cancel, Start start,
                          Failed... failed) {
  bp::request_id id = 0;
  if (auto ec = start(id)) {
    completions_->complete(std::move(handler), ec, std::move(failed)...);
    return;
  }
  operations_.add(id, std::move(handler));
  process_actions();
  flush();
  started(cancel, id);
}

void client_impl::subscribe(std::vector<bp::subscription> subscriptions, bp::properties props,
                            reasons_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::request);
  on_strand([self = shared_from_this(), s = std::move(subscriptions), p = std::move(props),
             h = std::move(handler), cancel]() mutable {
    self->request(
        std::move(h), cancel,
        [&](bp::request_id& id) -> std::error_code {
          if (!self->in_profile(operation::subscribe)) {
            return client_errc::not_in_profile;
          }
          return self->session_.subscribe(std::move(s), std::move(p), id, self->now_ms());
        },
        subscribe_result{});
  });
}

void client_impl::unsubscribe(std::vector<std::string> filters, bp::properties props,
                              reasons_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::request);
  on_strand([self = shared_from_this(), f = std::move(filters), p = std::move(props),
             h = std::move(handler), cancel]() mutable {
    self->request(
        std::move(h), cancel,
        [&](bp::request_id& id) -> std::error_code {
          if (!self->in_profile(operation::unsubscribe)) {
            return client_errc::not_in_profile;
          }
          return self->session_.unsubscribe(std::move(f), std::move(p), id, self->now_ms());
        },
        subscribe_result{});
  });
}

void client_impl::ping(plain_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::request);
  on_strand([self = shared_from_this(), h = std::move(handler), cancel]() mutable {
    self->request(std::move(h), cancel,
                  [&](bp::request_id& id) { return self->session_.ping(id, self->now_ms()); });
  });
}

void client_impl::disconnect(bp::reason_code reason, bp::properties props, plain_handler handler) {
  auto cancel = watch(asio::get_associated_cancellation_slot(handler),
                      pending_cancellation::target::disconnect);
  on_strand([self = shared_from_this(), reason, p = std::move(props), h = std::move(handler),
             cancel]() mutable {
    self->request(std::move(h), cancel, [&](bp::request_id& id) {
      auto ec = self->session_.disconnect(reason, std::move(p), id, self->now_ms());
      // A requested disconnect is not followed by a reconnect, and one made
      // while reconnecting stops the service; a refused argument changes nothing.
      if (!ec || ec == bp::session_errc::not_connected) {
        self->reconnect_.stop();
        self->reconnect_timer_.cancel();
      }
      if (ec == bp::session_errc::not_connected) {
        // Nothing more will come: what waited for a connection ends as with close().
        self->io_.abort(); // an attempt in progress
        self->end_waiting(bp::session_errc::cancelled, bp::session_errc::connection_lost);
      }
      return ec;
    });
  });
}

void client_impl::reauthenticate(auth_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::request);
  on_strand([self = shared_from_this(), h = std::move(handler), cancel]() mutable {
    self->request(
        std::move(h), cancel,
        [&](bp::request_id& id) { return self->session_.reauthenticate(id, self->now_ms()); },
        auth_result{});
  });
}

void client_impl::set_window(std::uint16_t window) {
  on_strand([self = shared_from_this(), window] {
    self->session_.set_window(window);
    self->process_actions();
    self->flush();
  });
}

void client_impl::receive(receive_handler handler) {
  auto cancel =
      watch(asio::get_associated_cancellation_slot(handler), pending_cancellation::target::receive);
  on_strand([self = shared_from_this(), h = std::move(handler), cancel]() mutable {
    if (!self->in_profile(operation::receive)) {
      self->completions_->complete(std::move(h), client_errc::not_in_profile, bp::publish{});
      return;
    }
    const auto ticket = cancel ? ++self->receive_tickets_ : 0;
    if (self->dispatcher_.receive(std::move(h), ticket)) {
      self->resume_reading(); // the queue drained below half
    }
    self->update_stats();
    self->started(cancel, ticket);
  });
}

void client_impl::acknowledge(bp::qos q, std::uint16_t packet_id, bp::reason_code reason,
                              plain_handler handler) {
  on_strand([self = shared_from_this(), q, packet_id, reason, h = std::move(handler)]() mutable {
    auto ec = self->session_.acknowledge(q, packet_id, reason, self->now_ms());
    self->flush();
    self->resume_reading();
    self->update_stats();
    self->completions_->complete(std::move(h), ec);
  });
}

void client_impl::set_message_handler(message_handler handler) {
  on_strand([self = shared_from_this(), h = std::move(handler)]() mutable {
    self->dispatcher_.set_message_handler(std::move(h));
  });
}

std::uint64_t client_impl::add_route(std::string filter, message_handler handler) {
  const auto id = ++route_ids_;
  on_strand(
      [self = shared_from_this(), id, f = std::move(filter), h = std::move(handler)]() mutable {
        self->dispatcher_.add_route(id, std::move(f), std::move(h));
      });
  return id;
}

void client_impl::remove_route(std::uint64_t id) {
  on_strand([self = shared_from_this(), id] { (void)self->dispatcher_.remove_route(id); });
}

void client_impl::remove_routes(std::string filter) {
  on_strand([self = shared_from_this(), f = std::move(filter)] {
    (void)self->dispatcher_.remove_routes(f);
  });
}

void client_impl::set_state_handler(std::function<void(const connection_event&)> handler) {
  on_strand([self = shared_from_this(), h = std::move(handler)]() mutable {
    self->on_state_ = std::move(h);
  });
}

} // namespace braid::detail
