#pragma once
// Errors of braid::client itself (category "braid.client"); the session,
// protocol, MQTT reason code and transport errors pass through unchanged.

#include <system_error>

namespace braid {

enum class client_errc {
  not_in_profile = 1, ///< publish on a subscriber-only client, or subscribe/receive on a publisher
  connect_timeout,    ///< no CONNACK within client_options::connect_timeout
  no_brokers,         ///< async_connect was given an empty list of URLs
  /// The broker closed the connection after CONNECT, without a CONNACK: what
  /// brokers do with a protocol version they do not speak (RabbitMQ 3 and
  /// other MQTT 3.1.1-only brokers with an MQTT 5 CONNECT), or with a client
  /// they reject without saying why.
  closed_before_connack,
};

const std::error_category& client_category() noexcept;

inline std::error_code make_error_code(client_errc e) noexcept {
  return {static_cast<int>(e), client_category()};
}

} // namespace braid

template <>
struct std::is_error_code_enum<braid::client_errc> : std::true_type {};
