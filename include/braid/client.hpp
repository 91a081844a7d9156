#pragma once
// braid::client — an MQTT client on Asio. Every operation is an Asio
// asynchronous operation taking any completion token: a callback,
// asio::use_future, asio::use_awaitable, asio::deferred, as_tuple(...).
//
//   boost::asio::io_context io;
//   braid::client c(io.get_executor(), config);
//   c.async_connect("127.0.0.1", "1883", [&](error_code ec, braid::protocol::connack) {
//     c.async_publish("a/b", braid::protocol::to_bytes("hi"), braid::protocol::qos::at_least_once,
//                     false, [](error_code ec, braid::protocol::reason_code) { ... });
//   });
//   io.run();
//
// Thread safety: every member may be called from any thread; the work runs on
// the client's strand, and calling the client from its own handlers is fine.
// Handlers run on their associated executor (by default the client's), never
// inside the call that started the operation.
//
// Per-operation cancellation: every async_* operation takes Asio's
// cancellation (asio::bind_cancellation_slot, a coroutine's `||`, a
// coroutine's own cancellation). A cancelled operation completes with
// asio::error::operation_aborted, once; what each type does is said per
// operation below ("Cancellation"). In short: total cancellation only
// withdraws what has not been sent; partial and terminal also stop waiting
// for what has (the exchange goes on in the session, unwatched); terminal
// cancellation of a connect stops the reconnecting service. A cancellation
// that comes after the operation completed does nothing.
//
// Reconnecting (with a backoff policy) is an option: client_options::reconnect.
// After a reconnect the session resends what was in flight, restores
// subscriptions the broker lost and sends what was requested meanwhile.
//
// Transports: mqtt:// (TCP), mqtts:// (TLS), ws:// and wss:// (WebSocket with
// the "mqtt" sub-protocol), IPv4 and IPv6, asynchronous name resolution.

#include <braid/client_errors.hpp>
#include <braid/client_options.hpp>
#include <braid/connection_info.hpp>
#include <braid/detail/client_impl.hpp>
#include <braid/operation_results.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/session/session.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace braid {

namespace asio = boost::asio;

/// Handlers take Asio's error code: with use_awaitable and use_future an error
/// becomes a boost::system::system_error. It holds braid's categories as they
/// are: compare with `std::error_code(ec) == braid::protocol::session_errc::...`.
using error_code = boost::system::error_code;

class client {
public:
  using executor_type = asio::any_io_executor;

