#include <braid/protocol/utf8.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

namespace braid::protocol {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

// Prints bytes as hex, so that a failure names its input.
std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    out += digits[b >> 4];
    out += digits[b & 0x0FU];
    out += ' ';
  }
  return out;
}

std::string bytes_of(std::initializer_list<unsigned> list) {
  std::string s;
  for (const unsigned b : list) {
    s += static_cast<char>(static_cast<unsigned char>(b));
  }
  return s;
}

// Straightforward reference: decode each sequence by its lead byte, then reject overlongs,
// surrogates and code points above U+10FFFF by value.
std::error_code reference_validate(std::string_view s) {
  if (s.size() > 65535) {
    return errc::string_too_long;
  }
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0U) == 0xC0U) {
      len = 2;
      cp = c & 0x1FU;
    } else if ((c & 0xF0U) == 0xE0U) {
      len = 3;
      cp = c & 0x0FU;
    } else if ((c & 0xF8U) == 0xF0U) {
      len = 4;
      cp = c & 0x07U;
    } else {
      return errc::invalid_utf8;
    }
    if (s.size() - i < len) {
      return errc::invalid_utf8;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0U) != 0x80U) {
        return errc::invalid_utf8;
      }
      cp = (cp << 6) | (cc & 0x3FU);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return errc::invalid_utf8;
    }
    if (cp == 0) {
      return errc::utf8_contains_null;
    }
    i += len;
  }
  return {};
}

struct utf8_case {
  const char* what;
  std::string input;
  std::error_code expected;
};

void check(const utf8_case& c) {
  SCOPED_TRACE(std::string(c.what) + " [" + hex(c.input) + "]");
  const std::error_code ec = validate_utf8_string(c.input);
  EXPECT_EQ(ec, c.expected) << "got: " << ec.message() << ", want: " << c.expected.message();
}

TEST(Utf8, ValidStrings) {
  const std::error_code ok{};
  const utf8_case cases[] = {
      {"empty", "", ok},
      {"ascii", "hello/world", ok},
      {"all printable ascii",
       " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
       "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
       ok},
      {"U+0001 control", "\x01", ok},
      {"U+001F control",
       "a\x1F"
       "b",
       ok},
      {"U+007F delete", "\x7F", ok},
      {"U+0080 (C2 80)", "\xC2\x80", ok},
      {"U+009F C1 control", "\xC2\x9F", ok},
      {"U+00E9 e-acute", "caf\xC3\xA9", ok},
      {"U+07FF (DF BF)", "\xDF\xBF", ok},
      {"U+0800 (E0 A0 80)", "\xE0\xA0\x80", ok},
      {"U+20AC euro", "\xE2\x82\xAC", ok},
      {"U+D7FF last before surrogates", "\xED\x9F\xBF", ok},
      {"U+E000 first after surrogates", "\xEE\x80\x80", ok},
      {"U+FEFF BOM",
       "\xEF\xBB\xBF"
       "a",
       ok},
      {"U+FFFE non-character", "\xEF\xBF\xBE", ok},
      {"U+FFFF non-character", "\xEF\xBF\xBF", ok},
      {"U+10000 (F0 90 80 80)", "\xF0\x90\x80\x80", ok},
      {"U+1D11E G clef", "\xF0\x9D\x84\x9E", ok},
      {"U+2A6D4 CJK", "\xF0\xAA\x9B\x94", ok},
      {"U+1FFFF non-character", "\xF0\x9F\xBF\xBF", ok},
      {"U+100000 (F4 80 80 80)", "\xF4\x80\x80\x80", ok},
      {"U+10FFFF last code point", "\xF4\x8F\xBF\xBF", ok},
      {"mixed", "sensor/\xC3\xA9t\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x98\x80/end", ok},
      {"long ascii then multibyte", "abcdefghijklmnopqrstuvwxyz\xE6\x97\xA5\xE6\x9C\xAC", ok},
  };
  for (const auto& c : cases) {
    check(c);
  }
}

