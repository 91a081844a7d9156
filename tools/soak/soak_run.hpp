#pragma once
// One soak: a persistent publisher per QoS (1 and 2; window 1, numbered
// messages) and one persistent subscriber, all through a fault proxy to a
// private mosquitto (or a broker given), while faults drawn from the seed
// strike; then the faults stop, what is in flight drains, and the ledgers
// give the table.

#include "fault_plan.hpp"
#include "soak_ledger.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace braid::soak {

struct soak_options {
  std::uint64_t seed = 0;
  double seconds = 60;        ///< how long faults strike (when messages is 0)
  std::uint64_t messages = 0; ///< per QoS; the soak ends once they are all published
  std::string broker;         ///< mqtt://host[:port] or host[:port]; empty: a private mosquitto
  std::size_t replay_guard = 0;
  std::vector<fault_kind> faults;
  double keep_alive_s = 2;
  int max_inflight = 20; ///< the private mosquitto's max_inflight_messages (0: no limit)
  std::string version = "311";
  std::size_t payload_size = 16;
  double rate = 0;     ///< messages a second per QoS; 0: as fast as the window allows
  double drain_s = 60; ///< at most this long for what is in flight to arrive
  bool verbose = false;
};

struct soak_outcome {
  ledger_report qos1, qos2;
  std::uint64_t replays_not_delivered = 0; ///< the replay guard's (client_stats::replays)
  std::uint64_t connections = 0;           ///< through the proxy
  std::vector<std::pair<fault_kind, int>> faults;
  double seconds = 0;
  bool drained = false; ///< everything acknowledged arrived before drain_s
  std::string setup_error;
};

/// Runs the soak, printing progress to `out`.
soak_outcome run_soak(const soak_options& options, std::ostream& out);

} // namespace braid::soak
