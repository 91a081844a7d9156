#pragma once
// Ports on 127.0.0.1 for a server this process starts: one free a moment ago,
// and whether one accepts connections yet.

#include <cstdint>

namespace braid::mosquitto {

/// A loopback port that was free a moment ago (another process may take it
/// before the server binds it); 0 when there is none.
std::uint16_t free_loopback_port();

/// Whether 127.0.0.1:`port` accepts a TCP connection now.
bool accepts_connections(std::uint16_t port);

} // namespace braid::mosquitto
