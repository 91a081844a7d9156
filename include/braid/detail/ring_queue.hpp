#pragma once
// Internal: a FIFO queue in one ring buffer that grows by doubling and keeps
// its storage: unlike std::deque it allocates nothing in steady state, and
// nothing at all until the first item (libstdc++'s std::deque allocates
// some 600 bytes when it is made, which an idle client would hold for each
// of its queues). Items are only ever move-constructed, never assigned
// (Boost 1.81's any_completion_handler cannot be move-assigned).

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace braid::detail {

/// `FirstCapacity` (a power of two): the room the first item makes.
template <class T, std::size_t FirstCapacity = 4>
class ring_queue {
  static_assert(FirstCapacity > 0 && (FirstCapacity & (FirstCapacity - 1)) == 0);

public:
  ring_queue() = default;
  /// The other queue is left empty.
  ring_queue(ring_queue&& other) noexcept
      : items_(std::move(other.items_)), head_(other.head_), size_(other.size_) {
    other.items_.clear();
    other.head_ = other.size_ = 0;
  }
  ring_queue& operator=(ring_queue&& other) noexcept {
    if (this != &other) {
      items_ = std::move(other.items_);
      head_ = other.head_;
      size_ = other.size_;
      other.items_.clear();
      other.head_ = other.size_ = 0;
    }
    return *this;
  }

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
  const T& operator[](std::size_t i) const { return *items_[(head_ + i) & (items_.size() - 1)]; }
  /// The index of the first item that `pred` accepts; size() if none does.
  template <class Pred>
  std::size_t find_if(Pred pred) const {
    std::size_t i = 0;
    while (i < size_ && !pred((*this)[i])) {
      ++i;
    }
    return i;
  }
  /// Removes item i, keeping the order of the others.
  void erase(std::size_t i) {
    for (; i + 1 < size_; ++i) {
      slot(i).reset();
      slot(i).emplace(std::move(*slot(i + 1)));
    }
    slot(size_ - 1).reset();
    --size_;
  }
  /// Removes every item; the storage is kept.
  void clear() {
    while (!empty()) {
      pop_front();
    }
  }

private:
  std::optional<T>& slot(std::size_t i) { return items_[(head_ + i) & (items_.size() - 1)]; }

  void grow() {
    std::vector<std::optional<T>> bigger(items_.empty() ? FirstCapacity : items_.size() * 2);
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
