#include "load_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace braid::cli {

namespace {
constexpr std::uint64_t exact_limit = std::uint64_t{1} << load_histogram::exact_bits;
constexpr std::uint64_t sub_count = std::uint64_t{1} << load_histogram::sub_bits;
} // namespace

// Above the exact range, a value of bit width w keeps its top 8 bits: the
// shift (w - 8) picks the power of two, the top bits below the leading one
// (0..127) the bucket within it.
std::size_t load_histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < exact_limit) {
    return static_cast<std::size_t>(value);
  }
  const auto shift = static_cast<unsigned>(std::bit_width(value)) - exact_bits;
  const std::uint64_t top = (value >> shift) - sub_count; // 0..127
  return static_cast<std::size_t>(exact_limit + (shift - 1) * sub_count + top);
}

std::uint64_t load_histogram::bucket_low(std::size_t index) noexcept {
  if (index < exact_limit) {
    return index;
  }
  const std::uint64_t above = index - exact_limit;
  const auto shift = static_cast<unsigned>(above / sub_count) + 1;
  return (sub_count + above % sub_count) << shift;
}

std::uint64_t load_histogram::bucket_high(std::size_t index) noexcept {
  if (index < exact_limit) {
    return index;
  }
  const std::uint64_t above = index - exact_limit;
  const auto shift = static_cast<unsigned>(above / sub_count) + 1;
  return bucket_low(index) + ((std::uint64_t{1} << shift) - 1);
}

void load_histogram::record(std::uint64_t value) noexcept {
  ++counts_[bucket_of(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void load_histogram::merge(const load_histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) {
    counts_[i] += other.counts_[i];
  }
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double load_histogram::mean() const noexcept {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t load_histogram::percentile(double p) const noexcept {
  if (count_ == 0) {
    return 0;
  }
  if (p <= 0) {
    return min_;
  }
  if (p >= 1) {
    return max_;
  }
  // The rank of the value (1-based); the small subtraction keeps 0.99 * 100
  // at 99 where the product comes out a hair above it.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_) - 1e-9)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t low = bucket_low(i);
      const std::uint64_t middle = low + (bucket_high(i) - low) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

} // namespace braid::cli
