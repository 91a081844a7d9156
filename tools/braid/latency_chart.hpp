#pragma once
// The latency summary of `braid bench`: HDR-style percentiles and a compact
// text histogram on log-spaced buckets.

#include <string>
#include <vector>

namespace braid::cli {

/// p50, p90, p99, p99.9 and max of `sorted_us` (sorted round trips in µs),
/// then one line per non-empty bucket: "  64-128 µs |#########   41.2%".
std::string latency_chart(const std::vector<double>& sorted_us, int bar_width = 40);

} // namespace braid::cli
