#include "connection_options.hpp"

#include <braid/protocol/topic.hpp>
#include <braid/protocol/utf8.hpp>

#include "shown.hpp"
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

namespace braid::cli {

namespace bp = braid::protocol;

void connection_options::add_to(CLI::App& app) {
  // The subcommand's own flags come first in --help, then these.
  const std::string previous_group = app.option_defaults()->get_group();
  app.option_defaults()->group("Connection");
  app.add_option("-h,--host", host, "broker host (default localhost)");
  app.add_option("-p,--port", port, "broker port (default 1883, 8883 with TLS)")
      ->check(CLI::Range(1, 65535));
  app.add_option("-L,--url", url,
                 "broker URL: mqtt(s)://[user[:password]@]host[:port]/topic (the path is the "
                 "topic, percent-decoded), or ws(s)://host[:port][/path]; overrides -h and -p");
  app.add_option("-i,--id", client_id, "client id (default: prefix-PID)");
  app.add_option("-I,--id-prefix", id_prefix, "client id prefix when -i is absent");
  app.add_option("-u,--username", username, "user name");
  app.add_option("-P,--pw", password, "password");
  app.add_option("-k,--keepalive", keep_alive, "keep alive in seconds (default 60)")
      ->check(CLI::Range(0, 65535));
  app.add_option("-V,--protocol-version", version, "MQTT version: 31, 311 or 5 (default 311)")
      ->check(CLI::IsMember({"31", "311", "5", "mqttv31", "mqttv311", "mqttv5"}));
  app.add_flag("-c,--disable-clean-session", no_clean_session,
               "persistent session: keep subscriptions and messages while away (needs -i)");
  app.add_option("-x,--session-expiry-interval", session_expiry,
                 "MQTT 5: seconds the broker keeps the session after a disconnect; -1 or "
                 "4294967295: never expires (default with -c), 0 (default without -c)")
      ->type_name("SECONDS");
  app.add_option("--will-topic", will_topic, "topic of the will message");
  app.add_option("--will-payload", will_payload, "payload of the will message");
  app.add_option("--will-qos", will_qos, "QoS of the will message")->check(CLI::Range(0, 2));
  app.add_flag("--will-retain", will_retain, "retain the will message");
  app.add_option("--cafile", ca_file, "trusted CA certificates (PEM); enables TLS");
  app.add_option("--capath", ca_path, "directory of trusted CA certificates; enables TLS");
  app.add_option("--cert", cert_file, "client certificate (PEM) for mutual TLS");
  app.add_option("--key", key_file, "client private key (PEM)");
  app.add_option("--keypass", key_password, "password of an encrypted client key");
  app.add_option("--alpn,--tls-alpn", alpn, "ALPN protocol to offer (repeatable)");
  app.add_option("--tls-version", tls_version,
                 "lowest TLS version accepted: tlsv1.2 (default) or tlsv1.3")
      ->check(CLI::IsMember({"tlsv1.2", "tlsv1.3"}));
  app.add_option("--ciphers", ciphers,
                 "TLS 1.2 cipher list in OpenSSL's syntax (e.g. ECDHE-RSA-AES256-GCM-SHA384)");
  app.add_flag("--insecure", insecure,
               "DANGER: do not verify the broker's certificate or host name");
  app.add_option("-M,--window", window,
                 "QoS 1/2 messages in flight at once (default 20, as mosquitto allows)")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--no-reconnect", no_reconnect,
               "exit when the connection is lost instead of reconnecting");
  app.add_flag("--no-redirect", no_redirect,
               "MQTT 5: do not follow a broker that sends the client to another server "
               "(Use another server, Server moved); treat it as a refusal");
  app.add_option("--connect-timeout", connect_timeout_s, "seconds to reach CONNACK (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-violations", max_violations,
                 "exit (code 1) after this many connections in a row ended by a malformed "
                 "packet or protocol error from the broker (default 10; 0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet", quiet, "do not print a line for each lost connection");
  app.add_flag("-d,--debug", debug,
               "print every packet sent and received, and each step of connecting, "
               "disconnecting and reconnecting (to stderr)");
  app.add_flag("--stats", stats,
               "print the client's figures to stderr every second: rates of messages and "
               "bytes each way, in flight, queued, resends, reconnects, ping round trip");
  app.add_option("--stats-interval", stats_interval_s,
                 "seconds between two --stats lines (default 1; implies --stats)")
      ->check(CLI::PositiveNumber);
  app.add_option("--store", store_path,
                 "durable session store (SQLite file): QoS 1/2 state survives a crash of this "
                 "process; needs -i and -c");
  app.add_option("--store-sync", store_sync,
                 "os: a commit survives a crash of the process (default); disk: also of the "
                 "machine (fsync per commit)")
      ->check(CLI::IsMember({"os", "disk"}));
  app.add_option("--broker-id", broker_id,
                 "the broker's name in the store, the same for every address of it "
                 "(default 'default')");
  app.add_option("-D,--property", properties.raw,
                 "MQTT 5 property, 3 or 4 values: COMMAND PROPERTY VALUE [VALUE] (repeatable), "
                 "e.g. -D publish user-property key value")
      ->type_name("COMMAND PROPERTY VALUE [VALUE]")
      ->expected(3, 4)
      ->allow_extra_args(false);
  app.option_defaults()->group(previous_group);
}

