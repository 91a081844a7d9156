#include <braid/protocol/decoder.hpp>

#include "fixed_header.hpp"
#include "wire.hpp"

#include <algorithm>
#include <string>

namespace braid::protocol {

void decoder::reset() noexcept {
  stage_ = stage::first_byte;
  first_byte_ = 0;
  length_bytes_ = 0;
  remaining_ = 0;
  body_.clear();
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

decode_result decoder::finish(byte_view body, std::size_t consumed, packet& out) {
  std::size_t offset = 0;
  auto ec = decode_packet(first_byte_, body, options_.version, out, &offset);
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
      // Grow with the data that arrives, not with what the header claims.
      body_.reserve(std::min<std::size_t>(remaining_, 64 * 1024));
      stage_ = stage::body;
      break;
    }
    case stage::body: {
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

} // namespace braid::protocol
