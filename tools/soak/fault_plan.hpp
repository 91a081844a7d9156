#pragma once
// The soak's faults, drawn from a seed: the same seed gives the same faults
// at the same times (the messages in flight when they strike vary from run
// to run). Between two faults the network and the broker are healthy for 1
// to 4 seconds.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace braid::soak {

enum class fault_kind : std::uint8_t {
  cut,   ///< every connection through the proxy closed
  stall, ///< the proxy forwards nothing, longer than the keep-alive
  slice, ///< the proxy forwards one byte per write
  kill,  ///< the broker SIGKILLed and started again (a crash)
  term,  ///< the broker stopped with SIGTERM (it saves its state) and started again
};

std::string_view to_string(fault_kind k);
/// "cut", "stall", ...; false when `name` is none of them.
bool parse_fault_kind(std::string_view name, fault_kind& out);

struct fault {
  fault_kind kind = fault_kind::cut;
  double after_s = 0;    ///< healthy time before it strikes
  double duration_s = 0; ///< stall and slice: how long it lasts
};

class fault_plan {
public:
  /// `kinds`: the faults to draw from (not empty); `keep_alive_s`: a stall
  /// lasts 1.6 to 2.5 times it, so that the clients' keep-alive finds it.
  fault_plan(std::uint64_t seed, std::vector<fault_kind> kinds, double keep_alive_s);
  fault next();

private:
  std::mt19937_64 random_;
  std::vector<fault_kind> kinds_;
  double keep_alive_s_;
};

} // namespace braid::soak
