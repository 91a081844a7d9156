#pragma once
// Internal: the shared state of a braid::client, compiled once in
// src/client/client_impl.cpp. It runs one protocol::session over a
// transport (TCP, TLS, WebSocket): a read loop feeds the session, its actions
// become timers, completions and deliveries, and its output is written
// coalesced.

#include <braid/client_errors.hpp>
#include <braid/client_options.hpp>
#include <braid/detail/reconnect_policy.hpp>
#include <braid/detail/transport.hpp>
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/session.hpp>
#include <braid/url.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace braid::detail {

namespace asio = boost::asio;
namespace bp = braid::protocol;

// Asio's error code type, so that use_awaitable and use_future turn errors
// into exceptions; it carries braid's std::error_code categories unchanged.
using error_code = boost::system::error_code;
using connect_handler = asio::any_completion_handler<void(error_code, bp::connack)>;
using publish_handler = asio::any_completion_handler<void(error_code, bp::reason_code)>;
using reasons_handler =
    asio::any_completion_handler<void(error_code, std::vector<bp::reason_code>)>;
using plain_handler = asio::any_completion_handler<void(error_code)>;
using receive_handler = asio::any_completion_handler<void(error_code, bp::publish)>;

class client_impl : public std::enable_shared_from_this<client_impl> {
public:
  client_impl(asio::any_io_executor executor, bp::session_config config, client_options options);
  ~client_impl();

  asio::any_io_executor get_executor() const { return strand_; }

  void connect(std::string host, std::string port, connect_handler handler);
  void connect(std::string url, connect_handler handler);
  void connect(std::vector<std::string> urls, connect_handler handler);
  void publish(bp::publish message, publish_handler handler);
  void subscribe(std::vector<bp::subscription> subscriptions, bp::properties props,
                 reasons_handler handler);
  void unsubscribe(std::vector<std::string> filters, bp::properties props, reasons_handler handler);
  void ping(plain_handler handler);
  void disconnect(bp::reason_code reason, bp::properties props, plain_handler handler);
  void reauthenticate(plain_handler handler);
  void set_window(std::uint16_t window);
  void receive(receive_handler handler);
  void set_message_handler(std::function<void(const bp::publish&)> handler);
  void add_route(std::string filter, std::function<void(const bp::publish&)> handler);
  void set_state_handler(std::function<void(const connection_event&)> handler);
  void close();

private:
  using any_handler = std::variant<publish_handler, reasons_handler, plain_handler>;
  /// What a client_profile allows or not.
  enum class operation : std::uint8_t { publish, subscribe, unsubscribe, receive };

  void connect_urls(std::vector<broker_url> urls, connect_handler handler);
  bool in_profile(operation op) const;
  void deliver_unrouted(bp::publish message);
  void on_connect_timeout();
  void on_opened(std::error_code ec);
  void start_read();
  void on_read(std::error_code ec, std::size_t n);
  void flush();
  void flush_soon();
  void write_out();
  void make_durable();
  void on_written(std::error_code ec);
  void process_actions();
  void handle_actions(std::vector<bp::action>& batch);
  void handle(bp::request_completed& done);
  void deliver(bp::publish message);
  void arm(bp::timer_id t, std::uint64_t delay_ms);
  void transport_closed(std::error_code ec);
  void linger();
  void fail_connect(std::error_code ec);
  void start_connect();
  void connect_failed(std::error_code ec);
  void schedule_reconnect(std::error_code ec, const reconnect_step& step);
  void give_up(std::error_code ec, std::uint32_t attempts);
  void fail_receivers(std::error_code ec);
  void notify(connection_event event);
  void submit(bp::publish message, publish_handler handler);
  void fail_blocked(std::error_code ec);
  void add_handler(bp::request_id id, any_handler handler, bool after_write = false);
  template <class Handler, class Start, class... Failed>
  void request(Handler handler, Start start, Failed... failed);
  void complete_written(std::uint64_t write, std::error_code ec);
  std::uint64_t now_ms() const;
  void trace(packet_direction direction, bp::byte_view bytes);

  asio::strand<asio::any_io_executor> strand_;
  std::unique_ptr<transport> transport_;
  broker_url url_;           // of the current attempt
  bool read_paused_ = false; // the receive queue is full: back-pressure on the socket
  struct routed_handler {
    std::string filter;
    std::function<void(const bp::publish&)> handler;
  };
  std::vector<routed_handler> routes_; // per-subscription handlers
  std::array<asio::steady_timer, 3> timers_;
  std::shared_ptr<bp::session_store> store_; // client_options::store, or a memory store
  bool flush_posted_ = false;                // a flush() waits on the strand (group commit)
  std::error_code connect_error_;            // the configured CONNECT cannot be encoded
  bp::session session_;
  std::vector<std::uint8_t> read_buffer_;
  bp::output_buffer writing_;
  bool write_in_flight_ = false;
  bool reading_ = false;
  bool open_ = false;
  bool closing_ = false;   // close once the pending output is written
  bool lingering_ = false; // written and half-closed: waiting for the broker to close
  std::error_code close_reason_;
  std::optional<connect_handler> connect_handler_;
  std::optional<bp::connack> refused_; // a refusing CONNACK, for the connect handler
  struct pending_handler {
    any_handler handler;
    bool after_write = false; // QoS 0: completes once its bytes are written
  };
  std::unordered_map<bp::request_id, pending_handler> handlers_;
  // Completions waiting for the write that carries their packet: QoS 0
  // publishes (so that an application pacing on completions paces on the
  // socket) and the disconnect (done once DISCONNECT is out and the
  // connection closed).
  struct deferred_completion {
    std::uint64_t write = 0; // the write (1, 2, ...) whose end completes it
    publish_handler handler;
  };
  std::deque<deferred_completion> after_write_;
  std::uint64_t writes_started_ = 0;
  std::optional<plain_handler> disconnect_handler_;
  std::deque<bp::publish> received_;
  std::deque<receive_handler> receivers_;
  std::function<void(const bp::publish&)> on_message_;
  std::function<void(const connection_event&)> on_state_;
  client_options options_;
  // Second decoders of the traffic, for options_.packet_trace only.
  std::array<bp::decoder, 2> trace_decoders_{bp::decoder{}, bp::decoder{}};
  reconnect_policy reconnect_; // which broker, when, whether: the timers below carry it out
  asio::steady_timer reconnect_timer_;
  asio::steady_timer connect_timer_;
  asio::steady_timer linger_timer_;
  std::optional<bp::disconnect> server_disconnect_;
};

} // namespace braid::detail
