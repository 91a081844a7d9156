#pragma once
// The Server Reference of an MQTT 5 CONNACK or DISCONNECT with reason Use
// another server (0x9C) or Server moved (0x9D): where the client should
// connect instead.

#include <string>
#include <string_view>
#include <vector>

namespace braid::protocol {

/// One server named by a Server Reference.
struct server_reference {
  std::string host; ///< a name or an address; an IPv6 address without its brackets
  std::string port; ///< decimal, 1 to 65535; empty when the reference gives none
  bool operator==(const server_reference&) const = default;
};

/// Parses a Server Reference as the specification's examples write it: a
/// host ("myserver.xyz.org"), host:port ("myserver.xyz.org:8883"), an IPv6
/// address in brackets with or without a port ("[fe80::9610:3eff:fe1c]:1883"),
/// or several of these separated by spaces, in order of preference. A bare
/// IPv6 address (more than one ':') is read as a host without a port. Entries
/// that name no server (an empty host, a port that is not 1 to 65535, a '['
/// without ']') are left out: the result may be empty.
std::vector<server_reference> parse_server_reference(std::string_view text);

} // namespace braid::protocol
