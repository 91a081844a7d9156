#pragma once
// What the client allocates in steady state, and what an idle connection
// costs: the figures of `braid_alloc_bench`, also checked by
// tests/bench/alloc_probe_test.cpp. The executable links alloc_counter.cpp.

#include <braid/protocol/packets.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace braid::bench {

struct probe_options {
  std::uint16_t sink_port = 0; ///< an ack-only sink on 127.0.0.1 (tools/loadgen/sink.hpp)
  protocol::qos qos = protocol::qos::at_most_once;
  std::size_t payload_size = 64;
  std::uint64_t warmup = 20'000; ///< messages before counting starts
  std::uint64_t count = 10'000;  ///< messages counted
  bool receive = false;          ///< subscribe and take each message back from the sink
  bool count_caller = false;     ///< count the building of each message too (to test the probe)
};

struct probe_result {
  bool ok = false;
  std::string error;
  std::uint64_t messages = 0;    ///< counted messages (published, and received back)
  std::uint64_t allocations = 0; ///< heap allocations by the library meanwhile
};

/// Publishes `warmup` then `count` messages through one braid::client on
/// this thread (QoS 0: as fast as the client completes them; QoS 1 and 2: a
/// window of 64), counting the allocations made on this thread during the
/// counted ones, except the caller's own (building each message). With
/// `receive`, the client subscribed to the topic first and each message also
/// comes back from the sink, at the same QoS, and is received with a message
/// handler.
probe_result count_allocations(const probe_options& options);

struct idle_result {
  bool ok = false;
  std::string error;
  std::size_t clients = 0;
  double heap_bytes_per_client = 0;  ///< heap in use (malloc), per connected client
  double rss_bytes_per_client = 0;   ///< resident memory, per connected client
  double allocations_per_client = 0; ///< heap allocations to make and connect one
};

/// Connects `clients` braid::clients to the sink on one io_context and
/// measures the memory each connected, idle client holds.
idle_result measure_idle_connections(std::uint16_t sink_port, std::size_t clients);

} // namespace braid::bench
