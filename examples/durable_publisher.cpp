// A publisher whose messages survive a crash of the process: it sends
// readings 0 .. COUNT-1 at QoS 1 through a durable store and, started again
// after a crash (try Ctrl-\ or kill -9 half-way), resumes where the store
// says it was — what the last run handed over is resent from the store,
// nothing is lost.
//
//   durable_publisher STORE_FILE [COUNT] [host] [port]   (default 1000 127.0.0.1 1883)

#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <iostream>
#include <memory>
#include <string>

namespace asio = boost::asio;
namespace bp = braid::protocol;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: durable_publisher STORE_FILE [COUNT] [host] [port]\n";
    return 2;
  }
  const long count = argc > 2 ? std::stol(argv[2]) : 1000;
  const std::string host = argc > 3 ? argv[3] : "127.0.0.1";
  const std::string port = argc > 4 ? argv[4] : "1883";
  const std::string id = "braid-durable-publisher";

  std::shared_ptr<braid::sqlite_store> store;
  try {
    store = std::make_shared<braid::sqlite_store>(
        braid::sqlite_store_options{.path = argv[1], .client_id = id});
  } catch (const braid::store_error& e) {
    std::cerr << e.what() << "\n"; // names the file and what to do
    return 1;
  }

  bp::session_config config;
  config.connect_packet.client_id = id; // the store's client id
  config.connect_packet.clean_start = false;
  braid::client_options options;
  options.store = store;
  options.reconnect.enabled = true;
  options.on_queue_full = braid::queue_full_policy::block; // wait for room, never drop

  asio::io_context io;
  braid::client client(io.get_executor(), config, options);
  const long first = static_cast<long>(store->accepted()); // durably handed over so far
  std::cout << "resuming at reading " << first << ", " << store->size()
            << " message(s) of the last run still to deliver\n";

  long done = first;
  asio::steady_timer drain(io);
  std::function<void()> finish_when_drained = [&] {
    if (store->size() == 0) { // the last run's messages are delivered too
      client.async_disconnect([](braid::error_code) {});
      return;
    }
    drain.expires_after(std::chrono::milliseconds(10));
    drain.async_wait([&](braid::error_code) { finish_when_drained(); });
  };
  client.async_connect(host, port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "cannot connect: " << ec.message() << "\n";
      return;
    }
    if (first >= count) {
      finish_when_drained();
    }
    for (long n = first; n < count; ++n) {
      const auto text = "reading " + std::to_string(n);
      client.async_publish("sensors/durable", bp::bytes(text.begin(), text.end()),
                           bp::qos::at_least_once, false,
                           [&](braid::error_code e, bp::reason_code) {
                             if (e) {
                               std::cerr << "publish failed: " << e.message() << "\n";
                             }
                             if (++done == count) {
                               std::cout << "all " << count << " readings acknowledged\n";
                               finish_when_drained();
                             }
                           });
    }
  });
  io.run();
  return 0;
}
