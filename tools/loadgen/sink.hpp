#pragma once
// The ack-only sink: an MQTT server on 127.0.0.1 that routes nothing and only
// acknowledges, as cheaply as it can, so that a benchmark against it measures
// the client rather than a broker. It accepts MQTT 3.1, 3.1.1 and 5.0 and
// answers CONNECT with CONNACK, PUBLISH with PUBACK (QoS 1) or PUBREC (QoS 2),
// PUBREL with PUBCOMP, SUBSCRIBE with SUBACK (the QoS asked for), UNSUBSCRIBE
// with UNSUBACK and PINGREQ with PINGRESP. A connection that subscribed gets
// its own matching PUBLISHes back on the same connection (enough for the
// latency workload); nothing goes from one connection to another.
//
// `braid bench --target sink` starts one with sink_process when no address is
// given. It runs in a child process so that the client's CPU and memory
// figures (getrusage of the client's own process) do not include it.

#include "child_process.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace braid::loadgen {

/// The sink in a child process on a free loopback port, stopped (SIGKILL) and
/// reaped by the destructor, and also when this process dies. Start it
/// before this process starts any thread (it forks).
class sink_process {
public:
  sink_process();
  ~sink_process();
  sink_process(const sink_process&) = delete;
  sink_process& operator=(const sink_process&) = delete;

  bool running() const { return child_.running(); }
  /// Why it is not running.
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }

private:
  process::child_process child_;
  std::uint16_t port_ = 0;
  std::string error_;
};

/// Serves the sink on 127.0.0.1:`port` (0: a free port) until the process is
/// stopped; `on_listening` gets the port once it accepts connections. Does
/// not return unless it cannot listen (then it throws).
void run_sink(std::uint16_t port, const std::function<void(std::uint16_t)>& on_listening);

} // namespace braid::loadgen
