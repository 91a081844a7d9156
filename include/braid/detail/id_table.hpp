#pragma once
// Internal: values by request id in one flat array (open addressing, linear
// probing, deletion by backward shift). Unlike a node-based map it does not
// allocate per entry: once it has grown to the most entries held at once, a
// steady stream of inserts and removals allocates nothing. Values are only
// ever move-constructed, never assigned (Boost 1.81's
// any_completion_handler cannot be move-assigned).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace braid::detail {

template <class T>
class id_table {
public:
  /// `id` must not be 0 (the empty slot's) nor be in the table already.
  void insert(std::uint64_t id, T value) {
    if ((size_ + 1) * 2 > slots_.size()) {
      grow();
    }
    place(id, std::move(value));
    ++size_;
  }

  /// The value of `id`, or null.
  T* find(std::uint64_t id) {
    const auto i = index_of(id);
    return i == npos ? nullptr : &*slots_[i].value;
  }

  /// Removes the value of `id` and returns it; nothing if absent.
  std::optional<T> take(std::uint64_t id) {
    const auto i = index_of(id);
    if (i == npos) {
      return std::nullopt;
    }
    std::optional<T> out(std::move(slots_[i].value));
    erase_at(i);
    --size_;
    return out;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

private:
  struct slot {
    std::uint64_t id = 0;
    std::optional<T> value;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t index_of(std::uint64_t id) const {
    if (size_ == 0 || id == 0) {
      return npos;
    }
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (slots_[i].id == id) {
        return i;
      }
      if (slots_[i].id == 0) {
        return npos;
      }
    }
  }

  std::size_t mask() const { return slots_.size() - 1; }
  // Fibonacci hashing: consecutive ids land far apart.
  std::size_t home(std::uint64_t id) const {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void place(std::uint64_t id, T value) {
    std::size_t i = home(id);
    while (slots_[i].id != 0) {
      i = (i + 1) & mask();
    }
    slots_[i].id = id;
    slots_[i].value.emplace(std::move(value));
  }

  void grow() {
    std::vector<slot> old(slots_.empty() ? 16 : slots_.size() * 2);
    old.swap(slots_);
    shift_ = 64;
    for (std::size_t n = slots_.size(); n > 1; n >>= 1) {
      --shift_;
    }
    for (auto& s : old) {
      if (s.id != 0) {
        place(s.id, std::move(*s.value));
      }
    }
  }

  // Empties slot i, moving back the entries after it that would no longer
  // be found past the hole.
  void erase_at(std::size_t i) {
    for (std::size_t j = (i + 1) & mask(); slots_[j].id != 0; j = (j + 1) & mask()) {
      const std::size_t k = home(slots_[j].id);
      // Entry j may fill the hole unless its home lies cyclically in (i, j].
      const bool home_between = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!home_between) {
        slots_[i].id = slots_[j].id;
        slots_[i].value.reset();
        slots_[i].value.emplace(std::move(*slots_[j].value));
        i = j;
      }
    }
    slots_[i].id = 0;
    slots_[i].value.reset();
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  unsigned shift_ = 64;
};

} // namespace braid::detail
