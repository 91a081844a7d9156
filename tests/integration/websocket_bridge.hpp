#pragma once
// A test-only WebSocket front for a TCP broker (Debian's mosquitto is built
// without WebSocket support): accepts ws:// (or wss:// with a certificate),
// checks the "mqtt" sub-protocol, and relays bytes to the broker's TCP port.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

namespace braid::testing {

namespace bridge_detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

template <class WsStream>
class relay : public std::enable_shared_from_this<relay<WsStream>> {
public:
  relay(std::unique_ptr<WsStream> ws, tcp::socket upstream,
        std::function<void(const std::string&)> on_host)
      : ws_(std::move(ws)), upstream_(std::move(upstream)), on_host_(std::move(on_host)) {}

  void start() {
    if constexpr (std::is_same_v<typename WsStream::next_layer_type,
                                 beast::ssl_stream<beast::tcp_stream>>) {
      ws_->next_layer().async_handshake(asio::ssl::stream_base::server,
                                        [self = this->shared_from_this()](beast::error_code ec) {
                                          if (!ec) {
                                            self->upgrade();
                                          }
                                        });
    } else {
      upgrade();
    }
  }

private:
  void upgrade() {
    ws_->binary(true);
    ws_->set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(beast::http::field::sec_websocket_protocol, "mqtt");
    }));
    beast::http::async_read(next_layer_for_read(), buffer_, request_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                return;
                              }
                              self->on_host_(std::string(self->request_[beast::http::field::host]));
                              // Only clients that ask for the "mqtt" sub-protocol are served.
                              if (self->request_[beast::http::field::sec_websocket_protocol].find(
                                      "mqtt") == beast::string_view::npos) {
                                return;
                              }
                              self->ws_->async_accept(self->request_, [self](beast::error_code e) {
                                if (!e) {
                                  self->ws_to_tcp();
                                  self->tcp_to_ws();
                                }
                              });
                            });
  }

  auto& next_layer_for_read() { return ws_->next_layer(); }

  void ws_to_tcp() {
    ws_->async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->stop();
        return;
      }
      asio::async_write(self->upstream_, self->in_.data(),
                        [self](beast::error_code e, std::size_t n) {
                          self->in_.consume(n);
                          if (e) {
                            self->stop();
                            return;
                          }
                          self->ws_to_tcp();
                        });
    });
  }

  void tcp_to_ws() {
    upstream_.async_read_some(
        asio::buffer(out_), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) {
            self->stop();
            return;
          }
          self->ws_->async_write(asio::buffer(self->out_.data(), n),
                                 [self](beast::error_code e, std::size_t) {
                                   if (e) {
                                     self->stop();
                                     return;
                                   }
                                   self->tcp_to_ws();
                                 });
        });
  }

  void stop() {
    beast::error_code ignored;
    upstream_.close(ignored);
    beast::get_lowest_layer(*ws_).socket().close(ignored);
  }

  std::unique_ptr<WsStream> ws_;
  tcp::socket upstream_;
  std::function<void(const std::string&)> on_host_;
  beast::flat_buffer buffer_;
  beast::http::request<beast::http::string_body> request_;
  beast::flat_buffer in_;
  std::array<char, 65536> out_{};
};

} // namespace bridge_detail

class websocket_bridge {
public:
  /// Relays to 127.0.0.1:`broker_port`; with `cert_file`/`key_file`, speaks
  /// wss://. Listens on `listen_address` (e.g. "::1" for IPv6 loopback).
  explicit websocket_bridge(std::uint16_t broker_port, std::string cert_file = {},
                            std::string key_file = {}, const char* listen_address = "127.0.0.1")
      : broker_port_(broker_port), acceptor_(io_) {
    using namespace bridge_detail;
    tcp::endpoint ep(asio::ip::make_address(listen_address), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    if (!cert_file.empty()) {
      tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(cert_file);
      tls_->use_private_key_file(key_file, asio::ssl::context::pem);
    }
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~websocket_bridge() {
    io_.stop();
    thread_.join();
  }
  websocket_bridge(const websocket_bridge&) = delete;
  websocket_bridge& operator=(const websocket_bridge&) = delete;

  std::string port_string() const { return std::to_string(port_); }

  /// The Host header of the last upgrade request.
  std::string last_host() const {
    std::lock_guard lock(mutex_);
    return last_host_;
  }

private:
  void accept() {
    using namespace bridge_detail;
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        return;
      }
      tcp::socket upstream(io_);
      beast::error_code e;
      upstream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), broker_port_), e);
      if (!e) {
        if (tls_) {
          using stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
          std::make_shared<relay<stream>>(
              std::make_unique<stream>(beast::tcp_stream(std::move(socket)), *tls_),
              std::move(upstream), record_host())
              ->start();
        } else {
          using stream = websocket::stream<beast::tcp_stream>;
          std::make_shared<relay<stream>>(
              std::make_unique<stream>(beast::tcp_stream(std::move(socket))), std::move(upstream),
              record_host())
              ->start();
        }
      }
      accept();
    });
  }

  std::function<void(const std::string&)> record_host() {
    return [this](const std::string& host) {
      std::lock_guard lock(mutex_);
      last_host_ = host;
    };
  }

  std::uint16_t broker_port_;
  mutable std::mutex mutex_;
  std::string last_host_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

} // namespace braid::testing
