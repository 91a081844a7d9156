#pragma once
// A log-bucket histogram of non-negative integers (nanoseconds), in the
// manner of HdrHistogram: values below 256 have a bucket each; above, every
// power of two is split into 128 buckets, so a bucket is at most 1/128 (0.8%)
// of its values wide and a percentile read from the middle of its bucket is
// within 0.4% of the exact one. Recording is O(1) (a bit width and a shift);
// two histograms merge by adding their counts, so each thread keeps its own
// and they are merged at the end. All of uint64_t fits in 7,424 buckets
// (58 KiB), allocated once.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::cli {

class load_histogram {
public:
  static constexpr unsigned exact_bits = 8; // 0..255 exactly
  static constexpr unsigned sub_bits = 7;   // 128 buckets per power of two above
  static constexpr std::size_t bucket_count =
      (1u << exact_bits) + (64 - exact_bits) * (1u << sub_bits);

  load_histogram() : counts_(bucket_count, 0) {}

  void record(std::uint64_t value) noexcept;
  /// Adds `other`'s values to these.
  void merge(const load_histogram& other) noexcept;

  std::uint64_t count() const noexcept { return count_; }
  /// Exact smallest and largest values; 0 when empty.
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept;

  /// The value at percentile `p` (0 to 1) by nearest rank: the smallest
  /// recorded value that at least p of all values are at or below, read as
  /// the middle of its bucket and kept within [min, max]. p = 1 is the exact
  /// max, p = 0 the exact min; 0 when empty.
  std::uint64_t percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t value) noexcept;
  /// The smallest and largest value of bucket `index`.
  static std::uint64_t bucket_low(std::size_t index) noexcept;
  static std::uint64_t bucket_high(std::size_t index) noexcept;

private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

} // namespace braid::cli
