#include "load_report.hpp"

#include "load_format.hpp"
#include "message_format.hpp"

#include <cmath>

namespace braid::cli {
namespace {

std::string version_name(const std::string& v) {
  if (v == "3.1" || v == "3" || v == "31" || v == "mqttv31") {
    return "3.1";
  }
  return v == "5" || v == "mqttv5" ? "5" : "3.1.1";
}

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

double per_s(std::uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

std::string percentiles_text(const load_histogram& h) {
  if (h.count() == 0) {
    return "none measured";
  }
  return "p50 " + fixed(ms(h.percentile(0.5)), 3) + "  p90 " + fixed(ms(h.percentile(0.9)), 3) +
         "  p99 " + fixed(ms(h.percentile(0.99)), 3) + "  p99.9 " +
         fixed(ms(h.percentile(0.999)), 3) + "  max " + fixed(ms(h.max()), 3) + "  (" +
         grouped(h.count()) + ")";
}

std::string json_percentiles(const load_histogram& h) {
  if (h.count() == 0) {
    return "null";
  }
  return "{\"count\":" + std::to_string(h.count()) + ",\"min\":" + fixed(ms(h.min()), 3) +
         ",\"mean\":" + fixed(h.mean() / 1e6, 3) + ",\"p50\":" + fixed(ms(h.percentile(0.5)), 3) +
         ",\"p90\":" + fixed(ms(h.percentile(0.9)), 3) +
         ",\"p99\":" + fixed(ms(h.percentile(0.99)), 3) +
         ",\"p99_9\":" + fixed(ms(h.percentile(0.999)), 3) + ",\"max\":" + fixed(ms(h.max()), 3) +
         "}";
}

std::string json_string(const std::string& text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string line(const char* label, const std::string& text) {
  char head[32];
  std::snprintf(head, sizeof head, "  %-12s ", label);
  return head + text + "\n";
}

// What the process grew by from before the first client to all connected,
// per connection.
double kb_per_connection(const load_result& r) {
  return static_cast<double>(r.rss_kb_connected - r.rss_kb_start) /
         static_cast<double>(std::max<std::uint64_t>(r.connected, 1));
}

std::uint64_t error_total(const load_result& r) {
  return r.connect_failed + r.subscribe_failed + r.lost + r.publish_errors;
}

} // namespace

std::string load_title(const load_options& o, const load_setup& setup) {
  std::string t = "braid bench " + std::string(to_string(o.mode)) + ": ";
  switch (o.mode) {
  case load_mode::conn:
    t += grouped(std::uint64_t{o.clients}) + (o.clients == 1 ? " connection" : " connections");
    break;
  case load_mode::pub:
    t += grouped(std::uint64_t{o.clients}) + (o.clients == 1 ? " publisher" : " publishers");
    break;
  case load_mode::sub:
    t += grouped(std::uint64_t{o.clients}) + (o.clients == 1 ? " subscriber" : " subscribers");
    break;
  case load_mode::pubsub:
    t += grouped(std::uint64_t{o.clients}) + (o.clients == 1 ? " publisher, " : " publishers, ") +
         grouped(std::uint64_t{o.subscribers}) +
         (o.subscribers == 1 ? " subscriber" : " subscribers");
    break;
  }
  t += ", MQTT " + version_name(o.version);
  if (o.mode != load_mode::conn) {
    t += ", QoS " + std::to_string(o.qos);
  }
  if (o.publishes()) {
    t += ", " + grouped(std::uint64_t{o.size}) + " bytes, window " + std::to_string(o.window);
    t += o.publish_rate() > 0 ? ", " + fixed(o.publish_rate(), 1) + " msg/s each" : "";
    t += o.count > 0 ? ", " + grouped(o.count) + " each" : "";
  }
  t += o.connect_rate > 0 ? ", " + fixed(o.connect_rate, 0) + " connects/s" : "";
  t += o.duration_s > 0 ? ", " + fixed(o.duration_s, 1) + " s" : "";
  t += ", " + std::to_string(o.threads) + (o.threads == 1 ? " thread" : " threads");
  return t + ", " + setup.shown_url;
}

std::string load_summary(const load_options& o, const load_setup& setup, const load_result& r) {
  std::string out = load_title(o, setup) + (o.private_broker() ? " (private mosquitto)" : "") +
                    (r.interrupted ? " — interrupted" : "") + "\n";
  out += line("connections", grouped(r.connected) + " of " + grouped(r.planned) + " up, " +
                                 grouped(r.connect_failed) + " failed, " + grouped(r.lost) +
                                 " lost; " + grouped(per_s(r.connected, r.connect_seconds)) +
                                 " connects/s over " + fixed(r.connect_seconds, 2) + " s");
  out += line("connect ms", percentiles_text(r.connect_ns));
  if (o.subscribes()) {
    out += line("subscribed",
                grouped(r.subscribed) + ", " + grouped(r.subscribe_failed) + " refused or failed");
  }
  if (o.publishes()) {
    out += line("published", grouped(r.published) + " of " + grouped(r.sent) + " sent, " +
                                 grouped(r.publish_errors) + " failed, " +
                                 grouped(r.unacknowledged()) + " unacknowledged; " +
                                 grouped(per_s(r.published, r.publish_seconds)) + " msg/s over " +
                                 fixed(r.publish_seconds, 2) + " s");
    if (o.qos > 0) {
      out += line(o.qos == 1 ? "puback ms" : "pubcomp ms", percentiles_text(r.ack_ns));
    }
  }
  if (o.subscribes()) {
    std::string received = grouped(r.received);
    if (r.expected_known) {
      received += " of " + grouped(r.expected) + " expected (" + grouped(r.missing()) + " missing)";
    }
    out += line("received", received + "; " + grouped(per_s(r.received, r.receive_seconds)) +
                                " msg/s over " + fixed(r.receive_seconds, 2) + " s");
    out += line("latency ms", percentiles_text(r.latency_ns));
  }
  out += line("memory",
              "RSS " + grouped(static_cast<double>(r.rss_kb_connected) / 1024.0) +
                  " MiB once connected" +
                  (r.connected > 0 ? ", " + fixed(kb_per_connection(r), 1) + " KiB per connection"
                                   : std::string()) +
                  "; fd limit " + grouped(r.fd_limit));
  if (error_total(r) == 0) {
    out += line("errors", "none");
  } else {
    std::string list;
    for (const auto& [reason, n] : r.reasons) {
      list += (list.empty() ? "" : "; ") + reason + " (" + grouped(n) + ")";
    }
    out += line("errors", grouped(error_total(r)) + ": " + list);
  }
  return out;
}

std::string load_json(const load_options& o, const load_setup& setup, const load_result& r,
                      int exit_code) {
  const auto number_or_null = [](double v, int decimals) {
    return std::isfinite(v) && v > 0 ? fixed(v, decimals) : std::string("null");
  };
  std::string j = "{\"mode\":" + json_string(to_string(o.mode));
  j += ",\"url\":" + json_string(setup.shown_url);
  j += ",\"private_broker\":" + std::string(o.private_broker() ? "true" : "false");
  j += ",\"version\":" + json_string(version_name(o.version));
  j += ",\"threads\":" + std::to_string(o.threads);
  j += ",\"clients\":" + std::to_string(r.planned);
  if (o.mode == load_mode::pubsub) {
    j += ",\"publishers\":" + std::to_string(o.clients);
    j += ",\"subscribers\":" + std::to_string(o.subscribers);
  }
  if (o.mode != load_mode::conn) {
    j += ",\"qos\":" + std::to_string(o.qos);
  }
  if (o.publishes()) {
    j += ",\"size\":" + std::to_string(o.size) + ",\"window\":" + std::to_string(o.window);
    j += ",\"rate_per_client\":" + number_or_null(o.publish_rate(), 3);
  }
  j += ",\"count\":" + (o.count > 0 ? std::to_string(o.count) : std::string("null"));
  j += ",\"duration_s\":" + number_or_null(o.duration_s, 3);
  j += ",\"seconds\":" + fixed(r.seconds, 3);
  j += ",\"interrupted\":" + std::string(r.interrupted ? "true" : "false");
  j += ",\"connections\":{\"attempted\":" + std::to_string(r.attempted) +
       ",\"connected\":" + std::to_string(r.connected) +
       ",\"failed\":" + std::to_string(r.connect_failed) + ",\"lost\":" + std::to_string(r.lost) +
       ",\"seconds\":" + fixed(r.connect_seconds, 3) +
       ",\"per_s\":" + fixed(per_s(r.connected, r.connect_seconds), 1) +
       ",\"connect_ms\":" + json_percentiles(r.connect_ns) + "}";
  if (o.subscribes()) {
    j += ",\"subscriptions\":{\"granted\":" + std::to_string(r.subscribed) +
         ",\"failed\":" + std::to_string(r.subscribe_failed) + "}";
  }
  if (o.publishes()) {
    j += ",\"published\":{\"sent\":" + std::to_string(r.sent) +
         ",\"acknowledged\":" + std::to_string(r.published) +
         ",\"errors\":" + std::to_string(r.publish_errors) +
         ",\"unacknowledged\":" + std::to_string(r.unacknowledged()) +
         ",\"seconds\":" + fixed(r.publish_seconds, 3) +
         ",\"msgs_per_s\":" + fixed(per_s(r.published, r.publish_seconds), 1) +
         ",\"ack_ms\":" + json_percentiles(r.ack_ns) + "}";
  }
  if (o.subscribes()) {
    j += ",\"received\":{\"count\":" + std::to_string(r.received) +
         ",\"expected\":" + (r.expected_known ? std::to_string(r.expected) : std::string("null")) +
         ",\"missing\":" + (r.expected_known ? std::to_string(r.missing()) : std::string("null")) +
         ",\"seconds\":" + fixed(r.receive_seconds, 3) +
         ",\"msgs_per_s\":" + fixed(per_s(r.received, r.receive_seconds), 1) + "}";
    j += ",\"latency_ms\":" + json_percentiles(r.latency_ns);
  }
  j += ",\"errors\":{\"total\":" + std::to_string(error_total(r)) + ",\"reasons\":{";
  bool first = true;
  for (const auto& [reason, n] : r.reasons) {
    j += (first ? "" : ",") + json_string(reason) + ":" + std::to_string(n);
    first = false;
  }
  j += "}}";
  j += ",\"memory\":{\"rss_kb_start\":" + std::to_string(r.rss_kb_start) +
       ",\"rss_kb_connected\":" + std::to_string(r.rss_kb_connected) + ",\"kb_per_connection\":" +
       (r.connected > 0 ? fixed(kb_per_connection(r), 2) : std::string("null")) +
       ",\"fds_per_connection\":" +
       (r.connected > 0 ? fixed(static_cast<double>(r.fds_connected - r.fds_start) /
                                    static_cast<double>(r.connected),
                                2)
                        : std::string("null")) +
       "}";
  j += ",\"fd_limit\":" + std::to_string(r.fd_limit);
  j += ",\"timeline\":[";
  for (std::size_t i = 0; i < r.timeline.size(); ++i) {
    const auto& s = r.timeline[i];
    j += (i == 0 ? "" : ",") + std::string("{\"t\":") + fixed(s.t_s, 3) +
         ",\"out\":" + fixed(s.out_per_s, 1) + ",\"in\":" + fixed(s.in_per_s, 1) +
         ",\"up\":" + std::to_string(s.up) + "}";
  }
  j += "],\"exit_code\":" + std::to_string(exit_code) + "}";
  return j;
}

int load_exit_code(const load_options& o, const load_result& r, std::string& why) {
  why.clear();
  if (r.connected == 0) {
    why = "no client connected";
    if (!r.reasons.empty()) {
      why += " (" + r.reasons.begin()->first + ")";
    }
    return 1;
  }
  const auto pct = [](std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  };
  const auto failed_clients = r.connect_failed + r.subscribe_failed + r.lost;
  if (pct(failed_clients, r.planned) > o.max_errors_pct) {
    why = grouped(failed_clients) + " of " + grouped(r.planned) +
          " clients failed (connect or subscribe refused, or connection lost): over --max-errors " +
          fixed(o.max_errors_pct, 1) + "%";
    return 1;
  }
  const auto failed_messages = r.publish_errors + r.unacknowledged();
  if (pct(failed_messages, r.sent) > o.max_errors_pct) {
    why = grouped(failed_messages) + " of " + grouped(r.sent) +
          " publishes failed or went unacknowledged: over --max-errors " +
          fixed(o.max_errors_pct, 1) + "%";
    return 1;
  }
  if (o.qos > 0 && pct(r.missing(), r.expected) > o.max_errors_pct) {
    why = grouped(r.missing()) + " of " + grouped(r.expected) + " QoS " + std::to_string(o.qos) +
          " messages did not arrive: over --max-errors " + fixed(o.max_errors_pct, 1) + "%";
    return 1;
  }
  return 0;
}

} // namespace braid::cli
