#pragma once
// Encoding packets to bytes.
//
// Every function validates what it encodes and returns an error (kind
// invalid_argument: the caller's mistake) instead of writing a packet the peer
// would reject: strings that are not valid MQTT UTF-8, wildcards in a PUBLISH
// topic, packet identifier 0 where one is required, properties or reason codes
// not allowed in the packet or not in the protocol version, a packet larger
// than MQTT's 268,435,455-byte remaining length. On error nothing is written.

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <cstddef>
#include <span>
#include <system_error>

namespace braid::protocol {

/// The largest remaining length MQTT can express (4-byte variable integer).
inline constexpr std::size_t max_remaining_length = 268'435'455;

/// Size on the wire of `p` in `version`, fixed header included.
std::error_code encoded_size(const packet& p, protocol_version version, std::size_t& size);

/// Validates a PUBLISH and gives its size on the wire (payload included).
std::error_code encoded_size(const publish_view& p, protocol_version version, std::size_t& size);

/// Writes `p` at the start of `dst` and sets `written`; errc::buffer_too_small
/// when `dst` is shorter than encoded_size.
std::error_code encode(const packet& p, protocol_version version, std::span<std::uint8_t> dst,
                       std::size_t& written);

/// Appends `p` to `out`.
std::error_code encode(const packet& p, protocol_version version, output_buffer& out);

/// Appends a whole PUBLISH, payload included, to `out`. Allocates nothing once
/// `out` has grown to the packet size.
std::error_code encode_publish(const publish_view& p, protocol_version version, output_buffer& out);

/// Appends the PUBLISH fixed and variable headers, not the payload, to `out`:
/// the caller writes `p.payload` right after them (scatter/gather), so the
/// payload is never copied. The payload must stay alive until it is written.
std::error_code encode_publish_header(const publish_view& p, protocol_version version,
                                      output_buffer& out);

} // namespace braid::protocol
