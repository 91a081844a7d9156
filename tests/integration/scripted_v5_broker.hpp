#pragma once
// A scripted MQTT 5 broker for one connection on a free loopback port: it
// decodes what the client sends with braid's own decoder, accepts the
// CONNECT with a successful CONNACK, and answers every other packet with
// what the test's function returns (nothing, by default). Runs on the test's
// io_context.

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace braid::testing {

class scripted_v5_broker {
public:
  using answer_fn = std::function<std::vector<protocol::packet>(const protocol::packet&)>;

  explicit scripted_v5_broker(boost::asio::io_context& io, answer_fn answer = {})
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}), socket_(io),
        answer_(std::move(answer)) {
    decoder_.set_version(protocol::protocol_version::v5);
    acceptor_.async_accept(socket_, [this](boost::system::error_code ec) {
      if (!ec) {
        read();
      }
    });
  }
  std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }

private:
  void read() {
    socket_.async_read_some(boost::asio::buffer(buffer_),
                            [this](boost::system::error_code ec, std::size_t n) {
                              if (ec) {
                                return;
                              }
                              handle({buffer_.data(), n});
                              read();
                            });
  }
  void handle(protocol::byte_view in) {
    while (!in.empty()) {
      protocol::packet p;
      const auto r = decoder_.feed(in, p);
      in = in.subspan(r.consumed);
      if (r.status != protocol::decode_status::packet_ready) {
        return;
      }
      if (std::holds_alternative<protocol::connect>(p)) {
        send(protocol::connack{});
      } else if (answer_) {
        for (const auto& reply : answer_(p)) {
          send(reply);
        }
      }
    }
  }
  void send(const protocol::packet& p) {
    protocol::output_buffer out;
    if (!protocol::encode(p, protocol::protocol_version::v5, out)) {
      boost::asio::write(socket_, boost::asio::buffer(out.data(), out.size()));
    }
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::socket socket_;
  answer_fn answer_;
  std::array<std::uint8_t, 4096> buffer_{};
  protocol::decoder decoder_;
};

} // namespace braid::testing
