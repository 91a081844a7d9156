#include "load_command.hpp"

#include "load_broker.hpp"
#include "load_plot.hpp"
#include "load_progress.hpp"
#include "load_report.hpp"
#include "load_run.hpp"
#include "load_system.hpp"
#include "runner.hpp"
#include "shown.hpp"
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

namespace braid::cli {
namespace {

// File descriptors besides the connections: stdio, the io_contexts, the
// resolver, the plot file.
constexpr std::uint64_t spare_fds = 64;

int run_load_command(load_options& o) {
  const std::string program = "braid bench " + std::string(to_string(o.mode));
  const auto fail = [&](const std::string& message, int code) {
    std::cerr << program << ": " << message << "\n";
    return code;
  };
  if (o.private_broker() && (!o.ca_file.empty() || o.insecure)) {
    return fail("the private mosquitto has no TLS listener: give a broker with -h or -L",
                exit_usage);
  }
  load_setup setup;
  std::string error;
  if (!resolve_load_options(o, 0, setup, error)) {
    return fail(error, exit_usage);
  }
  std::ofstream plot;
  if (!o.plot.empty()) {
    plot.open(o.plot, std::ios::binary | std::ios::trunc);
    if (!plot) {
      return fail("cannot write --plot '" + shown(o.plot) + "': " + std::strerror(errno),
                  exit_usage);
    }
  }
  // Raised before the private broker starts: it inherits the limit.
  const auto fd_limit = raise_fd_limit();
  const std::uint64_t clients = o.clients + (o.mode == load_mode::pubsub ? o.subscribers : 0);
  if (fd_limit != 0 && clients + spare_fds > fd_limit) {
    std::cerr << program << ": " << clients << " clients need about " << clients + spare_fds
              << " file descriptors, more than this process may open (" << fd_limit
              << ", its hard limit): the connections beyond it will fail. Raise the hard limit "
                 "(ulimit -Hn as root, or LimitNOFILE / limits.conf)\n";
  }
  std::unique_ptr<private_broker> broker;
  if (o.private_broker()) {
    broker = start_load_broker(error);
    if (!broker) {
      return fail(error, exit_failure);
    }
    setup.url = setup.shown_url = "mqtt://127.0.0.1:" + std::to_string(broker->port());
    if (!o.json) {
      std::fprintf(stderr, "private mosquitto (%s) on 127.0.0.1:%d; its configuration: %s\n",
                   broker->executable().c_str(), broker->port(),
                   (broker->dir() + "/mosquitto.conf").c_str());
    }
  }

  const bool terminal = isatty(STDERR_FILENO) != 0;
  const bool show_progress = !o.no_progress && (!o.json || terminal);
  load_progress progress(program, terminal);
  std::function<void(const load_snapshot&)> on_second;
  if (show_progress) {
    on_second = [&progress](const load_snapshot& s) { progress.show(s); };
  }
  auto result = run_load(o, setup, on_second);
  progress.clear();
  result.fd_limit = fd_limit;

  std::string why;
  int code = load_exit_code(o, result, why);
  if (plot.is_open()) {
    load_plot_input in;
    in.title = load_title(o, setup);
    const bool latency = result.latency_ns.count() > 0;
    in.histogram = latency ? &result.latency_ns : &result.connect_ns;
    in.measured = latency ? "latency" : "connect time";
    in.timeline = &result.timeline;
    in.connections = o.mode == load_mode::conn;
    plot << load_plot_svg(in);
    plot.close();
    if (!plot) {
      std::cerr << program << ": cannot write --plot '" << shown(o.plot) << "'\n";
      code = exit_failure;
    }
  }
  if (o.json) {
    std::printf("%s\n", load_json(o, setup, result, code).c_str());
  } else {
    std::printf("%s", load_summary(o, setup, result).c_str());
  }
  std::fflush(stdout);
  if (!why.empty()) {
    std::cerr << program << ": " << why << "\n";
  }
  return code;
}

const char* description(load_mode mode) {
  switch (mode) {
  case load_mode::conn:
    return "load: connect -c clients and hold them (-d seconds, or until Ctrl-C)";
  case load_mode::pub:
    return "load: -c publishers, each --count messages or for -d seconds";
  case load_mode::sub:
    return "load: -c subscribers to -t; latency of messages from `braid bench pub` on this host";
  case load_mode::pubsub:
    return "load: -c publishers and --subscribers subscribers in this process; end-to-end latency";
  }
  return "";
}

} // namespace

void add_load_commands(CLI::App& bench, int& exit) {
  for (const auto mode : {load_mode::conn, load_mode::pub, load_mode::sub, load_mode::pubsub}) {
    auto options = std::make_shared<load_options>();
    options->mode = mode;
    auto* cmd = bench.add_subcommand(to_string(mode), description(mode));
    options->add_to(*cmd);
    cmd->callback([options, &exit] { exit = run_load_command(*options); });
  }
}

} // namespace braid::cli
