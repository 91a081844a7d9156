#pragma once
// A snapshot of what a braid::client holds and has done (client::stats()).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace braid {

struct client_stats {
  /// Messages and payload bytes of one QoS.
  struct per_qos {
    std::uint64_t messages = 0;
    std::uint64_t payload_bytes = 0;
  };

  bool connected = false; ///< a CONNACK accepted the connection in place
  // --- what the client holds now
  std::size_t in_flight = 0;      ///< QoS 1/2 publishes sent, not yet acknowledged
  std::size_t queued = 0;         ///< QoS 1/2 publishes waiting for the in-flight window
  std::size_t offline_queued = 0; ///< QoS 0 publishes waiting for a connection
  std::size_t blocked = 0;        ///< publishes waiting for queue room (queue_full_policy::block)
  std::size_t receive_queue = 0;  ///< messages waiting for async_receive
  std::size_t unacknowledged = 0; ///< delivered, waiting for async_acknowledge (manual)
  // --- totals since the client was made
  std::array<per_qos, 3> sent{};     ///< PUBLISH written, by QoS (index 0..2), resends not counted
  std::array<per_qos, 3> received{}; ///< messages delivered, by QoS, duplicates not counted
  std::uint64_t resent = 0;          ///< PUBLISH and PUBREL sent again after a reconnect
  /// Resends of messages already delivered that the replay guard recognised
  /// and did not deliver again (protocol::session_config::replay_guard).
  std::uint64_t replays = 0;
  std::uint64_t bytes_written = 0; ///< MQTT bytes written, every connection
  std::uint64_t bytes_read = 0;    ///< MQTT bytes read, every connection
  std::uint64_t connections = 0;   ///< connections a CONNACK accepted
  std::uint64_t reconnects = 0;    ///< of which after a lost one (connections - 1, or 0)
  /// From the last PINGREQ (keep alive or async_ping) to its PINGRESP.
  std::optional<std::chrono::milliseconds> round_trip{};
};

} // namespace braid
