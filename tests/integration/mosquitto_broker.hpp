#pragma once
// A private mosquitto for one test (tools/private_mosquitto): started on a free
// loopback port with a generated configuration in a temporary directory,
// stopped by PID; throws when it cannot start.

#include "private_mosquitto.hpp"
#include <signal.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace braid::testing {

class mosquitto_broker {
public:
  /// `extra` is appended to the configuration (e.g. "allow_anonymous false");
  /// "%DIR%" in it stands for the broker's private directory (for
  /// persistence_location).
  explicit mosquitto_broker(std::string extra = "allow_anonymous true\n")
      : broker_(options(std::move(extra))) {
    if (!broker_.running()) {
      throw std::runtime_error("could not start mosquitto: " + broker_.error());
    }
  }

  mosquitto_broker(const mosquitto_broker&) = delete;
  mosquitto_broker& operator=(const mosquitto_broker&) = delete;

  std::uint16_t port() const { return broker_.port(); }

  /// Stops the broker with `signal` (SIGTERM: it saves its state and exits;
  /// SIGKILL: a crash) and starts it again on the same port.
  void restart(int signal = SIGTERM) {
    if (!broker_.restart(signal)) {
      throw std::runtime_error("could not restart mosquitto: " + broker_.error());
    }
  }
  std::string port_string() const { return std::to_string(port()); }
  /// The private directory: mosquitto.conf, mosquitto.log, persistence.
  const std::string& dir() const { return broker_.dir(); }

private:
  static mosquitto::private_mosquitto_options options(std::string extra) {
    mosquitto::private_mosquitto_options options;
    options.config = std::move(extra);
    return options;
  }

  mosquitto::private_mosquitto broker_;
};

} // namespace braid::testing