TEST(Utf8, IllFormedSequences) {
  const std::error_code bad = errc::invalid_utf8;
  const utf8_case cases[] = {
      // stray continuation bytes
      {"lone 80", "\x80", bad},
      {"lone BF", "\xBF", bad},
      {"continuation after ascii",
       "a\x80"
       "b",
       bad},
      {"extra continuation after 2-byte", "\xC3\xA9\xA9", bad},
      {"extra continuation after 4-byte", "\xF0\x9F\x98\x80\x80", bad},
      // bytes that never appear
      {"C0", "\xC0", bad},
      {"C1", "\xC1", bad},
      {"F5", "\xF5\x80\x80\x80", bad},
      {"F7", "\xF7\xBF\xBF\xBF", bad},
      {"F8 (5-byte form)", "\xF8\x88\x80\x80\x80", bad},
      {"FC (6-byte form)", "\xFC\x84\x80\x80\x80\x80", bad},
      {"FE", "\xFE", bad},
      {"FF", "\xFF", bad},
      {"FE FF (UTF-16 BOM)", "\xFE\xFF", bad},
      // overlong encodings
      {"overlong '/' (C0 AF)", "\xC0\xAF", bad},
      {"overlong NUL (C0 80)", "\xC0\x80", bad},
      {"overlong U+007F (C1 BF)", "\xC1\xBF", bad},
      {"overlong NUL (E0 80 80)", "\xE0\x80\x80", bad},
      {"overlong U+07FF (E0 9F BF)", "\xE0\x9F\xBF", bad},
      {"overlong NUL (F0 80 80 80)", "\xF0\x80\x80\x80", bad},
      {"overlong U+FFFF (F0 8F BF BF)", "\xF0\x8F\xBF\xBF", bad},
      // surrogates
      {"U+D800 high surrogate", "\xED\xA0\x80", bad},
      {"U+DBFF", "\xED\xAF\xBF", bad},
      {"U+DC00 low surrogate", "\xED\xB0\x80", bad},
      {"U+DFFF", "\xED\xBF\xBF", bad},
      {"CESU-8 surrogate pair", "\xED\xA0\xBD\xED\xB8\x80", bad},
      // beyond U+10FFFF
      {"U+110000 (F4 90 80 80)", "\xF4\x90\x80\x80", bad},
      {"U+13FFFF (F4 BF BF BF)", "\xF4\xBF\xBF\xBF", bad},
      // truncated sequences
      {"2-byte missing 1", "\xC3", bad},
      {"3-byte missing 1", "\xE2\x82", bad},
      {"3-byte missing 2", "\xE2", bad},
      {"4-byte missing 1", "\xF0\x9F\x98", bad},
      {"4-byte missing 3", "\xF0", bad},
      {"truncated 2-byte then ascii",
       "\xC3"
       "a",
       bad},
      {"truncated 3-byte then ascii",
       "\xE2\x82"
       "a",
       bad},
      {"truncated 4-byte then ascii",
       "\xF0\x9F\x98"
       "abcdefgh",
       bad},
      {"truncated 3-byte then new lead", "\xE2\x82\xE2\x82\xAC", bad},
      {"truncated at end of long string", "abcdefghijklmnop\xE2\x82", bad},
  };
  for (const auto& c : cases) {
    check(c);
  }
}

TEST(Utf8, Null) {
  const std::error_code null = errc::utf8_contains_null;
  const utf8_case cases[] = {
      {"lone NUL", "\0"s, null},
      {"NUL in middle", "a\0b"s, null},
      {"NUL at end", "abc\0"s, null},
      {"NUL in a long ascii run", "abcdefghij\0klmnopqrstuvwxyz"s, null},
      {"NUL after multibyte", "\xC3\xA9\0"s, null},
      {"first error wins: NUL then bad byte", "a\0\xFF"s, null},
      {"first error wins: bad byte then NUL", "a\xFF\0"s, errc::invalid_utf8},
      {"first error wins: NUL in first word, bad byte later", "abc\0defghijk\xFF"s, null},
  };
  for (const auto& c : cases) {
    check(c);
  }
}

TEST(Utf8, Length) {
  EXPECT_EQ(validate_utf8_string(std::string(65535, 'a')), std::error_code{});
  EXPECT_EQ(validate_utf8_string(std::string(65536, 'a')), errc::string_too_long);
  EXPECT_EQ(validate_utf8_string(std::string(100000, 'a')), errc::string_too_long);

  // 65535 bytes ending in a multibyte character.
  std::string s(65532, 'a');
  s += "\xE2\x82\xAC";
  ASSERT_EQ(s.size(), 65535U);
  EXPECT_EQ(validate_utf8_string(s), std::error_code{});
  s += "a";
  EXPECT_EQ(validate_utf8_string(s), errc::string_too_long);

  // The length is checked first.
  EXPECT_EQ(validate_utf8_string(std::string(65536, '\xFF')), errc::string_too_long);
  EXPECT_EQ(validate_utf8_string(std::string(65536, '\0')), errc::string_too_long);
  EXPECT_EQ(validate_utf8_string(std::string(65535, '\0')), errc::utf8_contains_null);
  EXPECT_EQ(validate_utf8_string(std::string(65535, '\x80')), errc::invalid_utf8);
}

// The ASCII fast path reads words of 8 bytes: put a bad byte at every position of a 21-byte
// string (two words and a tail of 5), with every kind of error.
TEST(Utf8, FastPathBoundaries) {
  constexpr std::size_t size = 21;
  struct bad_byte {
    char byte;
    errc expected;
  };
  const bad_byte bad_bytes[] = {
      {'\0', errc::utf8_contains_null}, {'\x80', errc::invalid_utf8}, {'\xBF', errc::invalid_utf8},
      {'\xC0', errc::invalid_utf8},     {'\xC3', errc::invalid_utf8}, {'\xE2', errc::invalid_utf8},
      {'\xF0', errc::invalid_utf8},     {'\xFF', errc::invalid_utf8},
  };
  for (const auto& b : bad_bytes) {
    for (std::size_t pos = 0; pos < size; ++pos) {
      std::string s(size, 'x');
      s[pos] = b.byte;
      SCOPED_TRACE("byte " + hex(std::string_view(&b.byte, 1)) + "at " + std::to_string(pos));
      EXPECT_EQ(validate_utf8_string(s), b.expected);
    }
  }
}

