#pragma once
// Internal: a move-only void() callable stored in place when it fits (a
// completion handler with its results does), so that queueing one does not
// allocate. A larger one goes to the heap.

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace braid::detail {

class deferred_task {
public:
  static constexpr std::size_t inline_size = 192;

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, deferred_task>>>
  explicit deferred_task(F&& f) {
    using T = std::decay_t<F>;
    if constexpr (sizeof(T) <= inline_size && alignof(T) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<T>) {
      ::new (static_cast<void*>(storage_)) T(std::forward<F>(f));
      ops_ = &inline_ops<T>;
    } else {
      *reinterpret_cast<T**>(storage_) = new T(std::forward<F>(f));
      ops_ = &heap_ops<T>;
    }
  }
  deferred_task(deferred_task&& other) noexcept : ops_(other.ops_) {
    ops_->move(other.storage_, storage_);
  }
  deferred_task& operator=(deferred_task&&) = delete;
  deferred_task(const deferred_task&) = delete;
  deferred_task& operator=(const deferred_task&) = delete;
  ~deferred_task() { ops_->destroy(storage_); }

  /// Runs the callable (once).
  void operator()() { ops_->invoke(storage_); }

private:
  struct operations {
    void (*invoke)(void*);
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <class T>
  static constexpr operations inline_ops{
      [](void* p) { (*static_cast<T*>(p))(); },
      [](void* from, void* to) noexcept { ::new (to) T(std::move(*static_cast<T*>(from))); },
      [](void* p) noexcept { static_cast<T*>(p)->~T(); },
  };
  template <class T>
  static constexpr operations heap_ops{
      [](void* p) { (**static_cast<T**>(p))(); },
      [](void* from, void* to) noexcept {
        *static_cast<T**>(to) = *static_cast<T**>(from);
        *static_cast<T**>(from) = nullptr;
      },
      [](void* p) noexcept { delete *static_cast<T**>(p); },
  };

  alignas(std::max_align_t) unsigned char storage_[inline_size];
  const operations* ops_;
};

} // namespace braid::detail
