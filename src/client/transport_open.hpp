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
void async_open_socket(asio::ip::tcp::resolver& resolver, asio::ip::tcp::socket& socket,
                       std::shared_ptr<void> keep, const broker_url& url, handshake_step handshake,
                       done_handler done);

/// The TLS client handshake on `stream` (prepared with prepare_tls). The
/// stream is kept alive by async_open_socket's `keep`.
template <class SslStream>
handshake_step tls_handshake(SslStream& stream) {
  return [&stream](done_handler done) {
    stream.async_handshake(asio::ssl::stream_base::client,
                           [done = std::move(done)](boost::system::error_code ec) { done(ec); });
  };
}

} // namespace braid::detail
