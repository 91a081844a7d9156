#pragma once
// What the broker and the client agreed on for the current connection, from
// the CONNECT and the broker's CONNACK: read with client::connection().

#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace braid {

/// Values for MQTT 3.1/3.1.1 brokers, which announce none, are the protocol's
/// own limits (everything available, 65,535 in flight).
struct connection_info {
  protocol::protocol_version version = protocol::protocol_version::v3_1_1;
  /// The client identifier in use: the broker's Assigned Client Identifier
  /// when CONNECT left it empty.
  std::string client_id;
  bool session_present = false; ///< the broker resumed a session
  /// Seconds between packets the broker expects (its Server Keep Alive, if it
  /// set one; else the CONNECT's); 0: none.
  std::uint16_t keep_alive = 0;
  /// At most this many QoS 1/2 publishes unacknowledged (the broker's Receive
  /// Maximum); the client's window never goes above it.
  std::uint16_t receive_maximum = 65535;
  /// The largest packet the broker accepts, in bytes; a bigger publish fails
  /// with session_errc::packet_too_large.
  std::size_t maximum_packet_size = 268'435'460;
  /// Topic aliases the broker accepts (0: none).
  std::uint16_t topic_alias_maximum = 0;
  /// The highest QoS the broker accepts; higher fails with qos_not_supported.
  protocol::qos maximum_qos = protocol::qos::exactly_once;
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool subscription_identifier_available = true;
  bool shared_subscription_available = true;
};

} // namespace braid
