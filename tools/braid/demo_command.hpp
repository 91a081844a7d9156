#pragma once
// `braid demo`: one subscriber on three topics at QoS 0, 1 and 2 and one
// publisher, with the broker restarted in the middle; the events as they
// happen, then per QoS a count of what was attempted, sent, failed, received,
// lost and duplicated, and where each duplicate came from.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_demo_command(CLI::App& app, int& exit);

} // namespace braid::cli
