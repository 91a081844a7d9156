#pragma once
// Counts the heap allocations (operator new) made by one thread while it is
// counting. Link alloc_counter.cpp into an executable to use it: it replaces
// the global operator new and delete of that executable.

#include <cstdint>

namespace braid::bench {

/// Allocations counted so far on this thread.
std::uint64_t allocations();

/// Counts this thread's allocations while it lives.
class counting {
public:
  counting();
  ~counting();
  counting(const counting&) = delete;
  counting& operator=(const counting&) = delete;

private:
  bool was_;
};

/// Stops counting while it lives (e.g. while the caller builds its message:
/// the caller's allocations are not the library's).
class not_counting {
public:
  not_counting();
  ~not_counting();
  not_counting(const not_counting&) = delete;
  not_counting& operator=(const not_counting&) = delete;

private:
  bool was_;
};

} // namespace braid::bench
