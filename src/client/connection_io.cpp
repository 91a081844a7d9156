#include <braid/detail/connection_io.hpp>

#include <algorithm>

namespace braid::detail {

connection_io::connection_io(client_strand strand, connection_owner& owner, transport_factory make,
                             const packet_trace_handler& trace)
    : strand_(std::move(strand)), owner_(owner), make_(std::move(make)), trace_(trace),
      read_buffer_(kFirstReadSize), linger_timer_(strand_) {
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
  transport_->async_open(
      url_, [keep = owner_.keep_alive(), this](std::error_code ec) { owner_.opened(ec); });
}

void connection_io::start(protocol::protocol_version version) {
  open_ = true;
  ++generation_;
  // A read or write of the last connection may still be on its way back
  // (aborted): it is not this connection's, which may read and write now.
  reading_ = false;
  write_in_flight_ = false;
  for (auto& d : trace_decoders_) {
    d.reset();
    d.set_version(version);
  }
}

void connection_io::read() {
  if (reading_ || !open_) {
    return;
  }
  reading_ = true;
  // The rest of a large packet is read straight into its own buffer, not
  // copied there from the read buffer.
  direct_ = owner_.direct_read_space();
  if (direct_.space.size() > read_buffer_.size()) {
    transport_->async_read_some(asio::buffer(direct_.space.data(), direct_.space.size()),
                                io_handler{this, generation_ * 2, owner_.keep_alive()});
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
                              io_handler{this, generation_ * 2, owner_.keep_alive()});
}

// A tag is the connection's generation, doubled, plus 1 for a write.
void connection_io::io_done(std::uint64_t tag, std::error_code ec, std::size_t n) {
  if (tag % 2 == 0) {
    on_read(tag / 2, ec, n);
  } else {
    on_written(tag / 2, ec);
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
  if (ec && lingering_) {
    lingering_ = false;
    owner_.linger_ended(); // the broker closed after us
    return;
  }
  if (!ec) {
    bytes_read_ += n;
  }
  if (!ec && n == read_buffer_.size() && n < kLargestReadSize) {
    grow_read_buffer_ = true; // after the owner has used this read's bytes
  }
  if (!ec && trace_) {
    trace(packet_direction::received, {read_buffer_.data(), n});
  }
  owner_.received(ec, {read_buffer_.data(), ec ? 0 : n});
}

void connection_io::on_read_in_place(std::error_code ec, std::size_t n) {
  // The owner may start the next read: take this one's space first.
  const auto direct = std::move(direct_);
  direct_ = {};
  if (!open_) {
    return;
  }
  if (ec && lingering_) {
    lingering_ = false;
    owner_.linger_ended();
    return;
  }
  const protocol::byte_view bytes{direct.space.data(), ec ? 0 : n};
  bytes_read_ += bytes.size();
  if (!ec && trace_) {
    trace(packet_direction::received, bytes);
  }
  owner_.received_in_place(ec, bytes);
}

void connection_io::write() {
  write_in_flight_ = true;
  write_parts_.clear();
  writing_.for_each_part(
      [&](protocol::byte_view part) { write_parts_.emplace_back(part.data(), part.size()); });
  transport_->async_write(write_parts_, io_handler{this, generation_ * 2 + 1, owner_.keep_alive()});
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
  auto& decoder = trace_decoders_[static_cast<std::size_t>(direction)];
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
  linger_timer_.async_wait([self = std::move(self)](std::error_code ec) {
    if (!ec && self->lingering_) {
      self->lingering_ = false;
      self->owner_.linger_ended();
    }
  });
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
