#pragma once
// What `braid pub` and `braid sub` share at run time: the io_context and the
// client, the packet trace of -d, Ctrl-C, and the rule that a first
// connection that fails ends the program with one line (a connection lost
// later is the reconnecting service's to restore).

#include <braid/client.hpp>
#include <braid/store/sqlite_store.hpp>

#include "connection_options.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>

namespace braid::cli {

/// Exit codes, as mosquitto_pub / mosquitto_sub where they have one.
enum exit_code : int {
  exit_ok = 0,
  exit_failure = 1, ///< connection or operation failed
  exit_usage = 2,   ///< bad flags or values
  exit_timeout = 27,
};

class runner {
public:
  /// `program` prefixes error lines ("braid pub"). `on_arrival` becomes
  /// client_options::on_arrival (called before a message is acknowledged);
  /// `take_message` becomes session_config::take_message (whether a new
  /// message is taken at all, or left unanswered for the broker to keep).
  runner(std::string program, const connection_options& options, client_profile profile,
         std::function<void(const protocol::publish&)> on_arrival = {},
         std::function<bool(const protocol::publish&)> take_message = {});

  /// Checks the options and opens the store; on failure prints the reason
  /// and returns false (exit with setup_failure()).
  bool ready() const { return client_ != nullptr; }
  int setup_failure() const { return setup_failure_; }
  client& get() { return *client_; }
  asio::io_context& io() { return io_; }
  const protocol::session_config& config() const { return config_; }

  /// Connects, calls `on_connected` after the first CONNACK and runs until
  /// finish() or fail(). Returns the exit code.
  int run(std::function<void(const protocol::connack&)> on_connected);

  /// Ends the run: disconnects cleanly, then exits with `code`. With
  /// --store, `drain` first waits until the store holds no message (those of
  /// an earlier run included) — Ctrl-C does not wait.
  void finish(int code, bool drain = true);
  /// Ends the run at once with `message` on stderr.
  void fail(const std::string& message, int code = exit_failure);

  /// Prints "program: message" on stderr.
  void error_line(const std::string& message) const;
  /// Whether finish() or fail() was called.
  bool done() const { return done_; }

  /// What a lost connection's reason says when the broker broke the
  /// protocol ("malformed packet from the broker: ..."); empty otherwise.
  static std::string violation(const std::error_code& reason);

private:
  void print_stats_later();
  std::string program_;
  asio::io_context io_;
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  asio::steady_timer drain_timer_{io_};
  asio::steady_timer stats_timer_{io_};
  std::chrono::duration<double> stats_interval_{0};
  client_stats last_stats_{};
  protocol::session_config config_;
  std::string url_;
  bool reconnect_ = true;
  bool quiet_ = false;
  int max_violations_ = 0;
  int violations_ = 0;         // connections in a row ended by the broker breaking the protocol
  bool was_connected_ = false; // the last attempt reached CONNACK
  std::string lost_reason_;    // why the last connection ended, for the reconnect line
  bool connected_once_ = false;
  bool redirecting_ = false; // a redirect was followed: the next attempt is not a failure
  bool done_ = false;
  int exit_ = exit_ok;
  int setup_failure_ = exit_usage;
  std::shared_ptr<sqlite_store> store_;
  std::unique_ptr<client> client_;
};

} // namespace braid::cli
