// Uses the installed headers and libraries: encodes a PUBLISH with the codec,
// opens a durable store and makes a client over it (without connecting), so
// that every library links.
#include <braid/client.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/store/sqlite_store.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::puts("usage: consumer STORE_FILE");
    return 1;
  }
  braid::protocol::publish p;
  p.topic = "installed/braid";
  p.payload = braid::protocol::to_bytes("ok");
  std::size_t size = 0;
  if (braid::protocol::encoded_size(braid::protocol::packet{p},
                                    braid::protocol::protocol_version::v3_1_1, size) ||
      size != 21) {
    std::puts("encoder failed");
    return 1;
  }
  boost::asio::io_context io;
  braid::client c(io.get_executor(), braid::protocol::session_config{});
  braid::client_options options;
  options.store = std::make_shared<braid::sqlite_store>(
      braid::sqlite_store_options{.path = argv[1], .client_id = "consumer"});
  braid::client durable(io.get_executor(), braid::protocol::session_config{}, options);
  std::puts("consumer: ok");
  return 0;
}