// Valid multibyte characters at every position, straddling word boundaries; and a truncated
// one at every position.
TEST(Utf8, MultibyteAtEveryPosition) {
  const std::string_view chars[] = {"\xC3\xA9"sv, "\xE2\x82\xAC"sv, "\xF0\x9F\x98\x80"sv};
  for (const auto ch : chars) {
    for (std::size_t pos = 0; pos <= 21; ++pos) {
      std::string s(21, 'x');
      s.insert(pos, ch);
      SCOPED_TRACE(hex(s));
      EXPECT_EQ(validate_utf8_string(s), std::error_code{});

      std::string cut(21, 'x');
      cut.insert(pos, ch.substr(0, ch.size() - 1));
      EXPECT_EQ(validate_utf8_string(cut), errc::invalid_utf8);
    }
  }
}

// Truncated sequences at the very end of an exactly-sized buffer: the validator must not look
// past the end (std::string would hide an over-read behind its terminating NUL; run under
// AddressSanitizer to check).
TEST(Utf8, TruncatedAtEndOfExactBuffer) {
  const std::string_view cuts[] = {
      "\xC3"sv,         "\xE2"sv,         "\xE2\x82"sv, "\xF0"sv,     "\xF0\x9F"sv,
      "\xF0\x9F\x98"sv, "\xF4\x8F\xBF"sv, "\xED\x9F"sv, "\xE0\xA0"sv,
  };
  for (const auto cut : cuts) {
    for (std::size_t prefix = 0; prefix <= 17; ++prefix) {
      const std::string s = std::string(prefix, 'x') + std::string(cut);
      SCOPED_TRACE(hex(s));
      const auto buffer = std::make_unique<char[]>(s.size());
      s.copy(buffer.get(), s.size());
      EXPECT_EQ(validate_utf8_string({buffer.get(), s.size()}), errc::invalid_utf8);
    }
  }
}

// Sanity of the reference itself on a few known inputs.
TEST(Utf8, ReferenceAgrees) {
  EXPECT_EQ(reference_validate("\xE2\x82\xAC"), std::error_code{});
  EXPECT_EQ(reference_validate("\xED\xA0\x80"), errc::invalid_utf8);
  EXPECT_EQ(reference_validate("\xC0\x80"), errc::invalid_utf8);
  EXPECT_EQ(reference_validate("\xF4\x90\x80\x80"), errc::invalid_utf8);
  EXPECT_EQ(reference_validate("a\0"s), errc::utf8_contains_null);
}

// Every 1- and 2-byte string, every 3-byte string with an interesting last byte, and 4-byte
// strings with every lead byte F0..FF and second byte: the validator agrees with the
// reference decoder.
TEST(Utf8, ExhaustiveShortStrings) {
  const unsigned interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F,
                                  0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF};
  int mismatches = 0;
  const auto compare = [&](const std::string& s) {
    const std::error_code got = validate_utf8_string(s);
    const std::error_code want = reference_validate(s);
    if (got != want && ++mismatches <= 20) {
      ADD_FAILURE() << "[" << hex(s) << "] got " << got.message() << ", want " << want.message();
    }
    // Also behind a word of ASCII, so the slow path is entered from the fast one.
    const std::string padded = "abcdefgh" + s;
    if (validate_utf8_string(padded) != reference_validate(padded) && ++mismatches <= 20) {
      ADD_FAILURE() << "[" << hex(padded) << "] disagrees with the reference";
    }
  };
  for (unsigned a = 0; a < 256; ++a) {
    compare(bytes_of({a}));
    for (unsigned b = 0; b < 256; ++b) {
      compare(bytes_of({a, b}));
      for (const unsigned c : interesting) {
        compare(bytes_of({a, b, c}));
      }
    }
  }
  for (unsigned a = 0xE0; a < 0xF0; ++a) {
    for (unsigned b = 0x80; b < 0xC0; ++b) {
      for (unsigned c = 0; c < 256; ++c) {
        compare(bytes_of({a, b, c}));
      }
    }
  }
  for (unsigned a = 0xF0; a < 0x100; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      for (const unsigned c : interesting) {
        for (const unsigned d : interesting) {
          compare(bytes_of({a, b, c, d}));
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Utf8, ErrorCodesAreInTheProtocolCategory) {
  const std::error_code ec = validate_utf8_string("\xFF");
  EXPECT_EQ(&ec.category(), &protocol_category());
  EXPECT_EQ(ec.value(), static_cast<int>(errc::invalid_utf8));
  EXPECT_FALSE(validate_utf8_string("ok"));
}

} // namespace
} // namespace braid::protocol
