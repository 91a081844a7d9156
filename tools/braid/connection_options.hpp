#pragma once
// The connection flags that `braid pub` and `braid sub` share, with
// mosquitto_pub's letters: -h -p -L -i -u -P -k -V -c -x -M, --will-*, TLS
// flags, --window, --no-reconnect, -D for MQTT 5 properties, -d for a packet
// trace, --quiet, --max-violations, --store for a durable session.

#include <braid/client_options.hpp>
#include <braid/protocol/session/session.hpp>

#include "v5_properties.hpp"
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace braid::cli {

struct connection_options {
  std::string host = "localhost";
  int port = 0; // 0: the scheme's default
  std::string url;
  std::string client_id;
  std::string id_prefix = "braid";
  std::optional<std::string> username;
  std::optional<std::string> password;
  int keep_alive = 60;
  std::string version = "311";
  bool no_clean_session = false;
  std::string session_expiry; // -x: seconds, or -1 / ∞ for never
  std::string will_topic;
  std::string will_payload;
  int will_qos = 0;
  bool will_retain = false;
  std::string ca_file, ca_path, cert_file, key_file, key_password;
  bool insecure = false;
  std::vector<std::string> alpn;
  std::string tls_version; // --tls-version tlsv1.2|tlsv1.3: the lowest accepted
  std::string ciphers;     // --ciphers: OpenSSL cipher list (TLS 1.2)
  int window = 20;
  bool no_reconnect = false;
  bool no_redirect = false;
  double connect_timeout_s = 10.0;
  bool debug = false;
  bool stats = false;          ///< --stats: print client::stats() every stats_interval_s
  double stats_interval_s = 0; ///< --stats-interval (0: not given, 1 s)
  bool quiet = false;          // --quiet: no line per lost connection
  int max_violations = 10;     // --max-violations: give up after this many in a row (0: never)
  v5_property_flags properties;
  std::string store_path;            // --store: the durable session store
  std::string store_sync = "os";     // --store-sync os|disk
  std::string broker_id = "default"; // --broker-id: the store's name for the broker
  std::size_t replay_guard = 0;      // --replay-guard (braid sub): session_config::replay_guard

  /// The topic of -L's path (mqtt://host/topic), percent-decoded; empty
  /// when -L has none. Set by resolve_url.
  std::string url_topic;

  /// Adds the flags to `app`, in their own "Connection" group of --help.
  void add_to(CLI::App& app);

  /// Reads -L (mosquitto's form, mqtt(s)://[user[:password]@]host[:port]/topic):
  /// the user info fills -u/-P when they are not given, the path becomes
  /// url_topic, and `url` is left as scheme://host:port[/websocket path].
  /// False with a message (without the password) for a URL that cannot be used.
  bool resolve_url(std::string& error);

  /// The broker URL: -L, or mqtt://host:port from -h and -p.
  std::string broker_url() const;
  /// CONNECT and session settings. Fails with a message for values that
  /// cannot be used (unknown protocol version, a will QoS out of range...).
  bool make_session_config(protocol::session_config& out, std::string& error) const;
  client_options make_client_options(client_profile profile) const;
};

} // namespace braid::cli
