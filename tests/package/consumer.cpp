// Uses the installed headers and libraries: encodes a PUBLISH with the codec
// and makes a client (without connecting), so that both libraries link.
#include <braid/client.hpp>
#include <braid/protocol/encoder.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>

int main() {
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
  std::puts("consumer: ok");
  return 0;
}
