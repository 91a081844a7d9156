#include <braid/protocol/session/replay_memory.hpp>

namespace braid::protocol {

namespace {

constexpr std::uint64_t k_multiplier = 0x9e3779b97f4a7c15ull;

std::uint64_t mix(std::uint64_t h) noexcept { // splitmix64's finaliser
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Eight bytes at a time, little-endian whatever the machine, so that a digest
// written by one machine is read the same by another.
std::uint64_t absorb(std::uint64_t h, const std::uint8_t* p, std::size_t n) noexcept {
  while (n >= 8) {
    std::uint64_t w = 0;
    for (int i = 7; i >= 0; --i) {
      w = (w << 8) | p[i];
    }
    h = ((h ^ w) * k_multiplier);
    h = (h << 31) | (h >> 33);
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  for (std::size_t i = n; i-- > 0;) {
    w = (w << 8) | p[i];
  }
  h = ((h ^ w ^ (std::uint64_t{n} << 56)) * k_multiplier);
  return mix(h);
}

} // namespace

std::uint64_t message_digest(std::string_view topic, byte_view payload) noexcept {
  // The lengths go in first, so that topic "ab" + payload "c" differs from
  // topic "a" + payload "bc".
  std::uint64_t h = mix(topic.size() * k_multiplier + payload.size());
  h = absorb(h, reinterpret_cast<const std::uint8_t*>(topic.data()), topic.size());
  return absorb(h, payload.data(), payload.size());
}

void replay_memory::remember(entry e, std::size_t capacity) {
  if (capacity == 0) {
    clear();
    return;
  }
  if (ring_.size() > capacity || (ring_.size() < capacity && next_ != 0)) {
    // The capacity changed (a store loaded with another one): put the
    // entries in order again, keeping the newest.
    auto kept = entries();
    if (kept.size() > capacity) {
      kept.erase(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(capacity));
    }
    ring_ = std::move(kept);
    next_ = 0;
  }
  if (ring_.size() < capacity) {
    ring_.push_back(e); // not full yet: the entries are in order
    return;
  }
  ring_[next_] = e; // full: the oldest goes
  next_ = (next_ + 1) % ring_.size();
}

bool replay_memory::matches(entry e) const noexcept {
  // Newest first: the entry just before next_, going back round the ring.
  const std::size_t n = ring_.size();
  for (std::size_t k = 1; k <= n; ++k) {
    const auto& x = ring_[(next_ + n - k) % n];
    if (x.packet_id == e.packet_id) {
      return x.digest == e.digest;
    }
  }
  return false;
}

void replay_memory::clear() noexcept {
  ring_.clear();
  ring_.shrink_to_fit();
  next_ = 0;
}

std::vector<replay_memory::entry> replay_memory::entries() const {
  std::vector<entry> out;
  out.reserve(ring_.size());
  for (std::size_t k = 0; k < ring_.size(); ++k) {
    out.push_back(ring_[(next_ + k) % ring_.size()]);
  }
  return out;
}

} // namespace braid::protocol
