#pragma once
// A private mosquitto: found on PATH (or in /usr/sbin, /usr/bin, /usr/local),
// started on a free loopback port with a generated configuration in a
// temporary directory of its own (mosquitto.conf, mosquitto.log, its output in
// mosquitto.out, persistence), restarted and stopped by its PID, and given the
// parent-death signal SIGTERM: it does not outlive the thread that started it.

#include "child_process.hpp"
#include <signal.h>

#include <cstdint>
#include <string>

namespace braid::mosquitto {

struct private_mosquitto_options {
  /// Appended to the configuration after the listener line; "%DIR%" stands
  /// for the private directory (e.g. "persistence_location %DIR%/").
  std::string config = "allow_anonymous true\n";
  /// The temporary directory's name before its random suffix.
  std::string dir_prefix = "braid-mosquitto";
};

/// mosquitto's path (PATH first), empty when it is not installed.
std::string find_mosquitto();

class private_mosquitto {
public:
  /// Starts mosquitto; when it cannot, running() is false and error() says
  /// why (not installed: found() is false; did not start: see the log).
  explicit private_mosquitto(private_mosquitto_options options = {});
  ~private_mosquitto();
  private_mosquitto(const private_mosquitto&) = delete;
  private_mosquitto& operator=(const private_mosquitto&) = delete;

  bool running() const { return child_.running(); }
  bool found() const { return !executable_.empty(); }
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  const std::string& executable() const { return executable_; }
  /// The private directory: mosquitto.conf, mosquitto.log, persistence.
  const std::string& dir() const { return dir_; }

  /// Stops it with `signal` (SIGTERM: it saves its state and exits; SIGKILL:
  /// a crash) and starts it again on the same port. False (and error())
  /// when it does not come back.
  bool restart(int signal = SIGTERM);

private:
  bool start();
  bool wait_until_listening();

  std::string executable_;
  std::string dir_;
  std::string error_;
  std::uint16_t port_ = 0;
  process::child_process child_;
};

} // namespace braid::mosquitto
