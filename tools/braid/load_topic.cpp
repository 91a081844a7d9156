#include "load_topic.hpp"

namespace braid::cli {

bool check_topic_template(std::string_view pattern, std::string& error) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      continue;
    }
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (next != 'i' && next != 'c' && next != '%') {
      error = "topic template '" + std::string(pattern) + "': '%" +
              (next == '\0' ? std::string() : std::string(1, next)) +
              "' is not a code (use %i for the client's number, %c for its client id, %% for %)";
      return false;
    }
    ++i;
  }
  return true;
}

bool topic_template_varies(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] == '%') {
      if (pattern[i + 1] == 'i' || pattern[i + 1] == 'c') {
        return true;
      }
      ++i; // %%
    }
  }
  return false;
}

std::string expand_topic(std::string_view pattern, std::uint64_t index,
                         std::string_view client_id) {
  std::string out;
  out.reserve(pattern.size() + 16);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (pattern[i] == '%' && next == 'i') {
      out += std::to_string(index);
    } else if (pattern[i] == '%' && next == 'c') {
      out += client_id;
    } else if (pattern[i] == '%' && next == '%') {
      out += '%';
    } else {
      out += pattern[i];
      continue;
    }
    ++i;
  }
  return out;
}

std::string filter_for_template(std::string_view pattern) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    const auto end = pattern.find('/', start);
    const auto level =
        pattern.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += topic_template_varies(level) ? "+" : expand_topic(level, 0, {});
    if (end == std::string_view::npos) {
      return out;
    }
    out += '/';
    start = end + 1;
  }
}

} // namespace braid::cli
