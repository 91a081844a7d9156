#pragma once
// The line `--stats` prints: client::stats() as rates over the last interval
// and what the client holds now.

#include <braid/client_stats.hpp>

#include <string>

namespace braid::cli {

/// "sent 1200 msg/s (0/1200/0 by QoS) 35.2 KiB/s, received 0 msg/s ... ;
/// in flight 20, queued 0, ...". `seconds` is the time from `before` to `now`.
std::string stats_line(const client_stats& now, const client_stats& before, double seconds);

} // namespace braid::cli
