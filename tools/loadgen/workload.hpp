#pragma once
// The five workloads of the client comparison benchmark (which runs the same
// workloads with several MQTT clients side by side and compares them) on the
// public braid::client API: one single-threaded io_context, completion
// callbacks. Used by bench/braid_bench (the comparison's command line) and by
// `braid bench`.
//
//   qos0     broker: a second client, subscribed to the topic at QoS 0 before
//            the clock starts, receives every message; sink: the PUBACK of one
//            QoS 1 "fence" published after the messages ends the run. At most
//            1024 QoS 0 publishes are outstanding (a QoS 0 publish completes
//            once written).
//   qos1/2   at most `window` unacknowledged, refilled from completion handlers.
//   latency  one QoS 1 publish at a time to our own topic; a round trip runs
//            from the publish call to the echo; `warmup` unmeasured first.
//   large    1 MiB QoS 1 messages, window 64.
//
// MQTT 3.1.1, clean session, keep alive 60 s; the session's own window is
// lifted so that only the workload's applies.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace braid::loadgen {

enum class workload { qos0, qos1, qos2, latency, large };

/// "qos0", ... ; parse_workload returns false for an unknown name.
const char* to_string(workload w) noexcept;
bool parse_workload(const std::string& name, workload& out) noexcept;

struct workload_options {
  std::string client = "braid"; ///< the RESULT line's client=
  std::string host = "127.0.0.1";
  int port = 1883;
  workload kind = workload::qos0;
  bool sink = false; ///< the target only acknowledges (no subscriber for qos0)
  long count = 0;
  long warmup = 0;
  std::size_t size = 0;
  int window = 0;
  int qos = 0;
  double stall_s = 10.0; ///< fail when nothing progresses this long
  double max_s = 30.0;   ///< cap on the measured phase (status TIMEOUT)
  /// The publisher's durable store (a sqlite_store on this file); empty: memory.
  std::string store_path{};
  bool store_sync_disk = false; ///< fsync every commit (sync_policy::every_commit)
  /// Called about every 50 ms during the measured phase: messages done, total.
  std::function<void(long, long)> on_progress{};
};

/// Fills the workload's defaults (count, size, window, QoS, warmup), then
/// applies the given values (negative: keep the default). False with a
/// message when the values cannot be used.
bool apply_defaults(workload_options& o, long count, long size, long window, long warmup,
                    std::string& error);

struct workload_result {
  long done = 0;
  double seconds = 0;
  double cpu_s = 0;
  long peak_rss_kb = 0;
  std::string status = "FAIL"; ///< ok, FAIL, TIMEOUT
  int exit_code = 1;           ///< 0 ok, 1 FAIL, 2 connect failure, 3 TIMEOUT
  std::string error;           ///< why, when not ok
  std::vector<double> rtt_us;  ///< latency: the measured round trips, sorted
};

/// Runs one workload against the broker or sink at o.host:o.port.
workload_result run_workload(const workload_options& o);

/// Nearest-rank percentile of a sorted vector (p in [0, 1]).
double percentile(const std::vector<double>& sorted, double p);

/// The comparison's RESULT line, without the newline:
///   RESULT client=braid workload=qos1 target=broker msgs=... status=ok done=...
std::string result_line(const workload_options& o, const workload_result& r);

} // namespace braid::loadgen
