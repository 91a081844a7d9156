// A subscriber service: subscribes to three topics at QoS 0, 1 and 2
// and prints every message (the message handler); reconnects and restores the
// subscriptions when the connection or the broker goes away.
//
//   subscriber [host] [port]       (default 127.0.0.1 1883)

#include <braid/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace bp = braid::protocol;

int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const std::string port = argc > 2 ? argv[2] : "1883";

  bp::session_config config;
  config.connect_packet.client_id = "braid-subscriber";
  config.connect_packet.clean_start = false; // keep the session across reconnects
  config.connect_packet.keep_alive = 60;
  braid::client_options options;
  options.reconnect.enabled = true;

  asio::io_context io;
  braid::client client(io.get_executor(), config, options);
  client.set_message_handler([](const bp::publish& m) {
    std::cout << m.topic << " qos=" << static_cast<int>(m.qos) << " dup=" << m.dup
              << " retain=" << m.retain << " id=" << m.packet_id << ": "
              << std::string(m.payload.begin(), m.payload.end()) << "\n";
  });
  client.set_state_handler([](const braid::connection_event& e) {
    if (e.what == braid::connection_event::kind::disconnected) {
      std::cout << "disconnected: " << e.reason.message() << "\n";
    }
  });

  std::vector<bp::subscription> subscriptions{{"foo/bar/baz1", {bp::qos::at_most_once}},
                                              {"foo/bar/baz2", {bp::qos::at_least_once}},
                                              {"foo/bar/baz3", {bp::qos::exactly_once}}};
  client.async_connect(host, port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "connect: " << ec.message() << "\n";
      return;
    }
    client.async_subscribe(
        subscriptions, [](braid::error_code e, std::vector<bp::reason_code> granted) {
          if (e) {
            std::cerr << "subscribe: " << e.message() << "\n";
            return;
          }
          for (auto rc : granted) {
            std::cout << "granted: " << bp::to_string(rc, bp::packet_type::suback) << "\n";
          }
        });
  });

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](braid::error_code, int) {
    client.async_disconnect([&](braid::error_code) { io.stop(); });
  });
  io.run();
}
