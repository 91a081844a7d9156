#pragma once
// Internal: a FIFO queue in one ring buffer that grows by doubling and keeps
// its storage: unlike std::deque it allocates nothing in steady state. Items
// are only ever move-constructed, never assigned (Boost 1.81's
// any_completion_handler cannot be move-assigned).

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace braid::detail {

template <class T>
class ring_queue {
public:
  void push_back(T value) {
    if (size_ == items_.size()) {
      grow();
    }
    slot(size_).emplace(std::move(value));
    ++size_;
  }
  T& front() { return *items_[head_]; }
  /// Removes the front item (destroying it at once).
  void pop_front() {
    items_[head_].reset();
    head_ = (head_ + 1) & (items_.size() - 1);
    --size_;
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return *slot(i); }
  /// Removes item i, keeping the order of the others.
  void erase(std::size_t i) {
    for (; i + 1 < size_; ++i) {
      slot(i).reset();
      slot(i).emplace(std::move(*slot(i + 1)));
    }
    slot(size_ - 1).reset();
    --size_;
  }

private:
  std::optional<T>& slot(std::size_t i) { return items_[(head_ + i) & (items_.size() - 1)]; }

  void grow() {
    std::vector<std::optional<T>> bigger(items_.empty() ? 16 : items_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) {
      bigger[i].emplace(std::move(*slot(i)));
    }
    items_.swap(bigger);
    head_ = 0;
  }

  std::vector<std::optional<T>> items_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

} // namespace braid::detail
