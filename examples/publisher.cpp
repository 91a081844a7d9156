// A publisher service: keeps a connection to the broker (reconnecting
// with backoff) and publishes to three topics at QoS 0, 1 and 2 every few
// seconds, reporting each completion.
//
//   publisher [host] [port]        (default 127.0.0.1 1883)

#include <braid/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace bp = braid::protocol;

int main(int argc, char** argv) {
  const std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  const std::string port = argc > 2 ? argv[2] : "1883";

  bp::session_config config;
  config.connect_packet.client_id = "braid-publisher";
  config.connect_packet.keep_alive = 60;
  config.window = 4; // at most 4 QoS 1/2 publishes unacknowledged
  braid::client_options options;
  options.reconnect.enabled = true; // reconnect with backoff

  asio::io_context io;
  braid::client client(io.get_executor(), config, options);
  client.set_state_handler([](const braid::connection_event& e) {
    if (e.what == braid::connection_event::kind::reconnecting) {
      std::cout << "reconnecting in " << e.delay.count() << " ms (" << e.reason.message() << ")\n";
    }
  });

  asio::steady_timer tick(io);
  std::function<void(int)> publish_round = [&](int round) {
    const std::array<bp::qos, 3> levels{bp::qos::at_most_once, bp::qos::at_least_once,
                                        bp::qos::exactly_once};
    for (auto q : levels) {
      const auto topic = "foo/bar/baz" + std::to_string(static_cast<int>(q) + 1);
      client.async_publish(topic, bp::to_bytes("hello " + std::to_string(round)), q, false,
                           [topic](braid::error_code ec, bp::reason_code) {
                             std::cout << "published to " << topic << ": "
                                       << (ec ? ec.message() : "done") << "\n";
                           });
    }
    tick.expires_after(std::chrono::seconds(3));
    tick.async_wait([&, round](braid::error_code ec) {
      if (!ec) {
        publish_round(round + 1);
      }
    });
  };

  client.async_connect(host, port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "connect: " << ec.message() << "\n";
      return;
    }
    std::cout << "connected to " << host << ":" << port << "\n";
    publish_round(1);
  });

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](braid::error_code, int) {
    tick.cancel();
    client.async_disconnect([&](braid::error_code) { io.stop(); });
  });
  io.run();
}
