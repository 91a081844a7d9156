// Connects, subscribes, publishes one message at QoS 1 and prints it as it
// comes back, then disconnects. Any failure is printed and exits 1.
//
//   example_coroutine [host] [port]       (default 127.0.0.1 1883)
#include <braid/client.hpp>

#include <boost/asio.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace braid::protocol;

asio::awaitable<void> run(braid::client& c, std::string host, std::string port) {
  const std::string topic = "sensors/1";
  const std::vector<subscription> subscriptions{{topic, {qos::exactly_once}}};
  co_await c.async_connect(host, port, asio::use_awaitable); // throws on failure
  co_await c.async_subscribe(subscriptions, asio::use_awaitable);
  co_await c.async_publish(topic, to_bytes("21.5"), qos::at_least_once, false,
                           asio::use_awaitable);               // returns on PUBACK
  publish msg = co_await c.async_receive(asio::use_awaitable); // our message, back
  std::printf("received %s: %.*s (QoS %d)\n", msg.topic.c_str(), int(msg.payload.size()),
              reinterpret_cast<const char*>(msg.payload.data()), int(msg.qos));
  co_await c.async_disconnect(asio::use_awaitable);
}

int main(int argc, char** argv) {
  asio::io_context io;
  session_config config; // CONNECT fields, window, queue bounds
  config.connect_packet.client_id = "braid-example-coroutine";
  config.connect_packet.version = protocol_version::v5;
  braid::client c(io.get_executor(), config);
  int status = 0;
  asio::co_spawn(io, run(c, argc > 1 ? argv[1] : "127.0.0.1", argc > 2 ? argv[2] : "1883"),
                 [&status](std::exception_ptr failure) { // runs when run() ends
                   try {
                     if (failure) {
                       std::rethrow_exception(failure);
                     }
                   } catch (const std::exception& e) { // e.g. "Connection refused"
                     std::fprintf(stderr, "failed: %s\n", e.what());
                     status = 1;
                   }
                 });
  io.run();
  return status;
}
