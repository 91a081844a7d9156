#include <braid/protocol/decoder.hpp>

#include "fixed_header.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace braid::protocol {

void decoder::reset() noexcept {
  stage_ = stage::first_byte;
  first_byte_ = 0;
  length_bytes_ = 0;
  remaining_ = 0;
  body_.clear();
  large_body_.reset();
  large_filled_ = 0;
  large_capacity_ = 0;
  error_offset_ = 0;
  error_.clear();
}

std::string decoder::error_message() const {
  if (!error_) {
    return {};
  }
  std::string where{to_string(static_cast<packet_type>(first_byte_ >> 4))};
  where += ", byte " + std::to_string(error_offset_) + ": ";
  return where + error_.message();
}

decode_result decoder::fail(std::error_code ec, std::size_t consumed, std::size_t offset) {
  stage_ = stage::failed;
  error_ = ec;
  error_offset_ = offset;
  return {decode_status::error, consumed, ec};
}

decode_result decoder::finish(byte_view body, std::size_t consumed, packet& out,
                              const std::shared_ptr<const void>& owner) {
  std::size_t offset = 0;
  auto ec = decode_packet(first_byte_, body, options_.version, out, &offset, owner);
  const std::size_t header = 1u + length_bytes_;
  stage_ = stage::first_byte;
  length_bytes_ = 0;
  remaining_ = 0;
  body_.clear();
  if (ec) {
    return fail(ec, consumed, header + offset);
  }
  return {decode_status::packet_ready, consumed, {}};
}

decode_result decoder::feed(byte_view input, packet& out) {
  std::size_t used = 0;
  if (stage_ == stage::failed) {
    return {decode_status::error, 0, error_};
  }
  while (used < input.size()) {
    switch (stage_) {
    case stage::first_byte: {
      first_byte_ = input[used++];
      if (auto ec = check_fixed_header(first_byte_, options_.version)) {
        return fail(ec, used, 0);
      }
      stage_ = stage::length;
      break;
    }
    case stage::length: {
      const auto b = input[used++];
      remaining_ |= std::uint32_t{static_cast<std::uint8_t>(b & 0x7F)} << (7 * length_bytes_);
      ++length_bytes_;
      if ((b & 0x80) != 0) {
        if (length_bytes_ == 4) {
          return fail(errc::remaining_length_too_long, used, 1);
        }
        break;
      }
      if (b == 0 && length_bytes_ > 1) {
        return fail(errc::malformed_variable_integer, used, 1); // not the fewest bytes
      }
      // The limit is checked before any of the body is buffered.
      const std::size_t total = 1u + length_bytes_ + remaining_;
      if (total > options_.max_packet_size) {
        return fail(errc::packet_too_large, used, 1);
      }
      if (remaining_ == 0) {
        return finish({}, used, out);
      }
      // Whole body in this chunk: parse it in place, no copy.
      if (body_.empty() && input.size() - used >= remaining_) {
        auto body = input.subspan(used, remaining_);
        return finish(body, used + remaining_, out);
      }
      stage_ = stage::body;
      if (remaining_ >= options_.large_body) {
        // Up to large_body_up_front is taken at once; beyond, the buffer
        // grows with the data that arrives, not with what the header claims.
        large_capacity_ = std::min<std::size_t>(
            remaining_, std::max<std::size_t>(options_.large_body_up_front, 1));
        large_body_ = std::make_shared_for_overwrite<std::uint8_t[]>(large_capacity_);
        large_filled_ = 0;
        break;
      }
      body_.reserve(remaining_);
      break;
    }
    case stage::body: {
      if (large_body_) {
        const auto take = std::min<std::size_t>(remaining_ - large_filled_, input.size() - used);
        auto space = direct_space();
        const auto n = std::min(take, space.size());
        std::memcpy(space.data(), input.data() + used, n);
        used += n;
        auto r = commit_direct(n, out);
        if (r.status != decode_status::need_more) {
          r.consumed = used;
          return r;
        }
        break;
      }
      const auto want = remaining_ - body_.size();
      const auto take = std::min<std::size_t>(want, input.size() - used);
      body_.insert(body_.end(), input.begin() + static_cast<std::ptrdiff_t>(used),
                   input.begin() + static_cast<std::ptrdiff_t>(used + take));
      used += take;
      if (body_.size() == remaining_) {
        // finish() clears body_, so parse from a moved-out buffer.
        auto body = std::move(body_);
        auto result = finish(body, used, out);
        body.clear();
        body_ = std::move(body); // keep the capacity for the next split packet
        return result;
      }
      break;
    }
    case stage::failed:
      return {decode_status::error, used, error_};
    }
  }
  return {decode_status::need_more, used, {}};
}

std::span<std::uint8_t> decoder::direct_space() {
  if (stage_ != stage::body || !large_body_) {
    return {};
  }
  if (large_filled_ == large_capacity_) {
    // Past the part taken up front: double, up to the whole body.
    const auto capacity = std::min<std::size_t>(remaining_, large_capacity_ * 2);
    auto bigger = std::make_shared_for_overwrite<std::uint8_t[]>(capacity);
    std::memcpy(bigger.get(), large_body_.get(), large_filled_);
    large_body_ = std::move(bigger);
    large_capacity_ = capacity;
  }
  return {large_body_.get() + large_filled_, large_capacity_ - large_filled_};
}

decode_result decoder::commit_direct(std::size_t n, packet& out) {
  large_filled_ += n;
  if (large_filled_ < remaining_) {
    return {decode_status::need_more, n, {}};
  }
  // The packet owns its buffer now: a PUBLISH's payload shares it.
  std::shared_ptr<const void> owner = std::move(large_body_);
  const byte_view body{static_cast<const std::uint8_t*>(owner.get()), large_filled_};
  large_filled_ = 0;
  large_capacity_ = 0;
  return finish(body, n, out, owner);
}

} // namespace braid::protocol
