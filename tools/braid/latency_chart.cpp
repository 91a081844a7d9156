#include "latency_chart.hpp"

#include "workload.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace braid::cli {

std::string latency_chart(const std::vector<double>& sorted_us, int bar_width) {
  if (sorted_us.empty()) {
    return "no round trips measured\n";
  }
  char line[160];
  std::string out;
  std::snprintf(line, sizeof line,
                "round trip (µs): p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (n=%zu)\n",
                loadgen::percentile(sorted_us, 0.50), loadgen::percentile(sorted_us, 0.90),
                loadgen::percentile(sorted_us, 0.99), loadgen::percentile(sorted_us, 0.999),
                sorted_us.back(), sorted_us.size());
  out += line;
  // Buckets [2^k, 2^(k+1)) µs from the smallest to the largest sample.
  const auto bucket_of = [](double us) {
    return us < 1.0 ? 0 : static_cast<int>(std::floor(std::log2(us)));
  };
  const int first = bucket_of(sorted_us.front());
  const int last = bucket_of(sorted_us.back());
  std::vector<std::size_t> counts(static_cast<std::size_t>(last - first + 1), 0);
  for (double us : sorted_us) {
    ++counts[static_cast<std::size_t>(bucket_of(us) - first)];
  }
  const auto peak = *std::max_element(counts.begin(), counts.end());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int k = first + static_cast<int>(i);
    const auto width = static_cast<int>(
        std::lround(static_cast<double>(counts[i]) * bar_width / static_cast<double>(peak)));
    std::snprintf(line, sizeof line, "  %7.0f-%-7.0f µs |%-*s %5.1f%%\n", std::ldexp(1.0, k),
                  std::ldexp(1.0, k + 1), bar_width,
                  std::string(static_cast<std::size_t>(width), '#').c_str(),
                  100.0 * static_cast<double>(counts[i]) / static_cast<double>(sorted_us.size()));
    out += line;
  }
  return out;
}

} // namespace braid::cli
