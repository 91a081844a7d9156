#include "sub_command.hpp"

#include <braid/protocol/topic.hpp>

#include "connection_options.hpp"
#include "message_format.hpp"
#include "runner.hpp"
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <memory>
#include <optional>

namespace braid::cli {
namespace {

namespace bp = braid::protocol;

struct sub_options {
  connection_options connection;
  std::vector<std::string> topics;
  std::vector<std::string> filtered_out;
  bool verbose = false;
  std::string format;
  bool json = false;
  int count = 0;
  double timeout_s = 0;
  bool no_stale_retained = false;
  bool retained_only = false;
  bool exit_after_subscribe = false;
  bool no_newline = false;
  int qos = 0;
};

class subscriber {
public:
  subscriber(runner& r, const sub_options& o) : runner_(r), options_(o), timeout_(r.io()) {}

  void start() {
    if (options_.timeout_s > 0) {
      timeout_.expires_after(
          std::chrono::microseconds(static_cast<long long>(options_.timeout_s * 1e6)));
      timeout_.async_wait([this](error_code ec) {
        if (!ec) {
          char seconds[32];
          std::snprintf(seconds, sizeof seconds, "%g", options_.timeout_s);
          runner_.fail(std::string("timed out after ") + seconds + " s", exit_timeout);
        }
      });
    }
    runner_.get().set_message_handler([this](const bp::publish& m) { on_message(m); });
  }

  void subscribe() {
    std::vector<bp::subscription> subs;
    for (const auto& t : options_.topics) {
      subs.push_back({t, {static_cast<bp::qos>(options_.qos)}});
    }
    bp::properties props;
    std::string problem;
    options_.connection.properties.apply("subscribe", props, problem);
    runner_.get().async_subscribe(
        std::move(subs), std::move(props),
        [this](error_code ec, std::vector<bp::reason_code> granted) {
          if (ec) {
            runner_.fail("subscribe failed: " + ec.message());
            return;
          }
          for (std::size_t i = 0; i < granted.size(); ++i) {
            if (static_cast<int>(granted[i]) >= 0x80) {
              runner_.fail("subscription to '" + options_.topics.at(i) + "' refused: " +
                           std::string(bp::to_string(granted[i], bp::packet_type::suback)));
              return;
            }
          }
          if (options_.exit_after_subscribe) {
            runner_.finish(exit_ok);
          }
        });
  }

private:
  void on_message(const bp::publish& m) {
    for (const auto& f : options_.filtered_out) {
      if (bp::topic_matches(f, m.topic)) {
        return;
      }
    }
    if (options_.retained_only && !m.retain) {
      runner_.finish(exit_ok); // the retained messages are over
      return;
    }
    if (options_.no_stale_retained && m.retain) {
      return;
    }
    print(m);
    if (options_.count > 0 && ++printed_ == options_.count) {
      runner_.finish(exit_ok);
    }
  }

  void print(const bp::publish& m) {
    const auto now = std::chrono::system_clock::now();
    std::string line;
    if (options_.json) {
      line = json_message(m, now);
    } else if (!options_.format.empty()) {
      line = format_message(options_.format, m, now);
    } else {
      if (options_.verbose) {
        line = m.topic + " ";
      }
      line.append(m.payload.begin(), m.payload.end());
    }
    if (!options_.no_newline) {
      line += '\n';
    }
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }

  runner& runner_;
  const sub_options& options_;
  asio::steady_timer timeout_;
  int printed_ = 0;
};

int run_sub(const sub_options& o) {
  runner r("braid sub", o.connection, client_profile::subscriber);
  if (!r.ready()) {
    return r.setup_failure();
  }
  for (const auto& t : o.topics) {
    if (auto ec = bp::validate_topic_filter(t)) {
      r.error_line("topic filter '" + t + "': " + ec.message());
      return exit_usage;
    }
  }
  for (const auto& t : o.filtered_out) {
    if (auto ec = bp::validate_topic_filter(t)) {
      r.error_line("-T filter '" + t + "': " + ec.message());
      return exit_usage;
    }
  }
  bp::properties unused;
  std::string problem;
  if (!o.connection.properties.apply("subscribe", unused, problem)) {
    r.error_line(problem);
    return exit_usage;
  }
  subscriber s(r, o);
  s.start();
  // The subscription is made once; after a reconnect the client restores it
  // when the broker lost the session.
  return r.run([&](const bp::connack&) { s.subscribe(); });
}

} // namespace

void add_sub_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<sub_options>();
  auto* cmd = app.add_subcommand("sub", "subscribe and print messages (flags as mosquitto_sub)");
  cmd->set_help_flag("--help", "print this help");
  options->connection.add_to(*cmd);
  cmd->add_option("-t,--topic", options->topics, "topic filter to subscribe to (repeatable)")
      ->required();
  cmd->add_option("-T,--filter-out", options->filtered_out,
                  "do not print messages whose topic matches this filter (repeatable)");
  cmd->add_option("-q,--qos", options->qos, "QoS of the subscriptions (default 0)")
      ->check(CLI::Range(0, 2));
  cmd->add_flag("-v,--verbose", options->verbose, "print the topic before the payload");
  cmd->add_option("-F,--format", options->format, "print with a format string (see --help)");
  cmd->add_flag("--json", options->json, "print one JSON object per message");
  cmd->add_option("-C,--count", options->count, "exit after N messages")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-W,--timeout", options->timeout_s, "exit (code 27) after this many seconds")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-R,--no-stale", options->no_stale_retained,
                "do not print retained messages sent on subscribing");
  cmd->add_flag("--retained-only", options->retained_only,
                "print only retained messages; exit at the first live one");
  cmd->add_flag("-E,--exit-after-subscribe", options->exit_after_subscribe,
                "exit once subscribed (a persistent session then keeps the messages)");
  cmd->add_flag("-N,--no-newline", options->no_newline, "do not end messages with a newline");
  cmd->callback([options, &exit] { exit = run_sub(*options); });
}

} // namespace braid::cli
