// connection_io alone over an in-memory transport: open results, reads and
// writes reaching the owner, the packet trace, linger, close and abort. Every
// test runs twice: over a transport read with async_read_some (TLS,
// WebSocket) and over one that reads_when_ready (TCP).
#include <braid/detail/connection_io.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace braid::detail {
namespace {

namespace bp = braid::protocol;
using bytes = bp::bytes;
using std::chrono::milliseconds;

/// An Asio error as a transport reports it.
template <class Enum>
std::error_code asio_error(Enum e) {
  return boost::system::error_code(e);
}
const std::error_code eof = asio_error(asio::error::eof);
const std::error_code aborted = asio_error(asio::error::operation_aborted);
const std::error_code refused = asio_error(asio::error::connection_refused);
const std::error_code reset = asio_error(asio::error::connection_reset);

/// The far end of the fake transport, owned by the test: what the peer sends
/// (read by the next async_read_some), what was written, and how the stream
/// was ended. Every completion is posted to the strand, as a socket's are.
struct wire {
  explicit wire(client_strand s) : strand(std::move(s)) {}

  // --- the test's side
  void peer_sends(bytes data) { arrive({{}, std::move(data)}); }
  void peer_closes(std::error_code ec = eof) { arrive({ec, {}}); }

  bool ready_reads = false;    // reads_when_ready(): waits, then read_ready()
  std::error_code make_error;  // the factory fails with this
  std::error_code open_result; // async_open completes with this
  bool hold_open = false;      // async_open waits (until close())
  bool hold_writes = false;    // async_write waits (until close())
  std::vector<transport_kind> made;
  std::vector<broker_url> opened;
  std::vector<bytes> writes;
  int reads_started = 0;      // async_read_some or async_wait_readable
  int waits = 0;              // async_wait_readable
  std::size_t last_parts = 0; // of the last write
  bool send_shut = false;
  int closes = 0;

  // --- the transport's side
  struct chunk {
    std::error_code ec;
    bytes data;
  };
  void read(asio::mutable_buffer buffer, io_handler handler) {
    ++reads_started;
    pending_read = {buffer, std::move(handler)};
    if (!script.empty()) {
      auto next = std::move(script.front());
      script.pop_front();
      arrive(std::move(next));
    }
  }
  // As Asio's reactor does: completes at once when bytes, an end or an
  // error are already there, else when they come.
  void wait_readable(io_handler handler) {
    ++reads_started;
    ++waits;
    if (closed) {
      post(std::move(handler), asio_error(asio::error::bad_descriptor), 0);
    } else if (!script.empty()) {
      post(std::move(handler), {}, 0);
    } else {
      pending_wait = std::move(handler);
    }
  }
  std::size_t read_ready(asio::mutable_buffer buffer, std::error_code& ec) {
    if (closed) {
      ec = asio_error(asio::error::bad_descriptor);
      return 0;
    }
    if (script.empty()) {
      ec = asio_error(asio::error::would_block);
      return 0;
    }
    auto& next = script.front();
    if (next.data.empty()) {
      ec = next.ec;
      script.pop_front();
      return 0;
    }
    const auto n = std::min(buffer.size(), next.data.size());
    std::memcpy(buffer.data(), next.data.data(), n);
    next.data.erase(next.data.begin(), next.data.begin() + static_cast<std::ptrdiff_t>(n));
    if (next.data.empty()) {
      script.pop_front();
    }
    ec.clear();
    return n;
  }
  void write(const_buffers buffers, io_handler handler) {
    last_parts = buffers.size();
    auto& written = writes.emplace_back();
    for (const auto& part : buffers) {
      const auto* p = static_cast<const std::uint8_t*>(part.data());
      written.insert(written.end(), p, p + part.size());
    }
    if (hold_writes) {
      pending_write = std::move(handler);
      return;
    }
    post(std::move(handler), {}, written.size());
  }
  void close() {
    ++closes;
    closed = true;
    if (pending_wait) {
      post(std::move(*pending_wait), aborted, 0);
      pending_wait.reset();
    }
    if (pending_open) {
      auto h = std::move(*pending_open);
      pending_open.reset();
      asio::post(strand, [h = std::move(h)] { h(aborted); });
    }
    if (pending_read) {
      post(std::move(pending_read->second), aborted, 0);
      pending_read.reset();
    }
    if (pending_write) {
      post(std::move(*pending_write), aborted, 0);
      pending_write.reset();
    }
  }

