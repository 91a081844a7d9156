// The shared opening of a transport: resolve → connect → no_delay → handshake.

#include "transport_open.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>

namespace braid::detail {

using tcp = asio::ip::tcp;

std::string tls_description(const SSL* ssl) {
  return std::string(SSL_get_version(ssl)) + ", " +
         SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
}

namespace {

std::string endpoint_text(const tcp::endpoint& e) {
  const auto address = e.address().to_string();
  const auto port = std::to_string(e.port());
  return e.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

} // namespace

void async_open_socket(const strand_type& strand, tcp::resolver& resolver, tcp::socket& socket,
                       std::shared_ptr<void> keep, const broker_url& url, handshake_step handshake,
                       open_observer observer, done_handler done) {
  resolver.async_resolve(
      url.host, url.port,
      asio::bind_executor(
          strand, [strand, &socket, observer = std::move(observer), keep = std::move(keep),
                   handshake = std::move(handshake), done = std::move(done),
                   name = url.host + ":" + url.port](boost::system::error_code ec,
                                                     const tcp::resolver::results_type& results) {
            if (observer) {
              std::string addresses;
              for (const auto& r : results) {
                addresses += (addresses.empty() ? "" : ", ") + r.endpoint().address().to_string();
              }
              observer("resolve", ec, name + (ec ? "" : " is " + addresses));
            }
            if (ec) {
              done(ec);
              return;
            }
            // Tries each address in turn (IPv6 and IPv4 of one name, say). The
            // resolver and the socket run on the executor under the client's
            // strand, their handlers bound to the strand.
            asio::async_connect(
                socket, results,
                asio::bind_executor(
                    strand, [&socket, observer, keep, handshake, done,
                             name](boost::system::error_code e, const tcp::endpoint& endpoint) {
                      if (observer) {
                        observer("tcp", e, e ? name : endpoint_text(endpoint));
                      }
                      if (e) {
                        done(e);
                        return;
                      }
                      boost::system::error_code ignored;
                      socket.set_option(tcp::no_delay(true),
                                        ignored); // MQTT packets are small
                      if (!handshake) {
                        done(e);
                        return;
                      }
                      // The handler holds `keep`: the stream lives until the handshake
                      // ends.
                      handshake([keep, done](std::error_code h) { done(h); });
                    }));
          }));
}

} // namespace braid::detail
