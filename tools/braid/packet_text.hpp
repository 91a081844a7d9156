#pragma once
// One line per packet for `-d`, in the style of mosquitto_pub -d:
//   PUBLISH (d0, q1, r0, m3, 'a/b', ... (5 bytes))

#include <braid/protocol/packets.hpp>

#include <string>

namespace braid::cli {

std::string describe(const protocol::packet& p);

} // namespace braid::cli
