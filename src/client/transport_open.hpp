#pragma once
// Internal: the opening every transport starts with — resolve, connect,
// TCP_NODELAY, then the TLS handshake when there is one. Each transport adds
// only what is its own after it (WebSocket: the HTTP upgrade).

#include "transports.hpp"
#include <boost/asio/ssl/stream_base.hpp>

#include <functional>
#include <memory>

namespace braid::detail {

/// A step run once connected: the TLS handshake, or nothing (empty).
using handshake_step = std::function<void(done_handler)>;

/// Resolves url's host and connects `socket` to the first address that takes
/// it, sets TCP_NODELAY, runs `handshake` if not empty, then calls done.
/// `keep` owns `socket` (and any stream around it) until done is called.
/// `observer` (may be empty) hears "resolve" and "tcp".
void async_open_socket(const strand_type& strand, asio::ip::tcp::resolver& resolver,
                       asio::ip::tcp::socket& socket, std::shared_ptr<void> keep,
                       const broker_url& url, handshake_step handshake, open_observer observer,
                       done_handler done);

/// "TLSv1.3, TLS_AES_256_GCM_SHA384": the protocol and cipher an SSL
/// connection settled on.
std::string tls_description(const SSL* ssl);

/// The TLS client handshake on `stream` (prepared with prepare_tls). The
/// stream is kept alive by async_open_socket's `keep`. `observer` (may be
/// empty) hears "tls".
template <class SslStream>
handshake_step tls_handshake(SslStream& stream, open_observer observer) {
  return [&stream, observer = std::move(observer)](done_handler done) {
    stream.async_handshake(
        asio::ssl::stream_base::client,
        [&stream, observer, done = std::move(done)](boost::system::error_code ec) {
          if (observer) {
            observer("tls", ec, ec ? std::string{} : tls_description(stream.native_handle()));
          }
          done(ec);
        });
  };
}

} // namespace braid::detail
