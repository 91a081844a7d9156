#include "connection_options.hpp"

#include <braid/protocol/topic.hpp>

#include <unistd.h>

#include <chrono>
#include <random>

namespace braid::cli {

namespace bp = braid::protocol;

void connection_options::add_to(CLI::App& app) {
  app.add_option("-h,--host", host, "broker host (default localhost)");
  app.add_option("-p,--port", port, "broker port (default 1883, 8883 with TLS)")
      ->check(CLI::Range(1, 65535));
  app.add_option("-L,--url", url,
                 "broker URL: mqtt://, mqtts://, ws://, wss://host[:port][/path]; "
                 "overrides -h and -p");
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
  app.add_option("--will-topic", will_topic, "topic of the will message");
  app.add_option("--will-payload", will_payload, "payload of the will message");
  app.add_option("--will-qos", will_qos, "QoS of the will message")->check(CLI::Range(0, 2));
  app.add_flag("--will-retain", will_retain, "retain the will message");
  app.add_option("--cafile", ca_file, "trusted CA certificates (PEM); enables TLS");
  app.add_option("--capath", ca_path, "directory of trusted CA certificates; enables TLS");
  app.add_option("--cert", cert_file, "client certificate (PEM) for mutual TLS");
  app.add_option("--key", key_file, "client private key (PEM)");
  app.add_option("--keypass", key_password, "password of an encrypted client key");
  app.add_option("--alpn", alpn, "ALPN protocol to offer (repeatable)");
  app.add_flag("--insecure", insecure,
               "DANGER: do not verify the broker's certificate or host name");
  app.add_option("--window", window,
                 "QoS 1/2 messages in flight at once (default 20, as mosquitto allows)")
      ->check(CLI::Range(1, 65535));
  app.add_flag("--no-reconnect", no_reconnect,
               "exit when the connection is lost instead of reconnecting");
  app.add_option("--connect-timeout", connect_timeout_s, "seconds to reach CONNACK (default 10)")
      ->check(CLI::PositiveNumber);
  app.add_flag("-d,--debug", debug, "print every packet sent and received (to stderr)");
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
                 "MQTT 5 property: COMMAND IDENTIFIER VALUE [VALUE], "
                 "e.g. -D publish user-property key value")
      ->expected(3, 4)
      ->allow_extra_args(false);
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
      error = "--will-topic '" + will_topic + "': " + ec.message();
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
  o.reconnect.random = [] {
    static std::minstd_rand generator{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(generator);
  };
  o.connect_timeout = std::chrono::milliseconds(static_cast<long long>(connect_timeout_s * 1000.0));
  o.tls.ca_file = ca_file;
  o.tls.ca_path = ca_path;
  o.tls.cert_file = cert_file;
  o.tls.key_file = key_file;
  o.tls.key_password = key_password;
  o.tls.alpn = alpn;
  o.tls.insecure_skip_verification = insecure;
  return o;
}

} // namespace braid::cli
