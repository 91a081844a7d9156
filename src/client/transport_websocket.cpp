// WebSocket transports (ws://, wss://) on Boost.Beast: the "mqtt"
// sub-protocol, binary messages, one MQTT write per message.

#include "transport_open.hpp"
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace braid::detail {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

template <bool Tls>
class websocket_transport final : public transport {
public:
  using next_layer =
      std::conditional_t<Tls, asio::ssl::stream<beast::tcp_stream>, beast::tcp_stream>;
  using stream_type = websocket::stream<next_layer>;

  websocket_transport(const strand_type& strand, std::shared_ptr<asio::ssl::context> ctx,
                      tls_options tls)
      : strand_(strand), resolver_(strand.get_inner_executor().inner()), ctx_(std::move(ctx)),
        tls_(std::move(tls)) {}

  void async_open(const broker_url& url, done_handler done) override {
    handshake_step tls; // none for ws://
    if constexpr (Tls) {
      ws_ = std::make_shared<stream_type>(strand_, *ctx_);
      prepare_tls(ws_->next_layer(), tls_, tls_server_name(tls_, url));
      tls = tls_handshake(ws_->next_layer(), observer_);
    } else {
      ws_ = std::make_shared<stream_type>(strand_);
    }
    auto ws = ws_;
    async_open_socket(strand_, resolver_, beast::get_lowest_layer(*ws).socket(), ws, url,
                      std::move(tls), observer_,
                      [ws, url, observer = observer_, done = std::move(done)](std::error_code ec) {
                        if (ec) {
                          done(ec);
                          return;
                        }
                        upgrade(ws, url, observer, done);
                      });
  }

  void async_read_some(asio::mutable_buffer buffer, io_handler handler) override {
    ws_->async_read_some(buffer, [ws = ws_, h = std::move(handler)](boost::system::error_code ec,
                                                                    std::size_t n) { h(ec, n); });
  }

  void async_write(const_buffers buffers, io_handler handler) override {
    ws_->async_write(buffers, [ws = ws_, h = std::move(handler)](boost::system::error_code ec,
                                                                 std::size_t n) { h(ec, n); });
  }

  void shutdown_send() override {
    if (ws_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void close() override {
    resolver_.cancel();
    if (ws_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    }
  }

private:
  // The HTTP upgrade, asking for the "mqtt" sub-protocol (MQTT 5.0 6.0).
  static void upgrade(const std::shared_ptr<stream_type>& ws, const broker_url& url,
                      const open_observer& observer, const done_handler& done) {
    ws->set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::sec_websocket_protocol, "mqtt");
    }));
    ws->binary(true);
    // An IPv6 literal is written in brackets in the Host header (RFC 3986 3.2.2).
    const bool ipv6_literal = url.host.find(':') != std::string::npos;
    auto host = ipv6_literal ? "[" + url.host + "]:" + url.port : url.host + ":" + url.port;
    ws->async_handshake(
        host, url.path,
        [ws, done, observer, target = host + url.path](boost::system::error_code ec) {
          if (observer) {
            observer("websocket", ec, "GET " + target + ", sub-protocol mqtt");
          }
          done(ec);
        });
  }

  strand_type strand_;
  tcp::resolver resolver_;
  std::shared_ptr<asio::ssl::context> ctx_;
  tls_options tls_;
  std::shared_ptr<stream_type> ws_;
};

} // namespace

std::unique_ptr<transport> make_websocket_transport(const strand_type& strand, bool use_tls,
                                                    const tls_options& tls, std::error_code& ec) {
  if (!use_tls) {
    return std::make_unique<websocket_transport<false>>(strand, nullptr, tls);
  }
  auto ctx = make_tls_context(tls, ec);
  if (ec) {
    return nullptr;
  }
  return std::make_unique<websocket_transport<true>>(strand, std::move(ctx), tls);
}

} // namespace braid::detail
