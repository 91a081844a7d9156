#include "message_format.hpp"

#include <braid/protocol/utf8.hpp>

#include <cstdio>
#include <ctime>
#include <string_view>

namespace braid::cli {

namespace bp = braid::protocol;

namespace {

std::string hex(bp::byte_view b, bool upper) {
  static constexpr char lower_digits[] = "0123456789abcdef";
  static constexpr char upper_digits[] = "0123456789ABCDEF";
  const char* digits = upper ? upper_digits : lower_digits;
  std::string out;
  out.reserve(b.size() * 2);
  for (auto byte : b) {
    out += digits[byte >> 4];
    out += digits[byte & 0xF];
  }
  return out;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::system_clock::to_time_t(t);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() %
      1'000'000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%06lldZ", static_cast<long long>(micros));
  return text;
}

// As mosquitto_sub's %I: local time with its offset, to the second.
std::string local_iso_time(std::chrono::system_clock::time_point t) {
  const auto seconds = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[40];
  const auto n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S%z", &local);
  return std::string(text, n);
}

// The compact JSON of json_message spread over lines as cJSON_Print does
// (mosquitto_sub --pretty): an object's members one per line, indented
// with tabs, a tab after the colon; arrays on one line, ", " between items.
std::string pretty_json(std::string_view compact) {
  std::string out;
  int depth = 0;
  int in_array = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += compact[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
    case '"':
      in_string = true;
      out += c;
      break;
    case '{':
      ++depth;
      out += "{\n" + std::string(static_cast<std::size_t>(depth), '\t');
      break;
    case '}':
      --depth;
      out += "\n" + std::string(static_cast<std::size_t>(depth), '\t') + "}";
      break;
    case '[':
      ++in_array;
      out += c;
      break;
    case ']':
      --in_array;
      out += c;
      break;
    case ':':
      out += ":\t";
      break;
    case ',':
      out += in_array > 0 ? ", " : ",\n" + std::string(static_cast<std::size_t>(depth), '\t');
      break;
    default:
      out += c;
    }
  }
  return out;
}

void append_string_property(std::string& out, const bp::properties& props, bp::property_id id) {
  if (const auto* s = props.string(id)) {
    out += *s;
  }
}

std::string unix_time(std::chrono::system_clock::time_point t) {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  char text[40];
  std::snprintf(text, sizeof text, "%lld.%09lld", static_cast<long long>(nanos / 1'000'000'000),
                static_cast<long long>(nanos % 1'000'000'000));
  return text;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x",
                      static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += escaped;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

const char* const format_codes_help =
    "print with a format string: %t topic, %p payload, %l length, %x/%X payload in hex, "
    "%q QoS, %r retain, %d dup, %m packet id, %U Unix time, %I ISO 8601 local time, "
    "%j JSON (as --json); MQTT 5: %C content type, %D correlation data, %E message "
    "expiry, %F payload format, %P user properties, %R response topic, %S subscription "
    "ids; %% a %; \\n newline, \\t tab, \\\\ backslash";

std::string json_message(const bp::publish& m, std::chrono::system_clock::time_point received,
                         bool pretty) {
  std::string out = "{\"tst\":";
  append_json_string(out, iso_time(received));
  out += ",\"topic\":";
  append_json_string(out, m.topic);
  out += ",\"qos\":" + std::to_string(static_cast<int>(m.qos));
  out += std::string(",\"retain\":") + (m.retain ? "true" : "false");
  out += std::string(",\"dup\":") + (m.dup ? "true" : "false");
  out += ",\"mid\":" + std::to_string(m.packet_id);
  out += ",\"payloadlen\":" + std::to_string(m.payload.size());
  const std::string_view text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
  if (!bp::validate_utf8_string(text)) {
    out += ",\"payload\":";
    append_json_string(out, text);
  } else {
    out += ",\"payload_hex\":\"" + hex(m.payload, false) + "\"";
  }
  const auto user = m.props.user_properties();
  if (!user.empty()) {
    out += ",\"user_properties\":[";
    for (std::size_t i = 0; i < user.size(); ++i) {
      out += i == 0 ? "[" : ",[";
      append_json_string(out, user[i].key);
      out += ",";
      append_json_string(out, user[i].value);
      out += "]";
    }
    out += "]";
  }
  out += "}";
  return pretty ? pretty_json(out) : out;
}

std::string format_message(const std::string& format, const bp::publish& m,
                           std::chrono::system_clock::time_point received, bool pretty) {
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    const bool last = i + 1 == format.size();
    if (c == '\\' && !last) {
      const char e = format[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      continue;
    }
    if (c != '%' || last) {
      out += c;
      continue;
    }
    switch (const char f = format[++i]) {
    case 't':
      out += m.topic;
      break;
    case 'p':
      out.append(m.payload.begin(), m.payload.end());
      break;
    case 'l':
      out += std::to_string(m.payload.size());
      break;
    case 'x':
    case 'X':
      out += hex(m.payload, f == 'X');
      break;
    case 'q':
      out += std::to_string(static_cast<int>(m.qos));
      break;
    case 'r':
      out += m.retain ? '1' : '0';
      break;
    case 'd':
      out += m.dup ? '1' : '0';
      break;
    case 'm':
      out += std::to_string(m.packet_id);
      break;
    case 'U':
      out += unix_time(received);
      break;
    case 'I':
      out += local_iso_time(received);
      break;
    case 'j':
      out += json_message(m, received, pretty);
      break;
    case 'C':
      append_string_property(out, m.props, bp::property_id::content_type);
      break;
    case 'R':
      append_string_property(out, m.props, bp::property_id::response_topic);
      break;
    case 'D':
      if (const auto* b = m.props.binary(bp::property_id::correlation_data)) {
        out.append(b->begin(), b->end());
      }
      break;
    case 'E':
    case 'F':
      if (const auto v = m.props.integer(f == 'E' ? bp::property_id::message_expiry_interval
                                                  : bp::property_id::payload_format_indicator)) {
        out += std::to_string(*v);
      }
      break;
    case 'P': {
      const auto user = m.props.user_properties();
      for (std::size_t k = 0; k < user.size(); ++k) {
        out += (k == 0 ? "" : " ") + user[k].key + ":" + user[k].value;
      }
      break;
    }
    case 'S': {
      const auto ids = m.props.subscription_identifiers();
      for (std::size_t k = 0; k < ids.size(); ++k) {
        out += (k == 0 ? "" : " ") + std::to_string(ids[k]);
      }
      break;
    }
    case '%':
      out += '%';
      break;
    default:
      out += '%';
      out += f;
    }
  }
  return out;
}

} // namespace braid::cli
