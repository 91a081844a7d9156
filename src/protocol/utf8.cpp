#include <braid/protocol/utf8.hpp>

#include <cstdint>
#include <cstring>

namespace braid::protocol {

namespace {

constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
constexpr std::uint64_t low_bits = 0x0101010101010101ULL;

// True if any byte of `w` is zero (exact, no false positives: the classic "haszero" test).
constexpr bool has_zero_byte(std::uint64_t w) noexcept {
  return ((w - low_bits) & ~w & high_bits) != 0;
}

constexpr bool is_continuation(unsigned char c) noexcept {
  return (c & 0xC0U) == 0x80U;
}

} // namespace

std::error_code validate_utf8_string(std::string_view s) noexcept {
  if (s.size() > max_string_length) {
    return errc::string_too_long;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();

  while (p != end) {
    // Fast path: whole words of ASCII.
    while (end - p >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, sizeof w);
      if ((w & high_bits) != 0) {
        break;
      }
      if (has_zero_byte(w)) {
        return errc::utf8_contains_null;
      }
      p += 8;
    }
    if (p == end) {
      break;
    }

    // Slow path: one character (Unicode Table 3-7, well-formed byte sequences).
    const unsigned char c = *p;
    if (c < 0x80U) {
      if (c == 0) {
        return errc::utf8_contains_null;
      }
      ++p;
      continue;
    }

    const auto left = end - p;
    if (c >= 0xC2U && c <= 0xDFU) {
      if (left < 2 || !is_continuation(p[1])) {
        return errc::invalid_utf8;
      }
      p += 2;
    } else if (c >= 0xE0U && c <= 0xEFU) {
      // The second byte's range excludes overlongs (E0) and surrogates (ED).
      const unsigned char lo = c == 0xE0U ? 0xA0U : 0x80U;
      const unsigned char hi = c == 0xEDU ? 0x9FU : 0xBFU;
      if (left < 3 || p[1] < lo || p[1] > hi || !is_continuation(p[2])) {
        return errc::invalid_utf8;
      }
      p += 3;
    } else if (c >= 0xF0U && c <= 0xF4U) {
      // The second byte's range excludes overlongs (F0) and code points above U+10FFFF (F4).
      const unsigned char lo = c == 0xF0U ? 0x90U : 0x80U;
      const unsigned char hi = c == 0xF4U ? 0x8FU : 0xBFU;
      if (left < 4 || p[1] < lo || p[1] > hi || !is_continuation(p[2]) || !is_continuation(p[3])) {
        return errc::invalid_utf8;
      }
      p += 4;
    } else {
      // 0x80..0xBF (stray continuation), 0xC0, 0xC1 (overlong), 0xF5..0xFF.
      return errc::invalid_utf8;
    }
  }
  return {};
}

} // namespace braid::protocol