  client_strand strand;
  std::deque<chunk> script; // sent before a read asked for it
  std::optional<std::pair<asio::mutable_buffer, io_handler>> pending_read;
  std::optional<io_handler> pending_write;
  std::optional<io_handler> pending_wait;
  bool closed = false; // by close(), until the next open
  std::optional<done_handler> pending_open;

private:
  void arrive(chunk c) {
    if (ready_reads) {
      script.push_back(std::move(c));
      if (pending_wait) {
        post(std::move(*pending_wait), {}, 0);
        pending_wait.reset();
      }
      return;
    }
    if (!pending_read) {
      script.push_back(std::move(c));
      return;
    }
    auto [buffer, handler] = std::move(*pending_read);
    pending_read.reset();
    const auto n = std::min(buffer.size(), c.data.size());
    if (n > 0) { // an empty chunk (an error) has no data to copy
      std::memcpy(buffer.data(), c.data.data(), n);
    }
    post(std::move(handler), c.ec, n);
  }
  void post(io_handler h, std::error_code ec, std::size_t n) {
    asio::post(strand, [h = std::move(h), ec, n] { h(ec, n); });
  }
};

/// braid::detail::transport over a wire.
class fake_transport final : public transport {
public:
  explicit fake_transport(wire& w) : wire_(w) {}

  void async_open(const broker_url& url, done_handler done) override {
    wire_.opened.push_back(url);
    wire_.closed = false;
    if (wire_.hold_open) {
      wire_.pending_open = std::move(done);
      return;
    }
    asio::post(wire_.strand, [ec = wire_.open_result, done = std::move(done)] { done(ec); });
  }
  void async_read_some(asio::mutable_buffer buffer, io_handler handler) override {
    wire_.read(buffer, std::move(handler));
  }
  bool reads_when_ready() const override { return wire_.ready_reads; }
  void async_wait_readable(io_handler handler) override { wire_.wait_readable(std::move(handler)); }
  std::size_t read_ready(asio::mutable_buffer buffer, std::error_code& ec) override {
    return wire_.read_ready(buffer, ec);
  }
  void async_write(const_buffers buffers, io_handler handler) override {
    wire_.write(buffers, std::move(handler));
  }
  void shutdown_send() override { wire_.send_shut = true; }
  void close() override { wire_.close(); }

private:
  wire& wire_;
};

transport_factory fake_factory(wire& w) {
  return [&w](transport_kind kind, std::error_code& ec) -> std::unique_ptr<transport> {
    w.made.push_back(kind);
    if (w.make_error) {
      ec = w.make_error;
      return nullptr;
    }
    return std::make_unique<fake_transport>(w);
  };
}

using traced_packet = std::pair<packet_direction, bp::packet>;

/// Records what connection_io reports. Like the client, it holds the
/// connection_io, reads on while lingering and closes when lingering ends.
class test_owner final : public connection_owner, public std::enable_shared_from_this<test_owner> {
public:
  test_owner(client_strand strand, wire& w)
      : io(std::move(strand), *this, fake_factory(w), trace) {}

  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }
  void opened(std::error_code ec) override { opened_with.push_back(ec); }
  void received(std::error_code ec, bp::byte_view data) override {
    read_errors.push_back(ec);
    received_at.push_back(data.data());
    if (inside_received) {
      inside_received(); // may run the io_context: `data` must stay intact
    }
    received_bytes.insert(received_bytes.end(), data.begin(), data.end());
    if (!ec && (io.lingering() || keep_reading)) {
      io.read();
    }
  }
  bp::session::read_space direct_read_space() override { return direct; }
  void received_in_place(std::error_code ec, bp::byte_view data) override {
    read_errors.push_back(ec);
    in_place.emplace_back(data.data(), data.size());
    direct = {};
  }
  void written(std::error_code ec) override { written_with.push_back(ec); }
  void linger_ended() override {
    ++linger_ends;
    io.close();
  }

