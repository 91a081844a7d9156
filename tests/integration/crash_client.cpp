// A client with the durable store, for the crash tests (crash_test.cpp),
// which SIGKILL it at random points and start it again on the same store:
//
//   crash_client publish PORT STORE COUNT TOPIC
//     Publishes messages 0 .. COUNT-1 (payload: the number; even numbers at
//     QoS 1, odd at QoS 2), resuming after a crash from the store's count of
//     accepted messages. Prints "progress N" as publishes complete and
//     "finished" once every message is acknowledged, then disconnects.
//
//   crash_client subscribe PORT STORE COUNT TOPIC
//     Subscribes at QoS 2 and records every message it processes in the
//     store, from the arrival hook (client_options::on_arrival): the record
//     commits with the receipt, so each message is processed once across
//     crashes. Keys: "n/<number>" per message, "dup/<number>" when one comes
//     again, "count". Prints "subscribed", "progress N" and "finished" once
//     COUNT messages are recorded.
//
// Client ids: crash-publisher, crash-subscriber (clean session off).

#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace {

namespace bp = braid::protocol;
namespace asio = boost::asio;

bp::session_config persistent_config(const std::string& client_id) {
  bp::session_config config;
  config.connect_packet.client_id = client_id;
  config.connect_packet.clean_start = false;
  config.connect_packet.keep_alive = 30;
  config.window = 32;
  return config;
}

std::shared_ptr<braid::sqlite_store> open_store(const std::string& path,
                                                const std::string& client_id) {
  std::error_code ec;
  std::string message;
  std::shared_ptr<braid::sqlite_store> store =
      braid::sqlite_store::open({.path = path, .client_id = client_id}, ec, message);
  if (!store) {
    std::cerr << "crash_client: " << message << "\n";
  }
  return store;
}

// The store, reconnection on: what both modes run with.
braid::client_options durable_options(std::shared_ptr<braid::sqlite_store> store) {
  braid::client_options options;
  options.store = std::move(store);
  options.reconnect.enabled = true;
  return options;
}

void say(const std::string& line) {
  std::cout << line << std::endl; // flushed: the test reads it as it comes
}

int publish(const std::string& port, const std::string& path, long count,
            const std::string& topic) {
  auto store = open_store(path, "crash-publisher");
  if (!store) {
    return 1;
  }
  asio::io_context io;
  auto options = durable_options(store);
  options.on_queue_full = braid::queue_full_policy::block;
  braid::client client(io.get_executor(), persistent_config("crash-publisher"), options);
  const long first = static_cast<long>(store->accepted());
  long next = first, completed = first;
  const long outstanding = 256; // publishes handed over at once
  bool failed = false;
  asio::steady_timer poll(io);

  std::function<void()> publish_more;
  std::function<void()> wait_for_empty_store = [&] {
    // Messages of the earlier runs complete inside the session: done once
    // the store holds nothing.
    if (store->size() == 0) {
      say("finished");
      client.async_disconnect([](braid::error_code) {});
      return;
    }
    poll.expires_after(std::chrono::milliseconds(10));
    poll.async_wait([&](braid::error_code ec) {
      if (!ec) {
        wait_for_empty_store();
      }
    });
  };
  publish_more = [&] {
    while (next < count && next - completed < outstanding) {
      const long n = next++;
      bp::publish m;
      m.topic = topic;
      const auto text = std::to_string(n);
      m.payload = bp::shared_bytes::copy(text);
      m.qos = n % 2 == 0 ? bp::qos::at_least_once : bp::qos::exactly_once;
      client.async_publish(std::move(m), [&, n](braid::error_code ec, bp::reason_code) {
        if (ec) {
          std::cerr << "crash_client: publish " << n << " failed: " << ec.message() << "\n";
          failed = true;
          io.stop();
          return;
        }
        if (++completed % 500 == 0) {
          say("progress " + std::to_string(completed));
        }
        if (completed == count) {
          wait_for_empty_store();
        } else {
          publish_more();
        }
      });
    }
  };
  client.async_connect("127.0.0.1", port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "crash_client: cannot connect: " << ec.message() << "\n";
      failed = true;
      io.stop();
      return;
    }
    say("resumed " + std::to_string(first) + " stored " + std::to_string(store->size()));
    if (first >= count) {
      wait_for_empty_store();
    } else {
      publish_more();
    }
  });
  io.run();
  return failed ? 1 : 0;
}

long read_count(const braid::sqlite_store& store) {
  auto v = store.get("count");
  return v ? std::stol(std::string(v->begin(), v->end())) : 0;
}

int subscribe(const std::string& port, const std::string& path, long count,
              const std::string& topic) {
  auto store = open_store(path, "crash-subscriber");
  if (!store) {
    return 1;
  }
  asio::io_context io;
  auto options = durable_options(store);
  long recorded = read_count(*store);
  bool finished = false;
  std::unique_ptr<braid::client> client;
  // The application's processing: recorded in the store, in the same
  // transaction as the receipt of the message.
  options.on_arrival = [&](const bp::publish& m) {
    const std::string n(m.payload.begin(), m.payload.end());
    auto as_bytes = [](const std::string& s) { return bp::as_bytes(s); };
    if (store->get("n/" + n)) {
      store->put("dup/" + n, as_bytes("1"));
      return;
    }
    store->put("n/" + n, as_bytes("1"));
    store->put("count", as_bytes(std::to_string(++recorded)));
    if (recorded % 500 == 0) {
      say("progress " + std::to_string(recorded));
    }
    if (recorded == count && !finished) {
      finished = true;
      asio::post(io, [&] {
        say("finished");
        client->async_disconnect([](braid::error_code) {});
      });
    }
  };
  if (std::getenv("BRAID_CRASH_TRACE") != nullptr) {
    options.packet_trace = [](braid::packet_direction d, const bp::packet& p) {
      std::cerr << (d == braid::packet_direction::sent ? "sent " : "received ") << p.index();
      std::visit(
          [](const auto& x) {
            if constexpr (requires { x.packet_id; }) {
              std::cerr << " id " << x.packet_id;
            }
            if constexpr (requires { x.dup; }) {
              std::cerr << " dup " << x.dup;
            }
          },
          p);
      std::cerr << "\n";
    };
  }
  client = std::make_unique<braid::client>(io.get_executor(), persistent_config("crash-subscriber"),
                                           options);
  client->set_message_handler([](const bp::publish&) {}); // processed in on_arrival
  bool failed = false;
  client->async_connect("127.0.0.1", port, [&](braid::error_code ec, bp::connack) {
    if (ec) {
      std::cerr << "crash_client: cannot connect: " << ec.message() << "\n";
      failed = true;
      io.stop();
      return;
    }
    bp::subscription sub;
    sub.filter = topic;
    sub.options.max_qos = bp::qos::exactly_once;
    client->async_subscribe({sub}, [&](braid::error_code e, std::vector<bp::reason_code>) {
      if (e) {
        failed = true;
        io.stop();
        return;
      }
      say("subscribed " + std::to_string(recorded));
    });
  });
  io.run();
  return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: crash_client publish|subscribe PORT STORE COUNT TOPIC\n";
    return 2;
  }
  const std::string mode = argv[1];
  const long count = std::stol(argv[4]);
  if (mode == "publish") {
    return publish(argv[2], argv[3], count, argv[5]);
  }
  if (mode == "subscribe") {
    return subscribe(argv[2], argv[3], count, argv[5]);
  }
  std::cerr << "crash_client: unknown mode " << mode << "\n";
  return 2;
}
