#pragma once
// A private mosquitto for `braid demo` and `braid bench` when no broker is
// given: found on PATH or in /usr/sbin, started on a free loopback port with
// a generated configuration (persistence on, so that a restart keeps the
// sessions) in a temporary directory, restarted and stopped by its PID.

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace braid::cli {

class private_broker {
public:
  /// Starts mosquitto; on failure `error()` says why (not installed, could
  /// not start: see the log file it names).
  private_broker();
  ~private_broker();
  private_broker(const private_broker&) = delete;
  private_broker& operator=(const private_broker&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  std::uint16_t port() const { return port_; }
  const std::string& executable() const { return executable_; }

  /// Stops it with SIGTERM (it saves its state) and starts it again on the
  /// same port. False when it does not come back.
  bool restart();

private:
  bool start();
  void stop();
  bool wait_until_listening();

  std::string executable_;
  std::string dir_;
  std::string error_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace braid::cli
