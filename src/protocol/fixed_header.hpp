#pragma once
// Internal: checks of the first byte of a packet (type and flags, spec 2.1.3).

#include <braid/protocol/version.hpp>

#include <cstdint>
#include <system_error>

namespace braid::protocol {

/// Errors: invalid_packet_type, invalid_fixed_header_flags, invalid_qos, dup_on_qos0.
std::error_code check_fixed_header(std::uint8_t first, protocol_version v) noexcept;

} // namespace braid::protocol
