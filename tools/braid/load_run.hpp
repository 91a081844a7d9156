#pragma once
// The control of a load run: the worker threads, the phases (subscribers
// connect and subscribe, then the measured clients connect at the ramp's
// pace and publish), the end (--count reached, -d over, or Ctrl-C), the
// drain and the disconnects; a sample of the rates every second for the
// progress line and the plot.

#include "load_options.hpp"
#include "load_result.hpp"

#include <functional>

namespace braid::cli {

/// What the progress line shows, once a second.
struct load_snapshot {
  double elapsed_s = 0;
  std::uint64_t target = 0; ///< clients asked for
  std::uint64_t up = 0, connect_failed = 0, errors = 0;
  double out_per_s = 0, in_per_s = 0;
  bool shows_out = true, shows_in = true; ///< whether this mode publishes / receives
};

/// Runs the load of `o` (resolved into `setup`); `on_second` (may be empty)
/// is called about every second.
load_result run_load(const load_options& o, const load_setup& setup,
                     const std::function<void(const load_snapshot&)>& on_second);

} // namespace braid::cli
