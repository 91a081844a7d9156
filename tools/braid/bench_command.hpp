#pragma once
// `braid bench`: the client comparison benchmark's workloads (QoS 0/1/2
// throughput, round-trip latency, large payloads) with its RESULT lines, a
// progress bar on a terminal, a latency histogram, and --json (one JSON
// array). With no address given it starts a private mosquitto, or with
// --target sink the ack-only sink (tools/loadgen/sink.hpp). Its subcommands
// conn, pub, sub and pubsub are the load generator (load_command.hpp).

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_bench_command(CLI::App& app, int& exit);

} // namespace braid::cli
