#include "load_progress.hpp"

#include "load_format.hpp"

#include <cstdio>

namespace braid::cli {

std::string load_progress::line(const load_snapshot& s) {
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "[%4.0f s]", s.elapsed_s);
  std::string text = std::string(elapsed) + " up " + grouped(s.up) + "/" + grouped(s.target) +
                     "  connect failures " + grouped(s.connect_failed);
  if (s.shows_out) {
    text += " | out " + grouped(s.out_per_s) + " msg/s";
  }
  if (s.shows_in) {
    text += " | in " + grouped(s.in_per_s) + " msg/s";
  }
  return text + " | errors " + grouped(s.errors);
}

void load_progress::show(const load_snapshot& s) {
  const auto text = line(s);
  if (!terminal_) {
    std::fprintf(stderr, "%s: %s\n", program_.c_str(), text.c_str());
    return;
  }
  // Padded to the previous line's width so that a shorter line leaves nothing behind.
  std::fprintf(stderr, "\r%-*s", static_cast<int>(last_width_), text.c_str());
  std::fflush(stderr);
  last_width_ = std::max(last_width_, text.size());
}

void load_progress::clear() {
  if (terminal_ && last_width_ > 0) {
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(last_width_), "");
    std::fflush(stderr);
  }
}

} // namespace braid::cli