bool connection_options::resolve_url(std::string& error) {
  if (url.empty()) {
    return true;
  }
  const std::string shown_url = without_password(url);
  // A bare host[:port] is mqtt://; mosquitto's tools always want the scheme.
  const std::string text = url.find("://") == std::string::npos ? "mqtt://" + url : url;
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    error = "bad broker URL '" + shown_url + "': " + parsed.error().message();
    return false;
  }
  const boost::urls::url_view& u = *parsed;
  std::string scheme(u.scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  scheme = scheme == "tcp" ? "mqtt" : scheme == "ssl" ? "mqtts" : scheme;
  const bool websocket = scheme == "ws" || scheme == "wss";
  if (scheme != "mqtt" && scheme != "mqtts" && !websocket) {
    error = "bad broker URL '" + shown_url + "': unknown scheme '" + scheme +
            "' (use mqtt://, mqtts://, ws:// or wss://)";
    return false;
  }
  std::string url_host;
  switch (u.host_type()) {
  case boost::urls::host_type::ipv6:
    url_host = "[" + std::string(u.encoded_host_address()) + "]";
    break;
  case boost::urls::host_type::ipv4:
  case boost::urls::host_type::name:
    url_host = u.host_address();
    break;
  default:
    break;
  }
  if (url_host.empty()) {
    error = "bad broker URL '" + shown_url + "': no host";
    return false;
  }
  std::string address = scheme + "://" + url_host;
  if (u.has_port()) {
    const auto port_text = u.port();
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      error = "bad broker URL '" + shown_url + "': the port is not a number from 1 to 65535";
      return false;
    }
    address += ":" + std::to_string(value);
  }
  if (u.has_query()) {
    error = "bad broker URL '" + shown_url + "': a query ('?...') has no meaning here";
    return false;
  }
  if (websocket) {
    if (u.has_fragment()) {
      error = "bad broker URL '" + shown_url + "': a fragment ('#...') has no meaning here";
      return false;
    }
    address += std::string(u.encoded_path());
  } else {
    // mqtt://host/a/# : '#' starts a URL fragment, but in mosquitto's form it
    // is the multi-level wildcard of the topic.
    std::string topic = u.path();
    if (u.has_fragment()) {
      topic += "#" + u.fragment();
    }
    url_topic = topic.starts_with('/') ? topic.substr(1) : topic;
  }
  if (u.has_userinfo()) {
    if (!username) {
      username = u.user();
    }
    if (!password && u.has_password()) {
      password = u.password();
    }
  }
  url = address;
  return true;
}

std::string connection_options::broker_url() const {
  if (!url.empty()) {
    return url;
  }
  const bool tls = !ca_file.empty() || !ca_path.empty() || insecure;
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string u = (tls ? "mqtts://" : "mqtt://") + h;
  if (port != 0) {
    u += ":" + std::to_string(port);
  }
  return u;
}

