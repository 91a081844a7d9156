#pragma once
// Numbers as the load run's lines print them: 12,345 and 0.412.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace braid::cli {

/// `value` rounded to a whole number, with a comma every three digits.
inline std::string grouped(double value) {
  if (!std::isfinite(value)) {
    return "-";
  }
  const auto whole = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(whole < 0 ? -whole : whole);
  for (auto at = static_cast<long>(digits.size()) - 3; at > 0; at -= 3) {
    digits.insert(static_cast<std::size_t>(at), ",");
  }
  return whole < 0 ? "-" + digits : digits;
}

inline std::string grouped(std::uint64_t value) {
  return grouped(static_cast<double>(value));
}

/// `value` with `decimals` digits after the point.
inline std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

} // namespace braid::cli
