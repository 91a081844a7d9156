#pragma once
// --plot: one self-contained SVG (no script, no external resource) with two
// charts of a load run:
//  1. the percentile curve, as HdrHistogram plots it: x is the percentile on
//     a log scale of 1/(1-p) (50%, 90%, 99%, 99.9%, 99.99%), y the latency
//     (µs or ms); the polyline has id "percentiles" and load_plot_points
//     vertices;
//  2. the rates over time, a vertex per second of the timeline: polylines
//     "rate-out" and "rate-in" (msg/s), or for `conn` "connections-up".

#include "load_histogram.hpp"
#include "load_result.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace braid::cli {

/// Vertices of the percentile curve: x from 0 to 4 (99.99%) in steps of 0.04.
constexpr std::size_t load_plot_points = 101;

struct load_plot_input {
  std::string title;
  const load_histogram* histogram = nullptr; ///< values in ns
  std::string measured = "latency";          ///< what the histogram holds, for its axis
  const std::vector<load_sample>* timeline = nullptr;
  bool connections = false; ///< plot connections up instead of the message rates
};

std::string load_plot_svg(const load_plot_input& in);

} // namespace braid::cli
