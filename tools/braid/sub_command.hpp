#pragma once
// `braid sub`: subscribes to one or more filters and prints what arrives,
// like mosquitto_sub.

#include <CLI/CLI.hpp>

namespace braid::cli {

/// Adds the subcommand to `app`; when it is chosen, runs it and sets `exit`.
void add_sub_command(CLI::App& app, int& exit);

} // namespace braid::cli
