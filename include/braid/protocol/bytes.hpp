#pragma once
// Byte containers used by the packet model.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace braid::protocol {

/// Owned bytes: payloads, passwords, binary properties.
using bytes = std::vector<std::uint8_t>;

/// Borrowed bytes; the owner keeps them alive for as long as the view is used.
using byte_view = std::span<const std::uint8_t>;

/// Views the characters of a string as bytes.
inline byte_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Copies a string into owned bytes.
inline bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return {v.begin(), v.end()};
}

} // namespace braid::protocol
