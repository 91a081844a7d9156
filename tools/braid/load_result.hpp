#pragma once
// What a run of `braid bench conn|pub|sub|pubsub` measured: totals, the
// merged histograms, the per-second rates, memory and the errors by reason.

#include "load_histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace braid::cli {

/// One second of the run (the last one may be shorter).
struct load_sample {
  double t_s = 0;       ///< end of the interval, seconds from the run's start
  double out_per_s = 0; ///< publishes completed (acknowledged; QoS 0: written)
  double in_per_s = 0;  ///< messages received
  std::uint64_t up = 0; ///< connections up at its end
};

struct load_result {
  std::uint64_t planned = 0; ///< clients asked for (publishers and subscribers)
  std::uint64_t attempted = 0, connected = 0, connect_failed = 0, lost = 0;
  std::uint64_t subscribed = 0, subscribe_failed = 0;
  std::uint64_t sent = 0, published = 0, publish_errors = 0;
  std::uint64_t received = 0, expected = 0;
  bool expected_known = false; ///< pubsub, when the fan-out could be counted

  double seconds = 0;         ///< the whole run, connects to disconnects
  double connect_seconds = 0; ///< first connect started to last CONNACK
  double publish_seconds = 0; ///< first publish to last completion
  double receive_seconds = 0; ///< first publish to last arrival

  load_histogram connect_ns, latency_ns, ack_ns;
  std::vector<load_sample> timeline;
  std::map<std::string, std::uint64_t> reasons;

  long rss_kb_start = 0, rss_kb_connected = 0;
  long fds_start = 0, fds_connected = 0; ///< open file descriptors
  std::uint64_t fd_limit = 0;
  bool interrupted = false; ///< ended by Ctrl-C (or SIGTERM)

  /// Publishes neither acknowledged nor failed (their connection was lost).
  std::uint64_t unacknowledged() const { return sent - published - publish_errors; }
  /// Messages expected and not received (0 when not known or more came).
  std::uint64_t missing() const {
    return expected_known && expected > received ? expected - received : 0;
  }
};

} // namespace braid::cli
