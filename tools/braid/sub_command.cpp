#include "sub_command.hpp"

#include <braid/protocol/topic.hpp>

#include "connection_options.hpp"
#include "message_format.hpp"
#include "runner.hpp"
#include "shown.hpp"
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

namespace braid::cli {
namespace {

namespace bp = braid::protocol;

struct sub_options {
  connection_options connection;
  std::vector<std::string> topics;
  std::vector<std::string> unsubscribe;
  std::vector<std::string> filtered_out;
  bool verbose = false;
  std::string format;
  bool json = false;
  bool pretty = false;
  int count = 0;
  double timeout_s = 0;
  bool no_stale_retained = false;
  bool retained_only = false;
  bool remove_retained = false;
  bool exit_after_subscribe = false;
  bool no_newline = false;
  int qos = 0;
};

// Prints messages as they arrive: in the client's arrival hook, before the
// message is acknowledged to the broker (and before a --store commits its
// receipt), so that a message acknowledged has been printed. Before that,
// take() decides for each new message whether the session takes it at all:
// once -C's count is reached or the run is ending, later messages are left
// unacknowledged, so that a persistent session keeps them at the broker for
// the next run. What ends the run is posted, to run after the hook.
class subscriber {
public:
  subscriber(const sub_options& o) : options_(o) {}

  void start(runner& r) {
    runner_ = &r;
    if (options_.timeout_s > 0) {
      timeout_.emplace(r.io());
      timeout_->expires_after(
          std::chrono::microseconds(static_cast<long long>(options_.timeout_s * 1e6)));
      timeout_->async_wait([this](error_code ec) {
        if (!ec) {
          char seconds[32];
          std::snprintf(seconds, sizeof seconds, "%g", options_.timeout_s);
          runner_->fail(std::string("timed out after ") + seconds + " s", exit_timeout);
        }
      });
    }
    // Messages are printed by on_arrival; without a handler they would wait
    // for async_receive.
    r.get().set_message_handler([](const bp::publish&) {});
  }

  void subscribe() {
    if (options_.topics.empty()) {
      unsubscribe();
      return;
    }
    std::vector<bp::subscription> subs;
    for (const auto& t : options_.topics) {
      subs.push_back({t, {static_cast<bp::qos>(options_.qos)}});
    }
    bp::properties props;
    std::string problem;
    options_.connection.properties.apply("subscribe", props, problem);
    runner_->get().async_subscribe(
        std::move(subs), std::move(props),
        [this](error_code ec, std::vector<bp::reason_code> granted) {
          if (ec) {
            runner_->fail("subscribe failed: " + ec.message());
            return;
          }
          for (std::size_t i = 0; i < granted.size(); ++i) {
            if (static_cast<int>(granted[i]) >= 0x80) {
              runner_->fail("subscription to '" + shown(options_.topics.at(i)) + "' refused: " +
                            std::string(bp::to_string(granted[i], bp::packet_type::suback)));
              return;
            }
          }
          unsubscribe();
        });
  }

  /// session_config::take_message (inside the session's reading of the
  /// socket: it must not call the client). Counts the messages to print.
  bool take(const bp::publish& m) {
    if (stopping_ || (options_.count > 0 && taken_ == options_.count)) {
      return false; // -C reached or the run is ending: left to the broker
    }
    if (to_print(m)) {
      ++taken_;
    }
    return true;
  }

  /// The arrival hook (on the client's strand, before the acknowledgement),
  /// for every message take() took.
  void on_arrival(const bp::publish& m) {
    if (stopping_) {
      return; // the run is ending: not printed
    }
    if (options_.remove_retained && m.retain && !filtered_out(m)) {
      remove_retained(m.topic);
    }
    if (options_.retained_only && !m.retain) {
      stop(exit_ok); // the retained messages are over
      return;
    }
    if (!to_print(m) || !print(m)) {
      return;
    }
    if (options_.count > 0 && ++printed_ == options_.count) {
      stop(exit_ok);
    }
  }

private:
  // -U after -t: the broker drops those subscriptions (of a persistent session).
  void unsubscribe() {
    if (options_.unsubscribe.empty()) {
      subscribed();
      return;
    }
    bp::properties props;
    std::string problem;
    options_.connection.properties.apply("unsubscribe", props, problem);
    runner_->get().async_unsubscribe(options_.unsubscribe, std::move(props),
                                     [this](error_code ec, std::vector<bp::reason_code>) {
                                       if (ec) {
                                         runner_->fail("unsubscribe failed: " + ec.message());
                                         return;
                                       }
                                       subscribed();
                                     });
  }

