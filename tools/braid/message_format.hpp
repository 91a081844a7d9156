#pragma once
// How `braid sub` prints a message: the payload, -v (topic and payload),
// -F (a format string as mosquitto_sub's) or --json (one object per line).

#include <braid/protocol/packets.hpp>

#include <chrono>
#include <string>

namespace braid::cli {

/// -F format: %t topic, %p payload, %l payload length, %x / %X payload in
/// hex, %q QoS, %r retain, %d dup, %m packet id, %U Unix time, %I ISO 8601
/// time, %j the JSON object of --json, %% a percent sign; \n, \t and \\ are
/// escapes. An unknown % sequence is printed as it is.
std::string format_message(const std::string& format, const protocol::publish& m,
                           std::chrono::system_clock::time_point received);

/// {"tst":"...","topic":"...","qos":1,"retain":false,"dup":false,"mid":3,
///  "payloadlen":5,"payload":"..."}; a payload that is not UTF-8 text comes
/// as "payload_hex" instead of "payload". MQTT 5 user properties, when
/// present, as "user_properties":[["key","value"],...].
std::string json_message(const protocol::publish& m,
                         std::chrono::system_clock::time_point received);

} // namespace braid::cli
