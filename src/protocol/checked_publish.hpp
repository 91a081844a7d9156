#pragma once
// Internal: sizing and encoding a PUBLISH that already passed check(). The
// session validates each message once, when it is published (or read back from
// a durable store); writing it, and again after each reconnect, only encodes.

#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <cstddef>

namespace braid::protocol::detail {

/// The whole packet's size.
std::size_t checked_publish_size(const publish_view& p, protocol_version v) noexcept;

/// Appends the packet to `out`; without the payload when `with_payload` is
/// false (the caller appends it as a shared part).
void encode_checked_publish(const publish_view& p, protocol_version v, bool with_payload,
                            output_buffer& out);

} // namespace braid::protocol::detail