  /// `config` sets CONNECT (client id, version, keep alive, will, credentials,
  /// clean start), the in-flight window and the queue bounds.
  client(executor_type executor, protocol::session_config config, client_options options)
      : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(config),
                                                    std::move(options))) {}
  client(executor_type executor, protocol::session_config config)
      : client(std::move(executor), std::move(config), client_options{}) {}
  ~client() { impl_->close(); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  executor_type get_executor() const { return impl_->get_executor(); }

  /// Resolves `host`, connects over TCP, sends CONNECT and waits for CONNACK.
  ///
  /// Handler: void(error_code, protocol::connack).
  /// Completes: on the first accepted CONNACK; without reconnecting, when the
  ///   first attempt fails; with reconnecting (client_options::reconnect),
  ///   when the client gives up or close() is called.
  /// Errors: resolver and socket errors; client_errc::connect_timeout; a
  ///   refused CONNACK as an error of the braid.mqtt category (e.g. "Not
  ///   authorized") with the CONNACK passed along; braid.protocol errors for a
  ///   CONNECT that cannot be encoded; session_errc::already_connected (a
  ///   connection or attempt is under way); session_errc::connection_lost
  ///   (close()); session_errc::cancelled (async_disconnect while connecting);
  ///   asio::error::operation_aborted (cancelled).
  /// Cancellation: terminal and partial stop the attempt and the reconnecting
  ///   service behind it (as close() does); total is not supported (an attempt
  ///   under way cannot be undone) and is ignored.
  template <class Token>
  auto async_connect(std::string host, std::string port, Token&& token) {
    return asio::async_initiate<Token, void(error_code, protocol::connack)>(
        [impl = impl_](auto handler, std::string h, std::string p) {
          impl->connect(std::move(h), std::move(p), std::move(handler));
        },
        token, std::move(host), std::move(port));
  }

  /// Connects to a broker URL: mqtt://host[:port], mqtts://, ws://host[:port][/path],
  /// wss:// (see url.hpp; TLS settings in client_options::tls). Handler,
  /// completion and cancellation as above. Errors as above, plus braid.url
  /// errors for a URL that cannot be parsed, TLS settings errors (a CA file
  /// that cannot be read) and TLS handshake errors (e.g. certificate verify
  /// failed, after which the client gives up: see reconnect_options).
  template <class Token>
  auto async_connect(std::string url, Token&& token) {
    return asio::async_initiate<Token, void(error_code, protocol::connack)>(
        [impl = impl_](auto handler, std::string u) {
          impl->connect(std::move(u), std::move(handler));
        },
        token, std::move(url));
  }

  /// Connects to the first broker of `urls` that answers, trying them in
  /// turn; with reconnect on, a lost connection moves on to the next one
  /// (failover). Handler, completion and cancellation as above. Errors as
  /// above; client_errc::no_brokers for an empty list.
  template <class Token>
  auto async_connect(std::vector<std::string> urls, Token&& token) {
    return asio::async_initiate<Token, void(error_code, protocol::connack)>(
        [impl = impl_](auto handler, std::vector<std::string> u) {
          impl->connect(std::move(u), std::move(handler));
        },
        token, std::move(urls));
  }

  /// Publishes a message. Made while disconnected, the message waits
  /// (bounded) for the next connection.
  ///
  /// The payload is not copied past this call: a protocol::bytes is moved
  /// in, and a protocol::shared_bytes is shared (publishing one large buffer
  /// to many topics, or keeping it for yourself, costs no copy). A payload
  /// of 4 KiB or more stays in that one buffer until the socket writes it
  /// (resends included); a smaller one is copied into the write buffer with
  /// its header, which is cheaper than a write of its own. A durable store
  /// copies the bytes into its file.
  ///
  /// Handler: void(error_code, publish_result): the broker's reason code
  ///   (e.g. no_matching_subscribers), the acknowledgement's MQTT 5
  ///   properties and the packet identifier. publish_result converts to
  ///   protocol::reason_code, so void(error_code, protocol::reason_code)
  ///   handlers work too.
  /// Completes: when the QoS flow is done: QoS 0 once written, QoS 1 on
  ///   PUBACK, QoS 2 on PUBCOMP.
  /// Errors: invalid topic, payload or properties (braid.protocol);
  ///   session_errc::queue_full, qos_not_supported, retain_not_supported,
  ///   packet_too_large, invalid_request, not_in_protocol_version;
  ///   session_errc::connection_lost (a QoS 0 message not written when the
  ///   connection ended, or a blocked publish when the client stopped);
  ///   session_errc::session_lost (the broker lost the session, per
  ///   session_config::on_session_lost); a reason code of 0x80 or more from
  ///   the broker (braid.mqtt); client_errc::not_in_profile;
  ///   asio::error::operation_aborted (cancelled).
  /// Cancellation: a message not sent yet (waiting for the window, held
  ///   offline, or blocked on a full queue) is withdrawn by every type and
  ///   never sent. One already sent cannot be undone: total cancellation is
  ///   ignored; partial and terminal complete the handler at once, while the
  ///   session still completes the exchange (the message may be delivered).
  template <class Token>
  auto async_publish(std::string topic, protocol::shared_bytes payload, protocol::qos q,
                     bool retain, Token&& token) {
    protocol::publish message;
    message.topic = std::move(topic);
    message.payload = std::move(payload);
    message.qos = q;
    message.retain = retain;
    return async_publish(std::move(message), std::forward<Token>(token));
  }

  /// The same with a payload in any Asio const buffer sequence (e.g.
  /// asio::buffer(str), a span, a scatter list). The bytes are borrowed only
  /// for the call: they are copied before it returns, so the buffers may be
  /// reused or freed at once.
  template <class ConstBufferSequence, class Token>
  requires asio::is_const_buffer_sequence<ConstBufferSequence>::value auto
  async_publish(std::string topic, const ConstBufferSequence& payload, protocol::qos q, bool retain,
                Token&& token) {
    protocol::bytes copy(asio::buffer_size(payload));
    asio::buffer_copy(asio::buffer(copy), payload);
    return async_publish(std::move(topic), protocol::shared_bytes(std::move(copy)), q, retain,
                         std::forward<Token>(token));
  }

  /// The same with a whole message (MQTT 5 properties included).
  template <class Token>
  auto async_publish(protocol::publish message, Token&& token) {
    return asio::async_initiate<Token, void(error_code, publish_result)>(
        [impl = impl_](auto handler, protocol::publish m) {
          impl->publish(std::move(m), std::move(handler));
        },
        token, std::move(message));
  }

  /// Subscribes to one or many filters. Made while disconnected, the request
  /// waits for the next connection; granted subscriptions are restored after
  /// a reconnect that lost the session.
  ///
  /// Handler: void(error_code, subscribe_result): a granted QoS or a failure
  ///   per filter, in order (subscribe_result is that
  ///   std::vector<protocol::reason_code>, so handlers taking the vector work
  ///   too), plus the SUBACK's MQTT 5 properties and packet identifier.
  /// Completes: on SUBACK.
  /// Errors: invalid filters, options or properties (braid.protocol: e.g.
  ///   errc::not_in_protocol_version for MQTT 5 options on MQTT 3,
  ///   invalid_subscription_options for No Local on a shared subscription);
  ///   session_errc::request_limit, not_in_protocol_version (MQTT 5
  ///   properties on MQTT 3), invalid_request; client_errc::not_in_profile;
  ///   asio::error::operation_aborted (cancelled). A request pending when the
  ///   connection is lost does not fail: it is sent again on the next one.
  /// Cancellation: a request not sent yet (made while disconnected, waiting
  ///   for a packet id, or pending across a lost connection) is withdrawn by
  ///   every type. One already sent cannot be undone: total cancellation is
  ///   ignored; partial and terminal complete the handler at once, and the
  ///   subscription still takes effect when the broker grants it.
  template <class Token>
  auto async_subscribe(std::vector<protocol::subscription> subscriptions, Token&& token) {
    return asio::async_initiate<Token, void(error_code, subscribe_result)>(
        [impl = impl_](auto handler, std::vector<protocol::subscription> s) {
          impl->subscribe(std::move(s), {}, std::move(handler));
        },
        token, std::move(subscriptions));
  }

  /// The same with MQTT 5 SUBSCRIBE properties (Subscription Identifier, User
  /// Property). Messages carrying a Subscription Identifier can be told apart
  /// by it in `publish::props`. Handler, completion, errors and cancellation
  /// as above.
  template <class Token>
  auto async_subscribe(std::vector<protocol::subscription> subscriptions,
                       protocol::properties props, Token&& token) {
    return asio::async_initiate<Token, void(error_code, subscribe_result)>(
        [impl = impl_](auto handler, std::vector<protocol::subscription> s,
                       protocol::properties p) {
          impl->subscribe(std::move(s), std::move(p), std::move(handler));
        },
        token, std::move(subscriptions), std::move(props));
  }

  /// Unsubscribes. The filters are no longer restored after a reconnect.
  ///
  /// Handler: void(error_code, unsubscribe_result): a reason code per filter
  ///   (MQTT 3: none), the UNSUBACK's properties and packet identifier.
  /// Completes: on UNSUBACK.
  /// Errors and cancellation: as async_subscribe.
  template <class Token>
  auto async_unsubscribe(std::vector<std::string> filters, Token&& token) {
    return async_unsubscribe(std::move(filters), protocol::properties{},
                             std::forward<Token>(token));
  }

  /// The same with MQTT 5 UNSUBSCRIBE properties (User Property); as above.
  template <class Token>
  auto async_unsubscribe(std::vector<std::string> filters, protocol::properties props,
                         Token&& token) {
    return asio::async_initiate<Token, void(error_code, subscribe_result)>(
        [impl = impl_](auto handler, std::vector<std::string> f, protocol::properties p) {
          impl->unsubscribe(std::move(f), std::move(p), std::move(handler));
        },
        token, std::move(filters), std::move(props));
  }

  /// Sends PINGREQ (besides the keep-alive pings the client sends itself).
  ///
  /// Handler: void(error_code).
  /// Completes: on PINGRESP.
  /// Errors: session_errc::not_connected, request_limit, connection_lost;
  ///   asio::error::operation_aborted (cancelled).
  /// Cancellation: the PINGREQ is sent at once, so total cancellation is
  ///   ignored; partial and terminal complete the handler at once.
  template <class Token>
  auto async_ping(Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [impl = impl_](auto handler) { impl->ping(std::move(handler)); }, token);
  }

  /// Sends DISCONNECT and closes the connection (the will is not published);
  /// no reconnect follows.
  ///
  /// Handler: void(error_code).
  /// Completes: once the connection is closed: everything before the
  ///   DISCONNECT (acknowledgements included) is written, the connection is
  ///   half-closed, and the broker closes its side (at most a second is
  ///   waited for that), so that the broker reads all of it.
  /// Errors: session_errc::not_connected when there is no connection (a
  ///   connect in progress is then stopped); session_errc::disconnecting;
  ///   asio::error::operation_aborted (cancelled).
  /// Cancellation: the DISCONNECT is written at once, so total cancellation
  ///   is ignored; partial completes the handler at once while the
  ///   connection still closes after its last bytes; terminal also closes
  ///   the connection at once, without waiting for the broker.
  template <class Token>
  auto async_disconnect(Token&& token) {
    return async_disconnect(protocol::reason_code::normal_disconnection, protocol::properties{},
                            std::forward<Token>(token));
  }

  /// MQTT 5: DISCONNECT with a reason (e.g. disconnect_with_will_message, so
  /// that the broker does publish the will) and properties (e.g.
  /// session_expiry_interval to change how long the broker keeps the
  /// session, reason_string). Handler, completion and cancellation as above.
  /// Errors as above, plus braid.protocol errors for a reason or property
  /// that DISCONNECT may not carry (with MQTT 3, which has neither, anything
  /// but normal_disconnection and no properties fails that way) and
  /// session_errc::invalid_request (Session Expiry raised from 0).
  template <class Token>
  auto async_disconnect(protocol::reason_code reason, protocol::properties props, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [impl = impl_](auto handler, protocol::reason_code r, protocol::properties p) {
          impl->disconnect(r, std::move(p), std::move(handler));
        },
        token, reason, std::move(props));
  }

  /// MQTT 5 enhanced authentication: starts a re-authentication with the
  /// session_config's authenticator (AUTH 0x19).
  ///
  /// Handler: void(error_code, auth_result): the broker's final AUTH and its
  ///   properties (Authentication Data, Reason String, User Properties).
  /// Completes: when the broker answers AUTH Success.
  /// Errors: session_errc::not_in_protocol_version (MQTT 3, or no
  ///   authenticator), not_connected, request_limit (one re-authentication at
  ///   a time), connection_lost (a failed exchange ends with the broker's
  ///   DISCONNECT); asio::error::operation_aborted (cancelled).
  /// Cancellation: the AUTH is sent at once, so total cancellation is
  ///   ignored; partial and terminal complete the handler at once while the
  ///   exchange goes on.
  template <class Token>
  auto async_reauthenticate(Token&& token) {
    return asio::async_initiate<Token, void(error_code, auth_result)>(
        [impl = impl_](auto handler) { impl->reauthenticate(std::move(handler)); }, token);
  }

  /// At most `window` QoS 1/2 publishes unacknowledged at once (within the
  /// broker's Receive Maximum). Raising it sends queued publishes at once;
  /// lowering it lets those in flight finish.
  void set_window(std::uint16_t window) { impl_->set_window(window); }

  /// The next message from the broker, for coroutine loops. Messages that
  /// arrive with no receive waiting are kept in order, up to
  /// client_options::receive_queue_limit (then the connection is not read
  /// until the queue drains), unless a message handler or a route takes them.
  ///
  /// Handler: void(error_code, protocol::publish).
  /// Completes: with the oldest kept message, or the next one to arrive.
  /// Errors: session_errc::connection_lost (the connection ended for good:
  ///   without reconnecting, close(), async_disconnect), the reason the
  ///   client gave up; client_errc::not_in_profile;
  ///   asio::error::operation_aborted (cancelled).
  /// Cancellation: every type completes a waiting receive at once; no
  ///   message is lost (one that arrives later waits for the next receive,
  ///   and a receive that already has its message completes with it).
  template <class Token>
  auto async_receive(Token&& token) {
    return asio::async_initiate<Token, void(error_code, protocol::publish)>(
        [impl = impl_](auto handler) { impl->receive(std::move(handler)); }, token);
  }

  /// Names a route, for remove_route.
  /// With protocol::session_config::manual_acknowledgement: the application
  /// has processed `message` (as delivered by async_receive, a route or the
  /// message handler); its PUBACK (QoS 1) or PUBREC (QoS 2) goes to the
  /// broker. Until then the broker counts the message as in flight, so a
  /// slow application holds the broker back (Receive Maximum in MQTT 5, the
  /// broker's in-flight limit in MQTT 3) instead of losing messages, and the
  /// client stops reading once session_config::unacknowledged_limit messages
  /// wait. A message not acknowledged when the connection is lost is sent
  /// again by the broker (persistent session): while it is still held it is
  /// not delivered again, and its acknowledgement goes out on the new
  /// connection once the broker has resent it. May be called from any thread.
  /// `reason` (MQTT 5) is the PUBACK / PUBREC reason code: a failure (0x80
  /// and above) tells the broker the message was not accepted.
  ///
  /// Handler: void(error_code).
  /// Completes: at once, when the acknowledgement is written or held for the
  ///   broker's resend.
  /// Errors: session_errc::not_awaiting_acknowledgement (QoS 0, acknowledged
  ///   already, manual acknowledgement off, or the broker lost the session
  ///   and will not send the message again); session_errc::invalid_request
  ///   (a reason code PUBACK / PUBREC cannot carry).
  /// Cancellation: not supported (it completes at once).
  template <class Token>
  auto async_acknowledge(const protocol::publish& message, protocol::reason_code reason,
                         Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [impl = impl_](auto handler, protocol::qos q, std::uint16_t id, protocol::reason_code r) {
          impl->acknowledge(q, id, r, std::move(handler));
        },
        token, message.qos, message.packet_id, reason);
  }

  template <class Token>
  auto async_acknowledge(const protocol::publish& message, Token&& token) {
    return async_acknowledge(message, protocol::reason_code::success, std::forward<Token>(token));
  }

  using route_id = std::uint64_t;

  /// Messages whose topic matches `filter` go to `handler` (every matching
  /// one is called; runs on the client's strand) instead of the message
  /// handler or async_receive. Add routes before subscribing so that no
  /// message arrives unrouted. A route stays until it is removed.
  route_id route(std::string filter, std::function<void(const protocol::publish&)> handler) {
    return impl_->add_route(std::move(filter), std::move(handler));
  }

  /// Removes a route: from the moment the removal runs on the client's
  /// strand (at once when called from a handler of this client), its handler
  /// is not called again, not even for a message that was already on its way
  /// to it. Later messages go to the other routes, else the message handler
  /// or async_receive. Removing a route does not unsubscribe.
  void remove_route(route_id id) { impl_->remove_route(id); }

  /// remove_route for every route added with exactly this filter.
  void remove_routes(std::string filter) { impl_->remove_routes(std::move(filter)); }

  /// Every message from the broker goes to `handler` instead of
  /// async_receive. Runs on the client's strand. Setting another handler (or
  /// an empty one: back to async_receive) applies to the messages that arrive
  /// from then on; one that arrived before still goes to the handler it found.
  void set_message_handler(std::function<void(const protocol::publish&)> handler) {
    impl_->set_message_handler(std::move(handler));
  }

  /// Connection-state events (connected, disconnected, reconnecting, gave up,
  /// redirected: see connection_event).
  /// Runs on the client's strand.
  void set_state_handler(std::function<void(const connection_event&)> handler) {
    impl_->set_state_handler(std::move(handler));
  }

  /// Closes the connection at once, without DISCONNECT (the broker publishes
  /// the will), and stops reconnecting. A pending connect, receives, pings,
  /// publishes blocked on a full queue and unwritten QoS 0 publishes fail
  /// with session_errc::connection_lost. Accepted QoS 1/2 publishes and
  /// subscribe/unsubscribe requests stay in the session, as across any lost
  /// connection: they complete if async_connect is called again; destroying
  /// the client drops them without a call.
  void close() { impl_->close(); }

  /// What the broker and the client agreed on for the current connection
  /// (Receive Maximum, Maximum Packet Size, Topic Alias Maximum, Maximum QoS,
  /// Retain / wildcard / shared subscription / subscription identifier
  /// availability, keep alive, the client identifier in use, session
  /// present); empty while not connected. From any thread; a copy taken
  /// under a lock, cheap enough for a monitoring loop.
  std::optional<connection_info> connection() const { return impl_->connection(); }

  /// What the client holds now (in flight, queued, waiting for a connection,
  /// receive queue, unacknowledged) and totals since it was made (messages
  /// and payload bytes by QoS each way, resends, bytes on the wire,
  /// connections, the last ping round trip). Any thread; a copy under a
  /// lock, cheap enough for a monitoring loop. The figures are those of the
  /// client's last read, write or change of state, so they may lag what the
  /// caller has just asked for by one round of I/O.
  client_stats stats() const { return impl_->stats(); }

private:
  std::shared_ptr<detail::client_impl> impl_;
};

} // namespace braid
