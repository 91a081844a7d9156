#pragma once
// `braid bench conn|pub|sub|pubsub`: a broker load generator in the manner
// of emqtt-bench and mqtt-benchmark. conn connects N clients and holds them,
// pub runs N publishers, sub N subscribers, pubsub N publishers and M
// subscribers in this process so that the end-to-end latency is measured
// (the send time travels in the payload). With no broker given it starts a
// private mosquitto set for many clients. See docs/guide/load-testing.md.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the four subcommands under `bench`; the chosen one runs and sets `exit`.
void add_load_commands(CLI::App& bench, int& exit);

} // namespace braid::cli