  std::vector<traced_packet> traced;
  packet_trace_handler trace = [this](packet_direction d, const bp::packet& p) {
    traced.emplace_back(d, p);
  };
  connection_io io; // after `trace`, which it refers to

  std::vector<std::error_code> opened_with;
  std::vector<std::error_code> read_errors; // one per received() call
  bytes received_bytes;
  std::vector<const std::uint8_t*> received_at; // where each read's bytes were
  bool keep_reading = false;                    // reads again after each read
  std::function<void()> inside_received;
  bp::session::read_space direct;                                    // offered for the next read
  std::vector<std::pair<const std::uint8_t*, std::size_t>> in_place; // reads into `direct`
  std::vector<std::error_code> written_with;
  int linger_ends = 0;
};

const broker_url tcp_url{transport_kind::tcp, "broker", "1883", "/"};
const broker_url ws_url{transport_kind::websocket, "broker", "80", "/mqtt"};

class ConnectionIo : public ::testing::TestWithParam<bool> {
protected:
  ConnectionIo() { peer.ready_reads = GetParam(); }
  ~ConnectionIo() override {
    // Ends what is pending, so that no handler outlives the test's objects.
    if (owner) {
      owner->io.close();
    }
    run();
  }

  void run() {
    ctx.restart();
    ctx.run();
  }
  /// Opens and starts a connection, as the owner does once opened() succeeds.
  void connect() {
    io().open(tcp_url);
    run();
    ASSERT_EQ(owner->opened_with, (std::vector<std::error_code>{std::error_code{}}));
    io().start(bp::protocol_version::v3_1_1);
  }
  void write(bytes data) {
    auto& out = io().output();
    out.clear();
    std::memcpy(out.prepare(data.size()), data.data(), data.size());
    out.commit(data.size());
    io().write();
  }
  connection_io& io() { return owner->io; }

  asio::io_context ctx;
  client_strand strand = braid::detail::make_client_strand(ctx.get_executor());
  wire peer{strand};
  std::shared_ptr<test_owner> owner = std::make_shared<test_owner>(strand, peer);
};

// --- open ----------------------------------------------------------------------------

TEST_P(ConnectionIo, OpenedReportsTheResultOfTheTransportsOpen) {
  peer.open_result = refused;
  io().open(tcp_url);
  EXPECT_TRUE(owner->opened_with.empty()); // posted
  run();
  EXPECT_EQ(owner->opened_with, (std::vector<std::error_code>{refused}));
  EXPECT_EQ(peer.opened, (std::vector<broker_url>{tcp_url}));
  EXPECT_FALSE(io().is_open()); // until start()
}

TEST_P(ConnectionIo, OpenedReportsTheFactorysError) {
  peer.make_error = std::make_error_code(std::errc::no_such_file_or_directory);
  io().open(tcp_url);
  EXPECT_TRUE(owner->opened_with.empty()); // posted, not inside open()
  run();
  EXPECT_EQ(owner->opened_with, (std::vector<std::error_code>{peer.make_error}));
  EXPECT_TRUE(peer.opened.empty());
}

TEST_P(ConnectionIo, OpenReusesTheTransportOfTheSameKind) {
  io().open(tcp_url);
  io().open(tcp_url);
  io().open(ws_url);
  run();
  EXPECT_EQ(peer.made,
            (std::vector<transport_kind>{transport_kind::tcp, transport_kind::websocket}));
  EXPECT_EQ(peer.opened, (std::vector<broker_url>{tcp_url, tcp_url, ws_url}));
}

