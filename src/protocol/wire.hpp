#pragma once
// Internal: the primitive wire types of MQTT (spec 1.5) — reading from a
// bounded span and writing through a sink that either counts or stores, so
// that one description of each packet gives both its size and its bytes.

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace braid::protocol::wire {

inline constexpr std::uint32_t max_variable_integer = 268'435'455;

constexpr std::size_t variable_integer_size(std::uint32_t v) noexcept {
  return v < 128 ? 1 : v < 16'384 ? 2 : v < 2'097'152 ? 3 : 4;
}

/// Counts the bytes a packet would take.
class size_counter {
public:
  void u8(std::uint8_t) noexcept { ++size_; }
  void u16(std::uint16_t) noexcept { size_ += 2; }
  void u32(std::uint32_t) noexcept { size_ += 4; }
  void variable_integer(std::uint32_t v) noexcept { size_ += variable_integer_size(v); }
  void raw(byte_view b) noexcept { size_ += b.size(); }
  void string(std::string_view s) noexcept { size_ += 2 + s.size(); }
  void binary(byte_view b) noexcept { size_ += 2 + b.size(); }
  std::size_t size() const noexcept { return size_; }

private:
  std::size_t size_ = 0;
};

/// Stores bytes at a position known to have room (sized by size_counter first).
class byte_writer {
public:
  explicit byte_writer(std::uint8_t* out) noexcept : out_(out) {}
  void u8(std::uint8_t v) noexcept { *out_++ = v; }
  void u16(std::uint16_t v) noexcept {
    out_[0] = static_cast<std::uint8_t>(v >> 8);
    out_[1] = static_cast<std::uint8_t>(v);
    out_ += 2;
  }
  void u32(std::uint32_t v) noexcept {
    out_[0] = static_cast<std::uint8_t>(v >> 24);
    out_[1] = static_cast<std::uint8_t>(v >> 16);
    out_[2] = static_cast<std::uint8_t>(v >> 8);
    out_[3] = static_cast<std::uint8_t>(v);
    out_ += 4;
  }
  void variable_integer(std::uint32_t v) noexcept {
    do {
      auto b = static_cast<std::uint8_t>(v & 0x7F);
      v >>= 7;
      *out_++ = v != 0 ? static_cast<std::uint8_t>(b | 0x80) : b;
    } while (v != 0);
  }
  void raw(byte_view b) noexcept {
    if (!b.empty()) {
      std::memcpy(out_, b.data(), b.size());
      out_ += b.size();
    }
  }
  void string(std::string_view s) noexcept {
    u16(static_cast<std::uint16_t>(s.size()));
    raw(as_bytes(s));
  }
  void binary(byte_view b) noexcept {
    u16(static_cast<std::uint16_t>(b.size()));
    raw(b);
  }
  std::uint8_t* position() const noexcept { return out_; }

private:
  std::uint8_t* out_;
};

/// Reads fields from a packet body, never past its end. The first failure is
/// kept with the offset where it happened.
class reader {
public:
  explicit reader(byte_view body) noexcept
      : begin_(body.data()), pos_(body.data()), end_(body.data() + body.size()) {}

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - pos_); }
  bool at_end() const noexcept { return pos_ == end_; }
  std::size_t offset() const noexcept { return static_cast<std::size_t>(pos_ - begin_); }

  std::error_code u8(std::uint8_t& v) noexcept {
    if (remaining() < 1) {
      return errc::truncated;
    }
    v = *pos_++;
    return {};
  }
  std::error_code u16(std::uint16_t& v) noexcept {
    if (remaining() < 2) {
      return errc::truncated;
    }
    v = static_cast<std::uint16_t>((pos_[0] << 8) | pos_[1]);
    pos_ += 2;
    return {};
  }
  std::error_code u32(std::uint32_t& v) noexcept {
    if (remaining() < 4) {
      return errc::truncated;
    }
    v = (std::uint32_t{pos_[0]} << 24) | (std::uint32_t{pos_[1]} << 16) |
        (std::uint32_t{pos_[2]} << 8) | std::uint32_t{pos_[3]};
    pos_ += 4;
    return {};
  }
  /// On error the reader stays at the start of the integer.
  std::error_code variable_integer(std::uint32_t& v) noexcept {
    const auto* start = pos_;
    auto ec = variable_integer_from_here(v);
    if (ec) {
      pos_ = start;
    }
    return ec;
  }
  /// A length-prefixed field, viewed in place. On error the reader stays at
  /// the start of the field.
  std::error_code length_prefixed(byte_view& v) noexcept {
    const auto* start = pos_;
    std::uint16_t n = 0;
    if (auto ec = u16(n)) {
      return ec;
    }
    if (auto ec = raw(n, v)) {
      pos_ = start;
      return ec;
    }
    return {};
  }
  std::error_code string_view_field(std::string_view& s) noexcept {
    byte_view v;
    if (auto ec = length_prefixed(v)) {
      return ec;
    }
    s = {reinterpret_cast<const char*>(v.data()), v.size()};
    return {};
  }
  std::error_code raw(std::size_t n, byte_view& v) noexcept {
    if (remaining() < n) {
      return errc::truncated;
    }
    v = {pos_, n};
    pos_ += n;
    return {};
  }
  /// The rest of the body.
  byte_view rest() noexcept {
    byte_view v{pos_, remaining()};
    pos_ = end_;
    return v;
  }
  /// Moves back to `offset` so that an error names the start of a field.
  void rewind_to(std::size_t offset) noexcept { pos_ = begin_ + offset; }

private:
  std::error_code variable_integer_from_here(std::uint32_t& v) noexcept {
    v = 0;
    for (unsigned shift = 0; shift < 28; shift += 7) {
      std::uint8_t b = 0;
      if (auto ec = u8(b)) {
        return ec;
      }
      v |= std::uint32_t{static_cast<std::uint8_t>(b & 0x7F)} << shift;
      if ((b & 0x80) == 0) {
        // The fewest bytes must be used (5.0 1.5.5-1): no trailing zero group.
        return b == 0 && shift != 0 ? make_error_code(errc::malformed_variable_integer)
                                    : std::error_code{};
      }
    }
    return errc::malformed_variable_integer;
  }

  const std::uint8_t* begin_;
  const std::uint8_t* pos_;
  const std::uint8_t* end_;
};

} // namespace braid::protocol::wire