  void subscribed() {
    // Only -U: nothing is left to receive.
    if (options_.exit_after_subscribe || options_.topics.empty()) {
      stop(exit_ok);
    }
  }

  // --remove-retained: an empty retained message clears the topic (QoS 1,
  // as mosquitto_sub); the run ends only once every one is acknowledged.
  void remove_retained(const std::string& topic) {
    ++removing_;
    asio::post(runner_->io(), [this, topic] {
      runner_->get().async_publish(topic, bp::bytes{}, bp::qos::at_least_once, true,
                                   [this, topic](error_code ec, bp::reason_code) {
                                     --removing_;
                                     if (ec) {
                                       runner_->fail("cannot remove the retained message of '" +
                                                     shown(topic) + "': " + ec.message());
                                     } else if (stopping_ && removing_ == 0) {
                                       runner_->finish(exit_code_);
                                     }
                                   });
    });
  }

  // Ends the run after the current hook has returned.
  void stop(int code) {
    stopping_ = true;
    exit_code_ = code;
    asio::post(runner_->io(), [this] {
      if (removing_ == 0) {
        runner_->finish(exit_code_);
      }
    });
  }

  bool filtered_out(const bp::publish& m) const {
    for (const auto& f : options_.filtered_out) {
      if (bp::topic_matches(f, m.topic)) {
        return true;
      }
    }
    return false;
  }

  // Whether a message is one to print (-T, -R and --retained-only leave
  // some out; those are acknowledged all the same).
  bool to_print(const bp::publish& m) const {
    return !filtered_out(m) && !(options_.no_stale_retained && m.retain) &&
           !(options_.retained_only && !m.retain);
  }

  // False when stdout is gone (braid sub | head -1): the run ends quietly.
  bool print(const bp::publish& m) {
    const auto now = std::chrono::system_clock::now();
    std::string line;
    if (options_.json) {
      line = json_message(m, now, options_.pretty);
    } else if (!options_.format.empty()) {
      line = format_message(options_.format, m, now, options_.pretty);
    } else {
      if (options_.verbose) {
        line = m.topic + " ";
      }
      line.append(m.payload.begin(), m.payload.end());
    }
    if (!options_.no_newline) {
      line += '\n';
    }
    if (std::fwrite(line.data(), 1, line.size(), stdout) == line.size() &&
        std::fflush(stdout) == 0) {
      return true;
    }
    const int error = errno;
    stopping_ = true;
    asio::post(runner_->io(), [this, error] {
      if (error == EPIPE) {
        runner_->finish(exit_ok, false);
      } else {
        runner_->fail("cannot write to stdout: " + std::string(std::strerror(error)));
      }
    });
    return false;
  }