TEST_P(ConnectionIo, AbortStopsAnOpenInProgress) {
  peer.hold_open = true;
  io().open(tcp_url);
  run();
  EXPECT_TRUE(owner->opened_with.empty());
  io().abort();
  run();
  EXPECT_EQ(owner->opened_with, (std::vector<std::error_code>{aborted}));
}

// --- reading ---------------------------------------------------------------------------

TEST_P(ConnectionIo, BytesReadReachTheOwner) {
  connect();
  io().read();
  peer.peer_sends({0x01, 0x02, 0x03});
  run();
  EXPECT_EQ(owner->read_errors, (std::vector<std::error_code>{std::error_code{}}));
  EXPECT_EQ(owner->received_bytes, (bytes{0x01, 0x02, 0x03}));
}

TEST_P(ConnectionIo, ReadStartsOneReadAtATimeAndOnlyWhenOpen) {
  io().read(); // not started yet
  EXPECT_EQ(peer.reads_started, 0);
  connect();
  io().read();
  io().read();
  io().read();
  EXPECT_EQ(peer.reads_started, 1);
  peer.peer_sends({0xAA});
  run();
  io().read(); // the first one ended: another may start
  EXPECT_EQ(peer.reads_started, 2);
}

TEST_P(ConnectionIo, AReadErrorReachesTheOwner) {
  connect();
  io().read();
  peer.peer_closes(reset);
  run();
  EXPECT_EQ(owner->read_errors, (std::vector<std::error_code>{reset}));
  EXPECT_TRUE(owner->received_bytes.empty());
}

TEST_P(ConnectionIo, AReadGoesStraightIntoTheSpaceTheOwnerOffersWhenItIsLarger) {
  connect();
  auto space = std::make_shared<std::vector<std::uint8_t>>(256 * 1024);
  owner->direct = {*space, space};
  io().read();
  peer.peer_sends({0x01, 0x02, 0x03});
  run();
  ASSERT_EQ(owner->in_place.size(), 1u);
  EXPECT_EQ(owner->in_place[0].first, space->data()); // no copy: the bytes are in place
  EXPECT_EQ(owner->in_place[0].second, 3u);
  EXPECT_EQ((*space)[2], 0x03);
  EXPECT_TRUE(owner->received_bytes.empty());
  EXPECT_EQ(io().bytes_read(), 3u);

  // A small space is not worth a read of its own: the read buffer is used.
  owner->direct = {std::span(*space).first(16), space};
  io().read();
  peer.peer_sends({0x04});
  run();
  EXPECT_EQ(owner->in_place.size(), 1u);
  EXPECT_EQ(owner->received_bytes, (bytes{0x04}));
}

TEST_P(ConnectionIo, AClosedDirectReadDoesNotReachTheOwner) {
  connect();
  auto space = std::make_shared<std::vector<std::uint8_t>>(256 * 1024);
  owner->direct = {*space, space};
  io().read();
  io().close();
  run();
  EXPECT_TRUE(owner->in_place.empty());
  EXPECT_TRUE(owner->read_errors.empty());
}

// --- writing ---------------------------------------------------------------------------

TEST_P(ConnectionIo, SharedPartsAreWrittenInOrderWithoutCopyingThem) {
  connect();
  auto& out = io().output();
  out.clear();
  const bytes header{0x30, 0x07, 0x00, 0x01, 't'};
  std::memcpy(out.prepare(header.size()), header.data(), header.size());
  out.commit(header.size());
  const bp::shared_bytes payload = bytes(100 * 1024, 0x5a);
  out.append_shared(payload);
  *out.prepare(1) = 0xC0; // a PINGREQ after it
  out.commit(1);
  *out.prepare(1) = 0x00;
  out.commit(1);
  io().write();
  ASSERT_EQ(peer.writes.size(), 1u);
  bytes expected = header;
  expected.insert(expected.end(), payload.begin(), payload.end());
  expected.insert(expected.end(), {0xC0, 0x00});
  EXPECT_EQ(peer.writes[0], expected);
  EXPECT_EQ(peer.last_parts, 3u);
  EXPECT_EQ(payload.owner().use_count(), 2); // ours and the output's, until written
  run();
  EXPECT_EQ(io().bytes_written(), expected.size());
  EXPECT_EQ(payload.owner().use_count(), 1); // let go once written
}

