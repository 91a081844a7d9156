#include "load_options.hpp"

#include <braid/protocol/topic.hpp>

#include "connection_options.hpp"
#include "load_payload.hpp"
#include "load_topic.hpp"
#include "shown.hpp"
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <unistd.h>

#include <map>

namespace braid::cli {

namespace bp = braid::protocol;

const char* to_string(load_mode mode) noexcept {
  switch (mode) {
  case load_mode::conn:
    return "conn";
  case load_mode::pub:
    return "pub";
  case load_mode::sub:
    return "sub";
  case load_mode::pubsub:
    return "pubsub";
  }
  return "?";
}

void load_options::add_to(CLI::App& app) {
  app.add_option("-c,--clients", clients,
                 mode == load_mode::pubsub ? "publishers (default 1)" : "clients (default 1)")
      ->check(CLI::Range(1u, 10'000'000u));
  if (mode == load_mode::pubsub) {
    app.add_option("--subscribers", subscribers, "subscribers (default 1)")
        ->check(CLI::Range(1u, 10'000'000u));
  }
  app.add_option("-n,--start-number", start_number,
                 "the first client is number N+1 (for %i and client ids; default 0)");
  app.add_option("-R,--connect-rate", connect_rate,
                 "connections started per second (ramp-up; default 0: as fast as possible)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-connecting", max_connecting,
                 "at most this many connects under way at once (default 100: more overflow "
                 "the broker's accept backlog, and a dropped SYN is resent a second later; 0: "
                 "no bound)");
  app.add_option("-j,--threads", threads,
                 "worker threads, each with its own io_context and a share of the clients "
                 "(default 1)")
      ->check(CLI::Range(1u, 256u));
  app.add_option("-d,--duration", duration_s,
                 "seconds to run once every client is connected (default: until --count, or "
                 "Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  if (mode == load_mode::pub || mode == load_mode::pubsub) {
    app.add_option("-t,--topic", topic,
                   "topic template: %i the client's number, %c its client id, %% a percent "
                   "(default bench/%i)");
  } else if (mode == load_mode::sub) {
    app.add_option("-t,--topic", topic,
                   "filter template: %i the client's number, %c its client id (default bench/#)");
  }
  if (mode == load_mode::pubsub) {
    app.add_option("--sub-topic", sub_topic,
                   "the subscribers' filter template (default: -t with its %i and %c levels "
                   "as +)");
  }
  if (mode != load_mode::conn) {
    app.add_option("-q,--qos", qos, "QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
  }
  if (publishes()) {
    app.add_option("-s,--size", size,
                   "payload bytes, at least 16 (send time and sequence number; default 256)")
        ->check(CLI::Range(std::size_t{load_header_size}, std::size_t{268'000'000}));
    app.add_option("--count", count, "messages per publisher (default: until -d or Ctrl-C)");
    auto* interval = app.add_option("-I,--interval-ms", interval_ms,
                                    "milliseconds between two messages of a publisher")
                         ->check(CLI::PositiveNumber);
    app.add_option("--rate", rate,
                   "messages per second per publisher (default 0: as fast as the window allows)")
        ->check(CLI::NonNegativeNumber)
        ->excludes(interval);
    app.add_option("-w,--window", window,
                   "messages in flight per publisher: QoS 1/2 unacknowledged, QoS 0 unwritten "
                   "(default 20)")
        ->check(CLI::Range(1, 65535));
    app.add_flag("-r,--retain", retain, "publish retained messages");
  } else if (mode == load_mode::sub) {
    app.add_option("--count", count, "messages per subscriber, then stop (default: no limit)");
  }
  app.add_flag("--json", json, "print one JSON object at the end instead of the summary");
  app.add_option("--plot", plot,
                 "write an SVG: the latency percentile curve and the message rates over time");
  app.add_flag("--no-progress", no_progress,
               "no progress line on stderr (shown by default; with --json on a terminal only)");
  app.add_option("--max-errors", max_errors_pct,
                 "exit 1 when more than this percent of connections or of messages fail "
                 "(default 1)")
      ->check(CLI::Range(0.0, 100.0));

  app.option_defaults()->group("Connection");
  app.add_option("-h,--host", host, "broker host (default: a private mosquitto)");
  app.add_option("-p,--port", port, "broker port (default 1883, 8883 with TLS)")
      ->check(CLI::Range(1, 65535));
  app.add_option("-L,--url", url,
                 "broker URL: mqtt://, mqtts://, ws://, wss://host[:port][/path]; overrides -h "
                 "and -p");
  app.add_option("-u,--username", username, "user name");
  app.add_option("-P,--password", password, "password");
  app.add_option("-V,--version", version,
                 "MQTT version: 3.1, 3.1.1 or 5 (also 3, 4, mqttv31, mqttv311, mqttv5; "
                 "default 3.1.1)")
      ->check(CLI::IsMember(
          {"3.1", "3.1.1", "5", "3", "4", "31", "311", "mqttv31", "mqttv311", "mqttv5"}));
  app.add_option("-k,--keep-alive", keep_alive, "keep alive in seconds (default 60)")
      ->check(CLI::Range(0, 65535));
  app.add_option("-i,--client-id-prefix", id_prefix,
                 "client ids are PREFIX-conn|pub|sub-N (default braid-PID)");
  app.add_option("--connect-timeout", connect_timeout_s,
                 "seconds for a client to reach CONNACK (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--cafile", ca_file, "trusted CA certificates (PEM); enables TLS");
  app.add_option("--cert", cert_file, "client certificate (PEM) for mutual TLS");
  app.add_option("--key", key_file, "client private key (PEM)");
  app.add_flag("--insecure", insecure,
               "DANGER: do not verify the broker's certificate or host name; enables TLS");
}

namespace {

// One TLS context for every client: the CA file is read and the key loaded
// once, not once per connection.
bool make_shared_tls(const load_options& o, tls_options& tls, std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(
      ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3, ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  const auto step = [&](const char* what, const std::string& file, auto&& apply) {
    if (!error.empty() || file.empty()) {
      return;
    }
    apply();
    if (ec) {
      error = std::string(what) + " '" + shown(file) + "': " + ec.message();
    }
  };
  if (o.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  }
  step("--cafile", o.ca_file, [&] { ctx->load_verify_file(o.ca_file, ec); });
  step("--cert", o.cert_file, [&] { ctx->use_certificate_chain_file(o.cert_file, ec); });
  step("--key", o.key_file, [&] { ctx->use_private_key_file(o.key_file, ssl::context::pem, ec); });
  if (!error.empty()) {
    return false;
  }
  tls.context = std::move(ctx);
  tls.insecure_skip_verification = o.insecure;
  return true;
}

std::string version_code(const std::string& v) {
  static const std::map<std::string, std::string> codes{
      {"3.1", "31"}, {"3", "31"},    {"31", "31"},        {"mqttv31", "31"}, {"3.1.1", "311"},
      {"4", "311"},  {"311", "311"}, {"mqttv311", "311"}, {"5", "5"},        {"mqttv5", "5"}};
  const auto found = codes.find(v);
  return found == codes.end() ? "311" : found->second;
}

} // namespace

bool resolve_load_options(load_options& o, int private_port, load_setup& out, std::string& error) {
  connection_options c;
  c.host = o.private_broker() ? "127.0.0.1" : (o.host.empty() ? "localhost" : o.host);
  c.port = o.private_broker() ? private_port : o.port;
  c.url = o.url;
  c.username = o.username;
  c.password = o.password;
  c.ca_file = o.ca_file;
  c.cert_file = o.cert_file;
  c.key_file = o.key_file;
  c.insecure = o.insecure;
  c.keep_alive = o.keep_alive;
  c.version = version_code(o.version);
  c.window = o.window;
  c.connect_timeout_s = o.connect_timeout_s;
  c.no_reconnect = true; // a lost client is counted, not restored
  if (!c.resolve_url(error)) {
    return false;
  }
  if (o.topic.empty() && !c.url_topic.empty()) {
    o.topic = c.url_topic;
  }
  out.url = c.broker_url();
  out.shown_url = without_password(out.url);
  if (o.id_prefix.empty()) {
    o.id_prefix = "braid-" + std::to_string(::getpid());
  }
  c.client_id = o.id_prefix + "-pub-1"; // checked here; each client gets its own
  if (!c.make_session_config(out.session, error)) {
    return false;
  }
  // Nothing waits beyond the window: the tool keeps at most `window` in flight.
  out.session.queue_limit = static_cast<std::size_t>(o.window) + 16;
  out.session.offline_limit = static_cast<std::size_t>(o.window) + 16;
  out.client = c.make_client_options(client_profile::both);
  out.client.receive_queue_limit = 1000;
  const bool tls = out.url.starts_with("mqtts://") || out.url.starts_with("wss://");
  if (tls && !make_shared_tls(o, out.client.tls, error)) {
    return false;
  }

  if (o.mode == load_mode::sub) {
    out.filter = o.topic.empty() ? "bench/#" : o.topic;
  } else if (o.publishes()) {
    out.topic = o.topic.empty() ? "bench/%i" : o.topic;
  }
  if (o.mode == load_mode::pubsub) {
    out.filter = o.sub_topic.empty() ? filter_for_template(out.topic) : o.sub_topic;
  }
  for (const auto* pattern : {&out.topic, &out.filter}) {
    if (!pattern->empty() && !check_topic_template(*pattern, error)) {
      return false;
    }
  }
  // The first client's topic and filter stand for all: only %i and %c vary.
  const auto first = o.start_number + 1ull;
  if (!out.topic.empty()) {
    const auto sample = expand_topic(out.topic, first, o.id_prefix + "-pub-1");
    if (auto ec = bp::validate_topic_name(sample)) {
      error = "-t '" + shown(sample) + "': " + ec.message();
      return false;
    }
  }
  if (!out.filter.empty()) {
    const auto sample = expand_topic(out.filter, first, o.id_prefix + "-sub-1");
    if (auto ec = bp::validate_topic_filter(sample)) {
      error = std::string(o.mode == load_mode::sub ? "-t" : "--sub-topic") + " '" + shown(sample) +
              "': " + ec.message();
      return false;
    }
  }
  if (o.threads > o.clients + (o.mode == load_mode::pubsub ? o.subscribers : 0)) {
    o.threads = o.clients + (o.mode == load_mode::pubsub ? o.subscribers : 0);
  }
  return true;
}

} // namespace braid::cli
