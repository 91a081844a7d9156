// A subscriber with completion callbacks and the reconnecting service: prints
// every message on sensors/# as it arrives, across reconnects, until killed.
//
//   example_callbacks [url]       (default mqtt://127.0.0.1:1883)
#include <braid/client.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <string>
#include <vector>

using namespace braid::protocol;

int main(int argc, char** argv) {
  boost::asio::io_context io;
  session_config config;
  config.connect_packet.client_id = "braid-example-callbacks";
  config.connect_packet.clean_start = false; // persistent session: nothing lost while away
  braid::client_options options;
  options.profile = braid::client_profile::subscriber;
  options.reconnect.enabled = true; // backoff 1 s, x1.5, up to 60 s, with jitter
  braid::client c(io.get_executor(), config, options);
  c.set_message_handler([](const publish& m) {
    std::printf("%s %.*s\n", m.topic.c_str(), int(m.payload.size()),
                reinterpret_cast<const char*>(m.payload.data()));
  });
  c.async_connect(
      argc > 1 ? argv[1] : "mqtt://127.0.0.1:1883", [&c](braid::error_code ec, connack) {
        if (ec) { // the first connect failed for good (e.g. not authorised)
          std::fprintf(stderr, "connect failed: %s\n", ec.message().c_str());
          return;
        }
        c.async_subscribe({{"sensors/#", {qos::at_least_once}}},
                          [](braid::error_code e, std::vector<reason_code>) {
                            if (e) {
                              std::fprintf(stderr, "subscribe failed: %s\n", e.message().c_str());
                            }
                          });
      });
  io.run();
}
