// A publisher and subscriber over one connection: subscribes to its
// own topic and publishes to it every second, printing what comes back. One
// client, both profiles.
//
//   pubsub [host] [port]           (default 127.0.0.1 1883)

#include <braid/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace bp = braid::protocol;

int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const std::string port = argc > 2 ? argv[2] : "1883";

  bp::session_config config;
  config.connect_packet.client_id = "braid-pubsub";
  config.connect_packet.keep_alive = 60;
  braid::client_options options;
  options.reconnect.enabled = true;

  asio::io_context io;
  braid::client client(io.get_executor(), config, options);
  client.set_message_handler([](const bp::publish& m) {
    std::cout << "received " << m.topic << ": " << std::string(m.payload.begin(), m.payload.end())
              << "\n";
  });

  asio::steady_timer tick(io);
  std::function<void(int)> publish_next = [&](int n) {
    client.async_publish("foo/bar/echo", bp::to_bytes("message " + std::to_string(n)),
                         bp::qos::exactly_once, false, [n](braid::error_code ec, bp::reason_code) {
                           std::cout << "message " << n << ": " << (ec ? ec.message() : "delivered")
                                     << "\n";
                         });
    tick.expires_after(std::chrono::seconds(1));
    tick.async_wait([&, n](braid::error_code ec) {
      if (!ec) {
        publish_next(n + 1);
      }
    });
  };

  std::vector<bp::subscription> subscriptions{{"foo/bar/echo", {bp::qos::exactly_once}}};
  client.async_connect(host, port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "connect: " << ec.message() << "\n";
      return;
    }
    client.async_subscribe(subscriptions, [&](braid::error_code e, std::vector<bp::reason_code>) {
      if (!e) {
        publish_next(1);
      }
    });
  });

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](braid::error_code, int) {
    tick.cancel();
    client.async_disconnect([&](braid::error_code) { io.stop(); });
  });
  io.run();
}
