#pragma once
// Internal: the concrete transports and what they share.

#include <braid/detail/transport.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <boost/asio/ssl/verify_mode.hpp>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace braid::detail {

using strand_type = client_strand;

/// An OpenSSL client context from the options: trust, client certificate,
/// minimum version, ALPN.
std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& tls, std::error_code& ec);

/// The name to send as SNI and verify: the configured one, else the URL's host.
std::string tls_server_name(const tls_options& tls, const broker_url& url);

/// Sets SNI (not for IP addresses) and peer verification on an SSL stream.
template <class SslStream>
void prepare_tls(SslStream& stream, const tls_options& tls, const std::string& name) {
  boost::system::error_code not_an_address;
  asio::ip::make_address(name, not_an_address);
  if (not_an_address) { // SNI carries host names only (RFC 6066)
    SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
  }
  boost::system::error_code ignored;
  if (tls.insecure_skip_verification) {
    stream.set_verify_mode(asio::ssl::verify_none, ignored);
  } else if (tls.verify) {
    stream.set_verify_mode(asio::ssl::verify_peer, ignored);
    stream.set_verify_callback(
        [host = asio::ssl::host_name_verification(name),
         verify = tls.verify](bool preverified, asio::ssl::verify_context& ctx) mutable {
          return verify(host(preverified, ctx), ctx);
        },
        ignored);
  } else {
    stream.set_verify_mode(asio::ssl::verify_peer, ignored);
    stream.set_verify_callback(asio::ssl::host_name_verification(name), ignored);
  }
  if (tls.before_handshake) {
    tls.before_handshake(stream.native_handle());
  }
}

std::unique_ptr<transport> make_tcp_transport(const strand_type& strand);
std::unique_ptr<transport> make_tls_transport(const strand_type& strand, const tls_options& tls,
                                              std::error_code& ec);
std::unique_ptr<transport> make_websocket_transport(const strand_type& strand, bool use_tls,
                                                    const tls_options& tls, std::error_code& ec);

} // namespace braid::detail
