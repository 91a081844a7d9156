#pragma once
// How `braid sub` prints a message: the payload, -v (topic and payload),
// -F (a format string as mosquitto_sub's) or --json (one object per line).

#include <braid/protocol/packets.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace braid::cli {

/// The -F codes, for --help.
extern const char* const format_codes_help;

/// -F format: %t topic, %p payload, %l payload length, %x / %X payload in
/// hex, %q QoS, %r retain, %d dup, %m packet id, %U Unix time, %I ISO 8601
/// local time as mosquitto prints it (2026-12-06T09:47:38+0100), %j the JSON
/// object of --json; MQTT 5 properties: %C content type, %D correlation data,
/// %E message expiry interval, %F payload format indicator, %P user
/// properties (key:value, space-separated), %R response topic, %S
/// subscription identifiers; %% a percent sign; \n, \t and \\ are escapes.
/// An unknown % sequence is printed as it is. `pretty`: %j spans lines.
std::string format_message(const std::string& format, const protocol::publish& m,
                           std::chrono::system_clock::time_point received, bool pretty = false);

/// {"tst":"...","topic":"...","qos":1,"retain":false,"dup":false,"mid":3,
///  "payloadlen":5,"payload":"..."}; a payload that is not UTF-8 text comes
/// as "payload_hex" instead of "payload". MQTT 5 user properties, when
/// present, as "user_properties":[["key","value"],...]. `pretty` (--pretty):
/// one field per line, indented with a tab, as mosquitto_sub --pretty.
std::string json_message(const protocol::publish& m, std::chrono::system_clock::time_point received,
                         bool pretty = false);

/// Appends `text` as a JSON string: quoted, with '"', '\\' and control
/// characters escaped; UTF-8 passes through.
void append_json_string(std::string& out, std::string_view text);

} // namespace braid::cli
