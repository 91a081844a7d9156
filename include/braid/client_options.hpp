#pragma once
// Options of braid::client beyond the MQTT session, and the connection-state
// events it reports.

#include <braid/backoff.hpp>
#include <braid/logger.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/session/store.hpp>
#include <braid/tls_options.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace braid {

/// The reconnecting service: keep the connection up.
struct reconnect_options {
  /// Reconnect after a lost connection, and keep trying the first connect,
  /// until a refusal that will not fix itself (bad credentials, not
  /// authorised, banned, client id not valid, bad authentication method,
  /// unsupported protocol version), a broker certificate that fails
  /// verification (see retry_tls_verification_failures), or
  /// close()/async_disconnect.
  bool enabled = false;
  /// The delays between attempts, jitter included (on by default: see backoff.hpp).
  backoff_policy policy{};
  /// The jitter's generator is seeded with this; 0 (the default): from
  /// std::random_device, so that every client draws differently.
  std::uint64_t random_seed = 0;
  /// Returns a number in [0, 1) for the jitter, instead of the client's own
  /// generator (tests). (A plain function, so that the options stay a simple value.)
  double (*random)() = nullptr;
  /// A TLS handshake that fails because the broker's certificate does not
  /// verify (unknown CA, wrong host name, expired) is not retried: the
  /// client gives up, since another attempt would fail the same way. Set
  /// this to keep retrying (a certificate being rolled out, say).
  bool retry_tls_verification_failures = false;
  /// A connection counts as good, and the backoff starts over, once it has
  /// lasted this long after CONNACK. One the broker ends sooner (a broker
  /// that accepts the client and then drops it at once: a session it cannot
  /// restore, another client taking over the client id) is a failed attempt:
  /// the next delay grows as after a refusal, instead of retrying at the first
  /// delay in a tight loop. 0: every CONNACK starts the backoff over.
  std::chrono::milliseconds stable_after{10'000};
  /// Follow MQTT 5 server redirection: a CONNACK or DISCONNECT with reason
  /// Use another server (0x9C) or Server moved (0x9D) and a Server Reference
  /// sends the next attempt, at once, to the server it names (the first of
  /// several; the others if it cannot be reached). Server moved also puts the
  /// new server in the old one's place in the broker list, for good; Use
  /// another server holds for that attempt only. A reference without a port
  /// keeps the current broker's port; the scheme (TLS, WebSocket) and path
  /// stay the same. A DISCONNECT's redirect is followed only when reconnecting
  /// is enabled. Every redirect is reported (connection_event::redirected).
  /// Off: the refusal or disconnect is treated like any other.
  bool follow_redirects = true;
  /// Redirects followed in a row before the client stops following them (a
  /// loop between brokers): the next one is treated as an ordinary refusal or
  /// disconnect. The count starts over when a connection ends without a redirect.
  std::uint32_t max_redirects = 5;
};

/// What async_publish does when the session's publish queue
/// (session_config::queue_limit) is full.
enum class queue_full_policy : std::uint8_t {
  fail,  ///< complete at once with session_errc::queue_full
  block, ///< wait, in order, until the queue has room (bounded by the caller's own count)
};

/// Profiles: what a client may do.
enum class client_profile : std::uint8_t {
  publisher,  ///< publish only: subscribe and receive fail with client_errc::not_in_profile
  subscriber, ///< subscribe and receive only: publish fails with client_errc::not_in_profile
  both,
};

/// Which way a traced packet went.
enum class packet_direction : std::uint8_t { sent, received };

struct client_options {
  client_profile profile = client_profile::both;
  reconnect_options reconnect{};
  /// Longest time from starting a connection (resolve, TCP, TLS, WebSocket)
  /// to CONNACK; past it the attempt fails with client_errc::connect_timeout.
  std::chrono::milliseconds connect_timeout{10'000};
  /// Messages kept for async_receive. When the application falls this far
  /// behind, the client stops reading the socket (the broker then holds or
  /// throttles what is left) instead of dropping messages.
  std::size_t receive_queue_limit = 10'000;
  /// For mqtts:// and wss:// URLs.
  tls_options tls{};
  queue_full_policy on_queue_full = queue_full_policy::fail;
  /// Called with every packet sent and received, decoded (for debugging, as
  /// mosquitto_pub -d; costs a second decode of the traffic). Runs on the
  /// client's strand; null: no trace.
  std::function<void(packet_direction, const protocol::packet&)> packet_trace{};
  /// Told about the connection's life at log_verbosity and above: resolve,
  /// TCP connect, TLS handshake, WebSocket upgrade, CONNECT and CONNACK,
  /// disconnects with their reasons, reconnect and give-up decisions (see
  /// logger.hpp). Runs on the client's strand; must not block. Empty (the
  /// default): nothing is formatted.
  std::function<void(const log_record&)> logger{};
  log_level log_verbosity = log_level::info;
  /// Where the session's state is kept: null keeps it in memory (it then
  /// survives reconnects, not a restart). A braid::sqlite_store keeps it
  /// across a crash of the process: use it with clean_start off and the
  /// client id the store was opened for. The client commits the store before
  /// it writes what depends on it (see sqlite_store.hpp).
  std::shared_ptr<protocol::session_store> store{};
  /// Called on the client's strand with every application message as it
  /// arrives, before the message is acknowledged to the broker and before the
  /// store commits; then the message goes to its route, the message handler
  /// or async_receive as usual. A QoS 2 message is passed once, whatever the
  /// broker resends. With a sqlite_store, values put here (sqlite_store::put)
  /// commit in the same transaction as the receipt of the message: recording
  /// what was processed here makes QoS 2 processing exactly once across a
  /// crash of the process. Must not block.
  std::function<void(const protocol::publish&)> on_arrival{};
};

/// A change of the connection's state.
struct connection_event {
  enum class kind : std::uint8_t {
    connected,    ///< CONNACK accepted; `session_present`
    disconnected, ///< the connection is gone; `reason` (and `server_disconnect` in MQTT 5)
    reconnecting, ///< attempt `attempt` starts after `delay`
    gave_up,      ///< no more attempts: `reason` will not fix itself
    /// The broker sent the client to another server (MQTT 5 Use another
    /// server or Server moved, the `reason`): `server_reference`, `permanent`,
    /// and whether the client `followed` it (see reconnect_options::follow_redirects).
    redirected,
  };
  kind what = kind::disconnected;
  std::error_code reason{};
  bool session_present = false;
  std::uint32_t attempt = 0;
  std::chrono::milliseconds delay{0};
  std::optional<protocol::disconnect> server_disconnect{};
  /// connected: what the session did on this connection — PUBLISH and PUBREL
  /// resent, in-flight messages sent again as new or failed (the broker had
  /// lost the session; see session_config::on_session_lost), subscriptions
  /// restored.
  std::size_t resent = 0;
  std::size_t republished = 0;
  std::size_t failed = 0;
  std::size_t resubscribed = 0;
  /// redirected: the broker's Server Reference, as it sent it.
  std::string server_reference{};
  /// redirected: Server moved (the new server replaces the old one in the
  /// broker list), not Use another server (the next attempt only).
  bool permanent = false;
  /// redirected: the next attempt goes there. Not followed when turned off,
  /// past max_redirects, when the reference names no server, or for a
  /// DISCONNECT when the client does not reconnect.
  bool followed = false;
};

} // namespace braid
