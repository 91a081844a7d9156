#include <braid/detail/connection_io.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace braid::detail {
namespace {

// The read buffer of every connection a thread runs that reads_when_ready():
// a read hands its bytes to the owner before it returns, so the connections
// can share one buffer.
struct thread_read_buffer {
  std::unique_ptr<std::uint8_t[]> bytes;
  bool in_use = false; // a handler ran an io_context from inside a read
};
thread_local thread_read_buffer thread_buffer;

// Where one read_ready() goes: the thread's buffer, or, when a read further
// up the stack holds it, the connection's own.
class read_target {
public:
  read_target(std::vector<std::uint8_t>& own, std::size_t own_size, std::size_t shared_size) {
    if (thread_buffer.in_use) {
      if (own.empty()) {
        own.resize(own_size);
      }
      bytes_ = {own.data(), own.size()};
      return;
    }
    if (!thread_buffer.bytes) {
      thread_buffer.bytes = std::make_unique_for_overwrite<std::uint8_t[]>(shared_size);
    }
    thread_buffer.in_use = true;
    borrowed_ = true;
    bytes_ = {thread_buffer.bytes.get(), shared_size};
  }
  ~read_target() {
    if (borrowed_) {
      thread_buffer.in_use = false;
    }
  }
  read_target(const read_target&) = delete;
  read_target& operator=(const read_target&) = delete;

  std::span<std::uint8_t> bytes() const { return bytes_; }

private:
  std::span<std::uint8_t> bytes_;
  bool borrowed_ = false;
};

// A direct read smaller than this goes through the read buffer: the end of a
// large packet often shares a read with what follows it.
constexpr std::size_t kDirectReadMin = 4 * 1024;

bool is_would_block(const std::error_code& ec) {
  static const std::error_code would_block = boost::system::error_code(asio::error::would_block);
  return ec == would_block;
}

// A tag is the connection's generation times 4, plus what ended.
enum tag_kind : std::uint64_t { read_tag = 0, write_tag = 1, wait_tag = 2 };

} // namespace

connection_io::connection_io(client_strand strand, connection_owner& owner, transport_factory make,
                             const packet_trace_handler& trace)
    : strand_(std::move(strand)), owner_(owner), make_(std::move(make)), trace_(trace),
      linger_timer_(strand_.get_inner_executor().inner()) {
}

void connection_io::open(const broker_url& url) {
  if (!transport_ || url_.kind != url.kind) {
    std::error_code ec;
    transport_ = make_(url.kind, ec);
    if (!transport_) {
      asio::post(strand_, [keep = owner_.keep_alive(), this, ec] { owner_.opened(ec); });
      return;
    }
  }
  url_ = url;
  // An open given up for a newer one (closed, then connected again) ends
  // unheard: the newer one's result is the one the owner waits for.
  transport_->async_open(
      url_, [keep = owner_.keep_alive(), this, attempt = ++opens_](std::error_code ec) {
        if (attempt == opens_) {
          owner_.opened(ec);
        }
      });
}

void connection_io::start(protocol::protocol_version version) {
  open_ = true;
  ++generation_;
  // A read or write of the last connection may still be on its way back
  // (aborted): it is not this connection's, which may read and write now.
  reading_ = false;
  write_in_flight_ = false;
  waiting_ = false;
  pump_posted_ = false;
  if (trace_ && !trace_decoders_) {
    trace_decoders_ = std::make_unique<std::array<protocol::decoder, 2>>();
  }
  if (trace_decoders_) {
    for (auto& d : *trace_decoders_) {
      d.reset();
      d.set_version(version);
    }
  }
}

