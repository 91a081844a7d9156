#include <braid/protocol/session/memory_store.hpp>

#include <algorithm>

namespace braid::protocol {

void memory_store::grow() {
  std::vector<std::optional<stored_publish>> bigger(ring_.empty() ? 64 : ring_.size() * 2);
  for (std::size_t i = 0; i < span_; ++i) {
    bigger[i] = std::move(ring_[(head_ + i) & (ring_.size() - 1)]);
  }
  ring_ = std::move(bigger);
  head_ = 0;
}

void memory_store::add(stored_publish record) {
  if (span_ == 0) {
    first_ = record.sequence;
  }
  if (record.sequence < first_) {
    return; // older than anything kept: the session never does this
  }
  // Sequences only grow; a gap (a sequence never stored) stays an empty slot.
  const auto needed = static_cast<std::size_t>(record.sequence - first_) + 1;
  while (needed > ring_.size()) {
    grow();
  }
  span_ = std::max(span_, needed);
  auto& s = slot(record.sequence);
  if (!s) {
    s = std::move(record);
    ++live_;
  }
}

stored_publish* memory_store::find(std::uint64_t sequence) {
  if (sequence < first_) {
    auto it = stragglers_.find(sequence);
    return it == stragglers_.end() ? nullptr : &it->second;
  }
  if (sequence - first_ >= span_) {
    return nullptr;
  }
  auto& s = slot(sequence);
  return s ? &*s : nullptr;
}

void memory_store::remove(std::uint64_t sequence) {
  if (sequence < first_) {
    live_ -= stragglers_.erase(sequence);
    return;
  }
  if (sequence - first_ >= span_) {
    return;
  }
  auto& s = slot(sequence);
  if (s) {
    s.reset();
    --live_;
  }
  drop_empty_front();
  // Mostly empty: the front record holds the ring open; move it aside.
  while (span_ > 256 && span_ > 4 * live_) {
    stragglers_.emplace(first_, std::move(*ring_[head_]));
    ring_[head_].reset();
    drop_empty_front();
  }
}

void memory_store::drop_empty_front() noexcept {
  while (span_ != 0 && !ring_[head_]) {
    head_ = (head_ + 1) & (ring_.size() - 1);
    ++first_;
    --span_;
  }
}

std::vector<std::uint64_t> memory_store::sequences() const {
  std::vector<std::uint64_t> out;
  out.reserve(live_);
  for (const auto& [sequence, record] : stragglers_) {
    out.push_back(sequence);
  }
  for (std::size_t i = 0; i < span_; ++i) {
    if (ring_[(head_ + i) & (ring_.size() - 1)]) {
      out.push_back(first_ + i);
    }
  }
  return out;
}

void memory_store::add_incoming(std::uint16_t packet_id) {
  if (!incoming_.test(packet_id)) {
    incoming_.set(packet_id);
    ++incoming_count_;
  }
}

bool memory_store::contains_incoming(std::uint16_t packet_id) const {
  return incoming_.test(packet_id);
}

bool memory_store::remove_incoming(std::uint16_t packet_id) {
  if (!incoming_.test(packet_id)) {
    return false;
  }
  incoming_.reset(packet_id);
  --incoming_count_;
  return true;
}

void memory_store::clear_incoming() {
  incoming_.clear();
  incoming_count_ = 0;
  replays_.clear();
}

void memory_store::add_subscription(const subscription& s) {
  auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                         [&](const subscription& x) { return x.filter == s.filter; });
  if (it != subscriptions_.end()) {
    *it = s;
  } else {
    subscriptions_.push_back(s);
  }
}

void memory_store::remove_subscription(std::string_view filter) {
  std::erase_if(subscriptions_, [&](const subscription& x) { return x.filter == filter; });
}

void memory_store::clear(bool keep_subscriptions) {
  for (auto& s : ring_) {
    s.reset();
  }
  stragglers_.clear();
  head_ = 0;
  span_ = 0;
  live_ = 0;
  incoming_.clear();
  incoming_count_ = 0;
  replays_.clear();
  if (!keep_subscriptions) {
    subscriptions_.clear();
  }
}

} // namespace braid::protocol
