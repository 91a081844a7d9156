#include <braid/protocol/session/memory_store.hpp>

#include <algorithm>

namespace braid::protocol {

void memory_store::add(stored_publish record) {
  if (records_.empty()) {
    first_ = record.sequence;
  }
  // Sequences only grow; a gap (a sequence never stored) stays an empty slot.
  while (first_ + records_.size() < record.sequence) {
    records_.emplace_back();
  }
  if (record.sequence < first_) {
    return; // older than anything kept: the session never does this
  }
  auto index = record.sequence - first_;
  if (index == records_.size()) {
    records_.emplace_back(std::move(record));
    ++live_;
  } else if (!records_[index]) {
    records_[index] = std::move(record);
    ++live_;
  }
}

stored_publish* memory_store::find(std::uint64_t sequence) {
  if (sequence < first_ || sequence - first_ >= records_.size()) {
    return nullptr;
  }
  auto& slot = records_[sequence - first_];
  return slot ? &*slot : nullptr;
}

void memory_store::remove(std::uint64_t sequence) {
  if (sequence < first_ || sequence - first_ >= records_.size()) {
    return;
  }
  auto& slot = records_[sequence - first_];
  if (slot) {
    slot.reset();
    --live_;
  }
  while (!records_.empty() && !records_.front()) {
    records_.pop_front();
    ++first_;
  }
}

std::vector<std::uint64_t> memory_store::sequences() const {
  std::vector<std::uint64_t> out;
  out.reserve(live_);
  for (std::size_t i = 0; i < records_.size(); ++i) {
    if (records_[i]) {
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
  incoming_.reset();
  incoming_count_ = 0;
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
  records_.clear();
  live_ = 0;
  incoming_.reset();
  incoming_count_ = 0;
  if (!keep_subscriptions) {
    subscriptions_.clear();
  }
}

} // namespace braid::protocol