void connection_io::read() {
  if (reading_ || !open_) {
    return;
  }
  reading_ = true;
  if (transport_->reads_when_ready()) {
    if (!pumping_) { // else the pump on the stack reads on
      arm_wait();
    }
    return;
  }
  if (read_buffer_.empty()) {
    read_buffer_.resize(kFirstReadSize);
  }
  // The rest of a large packet is read straight into its own buffer, not
  // copied there from the read buffer.
  direct_ = owner_.direct_read_space();
  if (direct_.space.size() > read_buffer_.size()) {
    transport_->async_read_some(asio::buffer(direct_.space.data(), direct_.space.size()),
                                io_handler{this, generation_ * 4 + read_tag, owner_.keep_alive()});
    return;
  }
  direct_ = {};
  if (grow_read_buffer_) {
    // The last read filled the buffer: more was waiting. A connection that
    // never sees a burst keeps the small buffer.
    grow_read_buffer_ = false;
    read_buffer_.resize(std::min(read_buffer_.size() * 2, kLargestReadSize));
  }
  transport_->async_read_some(asio::buffer(read_buffer_),
                              io_handler{this, generation_ * 4 + read_tag, owner_.keep_alive()});
}

// Reading a stream that reads_when_ready(): a wait for the stream to become
// readable (it completes at once when bytes or the end of the stream are
// already there), then reads until one would block or comes back short,
// then another wait.
void connection_io::arm_wait() {
  if (!waiting_) {
    transport_->async_wait_readable(
        io_handler{this, generation_ * 4 + wait_tag, owner_.keep_alive()});
    waiting_ = true; // once the wait is under way: it may throw
  }
}

void connection_io::post_pump() {
  if (pump_posted_) {
    return;
  }
  asio::post(strand_, [keep = owner_.keep_alive(), this, generation = generation_] {
    if (generation != generation_) {
      return;
    }
    pump_posted_ = false;
    if (reading_ && open_ && !pumping_) {
      pump();
    }
  });
  pump_posted_ = true;
}

void connection_io::pump() {
  // Reset however the loop ends: a handler the owner runs may throw.
  struct pumping_scope {
    bool& flag;
    explicit pumping_scope(bool& f) : flag(f) { flag = true; }
    ~pumping_scope() { flag = false; }
    pumping_scope(const pumping_scope&) = delete;
    pumping_scope& operator=(const pumping_scope&) = delete;
  } scope{pumping_};
  for (int reads = 0; reading_ && open_; ++reads) {
    if (reads == kReadsPerTurn) {
      post_pump(); // the stream has more: other handlers first
      return;
    }
    std::error_code ec;
    std::size_t n = 0;
    std::size_t space_size = 0;
    // The rest of a large packet goes straight into its own buffer.
    const auto direct = owner_.direct_read_space();
    if (direct.space.size() >= kDirectReadMin) {
      space_size = direct.space.size();
      n = transport_->read_ready(asio::buffer(direct.space.data(), space_size), ec);
      if (!is_would_block(ec) && !deliver(ec, {direct.space.data(), n}, true)) {
        return;
      }
    } else {
      const read_target target(read_buffer_, kFirstReadSize, kLargestReadSize);
      const auto space = target.bytes();
      space_size = space.size();
      n = transport_->read_ready(asio::buffer(space.data(), space_size), ec);
      if (!is_would_block(ec) && !deliver(ec, {space.data(), n}, false)) {
        return;
      }
    }
    if (is_would_block(ec) || n < space_size) {
      // All there was (a short read takes all there is, as Asio's own reads
      // assume): wait for more. Bytes or an end of stream that came meanwhile
      // complete the wait at once.
      if (reading_ && open_) {
        arm_wait();
      }
      return;
    }
  }
}

void connection_io::on_readable(std::uint64_t generation, std::error_code ec) {
  if (generation != generation_) {
    return; // a wait of an earlier connection
  }
  waiting_ = false;
  if (!open_ || !reading_ || pumping_) {
    return; // the next read() arms another wait and reads what came
  }
  if (ec) {
    deliver(ec, {}, false); // aborted: the owner hears it as it would a read's
    return;
  }
  pump();
}

// Hands the end of a read to the owner: false when it ended the reading.
bool connection_io::deliver(std::error_code ec, protocol::byte_view bytes, bool in_place) {
  reading_ = false;
  if (ec && lingering_) {
    lingering_ = false;
    owner_.linger_ended(); // the broker closed after us
    return false;
  }
  if (!ec) {
    bytes_read_ += bytes.size();
    if (trace_) {
      trace(packet_direction::received, bytes);
    }
  }
  if (in_place) {
    owner_.received_in_place(ec, ec ? protocol::byte_view{} : bytes);
  } else {
    owner_.received(ec, ec ? protocol::byte_view{} : bytes);
  }
  return !ec;
}

