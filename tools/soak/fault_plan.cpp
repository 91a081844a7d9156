#include "fault_plan.hpp"

#include <array>

namespace braid::soak {

namespace {
constexpr std::array<std::string_view, 5> names = {"cut", "stall", "slice", "kill", "term"};
}

std::string_view to_string(fault_kind k) {
  return names[static_cast<std::size_t>(k)];
}

bool parse_fault_kind(std::string_view name, fault_kind& out) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      out = static_cast<fault_kind>(i);
      return true;
    }
  }
  return false;
}

fault_plan::fault_plan(std::uint64_t seed, std::vector<fault_kind> kinds, double keep_alive_s)
    : random_(seed), kinds_(std::move(kinds)), keep_alive_s_(keep_alive_s) {
}

// Uniform draws computed by hand from the engine's output: the standard's
// distributions may differ between library versions, and a seed must replay
// the same faults wherever it runs.
fault fault_plan::next() {
  const auto unit = [this] {
    return static_cast<double>(random_() >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
  };
  fault f;
  f.kind = kinds_[static_cast<std::size_t>(random_() % kinds_.size())];
  f.after_s = 1.0 + 3.0 * unit();
  switch (f.kind) {
  case fault_kind::stall:
    f.duration_s = keep_alive_s_ * (1.6 + 0.9 * unit());
    break;
  case fault_kind::slice:
    f.duration_s = 1.0 + 2.0 * unit();
    break;
  default:
    break;
  }
  return f;
}

} // namespace braid::soak
