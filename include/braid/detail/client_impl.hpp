#pragma once
// Internal: the shared state of a braid::client. It runs one
// protocol::session over one connection at a time and hands the session's
// actions to the parts that carry them out:
//   connection_io    bytes in and out of the transport (src/client/connection_io.cpp)
//   reconnect_policy which broker, when, whether (src/client/reconnect_policy.cpp)
//   dispatcher       incoming messages to routes, handler or queue (src/client/dispatcher.cpp)
//   operation_table  pending operations' completion handlers (src/client/operation_table.cpp)
//   group_commit     one store commit for many changes (group_commit.hpp)
// The operations are in src/client/client_impl.cpp, the connection's life
// (connect, reconnect, close) in src/client/client_connection.cpp, the
// running session (actions, timers, reads, writes) in
// src/client/client_session.cpp, and per-operation cancellation in
// src/client/client_cancellation.cpp.

#include <braid/client_errors.hpp>
#include <braid/client_options.hpp>
#include <braid/client_stats.hpp>
#include <braid/connection_info.hpp>
#include <braid/detail/cancellation.hpp>
#include <braid/detail/completion.hpp>
#include <braid/detail/connection_io.hpp>
#include <braid/detail/dispatcher.hpp>
#include <braid/detail/group_commit.hpp>
#include <braid/detail/operation_table.hpp>
#include <braid/detail/reconnect_policy.hpp>
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/session.hpp>
#include <braid/url.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace braid::detail {

