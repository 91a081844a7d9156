#include <braid/protocol/topic.hpp>
#include <braid/protocol/utf8.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace braid::protocol {

namespace {

constexpr std::string_view share_prefix = "$share/";

// Whether every wildcard of `filter` is alone in its level, with '#' only in the last level.
bool wildcards_well_placed(std::string_view filter) noexcept {
  const std::size_t n = filter.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = filter[i];
    if (c != '+' && c != '#') {
      continue;
    }
    const bool starts_level = i == 0 || filter[i - 1] == '/';
    const bool ends_filter = i + 1 == n;
    const bool ends_level = ends_filter || filter[i + 1] == '/';
    if (!starts_level || !ends_level || (c == '#' && !ends_filter)) {
      return false;
    }
  }
  return true;
}

// Takes the next level off the front of `rest`; clears `more` when it was the last level.
std::string_view next_level(std::string_view& rest, bool& more) noexcept {
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    more = false;
    return rest;
  }
  const std::string_view level = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  return level;
}

// Whether `name` contains '+' or '#'. Runs on every PUBLISH, so it tests eight
// bytes at a time; a byte-wise test is exact because UTF-8 multibyte sequences
// never contain ASCII bytes.
bool contains_wildcard(std::string_view name) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  auto has_byte = [](std::uint64_t w, unsigned char c) {
    const std::uint64_t x = w ^ (ones * c);
    return ((x - ones) & ~x & highs) != 0;
  };
  std::size_t i = 0;
  for (; i + 8 <= name.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, name.data() + i, sizeof w);
    if (has_byte(w, '+') || has_byte(w, '#')) {
      return true;
    }
  }
  for (; i < name.size(); ++i) {
    if (name[i] == '+' || name[i] == '#') {
      return true;
    }
  }
  return false;
}

} // namespace

std::error_code validate_topic_name(std::string_view name) noexcept {
  if (auto ec = validate_utf8_string(name)) {
    return ec;
  }
  if (name.empty()) {
    return errc::topic_name_empty;
  }
  if (contains_wildcard(name)) {
    return errc::topic_name_wildcard;
  }
  return {};
}

std::error_code validate_topic_filter(std::string_view filter) noexcept {
  if (auto ec = validate_utf8_string(filter)) {
    return ec;
  }
  if (filter.empty()) {
    return errc::topic_filter_empty;
  }
  if (filter.starts_with(share_prefix)) {
    const auto shared = parse_shared_subscription(filter);
    if (!shared) {
      return errc::shared_subscription_invalid;
    }
    filter = shared->filter;
  }
  if (!wildcards_well_placed(filter)) {
    return errc::topic_filter_invalid;
  }
  return {};
}

std::optional<shared_subscription> parse_shared_subscription(std::string_view filter) noexcept {
  if (!filter.starts_with(share_prefix)) {
    return std::nullopt;
  }
  const std::string_view rest = filter.substr(share_prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size()) {
    return std::nullopt; // empty group, no '/' after the group, or empty filter
  }
  const std::string_view group = rest.substr(0, slash);
  if (group.find_first_of("+#") != std::string_view::npos) {
    return std::nullopt;
  }
  return shared_subscription{group, rest.substr(slash + 1)};
}

bool topic_matches(std::string_view filter, std::string_view name) noexcept {
  if (const auto shared = parse_shared_subscription(filter)) {
    filter = shared->filter;
  }
  // Wildcards in the first level do not match topics starting with '$' ($SYS/...).
  if (!name.empty() && name.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }

  bool filter_more = true;
  bool name_more = true;
  while (filter_more) {
    const std::string_view f = next_level(filter, filter_more);
    if (f == "#") {
      return true; // the rest of the name, or nothing: "a/#" matches "a"
    }
    if (!name_more) {
      return false; // the filter has more levels than the name
    }
    const std::string_view n = next_level(name, name_more);
    if (f != "+" && f != n) {
      return false;
    }
  }
  return !name_more; // false if the name has more levels than the filter
}

} // namespace braid::protocol
