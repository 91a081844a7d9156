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
};

class decoder {
public:
  explicit decoder(decoder_options options = {}) : options_(options) {}

  /// Consumes bytes from `input` up to the end of one packet at most.
  decode_result feed(byte_view input, packet& out);

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
  decode_result finish(byte_view body, std::size_t consumed, packet& out);

  decoder_options options_;
  stage stage_ = stage::first_byte;
  std::uint8_t first_byte_ = 0;
  std::uint8_t length_bytes_ = 0;
  std::uint32_t remaining_ = 0;
  std::vector<std::uint8_t> body_;
  std::size_t error_offset_ = 0;
  std::error_code error_;
};

/// Decodes one complete packet given its first byte and its body (the bytes
/// after the remaining length). `error_offset`, if given, receives the offset
/// within the body of the field where an error was found.
std::error_code decode_packet(std::uint8_t first_byte, byte_view body, protocol_version version,
                              packet& out, std::size_t* error_offset = nullptr);

} // namespace braid::protocol
