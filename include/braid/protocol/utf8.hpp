#pragma once
// Validation of MQTT UTF-8 Encoded Strings (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4).

#include <braid/protocol/error.hpp>

#include <cstddef>
#include <string_view>
#include <system_error>

namespace braid::protocol {

/// The longest string an MQTT UTF-8 Encoded String can hold, in bytes (its length prefix is
/// a two-byte integer).
inline constexpr std::size_t max_string_length = 65535;

/// Checks that `s` may be carried as an MQTT UTF-8 Encoded String.
///
/// Returns, checking in this order:
/// - `errc::string_too_long` if `s.size()` exceeds `max_string_length` (65535 bytes);
/// - otherwise the first problem found scanning from the start:
///   - `errc::invalid_utf8` if the bytes are not well-formed UTF-8 (Unicode Table 3-7):
///     stray continuation bytes, the bytes 0xC0, 0xC1 and 0xF5..0xFF, truncated sequences,
///     overlong encodings, surrogates U+D800..U+DFFF, or code points above U+10FFFF;
///   - `errc::utf8_contains_null` if the string contains U+0000;
/// - an empty error code if the string is acceptable.
///
/// Control characters (U+0001..U+001F, U+007F..U+009F) and non-characters (U+FFFF, ...) are
/// accepted: the specification says a receiver SHOULD NOT reject them. A leading BOM
/// (U+FEFF) is accepted and kept as part of the string.
///
/// ASCII is checked 8 bytes at a time, so topics and identifiers are validated cheaply.
std::error_code validate_utf8_string(std::string_view s) noexcept;

} // namespace braid::protocol
