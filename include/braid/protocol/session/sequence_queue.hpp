#pragma once
// A FIFO of message sequence numbers that keeps its storage: the publish queue
// of a session, pushed at the back and popped at the front once per message,
// without the block allocations of std::deque.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::protocol {

class sequence_queue {
public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  std::uint64_t front() const noexcept { return items_[head_]; }

  void push_back(std::uint64_t s) {
    if (head_ != 0 && head_ * 2 >= items_.size()) {
      compact();
    }
    items_.push_back(s);
  }
  void pop_front() noexcept {
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    }
  }
  /// Puts `sequences` (in order) before everything queued.
  void push_front(const std::vector<std::uint64_t>& sequences) {
    compact();
    items_.insert(items_.begin(), sequences.begin(), sequences.end());
  }
  /// Removes `s`; returns whether it was queued.
  bool erase(std::uint64_t s) {
    auto it = std::find(items_.begin() + static_cast<std::ptrdiff_t>(head_), items_.end(), s);
    if (it == items_.end()) {
      return false;
    }
    items_.erase(it);
    if (empty()) {
      items_.clear();
      head_ = 0;
    }
    return true;
  }

private:
  void compact() {
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  std::vector<std::uint64_t> items_;
  std::size_t head_ = 0;
};

} // namespace braid::protocol