  const sub_options& options_;
  runner* runner_ = nullptr;
  std::optional<asio::steady_timer> timeout_;
  int printed_ = 0;
  int taken_ = 0; // messages take() took for printing
  bool stopping_ = false;
  int exit_code_ = exit_ok;
  int removing_ = 0; // --remove-retained publishes not yet acknowledged
};

int run_sub(sub_options& o) {
  std::string problem;
  if (!o.connection.resolve_url(problem)) {
    std::cerr << "braid sub: " << problem << "\n";
    return exit_usage;
  }
  if (!o.connection.url_topic.empty()) {
    o.topics.push_back(o.connection.url_topic);
  }
  // The subscriber's timer runs on the runner's io_context: the subscriber
  // is made after the runner, so that it goes first. The hooks run only
  // inside r.run(), once it exists.
  subscriber* target = nullptr;
  runner r(
      "braid sub", o.connection,
      o.remove_retained ? client_profile::both : client_profile::subscriber,
      [&target](const bp::publish& m) { target->on_arrival(m); },
      [&target](const bp::publish& m) { return target->take(m); });
  subscriber s(o);
  target = &s;
  if (!r.ready()) {
    return r.setup_failure();
  }
  if (o.topics.empty() && o.unsubscribe.empty()) {
    r.error_line("give a topic filter: -t FILTER, -L mqtt://host/FILTER, or -U FILTER");
    return exit_usage;
  }
  for (const auto& t : o.topics) {
    if (auto ec = bp::validate_topic_filter(t)) {
      r.error_line("topic filter '" + shown(t) + "': " + ec.message());
      return exit_usage;
    }
  }
  for (const auto& t : o.unsubscribe) {
    if (auto ec = bp::validate_topic_filter(t)) {
      r.error_line("-U filter '" + shown(t) + "': " + ec.message());
      return exit_usage;
    }
  }
  for (const auto& t : o.filtered_out) {
    if (auto ec = bp::validate_topic_filter(t)) {
      r.error_line("-T filter '" + shown(t) + "': " + ec.message());
      return exit_usage;
    }
  }
  if (o.pretty && !o.json && o.format.find("%j") == std::string::npos) {
    r.error_line("--pretty formats JSON: use it with --json or -F %j");
    return exit_usage;
  }
  bp::properties unused;
  for (const auto* command : {"subscribe", "unsubscribe"}) {
    if (!o.connection.properties.apply(command, unused, problem)) {
      r.error_line(problem);
      return exit_usage;
    }
  }
  s.start(r);
  // The subscription is made once; after a reconnect the client restores it
  // when the broker lost the session.
  return r.run([&](const bp::connack&) { s.subscribe(); });
}

} // namespace

void add_sub_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<sub_options>();
  auto* cmd = app.add_subcommand("sub", "subscribe and print messages (flags as mosquitto_sub)");
  cmd->set_help_flag("--help", "print this help");
  cmd->add_option("-t,--topic", options->topics,
                  "topic filter to subscribe to (repeatable; or the path of -L)");
  cmd->add_option("-U,--unsubscribe", options->unsubscribe,
                  "topic filter to unsubscribe from, after subscribing (repeatable; with -c, "
                  "removes it from the persistent session)");
  cmd->add_option("-T,--filter-out", options->filtered_out,
                  "do not print messages whose topic matches this filter (repeatable)");
  cmd->add_option("-q,--qos", options->qos, "QoS of the subscriptions (default 0)")
      ->check(CLI::Range(0, 2));
  cmd->add_flag("-v,--verbose", options->verbose, "print the topic before the payload");
  cmd->add_option("-F,--format", options->format, format_codes_help);
  cmd->add_flag("--json", options->json, "print one JSON object per message");
  cmd->add_flag("--pretty", options->pretty,
                "with --json or -F %j: one field per line, as mosquitto_sub --pretty");
  cmd->add_option("-C,--count", options->count, "print N messages, then exit")
      ->check(CLI::PositiveNumber);
  cmd->add_option("-W,--timeout", options->timeout_s, "exit (code 27) after this many seconds")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-R,--no-stale", options->no_stale_retained,
                "do not print retained messages sent on subscribing");
  cmd->add_flag("--retained-only", options->retained_only,
                "print only retained messages; exit at the first live one");
  cmd->add_flag("--remove-retained", options->remove_retained,
                "clear each retained message received (publish an empty retained message to "
                "its topic); -T keeps topics from being cleared");
  cmd->add_flag("-E,--exit-after-subscribe", options->exit_after_subscribe,
                "exit once subscribed (a persistent session then keeps the messages)");
  cmd->add_flag("-N,--no-newline", options->no_newline, "do not end messages with a newline");
  cmd->add_flag("--replay-guard{" + std::to_string(bp::session_config::default_replay_guard) + "}",
                options->connection.replay_guard,
                "do not print a message the broker sends again after its exchange was over "
                "(DUP 1, same packet id, topic and payload as the last message with that id); "
                "=N remembers the last N messages of each QoS (default " +
                    std::to_string(bp::session_config::default_replay_guard) +
                    "). Kept in --store across restarts (QoS 2)");
  options->connection.add_to(*cmd);
  cmd->callback([options, &exit] { exit = run_sub(*options); });
}

} // namespace braid::cli