class client_impl final : public std::enable_shared_from_this<client_impl>,
                          private connection_owner {
public:
  client_impl(asio::any_io_executor executor, bp::session_config config, client_options options);
  ~client_impl();

  asio::any_io_executor get_executor() const { return strand_; }

  void connect(std::string host, std::string port, connect_handler handler);
  void connect(std::string url, connect_handler handler);
  void connect(std::vector<std::string> urls, connect_handler handler);
  void publish(bp::publish&& message, publish_handler handler);
  void subscribe(std::vector<bp::subscription> subscriptions, bp::properties props,
                 reasons_handler handler);
  void unsubscribe(std::vector<std::string> filters, bp::properties props, reasons_handler handler);
  void ping(plain_handler handler);
  void disconnect(bp::reason_code reason, bp::properties props, plain_handler handler);
  void reauthenticate(auth_handler handler);
  void set_window(std::uint16_t window);
  void receive(receive_handler handler);
  void acknowledge(bp::qos q, std::uint16_t packet_id, bp::reason_code reason,
                   plain_handler handler);
  void set_message_handler(message_handler handler);
  std::uint64_t add_route(std::string filter, message_handler handler);
  void remove_route(std::uint64_t id);
  void remove_routes(std::string filter);
  void set_state_handler(std::function<void(const connection_event&)> handler);
  void close();
  /// Any thread: the current connection's negotiated values, if connected.
  std::optional<connection_info> connection() const;
  /// Any thread: the figures as of the client's last read, write or change
  /// of state (see client::stats).
  client_stats stats() const;

private:
  /// Runs `f` now when called on the strand (the common case: from a
  /// handler), else posts it there. Unlike asio::dispatch it does not ask the
  /// type-erased executor whether it may block (that query allocates).
  template <class F>
  void on_strand(F&& f) {
    if (strand_.running_in_this_thread()) {
      f();
    } else {
      asio::post(strand_, std::forward<F>(f));
    }
  }

  /// What a client_profile allows or not.
  enum class operation : std::uint8_t { publish, subscribe, unsubscribe, receive };

  // Operations (client_impl.cpp).
  bool in_profile(operation op) const;
  void submit(bp::publish&& message, publish_handler handler, const cancellation_ptr& cancel);
  template <class Handler, class Start, class... Failed>
  void request(Handler handler, const cancellation_ptr& cancel, Start start, Failed... failed);

  // Per-operation cancellation (client_cancellation.cpp).
  cancellation_ptr watch(asio::cancellation_slot slot, pending_cancellation::target what);
  void started(const cancellation_ptr& cancel, std::uint64_t id);
  void cancel(pending_cancellation& op, asio::cancellation_type type);
  void apply(const pending_cancellation& op, asio::cancellation_type type);

  // The connection's life (client_connection.cpp).
  void connect_urls(std::vector<broker_url> urls, connect_handler handler);
  void start_connect();
  void on_connect_timeout();
  void connect_failed(std::error_code ec);
  void schedule_reconnect(std::error_code ec, const reconnect_step& step,
                          std::string_view note = {});
  void give_up(std::error_code ec, std::uint32_t attempts);
  void transport_closed(std::error_code ec);
  void shut_down();
  void end_waiting(std::error_code connect_ec, std::error_code ec);
  void fail_connect(error_code ec);
  void fail_blocked(std::error_code ec);
  void notify(connection_event event);
  void follow_redirect();
  // connection_owner
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }
  void opened(std::error_code ec) override;
  void received(std::error_code ec, bp::byte_view bytes) override;
  bp::session::read_space direct_read_space() override;
  void received_in_place(std::error_code ec, bp::byte_view bytes) override;
  void stream_ended(std::error_code ec);
  void after_received();
  void written(std::error_code ec) override;
  void linger_ended() override;

  // Logging and stats (client_observability.cpp).
  bool logging(log_level level) const { return options_.logger && level <= options_.log_verbosity; }
  void log(log_level level, std::string_view step, const std::string& message) const;
  void log_opening(std::string_view step, const std::error_code& ec, const std::string& detail);
  void log_connect_sent();
  void log_connected(const bp::connack& ack);
  void log_closed(std::error_code ec);
  void update_stats();

  // The running session (client_session.cpp).
  void start_read();
  void flush();
  void flush_soon();
  void write_out();
  void make_durable();
  void linger();
  void process_actions();
  void handle_actions(std::vector<bp::action>& batch);
  void connected(bp::connected& done);
  void deliver(bp::publish message);
  void resume_reading();
  void arm(bp::timer_id t, std::uint64_t delay_ms);
  std::uint64_t now_ms() const;

  client_strand strand_;
  // Every completion and message handler runs through it, in order.
  std::shared_ptr<completion_queue> completions_;
  std::shared_ptr<bp::session_store> store_; // client_options::store, or a memory store
  std::error_code connect_error_;            // the configured CONNECT cannot be encoded
  bp::session session_;
  // What the client keeps of its client_options; the rest went to the parts
  // above. Not the whole struct: its TLS settings alone take half a KiB, which
  // each of many idle plain-TCP connections would hold for nothing.
  struct kept_options {
    client_profile profile = client_profile::both;
    std::function<void(packet_direction, const bp::packet&)> packet_trace;
    std::function<void(const log_record&)> logger;
    log_level log_verbosity = log_level::info;
    std::function<void(const bp::publish&)> on_arrival;
    std::unique_ptr<const tls_options> tls; // null: the defaults
  };
  static kept_options keep(client_options& options);
  const tls_options& tls() const;
  kept_options options_;
  reconnect_policy reconnect_; // which broker, when, whether: the timers below carry it out
  operation_table operations_;
  dispatcher dispatcher_;
  group_commit commit_;
  connection_io io_;
  // The timers run on the executor under the strand, their handlers bound to
  // the strand: a timer holding the strand itself would hold it in a
  // type-erased executor, a heap allocation per timer.
  std::array<asio::steady_timer, 3> timers_; // the session's (bp::timer_id)
  asio::steady_timer reconnect_timer_;
  asio::steady_timer connect_timer_;
  bool closing_ = false; // the session asked to close: after the pending output
  std::error_code close_reason_;
  std::optional<connect_handler> connect_handler_;
  std::optional<bp::connack> refused_; // a refusing CONNACK, for the connect handler
  std::optional<bp::disconnect> server_disconnect_;
  // Where the broker sent the client (MQTT 5), until the connection has
  // closed; behind a pointer, as it is rare and idle clients are many.
  std::unique_ptr<bp::server_redirect> redirect_;
  std::function<void(const connection_event&)> on_state_;
  std::vector<std::vector<bp::action>> spare_batches_; // process_actions' (storage kept)
  std::uint64_t receive_tickets_ = 0;                  // async_receives that could be cancelled
  std::atomic<std::uint64_t> route_ids_{0};            // given out on the caller's thread
  // Written on the strand (connected, closed), read from any thread.
  mutable std::mutex connection_mutex_;
  std::optional<connection_info> connection_;
  mutable std::mutex stats_mutex_;
  client_stats stats_; // the snapshot stats() returns
  std::uint64_t connections_ = 0;
};

} // namespace braid::detail