TEST_P(ConnectionIo, WriteSendsTheOutputWholeAndTellsTheOwner) {
  connect();
  const bytes out{0x30, 0x05, 0x00, 0x01, 't', 'h', 'i'};
  write(out);
  EXPECT_TRUE(io().writing());
  EXPECT_EQ(peer.writes, (std::vector<bytes>{out}));
  EXPECT_TRUE(owner->written_with.empty()); // posted
  run();
  EXPECT_EQ(owner->written_with, (std::vector<std::error_code>{std::error_code{}}));
  EXPECT_FALSE(io().writing());
}

// --- the packet trace ----------------------------------------------------------------

TEST_P(ConnectionIo, TheTraceSeesDecodedPacketsBothWays) {
  connect();
  write({0xC0, 0x00, 0xE0, 0x00}); // PINGREQ, DISCONNECT in one write
  io().read();
  peer.peer_sends({0x20, 0x02}); // a CONNACK cut in two reads
  run();
  io().read();
  peer.peer_sends({0x01, 0x00});
  run();
  io().read();
  peer.peer_sends({0xD0, 0x00}); // PINGRESP
  run();
  bp::connack ack;
  ack.session_present = true;
  EXPECT_EQ(owner->traced, (std::vector<traced_packet>{
                               {packet_direction::sent, bp::pingreq{}},
                               {packet_direction::sent, bp::disconnect{}},
                               {packet_direction::received, ack},
                               {packet_direction::received, bp::pingresp{}},
                           }));
  // The trace only watches: the owner gets the bytes as they came.
  EXPECT_EQ(owner->received_bytes, (bytes{0x20, 0x02, 0x01, 0x00, 0xD0, 0x00}));
}

// --- linger ------------------------------------------------------------------------------

TEST_P(ConnectionIo, LingerHalfClosesReadsOnAndEndsWhenThePeerCloses) {
  connect();
  io().linger(std::chrono::seconds(30)); // the peer closes long before
  EXPECT_TRUE(io().lingering());
  EXPECT_TRUE(peer.send_shut);
  EXPECT_EQ(peer.reads_started, 1);          // linger reads by itself
  peer.peer_sends({0x40, 0x02, 0x00, 0x01}); // a late PUBACK still reaches the owner
  peer.peer_closes(eof);
  const auto start = std::chrono::steady_clock::now();
  run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(owner->linger_ends, 1);
  EXPECT_EQ(owner->received_bytes, (bytes{0x40, 0x02, 0x00, 0x01}));
  // The end of stream is the end of lingering, not a read error.
  EXPECT_EQ(owner->read_errors, (std::vector<std::error_code>{std::error_code{}}));
}

TEST_P(ConnectionIo, LingerEndsWhenItsTimeIsUp) {
  connect();
  const auto start = std::chrono::steady_clock::now();
  io().linger(milliseconds(20)); // the peer never closes
  EXPECT_TRUE(peer.send_shut);
  run();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(20));
  EXPECT_EQ(owner->linger_ends, 1);
  EXPECT_TRUE(owner->read_errors.empty()); // the read ended by close(): not reported
}

TEST_P(ConnectionIo, LingerNeedsAnOpenConnection) {
  io().linger(milliseconds(20));
  EXPECT_FALSE(io().lingering());
  EXPECT_FALSE(peer.send_shut);
  run();
  EXPECT_EQ(owner->linger_ends, 0);
}

// --- close and abort -------------------------------------------------------------------

TEST_P(ConnectionIo, CloseEndsAPendingReadWithoutTellingTheOwner) {
  connect();
  io().read();
  io().close();
  EXPECT_FALSE(io().is_open());
  EXPECT_EQ(peer.closes, 1);
  run();
  EXPECT_TRUE(owner->read_errors.empty());
}

