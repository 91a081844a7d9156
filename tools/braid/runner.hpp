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
  /// `program` prefixes error lines ("braid pub").
  runner(std::string program, const connection_options& options, client_profile profile);

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

private:
  std::string program_;
  asio::io_context io_;
  asio::signal_set signals_{io_, SIGINT, SIGTERM};
  asio::steady_timer drain_timer_{io_};
  protocol::session_config config_;
  std::string url_;
  bool reconnect_ = true;
  bool connected_once_ = false;
  bool done_ = false;
  int exit_ = exit_ok;
  int setup_failure_ = exit_usage;
  std::shared_ptr<sqlite_store> store_;
  std::unique_ptr<client> client_;
};

} // namespace braid::cli