bool connection_options::make_session_config(bp::session_config& out, std::string& error) const {
  out.replay_guard = replay_guard;
  auto& c = out.connect_packet;
  if (version == "31" || version == "mqttv31") {
    c.version = bp::protocol_version::v3_1;
  } else if (version == "5" || version == "mqttv5") {
    c.version = bp::protocol_version::v5;
  } else {
    c.version = bp::protocol_version::v3_1_1;
  }
  if (client_id.empty() && no_clean_session) {
    error = "-c (persistent session) needs a client id: give -i";
    return false;
  }
  if (!store_path.empty() && (client_id.empty() || !no_clean_session)) {
    error = "--store keeps a persistent session: give -i and -c";
    return false;
  }
  c.client_id = client_id.empty() ? id_prefix + "-" + std::to_string(::getpid()) : client_id;
  if (bp::validate_utf8_string(c.client_id) || c.client_id.size() > 65535) {
    error = "client id '" + shown(c.client_id) +
            "' is not valid: MQTT wants UTF-8 text of at "
            "most 65,535 bytes";
    return false;
  }
  c.clean_start = !no_clean_session;
  c.keep_alive = static_cast<std::uint16_t>(keep_alive);
  if (username) {
    c.username = *username;
  }
  if (password) {
    c.password = bp::bytes(password->begin(), password->end());
  }
  if (!will_topic.empty()) {
    if (auto ec = bp::validate_topic_name(will_topic)) {
      error = "--will-topic '" + shown(will_topic) + "': " + ec.message();
      return false;
    }
    bp::will_message will{will_topic,
                          bp::bytes(will_payload.begin(), will_payload.end()),
                          static_cast<bp::qos>(will_qos),
                          will_retain,
                          {}};
    if (!properties.apply("will", will.props, error)) {
      return false;
    }
    c.will = std::move(will);
  } else if (!will_payload.empty()) {
    error = "--will-payload needs --will-topic";
    return false;
  }
  if (!properties.apply("connect", c.props, error)) {
    return false;
  }
  if (!session_expiry.empty()) {
    std::uint32_t seconds = 0;
    const auto* end = session_expiry.data() + session_expiry.size();
    if (session_expiry == "-1" || session_expiry == "∞") {
      seconds = 0xFFFFFFFF;
    } else if (auto [p, ec] = std::from_chars(session_expiry.data(), end, seconds);
               ec != std::errc{} || p != end) {
      error = "-x '" + shown(session_expiry) +
              "': not a number of seconds from 0 to 4294967295, nor -1";
      return false;
    }
    if (c.version != bp::protocol_version::v5) {
      error = "-x (session expiry interval) is MQTT 5 only: add -V 5";
      return false;
    }
    if (c.props.contains(bp::property_id::session_expiry_interval)) {
      error = "give the session expiry interval once: -x or -D connect session-expiry-interval";
      return false;
    }
    if (seconds > 0 && client_id.empty()) {
      error = "-x keeps the session after a disconnect: give a client id with -i";
      return false;
    }
    c.props.add(bp::property_id::session_expiry_interval, seconds);
  }
  // A persistent MQTT 5 session must outlive the connection to be of use.
  if (c.version == bp::protocol_version::v5 && no_clean_session &&
      !c.props.contains(bp::property_id::session_expiry_interval)) {
    c.props.add(bp::property_id::session_expiry_interval, std::uint32_t{0xFFFFFFFF});
  }
  out.window = static_cast<std::uint16_t>(window);
  return true;
}

client_options connection_options::make_client_options(client_profile profile) const {
  client_options o;
  o.profile = profile;
  o.reconnect.enabled = !no_reconnect;
  o.reconnect.follow_redirects = !no_redirect;
  o.connect_timeout = std::chrono::milliseconds(static_cast<long long>(connect_timeout_s * 1000.0));
  o.tls.ca_file = ca_file;
  o.tls.ca_path = ca_path;
  o.tls.cert_file = cert_file;
  o.tls.key_file = key_file;
  o.tls.key_password = key_password;
  o.tls.alpn = alpn;
  if (!tls_version.empty()) {
    o.tls.min_version = tls_version == "tlsv1.3" ? "1.3" : "1.2";
  }
  o.tls.ciphers = ciphers;
  o.tls.insecure_skip_verification = insecure;
  return o;
}

} // namespace braid::cli
