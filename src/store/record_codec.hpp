#pragma once
// Internal: the records of one segment (the messages added by one commit)
// as one blob. Each record: sequence (u64), packet id (u16), state (u8),
// flags (u8: QoS in bits 0-1, retain in bit 2), then the lengths (u32) of the
// topic, the payload and the MQTT 5 properties (their wire form, 0 when
// none), then those bytes. Integers are little-endian.

#include <braid/protocol/session/store.hpp>

#include <functional>

namespace braid::store_detail {

/// Appends `r` to `out`; false when its properties cannot be encoded.
bool append_record(const protocol::stored_publish& r, protocol::bytes& out);

/// Calls `each` with every record of `body`, in order; false (with `why`)
/// when the body is damaged.
bool read_records(protocol::byte_view body,
                  const std::function<void(protocol::stored_publish&&)>& each, std::string& why);

} // namespace braid::store_detail
