// braid: an MQTT command-line client. Subcommands: pub, sub, demo, bench.
#include "bench_command.hpp"
#include "demo_command.hpp"
#include "pub_command.hpp"
#include "runner.hpp"
#include "sub_command.hpp"
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"braid: MQTT 3.1, 3.1.1 and 5.0 from the command line"};
  app.require_subcommand(1);
  app.set_help_flag("--help", "print this help");
  int exit = braid::cli::exit_ok;
  braid::cli::add_pub_command(app, exit);
  braid::cli::add_sub_command(app, exit);
  braid::cli::add_demo_command(app, exit);
  braid::cli::add_bench_command(app, exit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as every other error of the tool.
    std::cerr << "braid: " << e.what() << " (see braid --help)\n";
    return braid::cli::exit_usage;
  }
  return exit;
}
