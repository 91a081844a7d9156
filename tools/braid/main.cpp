// braid: an MQTT command-line client. Subcommands: pub, sub, demo, bench.
#include "bench_command.hpp"
#include "demo_command.hpp"
#include "pub_command.hpp"
#include "runner.hpp"
#include "sub_command.hpp"
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

// CLI11's help with two changes: an option taking a range of values (-D
// takes 3 or 4) shows its type name alone, which names them, instead of
// "x 3"; a flag that may take a value (--replay-guard[=N]) shows "[=N]"
// instead of its default in braces.
class help_formatter : public CLI::Formatter {
public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    auto name = CLI::Formatter::make_option_name(opt, is_positional);
    const auto brace = name.find('{');
    if (brace != std::string::npos) {
      name.replace(brace, name.find('}', brace) - brace + 1, "[=N]");
    }
    return name;
  }
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_expected_min() > 1 && opt->get_expected_max() != opt->get_expected_min() &&
        opt->get_expected_max() != CLI::detail::expected_max_vector_size) {
      return " " + opt->get_type_name();
    }
    return CLI::Formatter::make_option_opts(opt);
  }
};

} // namespace

int main(int argc, char** argv) {
  // A write to a closed socket or to a closed stdout (braid sub | head -1)
  // fails with EPIPE instead of killing the process. (Asio's socket writes
  // pass MSG_NOSIGNAL on Linux as well.)
  std::signal(SIGPIPE, SIG_IGN);

  // Named "braid" whatever the path it was started by, in usage lines too.
  CLI::App app{"braid: MQTT 3.1, 3.1.1 and 5.0 from the command line", "braid"};
  app.require_subcommand(1);
  app.formatter(std::make_shared<help_formatter>());
  app.set_help_flag("--help", "print this help");
  app.set_version_flag("--version", "braid " BRAID_VERSION, "print the version");
  int exit = braid::cli::exit_ok;
  braid::cli::add_pub_command(app, exit);
  braid::cli::add_sub_command(app, exit);
  braid::cli::add_demo_command(app, exit);
  braid::cli::add_bench_command(app, exit);
  for (auto* sub : app.get_subcommands({})) {
    sub->set_version_flag("--version", "braid " BRAID_VERSION, "print the version");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as every other error of the tool, naming the subcommand.
    // Nested ones too: "braid bench pub".
    std::string program = "braid";
    const CLI::App* level = &app;
    for (int i = 1; i < argc && level != nullptr && std::strncmp(argv[i], "-", 1) != 0; ++i) {
      const CLI::App* found = nullptr;
      for (const auto* sub : level->get_subcommands({})) {
        if (sub->get_name() == argv[i]) {
          program += " " + sub->get_name();
          found = sub;
        }
      }
      level = found;
    }
    std::cerr << program << ": " << e.what() << " (see " << program << " --help)\n";
    return braid::cli::exit_usage;
  }
  return exit;
}
