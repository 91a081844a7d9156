#pragma once
// Helpers shared by the libFuzzer targets: invariant checks that stop the
// fuzzer with a message, and splitting an encoded packet into its frame.

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <system_error>
#include <variant>
#include <vector>

namespace braid::fuzz {

namespace bp = braid::protocol;

/// Reports a broken invariant and stops the fuzzer (libFuzzer saves the input).
[[noreturn]] inline void fail(const char* what, std::error_code ec = {}) {
  if (ec) {
    std::fprintf(stderr, "invariant broken: %s (%s: %s)\n", what, ec.category().name(),
                 ec.message().c_str());
  } else {
    std::fprintf(stderr, "invariant broken: %s\n", what);
  }
  __builtin_trap();
}

inline void require(bool ok, const char* what, std::error_code ec = {}) {
  if (!ok) {
    fail(what, ec);
  }
}

/// The first byte and body of one encoded packet; false when `frame` is not
/// exactly one well-formed fixed header followed by its body.
inline bool split_frame(bp::byte_view frame, std::uint8_t& first_byte, bp::byte_view& body) {
  if (frame.size() < 2) {
    return false;
  }
  first_byte = frame[0];
  std::size_t length = 0;
  std::size_t multiplier = 1;
  std::size_t i = 1;
  for (;; ++i) {
    if (i >= frame.size() || i > 4) {
      return false;
    }
    length += static_cast<std::size_t>(frame[i] & 0x7Fu) * multiplier;
    multiplier *= 128;
    if ((frame[i] & 0x80u) == 0) {
      break;
    }
  }
  ++i;
  if (frame.size() - i != length) {
    return false;
  }
  body = frame.subspan(i);
  return true;
}

/// The version to encode `p` in: a CONNECT carries its own.
inline bp::protocol_version version_for(const bp::packet& p, bp::protocol_version v) {
  if (const auto* c = std::get_if<bp::connect>(&p)) {
    return c->version;
  }
  return v;
}

/// Encodes `p` and, if the encoder accepts it, checks every encoder entry point
/// agrees and that decoding the bytes gives back an equal packet. Returns
/// whether the encoder accepted the packet.
inline bool check_round_trip(const bp::packet& p, bp::protocol_version version,
                             bp::output_buffer& out) {
  version = version_for(p, version);
  out.clear();
  if (auto ec = bp::encode(p, version, out)) {
    return false;
  }
  const bp::byte_view encoded = out.view();

  // encoded_size and the span overload agree with the output_buffer overload.
  std::size_t size = 0;
  require(!bp::encoded_size(p, version, size), "encoded_size fails where encode succeeds");
  require(size == encoded.size(), "encoded_size differs from the encoded length");
  std::vector<std::uint8_t> flat(size);
  std::size_t written = 0;
  require(!bp::encode(p, version, flat, written), "encode(span) fails where encode(buffer) works");
  require(written == size && std::memcmp(flat.data(), encoded.data(), size) == 0,
          "encode(span) and encode(output_buffer) write different bytes");
  if (size > 0) {
    std::size_t unused = 0;
    auto ec = bp::encode(p, version, std::span<std::uint8_t>(flat.data(), size - 1), unused);
    require(ec == bp::errc::buffer_too_small, "encode into a short span is not buffer_too_small",
            ec);
  }

  // A PUBLISH encodes the same through the borrowed view, whole or header-only.
  if (const auto* pub = std::get_if<bp::publish>(&p)) {
    bp::output_buffer other;
    require(!bp::encode_publish(pub->view(), version, other),
            "encode_publish fails where encode succeeds");
    require(other.size() == size && std::memcmp(other.data(), encoded.data(), size) == 0,
            "encode_publish and encode write different bytes");
    other.clear();
    require(!bp::encode_publish_header(pub->view(), version, other),
            "encode_publish_header fails where encode succeeds");
    require(
        other.size() + pub->payload.size() == size &&
            std::memcmp(other.data(), encoded.data(), other.size()) == 0 &&
            (pub->payload.empty() || std::memcmp(pub->payload.data(), encoded.data() + other.size(),
                                                 pub->payload.size()) == 0),
        "encode_publish_header + payload differs from encode");
  }

  std::uint8_t first_byte = 0;
  bp::byte_view body;
  require(split_frame(encoded, first_byte, body), "encoder wrote a malformed fixed header");

  bp::packet decoded;
  std::size_t offset = 0;
  auto ec = bp::decode_packet(first_byte, body, version, decoded, &offset);
  if (ec) {
    std::fprintf(stderr, "packet type %d, version %d, error at body offset %zu\n",
                 static_cast<int>(p.index() + 1), static_cast<int>(version), offset);
    fail("the decoder rejects what the encoder wrote", ec);
  }
  if (!(decoded == p)) {
    std::fprintf(stderr, "packet type %d, version %d\n", static_cast<int>(p.index() + 1),
                 static_cast<int>(version));
    fail("decode(encode(p)) != p");
  }
  return true;
}

} // namespace braid::fuzz
