#pragma once
// `braid pub`: publishes one message (-m, -f, -s, -n), one per stdin line
// (-l), or the same one --repeat times, like mosquitto_pub.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_pub_command(CLI::App& app, int& exit);

} // namespace braid::cli
