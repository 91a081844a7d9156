#pragma once
// What braid::client tells a logger (client_options::logger) about its
// connection's life: resolving the broker's name, the TCP connect, the TLS
// handshake, the WebSocket upgrade, CONNECT and CONNACK, disconnects with
// their reasons, and the reconnecting service's decisions. Packets are not
// logged here (see client_options::packet_trace). Nothing is formatted when
// no logger is set.

#include <cstdint>
#include <string_view>

namespace braid {

/// Most severe first: a logger hears the records at its verbosity and above.
enum class log_level : std::uint8_t {
  error,   ///< the client gave up, or the broker broke the protocol
  warning, ///< an attempt failed, a connection was lost, the broker refused or disconnected
  info,    ///< each step of opening a connection, connected, reconnect scheduled
  debug,   ///< details: what a name resolved to, the CONNECT sent
};

/// "error", "warning", "info", "debug".
constexpr std::string_view to_string(log_level level) noexcept {
  switch (level) {
  case log_level::error:
    return "error";
  case log_level::warning:
    return "warning";
  case log_level::info:
    return "info";
  case log_level::debug:
    return "debug";
  }
  return "?";
}

/// One event of the connection's life. The views are valid during the call only.
struct log_record {
  log_level level = log_level::info;
  /// The step, one fixed word: "resolve", "tcp", "tls", "websocket",
  /// "connect", "connack", "disconnect", "reconnect", "give-up".
  std::string_view step;
  /// What happened, one line for people, e.g. "localhost:1883 is 127.0.0.1, ::1".
  /// Never holds a password.
  std::string_view message;
};

} // namespace braid
