// The shared opening of a transport: resolve → connect → no_delay → handshake.

#include "transport_open.hpp"

#include <boost/asio/connect.hpp>

namespace braid::detail {

using tcp = asio::ip::tcp;

void async_open_socket(tcp::resolver& resolver, tcp::socket& socket, std::shared_ptr<void> keep,
                       const broker_url& url, handshake_step handshake, done_handler done) {
  resolver.async_resolve(
      url.host, url.port,
      [&socket, keep = std::move(keep), handshake = std::move(handshake), done = std::move(done)](
          boost::system::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) {
          done(ec);
          return;
        }
        // Tries each address in turn (IPv6 and IPv4 of one name, say).
        asio::async_connect(
            socket, results,
            [&socket, keep, handshake, done](boost::system::error_code e, const tcp::endpoint&) {
              if (e) {
                done(e);
                return;
              }
              boost::system::error_code ignored;
              socket.set_option(tcp::no_delay(true), ignored); // MQTT packets are small
              if (!handshake) {
                done(e);
                return;
              }
              // The handler holds `keep`: the stream lives until the handshake ends.
              handshake([keep, done](std::error_code h) { done(h); });
            });
      });
}

} // namespace braid::detail
