#pragma once
// `braid bench`: the peer benchmark's workloads (QoS 0/1/2 throughput,
// round-trip latency, large payloads) with the same RESULT lines, a progress
// bar on a terminal, a latency histogram, and --json. With no broker given it
// starts a private mosquitto.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_bench_command(CLI::App& app, int& exit);

} // namespace braid::cli
