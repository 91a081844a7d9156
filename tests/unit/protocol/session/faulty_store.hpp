#pragma once
// A memory store that keeps track of what a durable store would have to
// commit, and fails its next commits when told to: for the session's
// durability tests and the session fuzzer (standard library only).

#include <braid/protocol/session/memory_store.hpp>

#include <set>
#include <system_error>

namespace braid::protocol::testing {

class faulty_store final : public session_store {
public:
  int failures_to_come = 0;
  int commits = 0;
  std::error_code failure = std::make_error_code(std::errc::no_space_on_device);

  void add(stored_publish r) override {
    added_.insert(r.sequence);
    changed_ = true;
    mem_.add(std::move(r));
  }
  stored_publish* find(std::uint64_t s) override { return mem_.find(s); }
  void update(const stored_publish& r) override {
    changed_ = true;
    mem_.update(r);
  }
  void remove(std::uint64_t s) override {
    added_.erase(s);
    changed_ = true;
    mem_.remove(s);
  }
  std::vector<std::uint64_t> sequences() const override { return mem_.sequences(); }
  void add_incoming(std::uint16_t id) override {
    changed_ = true;
    mem_.add_incoming(id);
  }
  bool contains_incoming(std::uint16_t id) const override { return mem_.contains_incoming(id); }
  bool remove_incoming(std::uint16_t id) override {
    changed_ = true;
    return mem_.remove_incoming(id);
  }
  std::size_t incoming_count() const override { return mem_.incoming_count(); }
  void clear_incoming() override {
    changed_ = true;
    mem_.clear_incoming();
  }
  void remember_delivered(replay_memory::entry e, std::size_t capacity) override {
    changed_ = true;
    mem_.remember_delivered(e, capacity);
  }
  bool delivered_before(replay_memory::entry e) const override { return mem_.delivered_before(e); }
  void add_subscription(const subscription& s) override {
    changed_ = true;
    mem_.add_subscription(s);
  }
  void remove_subscription(std::string_view f) override {
    changed_ = true;
    mem_.remove_subscription(f);
  }
  std::vector<subscription> subscriptions() const override { return mem_.subscriptions(); }
  void clear(bool keep) override {
    changed_ = true;
    added_.clear();
    mem_.clear(keep);
  }
  bool dirty() const override { return changed_; }
  std::error_code flush() override {
    if (failures_to_come > 0) {
      --failures_to_come;
      return failure;
    }
    ++commits;
    added_.clear();
    changed_ = false;
    return {};
  }
  std::vector<std::uint64_t> not_durable() const override { return {added_.begin(), added_.end()}; }

private:
  memory_store mem_;
  std::set<std::uint64_t> added_;
  bool changed_ = false;
};

} // namespace braid::protocol::testing
