#include <braid/protocol/output_buffer.hpp>

#include <algorithm>
#include <cstring>

namespace braid::protocol {

bytes output_buffer::flatten() const {
  bytes all;
  all.reserve(size());
  for_each_part([&](byte_view part) { all.insert(all.end(), part.begin(), part.end()); });
  return all;
}

void output_buffer::grow(std::size_t extra) {
  auto wanted = std::max({size_ + extra, capacity_ * 2, kFirstCapacity});
  auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(wanted);
  if (size_ != 0) {
    std::memcpy(bigger.get(), data_.get(), size_);
  }
  data_ = std::move(bigger);
  capacity_ = wanted;
}

} // namespace braid::protocol
