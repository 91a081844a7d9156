#pragma once
// `braid demo`: the seed's scenario — one subscriber on three topics at
// QoS 0, 1 and 2 and one publisher — with the broker restarted in the middle,
// then a count of what was sent, received, lost and duplicated per QoS.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_demo_command(CLI::App& app, int& exit);

} // namespace braid::cli
