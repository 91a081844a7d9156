#pragma once
// Byte-exact wire vectors: one packet value and the bytes MQTT says it is on
// the wire, for every packet type in every protocol version that has it.
//
// The expected bytes are written by hand from the MQTT 3.1, 3.1.1 and 5.0
// specifications, never produced by running the encoder: they are the
// reference both the encoder and the decoder are checked against.

#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

struct wire_vector {
  std::string name; ///< unique; letters, digits and '_' only (a gtest parameter name)
  braid::protocol::protocol_version version;
  braid::protocol::packet value;
  std::vector<std::uint8_t> bytes;
};

/// Every valid vector, grouped by version (3.1, then 3.1.1, then 5.0).
const std::vector<wire_vector>& valid_vectors();

/// gtest prints a vector by its name, version and bytes in hex.
void PrintTo(const wire_vector& v, std::ostream* os);

/// "10 0c 00 04 ..." — for failure messages.
std::string hex(const std::uint8_t* data, std::size_t size);
inline std::string hex(const std::vector<std::uint8_t>& b) {
  return hex(b.data(), b.size());
}
