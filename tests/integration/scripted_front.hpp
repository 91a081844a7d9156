#pragma once
// A scripted MQTT 5 front door on a free loopback port, on a thread of its
// own: it accepts any number of connections and answers each CONNECT with
// what the test's function returns for that connection (its number, from 0):
// a refusing CONNACK with a Server Reference, say, or a CONNACK then a
// DISCONNECT; nothing closes the connection. Whatever else the client sends
// is read and dropped.

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace braid::testing {

class scripted_front {
public:
  using answer_fn = std::function<std::vector<protocol::packet>(std::size_t connection)>;

  explicit scripted_front(answer_fn answer)
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        answer_(std::move(answer)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~scripted_front() {
    io_.stop();
    thread_.join();
  }
  scripted_front(const scripted_front&) = delete;
  scripted_front& operator=(const scripted_front&) = delete;

  std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }
  /// "mqtt://127.0.0.1:PORT"
  std::string url() const { return "mqtt://127.0.0.1:" + port(); }
  /// CONNECTs answered so far.
  std::size_t connections() const { return connections_.load(); }

private:
  struct connection {
    explicit connection(boost::asio::io_context& io) : socket(io) {
      decoder.set_version(protocol::protocol_version::v5);
    }
    boost::asio::ip::tcp::socket socket;
    protocol::decoder decoder;
    std::array<std::uint8_t, 4096> buffer{};
  };

  void accept() {
    auto c = std::make_shared<connection>(io_);
    acceptor_.async_accept(c->socket, [this, c](boost::system::error_code ec) {
      if (ec) {
        return;
      }
      read(c);
      accept();
    });
  }
  void read(const std::shared_ptr<connection>& c) {
    c->socket.async_read_some(boost::asio::buffer(c->buffer),
                              [this, c](boost::system::error_code ec, std::size_t n) {
                                if (!ec && handle(*c, {c->buffer.data(), n})) {
                                  read(c);
                                }
                              });
  }
  // False once the connection is to close (a packet that does not decode, a
  // CONNECT left unanswered).
  bool handle(connection& c, protocol::byte_view in) {
    while (!in.empty()) {
      protocol::packet p;
      const auto r = c.decoder.feed(in, p);
      in = in.subspan(r.consumed);
      if (r.status == protocol::decode_status::need_more) {
        return true;
      }
      if (r.status != protocol::decode_status::packet_ready) {
        return false;
      }
      if (std::holds_alternative<protocol::connect>(p)) {
        const auto replies = answer_(connections_++);
        if (replies.empty()) {
          return false; // no answer at all: the connection closes
        }
        for (const auto& reply : replies) {
          protocol::output_buffer out;
          if (!protocol::encode(reply, protocol::protocol_version::v5, out)) {
            boost::system::error_code ignored;
            boost::asio::write(c.socket, boost::asio::buffer(out.data(), out.size()), ignored);
          }
        }
      }
    }
    return true;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  answer_fn answer_;
  std::atomic<std::size_t> connections_{0};
  std::thread thread_;
};

/// A CONNACK or DISCONNECT `reason` with a Server Reference.
template <class Packet>
Packet redirect_to(protocol::reason_code reason, std::string reference) {
  Packet p;
  p.reason = reason;
  p.props.add(protocol::property_id::server_reference, std::move(reference));
  return p;
}

} // namespace braid::testing