TEST_P(ConnectionIo, AbortLetsTheErrorReachTheOwner) {
  connect();
  io().read();
  io().abort();
  EXPECT_EQ(peer.closes, 1);
  run();
  // Aborted, or the closed socket's error when a read comes first.
  ASSERT_EQ(owner->read_errors.size(), 1u);
  EXPECT_TRUE(owner->read_errors[0]);
}

// connection_io.hpp: close() "Closes at once; pending operations end without
// telling the owner" — a write is a pending operation too.
TEST_P(ConnectionIo, CloseEndsAPendingWriteWithoutTellingTheOwner) {
  connect();
  peer.hold_writes = true;
  write({0xC0, 0x00});
  io().close();
  run();
  EXPECT_EQ(owner->written_with, std::vector<std::error_code>{});
}

// A read or write of the last connection that ends after the next one
// started neither keeps the new connection from reading and writing nor lets
// two reads run on it.
TEST_P(ConnectionIo, AnEarlierConnectionsLateCompletionsLeaveTheNextOneWorking) {
  connect();
  io().read();
  peer.hold_writes = true;
  write({0xC0, 0x00});
  io().close(); // the aborted read and write are still on their way back
  peer.hold_writes = false;
  io().open(tcp_url);
  io().start(bp::protocol_version::v3_1_1);
  io().read();
  EXPECT_EQ(peer.reads_started, 2);
  EXPECT_FALSE(io().writing());
  run(); // the late completions, then the open
  io().read();
  EXPECT_EQ(peer.reads_started, 2); // still one read at a time
  peer.peer_sends({0xD0, 0x00});
  write({0xC0, 0x00});
  run();
  EXPECT_EQ(owner->received_bytes, (bytes{0xD0, 0x00}));
  EXPECT_EQ(owner->written_with, std::vector<std::error_code>{std::error_code{}});
  EXPECT_EQ(owner->read_errors, std::vector<std::error_code>{std::error_code{}}); // no stale abort
}

TEST_P(ConnectionIo, APendingOperationKeepsTheOwnerAlive) {
  connect();
  io().read();
  std::weak_ptr<test_owner> watch = owner;
  owner.reset();
  EXPECT_FALSE(watch.expired()); // the read holds it
  peer.peer_closes(reset);
  run();
  EXPECT_TRUE(watch.expired()); // released once the read ended
}

INSTANTIATE_TEST_SUITE_P(Reads, ConnectionIo, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& reads) {
                           return reads.param ? "WhenReady" : "AsyncReadSome";
                         });

// --- reading when ready (TCP) ------------------------------------------------------------

class ConnectionIoWhenReady : public ConnectionIo {};

// Bytes that came before the read are read at once.
TEST_P(ConnectionIoWhenReady, BytesThatCameBeforeTheReadAreRead) {
  connect();
  peer.peer_sends({0x01, 0x02});
  io().read();
  EXPECT_TRUE(owner->read_errors.empty()); // never from inside read()
  run();
  EXPECT_EQ(owner->received_bytes, (bytes{0x01, 0x02}));
}

// Bytes that come in several pieces are read until a read would block,
// however short each read is: an end of stream behind them is seen at once.
TEST_P(ConnectionIoWhenReady, AnEndOfStreamBehindShortReadsIsSeen) {
  connect();
  owner->keep_reading = true;
  io().read();
  run();
  peer.peer_sends({0x01});
  peer.peer_sends({0x02});
  peer.peer_closes(eof);
  run();
  EXPECT_EQ(owner->received_bytes, (bytes{0x01, 0x02}));
  EXPECT_EQ(owner->read_errors,
            (std::vector<std::error_code>{std::error_code{}, std::error_code{}, eof}));
}

