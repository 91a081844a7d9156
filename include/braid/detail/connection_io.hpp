#pragma once
// Internal: the byte I/O of one braid::client connection at a time — open,
// reading, one write at a time of a whole output buffer, the packet trace of
// both directions, the half-close and drain before closing (linger). What
// the bytes mean is the owner's business: it is told through
// connection_owner and decides what to write and when to read.
//
// Reading. A TCP connection waits for bytes without a buffer and reads them
// into one buffer its thread shares with the other connections it runs, so
// that an idle connection holds no read memory. TLS and WebSocket streams
// are read with async_read_some into a buffer of the connection's own that
// starts small and doubles (to 64 KiB) while reads fill it. Either way, the
// rest of a large packet is read straight into the packet's own buffer.

#include <braid/client_options.hpp>
#include <braid/detail/transport.hpp>
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/session/session.hpp>
#include <braid/url.hpp>

#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <system_error>
#include <vector>

namespace braid::detail {

/// What a connection_io reports. Every call runs on the strand.
class connection_owner {
public:
  /// Keeps the owner (and the connection_io it holds) alive while an
  /// operation is pending.
  virtual std::shared_ptr<void> keep_alive() = 0;
  /// open() finished: the transport is up, or `ec` says why not.
  virtual void opened(std::error_code ec) = 0;
  /// A read finished: `bytes` came (valid during the call), or `ec` ended
  /// the connection. Not called for the end of a lingering connection.
  virtual void received(std::error_code ec, protocol::byte_view bytes) = 0;
  /// Where the next read may go straight into a large packet's buffer, and
  /// what keeps it alive; empty: into the read buffer.
  virtual protocol::session::read_space direct_read_space() = 0;
  /// A read into direct_read_space() finished: `bytes` are there.
  virtual void received_in_place(std::error_code ec, protocol::byte_view bytes) = 0;
  /// The write started last finished.
  virtual void written(std::error_code ec) = 0;
  /// The lingering connection ended: the peer closed, or the time was up.
  virtual void linger_ended() = 0;

protected:
  ~connection_owner() = default;
};

using packet_trace_handler = std::function<void(packet_direction, const protocol::packet&)>;
using transport_factory =
    std::function<std::unique_ptr<transport>(transport_kind, std::error_code&)>;

class connection_io final : private io_receiver {
public:
  /// `make`: builds a transport for a URL's kind (a test passes its own).
  /// `trace` may be empty; it must outlive this object.
  connection_io(client_strand strand, connection_owner& owner, transport_factory make,
                const packet_trace_handler& trace);

  /// Opens a fresh stream to `url` (reusing the transport if it is of the
  /// same kind); owner.opened() tells the result. The owner then calls start().
  void open(const broker_url& url);
  /// The session runs on this connection from now on (`version`: for the trace).
  void start(protocol::protocol_version version);
  bool is_open() const { return open_; }

  /// Starts a read unless one is pending or the connection is not open.
  /// The owner hears of it later, never from inside this call.
  void read();
  /// Reads in a row from a stream that keeps bytes coming, before other
  /// handlers get their turn.
  static constexpr int kReadsPerTurn = 16;

  bool writing() const { return write_in_flight_; }
  /// Bytes read and written, every connection.
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  /// What the next write() sends; the owner fills it.
  protocol::output_buffer& output() { return writing_; }
  /// Writes output(), whole; owner.written() tells the end.
  void write();

  /// Ends sending and reads on until the peer closes, at most `max`; then
  /// owner.linger_ended(). What still comes is given to owner.received().
  void linger(std::chrono::milliseconds max);
  bool lingering() const { return lingering_; }

  /// Closes the stream (or stops an open() in progress); pending
  /// operations end with an error, told to the owner as usual.
  void abort();
  /// Closes at once; pending operations end without telling the owner.
  void close();

private:
  void io_done(std::uint64_t tag, std::error_code ec, std::size_t n) override;
  void on_read(std::uint64_t generation, std::error_code ec, std::size_t n);
  void on_written(std::uint64_t generation, std::error_code ec);
  void trace(packet_direction direction, protocol::byte_view bytes);
  void on_read_in_place(std::error_code ec, std::size_t n);
  // Reading a stream that reads_when_ready().
  void arm_wait();
  void pump();
  void post_pump();
  void on_readable(std::uint64_t generation, std::error_code ec);
  bool deliver(std::error_code ec, protocol::byte_view bytes, bool in_place);

  client_strand strand_;
  connection_owner& owner_;
  transport_factory make_;
  const packet_trace_handler& trace_;
  std::unique_ptr<transport> transport_;
  broker_url url_; // of the last open(); the transport reads it while opening
  static constexpr std::size_t kFirstReadSize = 4 * 1024;
  static constexpr std::size_t kLargestReadSize = 64 * 1024;
  std::vector<std::uint8_t> read_buffer_; // async_read_some's: allocated at the first read
  bool grow_read_buffer_ = false;         // the last read filled it
  bool waiting_ = false;                  // async_wait_readable is pending
  bool pumping_ = false;                  // pump() is on the stack
  bool pump_posted_ = false;
  protocol::output_buffer writing_;
  std::vector<asio::const_buffer> write_parts_; // writing_'s parts, for the transport
  protocol::session::read_space direct_;        // the space of a direct read under way
  bool open_ = false;
  bool reading_ = false;
  bool write_in_flight_ = false;
  bool lingering_ = false;
  std::uint64_t bytes_read_ = 0;
  std::uint64_t bytes_written_ = 0;
  std::uint64_t generation_ = 0; // connections started: what completes for an older one is dropped
  std::uint64_t opens_ = 0;      // open() calls: the result of an older one is dropped
  asio::steady_timer linger_timer_;
  // Second decoders of the traffic, for the packet trace only (made when a
  // trace handler is set).
  std::unique_ptr<std::array<protocol::decoder, 2>> trace_decoders_;
};

} // namespace braid::detail
