// The global operator new and delete of an executable that counts its
// allocations (alloc_counter.hpp): malloc and free, plus a count per thread.
#include "alloc_counter.hpp"

#include <execinfo.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>

namespace braid::bench {
namespace {

thread_local bool counting_now = false;
thread_local std::uint64_t counted = 0;

// BRAID_ALLOC_TRACE=N: the call stacks of the first N counted allocations go
// to stderr with their sizes (resolve the frames with addr2line -f -C -e EXECUTABLE
// +OFFSET).
long traces_left() {
  static long left = [] {
    const char* n = std::getenv("BRAID_ALLOC_TRACE");
    return n == nullptr ? 0L : std::atol(n);
  }();
  return left--;
}

void count_one(std::size_t size) {
  ++counted;
  if (traces_left() > 0) {
    counting_now = false; // backtrace() may allocate
    void* frames[40];
    const int n = backtrace(frames, 40);
    char line[64];
    const int length = std::snprintf(line, sizeof line, "-- allocation of %zu bytes\n", size);
    (void)!write(2, line, static_cast<std::size_t>(length));
    backtrace_symbols_fd(frames, n, 2);
    counting_now = true;
  }
}

void* allocate(std::size_t size) {
  if (counting_now) {
    count_one(size);
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}

void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
  if (counting_now) {
    count_one(size);
  }
  const auto a = static_cast<std::size_t>(alignment);
  // aligned_alloc wants a size that is a multiple of the alignment.
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) {
    return p;
  }
  throw std::bad_alloc();
}

} // namespace

std::uint64_t allocations() {
  return counted;
}

counting::counting() : was_(counting_now) {
  counting_now = true;
}
counting::~counting() {
  counting_now = was_;
}
not_counting::not_counting() : was_(counting_now) {
  counting_now = false;
}
not_counting::~not_counting() {
  counting_now = was_;
}

} // namespace braid::bench

void* operator new(std::size_t size) {
  return braid::bench::allocate(size);
}
void* operator new[](std::size_t size) {
  return braid::bench::allocate(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return braid::bench::allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return braid::bench::allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t a) {
  return braid::bench::allocate_aligned(size, a);
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return braid::bench::allocate_aligned(size, a);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
