#pragma once
// Incremental packet decoder: feed it byte chunks of any size, one byte at a
// time included, and it answers "packet", "need more bytes" or "error".
//
//   decoder d({.version = protocol_version::v5, .max_packet_size = 1 << 20});
//   while (!input.empty()) {
//     packet p;
//     auto r = d.feed(input, p);
//     input = input.subspan(r.consumed);
//     if (r.status == decode_status::need_more) break;   // all input consumed
//     if (r.status == decode_status::error) fail(r.error);
//     handle(p);
//   }
//
// The maximum packet size is enforced as soon as the fixed header is known,
// before any of the body is buffered. The decoder reads only the bytes it is
// given. A body that arrives whole in one chunk is parsed in place; one split
// across chunks is gathered into an internal buffer first. After an error the
// decoder stays failed until reset(): the connection must be closed.

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace braid::protocol {

enum class decode_status : std::uint8_t {
  packet_ready, ///< a whole packet was decoded into the output argument
  need_more,    ///< every byte given was consumed; feed more
  error,        ///< the input is malformed or breaks the protocol; see error
};

struct decode_result {
  decode_status status = decode_status::need_more;
  std::size_t consumed = 0; ///< bytes of the input used by this call
  std::error_code error;    ///< set when status is error
};

struct decoder_options {
  /// Version of the packets expected. CONNECT carries its own and is decoded
  /// whatever this says.
  protocol_version version = protocol_version::v3_1_1;
  /// Largest whole packet accepted (fixed header included), as in the MQTT 5
  /// Maximum Packet Size; bigger ones fail with errc::packet_too_large.
  std::size_t max_packet_size = 268'435'460;
  /// Bodies of this size or more are gathered in a buffer of their own that
  /// a PUBLISH payload then shares: its bytes are copied once, or not at all
  /// when read through direct_space().
  std::size_t large_body = 16 * 1024;
  /// The most taken at once for a large body; more as its bytes arrive, so
  /// that a header claiming a huge body does not reserve it.
  std::size_t large_body_up_front = 16 * 1024 * 1024;
};

class decoder {
public:
  explicit decoder(decoder_options options = {}) : options_(options) {}

  /// Consumes bytes from `input` up to the end of one packet at most.
  decode_result feed(byte_view input, packet& out);

  /// While the body of a large packet (options().large_body or more) is being
  /// gathered: where its next bytes go. A caller may read from the network
  /// straight into this space, then call commit_direct(), and save a copy.
  /// Empty at any other time.
  std::span<std::uint8_t> direct_space();
  /// Keeps the buffer of direct_space() alive (null when it is empty): hold
  /// it while a read into that space is pending.
  std::shared_ptr<void> direct_owner() const { return large_body_; }
  /// Counts `n` bytes written into direct_space() as received; the result is
  /// that of feed() for them.
  decode_result commit_direct(std::size_t n, packet& out);

  /// Forgets any partial packet and a previous error.
  void reset() noexcept;

  void set_version(protocol_version v) noexcept { options_.version = v; }
  void set_max_packet_size(std::size_t n) noexcept { options_.max_packet_size = n; }
  const decoder_options& options() const noexcept { return options_; }

  /// Offset, from the first byte of the packet, of the field where the last
  /// error was found.
  std::size_t error_offset() const noexcept { return error_offset_; }

  /// The last error with where it was found, e.g. "PUBLISH, byte 5: packet
  /// identifier is 0 where a non-zero one is required"; empty when none.
  std::string error_message() const;

private:
  enum class stage : std::uint8_t { first_byte, length, body, failed };

  decode_result fail(std::error_code ec, std::size_t consumed, std::size_t offset);
  decode_result finish(byte_view body, std::size_t consumed, packet& out,
                       const std::shared_ptr<const void>& owner = {});

  decoder_options options_;
  stage stage_ = stage::first_byte;
  std::uint8_t first_byte_ = 0;
  std::uint8_t length_bytes_ = 0;
  std::uint32_t remaining_ = 0;
  std::vector<std::uint8_t> body_;             // a small body split across chunks
  std::shared_ptr<std::uint8_t[]> large_body_; // a large one, shared once decoded
  std::size_t large_filled_ = 0;
  std::size_t large_capacity_ = 0;
  std::size_t error_offset_ = 0;
  std::error_code error_;
};

/// Decodes one complete packet given its first byte and its body (the bytes
/// after the remaining length). `error_offset`, if given, receives the offset
/// within the body of the field where an error was found. `body_owner`, if
/// given, keeps `body` alive: a PUBLISH payload above the inline capacity of
/// shared_bytes then shares the body instead of being copied out of it.
std::error_code decode_packet(std::uint8_t first_byte, byte_view body, protocol_version version,
                              packet& out, std::size_t* error_offset = nullptr,
                              const std::shared_ptr<const void>& body_owner = {});

} // namespace braid::protocol
