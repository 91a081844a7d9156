#pragma once
// Internal: the byte streams a client runs its session over — TCP, TLS,
// WebSocket and WebSocket over TLS — behind one interface. One transport
// object lives as long as its client; each async_open makes a fresh stream.

#include <braid/detail/io_executor.hpp>
#include <braid/tls_options.hpp>
#include <braid/url.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/strand.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace braid::detail {

namespace asio = boost::asio;

using done_handler = std::function<void(std::error_code)>;
/// Told each step of async_open as it ends: "resolve", "tcp", "tls",
/// "websocket"; its error, if it failed; what it did ("127.0.0.1:1883").
using open_observer = std::function<void(std::string_view step, const std::error_code& ec,
                                         const std::string& detail)>;

/// Told the end of a connection's reads and writes (connection_io).
class io_receiver {
public:
  /// The operation `tag` ended: `n` bytes, or `ec`.
  virtual void io_done(std::uint64_t tag, std::error_code ec, std::size_t n) = 0;

protected:
  ~io_receiver() = default;
};

/// The handler of one read or write: `receiver`, kept alive by `keep` until
/// the call. Not a std::function: it would not fit one's inline storage, and
/// a read and a write per round of I/O would each allocate.
struct io_handler {
  io_receiver* receiver = nullptr;
  std::uint64_t tag = 0;
  std::shared_ptr<void> keep;
  void operator()(std::error_code ec, std::size_t n) const { receiver->io_done(tag, ec, n); }
};

/// The parts of one write, in order; they stay alive until its handler runs.
using const_buffers = std::span<const asio::const_buffer>;

class transport {
public:
  virtual ~transport() = default;
  /// Resolves the host, connects, and runs the TLS and WebSocket handshakes.
  virtual void async_open(const broker_url& url, done_handler done) = 0;
  virtual void async_read_some(asio::mutable_buffer buffer, io_handler handler) = 0;
  /// Whether the stream can be read without lending it a buffer while no
  /// bytes come (TCP): async_wait_readable, then read_ready. An idle
  /// connection then holds no read buffer. TLS and WebSocket cannot (their
  /// layers read ahead): they are read with async_read_some.
  virtual bool reads_when_ready() const { return false; }
  /// Completes (n = 0) once the stream has bytes, its end or an error to
  /// read — at once when they are already there.
  virtual void async_wait_readable(io_handler handler);
  /// Takes what the stream holds now into `buffer` without blocking: 0 bytes
  /// and asio::error::would_block when nothing is there.
  virtual std::size_t read_ready(asio::mutable_buffer buffer, std::error_code& ec);
  /// Writes every part, in order (one WebSocket message).
  virtual void async_write(const_buffers buffers, io_handler handler) = 0;
  /// Ends sending (TCP half-close: the peer reads what was written, then
  /// end of stream); reading goes on until the peer closes or close().
  virtual void shutdown_send() = 0;
  /// Closes at once; pending operations complete with an error.
  virtual void close() = 0;
  /// Reports the steps of the next async_opens to `observer` (empty: none).
  void observe(open_observer observer) { observer_ = std::move(observer); }

protected:
  open_observer observer_;
};

/// Whether `ec` (from async_open) is a TLS handshake that failed because the
/// broker's certificate did not verify: unknown CA, wrong host name, expired.
bool is_certificate_rejected(const std::error_code& ec);

/// A transport for `kind`, running on `strand`. TLS settings errors (a CA file
/// that cannot be read, a bad key) are reported here.
std::unique_ptr<transport> make_transport(transport_kind kind, const client_strand& strand,
                                          const tls_options& tls, std::error_code& ec);

} // namespace braid::detail