// A stream that keeps bytes coming (every read fills the 64 KiB read
// buffer) lets the strand's other handlers run after kReadsPerTurn reads.
TEST_P(ConnectionIoWhenReady, AStreamThatKeepsComingIsReadInTurns) {
  connect();
  owner->keep_reading = true;
  const int chunks = 2 * connection_io::kReadsPerTurn + 5;
  const std::size_t full_read = 64 * 1024;
  for (int i = 0; i < chunks; ++i) {
    peer.peer_sends(bytes(full_read, static_cast<std::uint8_t>(i)));
  }
  io().read();
  std::size_t reads_before_other_handler = 0;
  asio::post(strand, [&] { reads_before_other_handler = owner->read_errors.size(); });
  run();
  EXPECT_EQ(reads_before_other_handler, static_cast<std::size_t>(connection_io::kReadsPerTurn));
  EXPECT_EQ(owner->received_bytes.size(), static_cast<std::size_t>(chunks) * full_read);
}

// A read that does not fill the buffer took all there was: the connection
// waits again rather than read on, and the handlers made ready meanwhile (the
// application's answer to what came) run first.
TEST_P(ConnectionIoWhenReady, AfterAShortReadWaitingHandlersRunFirst) {
  connect();
  owner->keep_reading = true;
  peer.peer_sends({0x01});
  peer.peer_sends({0x02});
  io().read();
  std::size_t reads_before_other_handler = 0;
  asio::post(strand, [&] { reads_before_other_handler = owner->read_errors.size(); });
  run();
  EXPECT_EQ(reads_before_other_handler, 1u);
  EXPECT_EQ(owner->received_bytes, (bytes{0x01, 0x02})); // the second read came next
  EXPECT_EQ(peer.waits, 3);                              // before each read, and after the last
}

// An idle connection waits without a read pending, and reads nothing until
// bytes come.
TEST_P(ConnectionIoWhenReady, AnIdleConnectionOnlyWaits) {
  connect();
  io().read();
  run();
  EXPECT_EQ(peer.waits, 1);
  EXPECT_TRUE(peer.pending_wait.has_value());
  EXPECT_TRUE(owner->read_errors.empty());
  peer.peer_sends({0xD0, 0x00});
  run();
  EXPECT_EQ(owner->received_bytes, (bytes{0xD0, 0x00}));
}

// Connections of one thread read into the same buffer; a read that runs the
// io_context from the owner's handler does not have its bytes overwritten
// by another connection's read.
TEST_P(ConnectionIoWhenReady, ConnectionsShareTheirThreadsReadBufferSafely) {
  connect();
  const auto other_strand = braid::detail::make_client_strand(ctx.get_executor());
  wire other_peer{other_strand};
  other_peer.ready_reads = true;
  auto other = std::make_shared<test_owner>(other_strand, other_peer);
  other->io.open(tcp_url);
  run();
  other->io.start(bp::protocol_version::v3_1_1);

  peer.peer_sends({0x01, 0x02});
  other_peer.peer_sends({0x03, 0x04});
  io().read();
  other->io.read();
  run();
  ASSERT_EQ(owner->received_at.size(), 1u);
  ASSERT_EQ(other->received_at.size(), 1u);
  EXPECT_EQ(owner->received_at[0], other->received_at[0]); // one buffer

  // The owner's handler runs the other connection's read meanwhile.
  owner->inside_received = [&] {
    other_peer.peer_sends({0x05, 0x06});
    other->io.read();
    ctx.poll();
  };
  peer.peer_sends({0x07, 0x08});
  io().read();
  run();
  owner->inside_received = nullptr;
  EXPECT_EQ(owner->received_bytes, (bytes{0x01, 0x02, 0x07, 0x08}));
  EXPECT_EQ(other->received_bytes, (bytes{0x03, 0x04, 0x05, 0x06}));
  ASSERT_EQ(other->received_at.size(), 2u); // the nested read used a buffer of its own
  EXPECT_NE(other->received_at[1], owner->received_at[1]);
  other->io.close();
  run();
}

INSTANTIATE_TEST_SUITE_P(Reads, ConnectionIoWhenReady, ::testing::Values(true),
                         [](const ::testing::TestParamInfo<bool>&) { return "WhenReady"; });

} // namespace
} // namespace braid::detail