void connection_io::io_done(std::uint64_t tag, std::error_code ec, std::size_t n) {
  switch (tag % 4) {
  case read_tag:
    on_read(tag / 4, ec, n);
    break;
  case write_tag:
    on_written(tag / 4, ec);
    break;
  default:
    on_readable(tag / 4, ec);
  }
}

void connection_io::on_read(std::uint64_t generation, std::error_code ec, std::size_t n) {
  if (generation != generation_) {
    return; // a read of an earlier connection: the one in place may be reading
  }
  reading_ = false;
  if (direct_.keep) {
    on_read_in_place(ec, n);
    return;
  }
  if (!open_) {
    return; // closed meanwhile
  }
  if (!ec && n == read_buffer_.size() && n < kLargestReadSize) {
    grow_read_buffer_ = true; // after the owner has used this read's bytes
  }
  deliver(ec, {read_buffer_.data(), ec ? 0 : n}, false);
}

void connection_io::on_read_in_place(std::error_code ec, std::size_t n) {
  // The owner may start the next read: take this one's space first.
  const auto direct = std::move(direct_);
  direct_ = {};
  if (!open_) {
    return;
  }
  deliver(ec, {direct.space.data(), ec ? 0 : n}, true);
}

void connection_io::write() {
  write_in_flight_ = true;
  write_parts_.clear();
  writing_.for_each_part(
      [&](protocol::byte_view part) { write_parts_.emplace_back(part.data(), part.size()); });
  transport_->async_write(write_parts_,
                          io_handler{this, generation_ * 4 + write_tag, owner_.keep_alive()});
  // The trace is a user callback that may call the client: it runs once the
  // write is under way, so that what it causes waits for the next write.
  if (trace_) {
    if (writing_.has_shared()) {
      const auto all = writing_.flatten();
      trace(packet_direction::sent, all);
    } else {
      trace(packet_direction::sent, writing_.view());
    }
  }
}

void connection_io::on_written(std::uint64_t generation, std::error_code ec) {
  if (generation != generation_) {
    return; // a write of an earlier connection
  }
  write_in_flight_ = false;
  if (!open_) {
    writing_.clear(); // lets go of shared payloads
    return;           // closed meanwhile
  }
  if (!ec) {
    bytes_written_ += writing_.size();
  }
  writing_.clear(); // lets go of shared payloads written
  owner_.written(ec);
}

void connection_io::trace(packet_direction direction, protocol::byte_view bytes) {
  if (!trace_decoders_) {
    return; // the connection has not started
  }
  auto& decoder = (*trace_decoders_)[static_cast<std::size_t>(direction)];
  while (!bytes.empty()) {
    protocol::packet p;
    const auto r = decoder.feed(bytes, p);
    bytes = bytes.subspan(r.consumed);
    if (r.status == protocol::decode_status::packet_ready) {
      trace_(direction, p);
    } else if (r.status == protocol::decode_status::error) {
      return; // the session reports the error itself
    }
  }
}

void connection_io::linger(std::chrono::milliseconds max) {
  if (lingering_ || !open_) {
    return;
  }
  lingering_ = true;
  transport_->shutdown_send();
  read();
  linger_timer_.expires_after(max);
  std::shared_ptr<connection_io> self(owner_.keep_alive(), this);
  linger_timer_.async_wait(
      asio::bind_executor(strand_, [self = std::move(self)](std::error_code ec) {
        if (!ec && self->lingering_) {
          self->lingering_ = false;
          self->owner_.linger_ended();
        }
      }));
}

void connection_io::abort() {
  if (transport_) {
    transport_->close();
  }
}

void connection_io::close() {
  open_ = false;
  lingering_ = false;
  linger_timer_.cancel();
  abort();
}

} // namespace braid::detail
