#pragma once
// The flags of `braid bench conn|pub|sub|pubsub`, named as emqtt-bench's
// where it has one (-c, -R, -I, -t with %i, -q, -s, -V, -k), and what they
// resolve to: the broker URL, the CONNECT every client sends, the client
// options (one TLS context shared by all clients).

#include <braid/client_options.hpp>
#include <braid/protocol/session/session.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace braid::cli {

enum class load_mode : std::uint8_t {
  conn,   ///< connect N clients and hold them
  pub,    ///< N publishers
  sub,    ///< N subscribers
  pubsub, ///< N publishers and M subscribers in one process: end-to-end latency
};

const char* to_string(load_mode mode) noexcept;

struct load_options {
  load_mode mode = load_mode::conn;

  // Where, and how each client connects.
  std::string host;
  int port = 0;
  std::string url;
  std::optional<std::string> username, password;
  std::string ca_file, cert_file, key_file;
  bool insecure = false;
  std::string version = "3.1.1";
  int keep_alive = 60;
  std::string id_prefix; ///< default braid-PID
  double connect_timeout_s = 10;

  // How many, how fast.
  std::uint32_t clients = 1;      ///< -c: conn, pub, sub: the clients; pubsub: the publishers
  std::uint32_t subscribers = 1;  ///< pubsub: --subscribers
  std::uint32_t start_number = 0; ///< -n: the first client is number start_number + 1
  double connect_rate = 0;        ///< -R: connections started per second (0: at once)
  /// Most connects under way at once, over all threads (0: no bound). More
  /// at once overflow a broker's accept backlog: the kernel drops the SYNs
  /// and resends them only a second later.
  std::uint32_t max_connecting = 100;
  std::uint32_t threads = 1;

  // Messages.
  std::string topic;     ///< pub, pubsub: topic template; sub: filter template
  std::string sub_topic; ///< pubsub: the subscribers' filter template
  int qos = 0;
  std::size_t size = 256;
  double rate = 0; ///< --rate: messages per second per publisher (0: as the window allows)
  double interval_ms =
      0; ///< -I: ms between two messages of a publisher (another way to say --rate)
  std::uint64_t count = 0; ///< pub, pubsub: per publisher; sub: per subscriber (0: no limit)
  double duration_s = 0;   ///< 0: until --count or Ctrl-C
  int window = 20;
  bool retain = false;

  // Output.
  bool json = false;
  bool no_progress = false;
  std::string plot;
  double max_errors_pct = 1.0;

  /// Adds the flags of `mode` to `app`.
  void add_to(CLI::App& app);

  /// Whether a private mosquitto is wanted (no -h, -p nor -L).
  bool private_broker() const { return host.empty() && port == 0 && url.empty(); }
  /// Messages per second per publisher (from --rate or -I); 0: unpaced.
  double publish_rate() const { return interval_ms > 0 ? 1000.0 / interval_ms : rate; }
  bool publishes() const { return mode == load_mode::pub || mode == load_mode::pubsub; }
  bool subscribes() const { return mode == load_mode::sub || mode == load_mode::pubsub; }
};

/// What the options resolve to; the same for every client but the client id.
struct load_setup {
  std::string url;
  std::string shown_url; ///< without a password
  std::string topic;     ///< the publishers' template (pub, pubsub)
  std::string filter;    ///< the subscribers' template (sub, pubsub)
  protocol::session_config session;
  client_options client;
};

/// Checks the values and fills `out`; false with a message for a usage error.
/// `port` is the private broker's when one was started (then host is 127.0.0.1).
bool resolve_load_options(load_options& o, int private_port, load_setup& out, std::string& error);

} // namespace braid::cli
