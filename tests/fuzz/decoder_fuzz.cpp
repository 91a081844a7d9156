// libFuzzer target: the incremental decoder fed arbitrary bytes in chunks.
//
// Input layout
//   byte 0  protocol version, b % 3: 0 -> 3.1, 1 -> 3.1.1, 2 -> 5.0;
//           maximum packet size, (b / 3) % 4: default, 16, 64 or 1024 bytes;
//           large bodies, (b / 12) % 2: the defaults, or bodies of 8 bytes and
//           more gathered in a buffer of their own, taken 16 bytes at first
//   byte 1  chunk size: 0 -> the whole stream in one call, n -> n bytes per call
//   rest    the byte stream, usually several packets back to back
//
// Checked, beyond "no crash, no leak, no undefined behaviour" (the sanitizers):
//   - feed() never consumes more than it was given; need_more consumes all of
//     it; a packet takes at least its 2-byte fixed header; after an error the
//     decoder stays failed;
//   - the stream cut into chunks decodes to the same packets and ends with the
//     same error as the stream given whole;
//   - each decoded packet that the encoder accepts re-encodes to bytes that
//     decode back into an equal packet (and every encoder entry point agrees).
//     A decoded packet the encoder refuses is not an error: the decoder may be
//     more lenient than the encoder.

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/output_buffer.hpp>

#include "fuzz_support.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

namespace {

namespace bp = braid::protocol;
using braid::fuzz::require;

struct outcome {
  std::vector<bp::packet> packets;
  std::error_code error;
};

outcome decode_stream(bp::byte_view stream, std::size_t chunk, const bp::decoder_options& options) {
  outcome result;
  bp::decoder d(options);
  bp::packet p;
  std::size_t since_last_packet = 0;
  while (!stream.empty()) {
    bp::byte_view piece = stream.first(chunk == 0 ? stream.size() : std::min(chunk, stream.size()));
    stream = stream.subspan(piece.size());
    while (!piece.empty()) {
      const auto r = d.feed(piece, p);
      require(r.consumed <= piece.size(), "feed consumed more than it was given");
      piece = piece.subspan(r.consumed);
      since_last_packet += r.consumed;
      if (r.status == bp::decode_status::error) {
        require(static_cast<bool>(r.error), "decode_status::error without an error code");
        result.error = r.error;
        const std::array<std::uint8_t, 2> more{0xC0, 0x00}; // PINGREQ
        const auto again = d.feed(more, p);
        require(again.status == bp::decode_status::error,
                "the decoder does not stay failed after an error");
        return result;
      }
      require(!r.error, "error code set without decode_status::error", r.error);
      if (r.status == bp::decode_status::need_more) {
        require(piece.empty(), "need_more returned before consuming every byte");
        break;
      }
      require(since_last_packet >= 2, "a packet decoded from fewer than 2 bytes");
      since_last_packet = 0;
      result.packets.push_back(p);
    }
  }
  return result;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  static constexpr std::array<bp::protocol_version, 3> versions{
      bp::protocol_version::v3_1, bp::protocol_version::v3_1_1, bp::protocol_version::v5};
  static constexpr std::array<std::size_t, 4> max_sizes{bp::decoder_options{}.max_packet_size, 16,
                                                        64, 1024};
  const auto version = versions[data[0] % 3];
  bp::decoder_options options;
  options.version = version;
  options.max_packet_size = max_sizes[(data[0] / 3) % 4];
  if ((data[0] / 12) % 2 == 1) {
    options.large_body = 8;
    options.large_body_up_front = 16;
  }
  const std::size_t chunk = data[1];
  const bp::byte_view stream(data + 2, size - 2);

  const outcome whole = decode_stream(stream, 0, options);
  if (chunk != 0) {
    const outcome pieces = decode_stream(stream, chunk, options);
    require(pieces.error == whole.error, "chunked and whole input end differently");
    require(pieces.packets == whole.packets, "chunked and whole input decode differently");
  }

  bp::output_buffer out;
  for (const auto& p : whole.packets) {
    braid::fuzz::check_round_trip(p, version, out);
  }
  return 0;
}
