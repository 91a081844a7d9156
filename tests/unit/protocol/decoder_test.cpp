// The incremental decoder: any split of the input gives the same packets, the
// maximum packet size is enforced before the body arrives, errors stick until
// reset(), and nothing is read past the bytes given.
//
// Every chunk fed to the decoder is a heap copy of exactly its size, so that
// AddressSanitizer reports any read past the end of the input.
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/output_buffer.hpp>

#include "vectors.hpp"
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using namespace braid::protocol;

/// A copy of some bytes in a heap block of exactly their size.
class heap_copy {
public:
  explicit heap_copy(byte_view b) : data_(new std::uint8_t[b.size()]), size_(b.size()) {
    if (size_ != 0) {
      std::memcpy(data_.get(), b.data(), size_);
    }
  }
  byte_view view() const noexcept { return {data_.get(), size_}; }

private:
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_;
};

std::string describe(const packet& p, protocol_version v) {
  output_buffer out;
  if (auto ec = encode(p, v, out)) {
    return "(type " + std::string{to_string(type_of(p))} + ", does not encode: " + ec.message() +
           ")";
  }
  return std::string{to_string(type_of(p))} + " encoding as " + hex(out.data(), out.size());
}

const wire_vector& vector_named(std::string_view name) {
  for (const auto& v : valid_vectors()) {
    if (v.name == name) {
      return v;
    }
  }
  ADD_FAILURE() << "no vector named " << name;
  return valid_vectors().front();
}

std::string vector_name(const ::testing::TestParamInfo<wire_vector>& param_info) {
  return param_info.param.name;
}

// ---------------------------------------------------------------------------
// Every valid vector, split every way.
// ---------------------------------------------------------------------------

class split_test : public ::testing::TestWithParam<wire_vector> {};

TEST_P(split_test, split_in_two_at_every_offset) {
  const auto& v = GetParam();
  const byte_view all{v.bytes};
  for (std::size_t k = 0; k < all.size(); ++k) {
    SCOPED_TRACE("split at " + std::to_string(k));
    decoder d({.version = v.version});
    packet p;
    const heap_copy prefix{all.first(k)};
    const auto r1 = d.feed(prefix.view(), p);
    ASSERT_EQ(r1.status, decode_status::need_more) << r1.error.message();
    ASSERT_EQ(r1.consumed, k);
    const heap_copy suffix{all.subspan(k)};
    const auto r2 = d.feed(suffix.view(), p);
    ASSERT_EQ(r2.status, decode_status::packet_ready)
        << r2.error.message() << " at offset " << d.error_offset();
    ASSERT_EQ(r2.consumed, all.size() - k);
    ASSERT_TRUE(p == v.value) << "decoded " << describe(p, v.version);
  }
}

TEST_P(split_test, one_byte_at_a_time) {
  const auto& v = GetParam();
  decoder d({.version = v.version});
  packet p;
  for (std::size_t i = 0; i < v.bytes.size(); ++i) {
    const heap_copy one{byte_view{v.bytes}.subspan(i, 1)};
    const auto r = d.feed(one.view(), p);
    ASSERT_EQ(r.consumed, 1u) << "byte " << i;
    if (i + 1 < v.bytes.size()) {
      ASSERT_EQ(r.status, decode_status::need_more) << "byte " << i << ": " << r.error.message();
    } else {
      ASSERT_EQ(r.status, decode_status::packet_ready)
          << r.error.message() << " at offset " << d.error_offset();
    }
  }
  EXPECT_TRUE(p == v.value) << "decoded " << describe(p, v.version);
}

TEST_P(split_test, decoder_is_reusable_after_a_packet) {
  const auto& v = GetParam();
  decoder d({.version = v.version});
  packet p;
  for (int round = 0; round < 2; ++round) {
    const heap_copy whole{v.bytes};
    const auto r = d.feed(whole.view(), p);
    ASSERT_EQ(r.status, decode_status::packet_ready) << "round " << round;
    EXPECT_EQ(r.consumed, v.bytes.size());
    EXPECT_TRUE(p == v.value) << "round " << round << ": decoded " << describe(p, v.version);
  }
}

INSTANTIATE_TEST_SUITE_P(wire, split_test, ::testing::ValuesIn(valid_vectors()), vector_name);

// ---------------------------------------------------------------------------
// A stream of every vector of one version, fed in chunks of various sizes.
// ---------------------------------------------------------------------------

struct stream_case {
  protocol_version version;
  std::size_t chunk; ///< 0: the whole stream in one feed
};

std::string stream_name(const ::testing::TestParamInfo<stream_case>& param_info) {
  const auto& c = param_info.param;
  std::string v = c.version == protocol_version::v3_1     ? "v31"
                  : c.version == protocol_version::v3_1_1 ? "v311"
                                                          : "v5";
  return v + (c.chunk == 0 ? "_whole" : "_chunk" + std::to_string(c.chunk));
}

class stream_test : public ::testing::TestWithParam<stream_case> {};

TEST_P(stream_test, same_packets_whatever_the_chunking) {
  const auto& c = GetParam();
  std::vector<std::uint8_t> stream;
  std::vector<const wire_vector*> expected;
  for (const auto& v : valid_vectors()) {
    if (v.version == c.version) {
      stream.insert(stream.end(), v.bytes.begin(), v.bytes.end());
      expected.push_back(&v);
    }
  }
  ASSERT_FALSE(expected.empty());
  const std::size_t chunk = c.chunk == 0 ? stream.size() : c.chunk;

  decoder d({.version = c.version});
  packet p; // reused for every packet: each decode must overwrite it completely
  std::size_t decoded = 0;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    const heap_copy piece{byte_view{stream}.subspan(pos, std::min(chunk, stream.size() - pos))};
    auto in = piece.view();
    for (;;) {
      const auto r = d.feed(in, p);
      ASSERT_NE(r.status, decode_status::error)
          << "at stream byte " << pos << ": " << r.error.message();
      ASSERT_LE(r.consumed, in.size());
      in = in.subspan(r.consumed);
      if (r.status == decode_status::need_more) {
        ASSERT_TRUE(in.empty()) << "need_more must consume the whole input";
        break;
      }
      ASSERT_LT(decoded, expected.size()) << "more packets than vectors";
      const auto& want = *expected[decoded];
      EXPECT_TRUE(p == want.value)
          << "packet " << decoded << " (" << want.name << "): decoded " << describe(p, c.version);
      ++decoded;
    }
  }
  EXPECT_EQ(decoded, expected.size());
}

INSTANTIATE_TEST_SUITE_P(
    wire, stream_test, ::testing::ValuesIn([] {
      std::vector<stream_case> cases;
      for (auto v : {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5}) {
        for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 0u}) {
          cases.push_back({v, chunk});
        }
      }
      return cases;
    }()),
    stream_name);

// ---------------------------------------------------------------------------
// Maximum packet size.
// ---------------------------------------------------------------------------

// v5_publish_large: 0x30 0xCE 0x01 + 206 bytes of body; 209 bytes in all.
constexpr std::size_t large_header = 3;

TEST(decoder_max_packet_size, enforced_from_the_fixed_header_alone) {
  const auto& v = vector_named("v5_publish_large");
  ASSERT_EQ(v.bytes.size(), 209u);
  decoder d({.version = v.version, .max_packet_size = v.bytes.size() - 1});
  packet p;
  const heap_copy header{byte_view{v.bytes}.first(large_header)};
  const auto r = d.feed(header.view(), p);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(errc::packet_too_large));
  EXPECT_EQ(r.consumed, large_header);
}

TEST(decoder_max_packet_size, body_is_not_consumed) {
  const auto& v = vector_named("v5_publish_large");
  decoder d({.version = v.version, .max_packet_size = v.bytes.size() - 1});
  packet p;
  const heap_copy whole{v.bytes};
  const auto r = d.feed(whole.view(), p);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(errc::packet_too_large));
  EXPECT_EQ(r.consumed, large_header);
}

TEST(decoder_max_packet_size, byte_at_a_time_fails_on_the_last_length_byte) {
  const auto& v = vector_named("v5_publish_large");
  decoder d({.version = v.version, .max_packet_size = v.bytes.size() - 1});
  packet p;
  for (std::size_t i = 0; i < large_header; ++i) {
    const heap_copy one{byte_view{v.bytes}.subspan(i, 1)};
    const auto r = d.feed(one.view(), p);
    if (i + 1 < large_header) {
      ASSERT_EQ(r.status, decode_status::need_more) << "byte " << i;
    } else {
      EXPECT_EQ(r.status, decode_status::error);
      EXPECT_EQ(r.error, make_error_code(errc::packet_too_large));
      EXPECT_EQ(r.consumed, 1u);
    }
  }
}

TEST(decoder_max_packet_size, exactly_at_the_limit_is_accepted) {
  const auto& v = vector_named("v5_publish_large");
  decoder d({.version = v.version, .max_packet_size = v.bytes.size()});
  packet p;
  const heap_copy whole{v.bytes};
  const auto r = d.feed(whole.view(), p);
  ASSERT_EQ(r.status, decode_status::packet_ready) << r.error.message();
  EXPECT_EQ(r.consumed, v.bytes.size());
  EXPECT_TRUE(p == v.value);
}

TEST(decoder_max_packet_size, counts_the_fixed_header) {
  // PINGREQ is 2 bytes, all of them fixed header.
  const std::uint8_t pingreq_bytes[] = {0xC0, 0x00};
  {
    decoder d({.max_packet_size = 1});
    packet p;
    const heap_copy in{pingreq_bytes};
    const auto r = d.feed(in.view(), p);
    EXPECT_EQ(r.status, decode_status::error);
    EXPECT_EQ(r.error, make_error_code(errc::packet_too_large));
    EXPECT_EQ(r.consumed, 2u);
  }
  {
    decoder d({.max_packet_size = 2});
    packet p;
    const heap_copy in{pingreq_bytes};
    const auto r = d.feed(in.view(), p);
    EXPECT_EQ(r.status, decode_status::packet_ready);
    EXPECT_TRUE(std::holds_alternative<pingreq>(p));
  }
}

TEST(decoder_max_packet_size, set_max_packet_size_applies_to_the_next_packet) {
  const auto& v = vector_named("v5_publish_large");
  decoder d({.version = v.version});
  d.set_max_packet_size(100);
  packet p;
  const heap_copy whole{v.bytes};
  EXPECT_EQ(d.feed(whole.view(), p).error, make_error_code(errc::packet_too_large));
}

// ---------------------------------------------------------------------------
// Remaining length encoding.
// ---------------------------------------------------------------------------

TEST(decoder_remaining_length, five_bytes_is_too_long) {
  // PUBLISH whose remaining length has a continuation bit on its 4th byte.
  const std::uint8_t bytes[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
  decoder d;
  packet p;
  const heap_copy in{bytes};
  const auto r = d.feed(in.view(), p);
  EXPECT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(errc::remaining_length_too_long));
  EXPECT_EQ(r.consumed, 5u) << "known to be too long at the 4th length byte";
}

TEST(decoder_remaining_length, five_bytes_is_too_long_byte_at_a_time) {
  const std::uint8_t bytes[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
  decoder d;
  packet p;
  for (std::size_t i = 0; i < 5; ++i) {
    const heap_copy one{byte_view{bytes}.subspan(i, 1)};
    const auto r = d.feed(one.view(), p);
    if (i < 4) {
      ASSERT_EQ(r.status, decode_status::need_more) << "byte " << i;
    } else {
      EXPECT_EQ(r.status, decode_status::error);
      EXPECT_EQ(r.error, make_error_code(errc::remaining_length_too_long));
    }
  }
}

TEST(decoder_remaining_length, four_bytes_maximum_is_accepted) {
  // 268,435,455 = 0xFF 0xFF 0xFF 0x7F, the largest remaining length; the
  // default maximum packet size (268,435,460) admits it. Only the header is fed.
  const std::uint8_t bytes[] = {0x30, 0xFF, 0xFF, 0xFF, 0x7F};
  decoder d;
  packet p;
  const heap_copy in{bytes};
  const auto r = d.feed(in.view(), p);
  EXPECT_EQ(r.status, decode_status::need_more) << r.error.message();
  EXPECT_EQ(r.consumed, 5u);
}

// ---------------------------------------------------------------------------
// Errors stick until reset().
// ---------------------------------------------------------------------------

TEST(decoder_errors, stays_failed_until_reset) {
  const std::uint8_t bad[] = {0x00, 0x00};  // packet type 0 is reserved
  const std::uint8_t good[] = {0xC0, 0x00}; // PINGREQ
  decoder d;
  packet p;
  const heap_copy bad_in{bad};
  const auto r = d.feed(bad_in.view(), p);
  ASSERT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(errc::invalid_packet_type));

  const heap_copy good_in{good};
  for (int i = 0; i < 3; ++i) {
    const auto again = d.feed(good_in.view(), p);
    EXPECT_EQ(again.status, decode_status::error) << "feed " << i << " after the error";
    EXPECT_EQ(again.error, r.error) << "the same error is returned";
    EXPECT_EQ(again.consumed, 0u) << "nothing is consumed once failed";
  }
  const auto empty = d.feed({}, p);
  EXPECT_EQ(empty.status, decode_status::error);
  EXPECT_EQ(empty.error, r.error);

  d.reset();
  const auto after = d.feed(good_in.view(), p);
  EXPECT_EQ(after.status, decode_status::packet_ready) << after.error.message();
  EXPECT_EQ(after.consumed, 2u);
  EXPECT_TRUE(std::holds_alternative<pingreq>(p));
}

TEST(decoder_errors, stays_failed_after_a_body_error) {
  // PUBLISH QoS 1 "a/b" with packet identifier 0.
  const std::uint8_t bad[] = {0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x00};
  const auto& good = vector_named("v311_puback");
  decoder d;
  packet p;
  const heap_copy bad_in{bad};
  const auto r = d.feed(bad_in.view(), p);
  ASSERT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(errc::packet_id_zero));
  const heap_copy good_in{good.bytes};
  const auto again = d.feed(good_in.view(), p);
  EXPECT_EQ(again.status, decode_status::error);
  EXPECT_EQ(again.error, r.error);
  EXPECT_EQ(d.error_offset(), 7u) << "the offset of the failure is kept too";
  d.reset();
  const auto after = d.feed(good_in.view(), p);
  ASSERT_EQ(after.status, decode_status::packet_ready) << after.error.message();
  EXPECT_TRUE(p == good.value);
}

TEST(decoder_errors, reset_forgets_a_partial_packet) {
  const auto& v = vector_named("v311_publish_qos1");
  decoder d;
  packet p;
  const heap_copy half{byte_view{v.bytes}.first(5)};
  ASSERT_EQ(d.feed(half.view(), p).status, decode_status::need_more);
  d.reset();
  const heap_copy whole{v.bytes};
  const auto r = d.feed(whole.view(), p);
  ASSERT_EQ(r.status, decode_status::packet_ready) << r.error.message();
  EXPECT_EQ(r.consumed, v.bytes.size());
  EXPECT_TRUE(p == v.value);
}

// ---------------------------------------------------------------------------
// error_offset(): counted from the first byte of the packet.
// ---------------------------------------------------------------------------

struct offset_case {
  std::string name;
  protocol_version version;
  std::vector<std::uint8_t> bytes;
  errc error;
  std::size_t offset;
};

std::vector<offset_case> offset_cases() {
  std::vector<offset_case> cases = {
      {"publish_packet_id_zero",
       protocol_version::v3_1_1,
       {
           0x32, 0x07,                // PUBLISH QoS 1, remaining length 7
           0x00, 0x03, 'a', '/', 'b', // topic "a/b"
           0x00, 0x00,                // packet identifier 0 <- offset 7
       },
       errc::packet_id_zero,
       7},
      {"puback_v5_reason_not_allowed",
       protocol_version::v5,
       {
           0x40, 0x03, // PUBACK, remaining length 3
           0x00, 0x01, // packet identifier 1
           0x01,       // 0x01 is not a PUBACK reason code <- offset 4
       },
       errc::reason_code_not_allowed,
       4},
      {"connect_reserved_flag",
       protocol_version::v3_1_1,
       {
           0x10, 0x0C,                     // CONNECT, remaining length 12
           0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name
           0x04,                           // level 4
           0x03,                           // flags: reserved bit set <- offset 9
           0x00, 0x3C,                     // keep alive
           0x00, 0x00,                     // client identifier
       },
       errc::invalid_connect_flags,
       9},
      {"subscribe_packet_id_zero",
       protocol_version::v3_1_1,
       {
           0x82, 0x06,      // SUBSCRIBE, remaining length 6
           0x00, 0x00,      // packet identifier 0 <- offset 2
           0x00, 0x01, 't', // filter "t"
           0x00,            // QoS 0
       },
       errc::packet_id_zero,
       2},
  };
  // The same PUBLISH error behind a 2-byte remaining length: the header is 3
  // bytes, so the packet identifier is at offset 3 + 5 = 8.
  std::vector<std::uint8_t> big = {
      0x32, 0xCF, 0x01,           // PUBLISH QoS 1, remaining length 207
      0x00, 0x03, 'b',  'i', 'g', // topic "big"
      0x00, 0x00,                 // packet identifier 0 <- offset 8
  };
  big.resize(big.size() + 200, 0x55); // payload
  cases.push_back({"publish_packet_id_zero_long_header", protocol_version::v3_1_1, std::move(big),
                   errc::packet_id_zero, 8});
  return cases;
}

class error_offset_test : public ::testing::TestWithParam<offset_case> {};

TEST_P(error_offset_test, whole) {
  const auto& c = GetParam();
  decoder d({.version = c.version});
  packet p;
  const heap_copy in{c.bytes};
  const auto r = d.feed(in.view(), p);
  ASSERT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(c.error)) << r.error.message();
  EXPECT_EQ(d.error_offset(), c.offset);
  EXPECT_LE(r.consumed, c.bytes.size());
}

TEST_P(error_offset_test, byte_at_a_time) {
  const auto& c = GetParam();
  decoder d({.version = c.version});
  packet p;
  decode_result r;
  for (std::size_t i = 0; i < c.bytes.size(); ++i) {
    const heap_copy one{byte_view{c.bytes}.subspan(i, 1)};
    r = d.feed(one.view(), p);
    if (r.status != decode_status::need_more) {
      EXPECT_EQ(i + 1, c.bytes.size()) << "failed before the packet was complete";
      break;
    }
  }
  ASSERT_EQ(r.status, decode_status::error);
  EXPECT_EQ(r.error, make_error_code(c.error)) << r.error.message();
  EXPECT_EQ(d.error_offset(), c.offset);
}

TEST_P(error_offset_test, decode_packet_counts_from_the_body) {
  const auto& c = GetParam();
  std::size_t header = 1;
  while ((c.bytes[header] & 0x80) != 0) {
    ++header;
  }
  ++header;
  packet p;
  std::size_t offset = 0;
  const auto ec =
      decode_packet(c.bytes[0], byte_view{c.bytes}.subspan(header), c.version, p, &offset);
  EXPECT_EQ(ec, make_error_code(c.error));
  EXPECT_EQ(offset + header, c.offset);
}

std::string offset_name(const ::testing::TestParamInfo<offset_case>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(malformed, error_offset_test, ::testing::ValuesIn(offset_cases()),
                         offset_name);

// ---------------------------------------------------------------------------
// Inputs ending mid-packet are never read past.
// ---------------------------------------------------------------------------

TEST(decoder_bounds, every_truncation_of_every_vector_asks_for_more) {
  for (const auto& v : valid_vectors()) {
    if (v.bytes.size() > 1024) {
      continue; // covered by split_test; this test is about many short inputs
    }
    for (std::size_t k = 0; k < v.bytes.size(); ++k) {
      decoder d({.version = v.version});
      packet p;
      const heap_copy in{byte_view{v.bytes}.first(k)};
      const auto r = d.feed(in.view(), p);
      ASSERT_EQ(r.status, decode_status::need_more) << v.name << " cut at " << k;
      ASSERT_EQ(r.consumed, k) << v.name << " cut at " << k;
    }
  }
}

TEST(decoder_bounds, two_packets_in_one_chunk_are_decoded_one_at_a_time) {
  const auto& a = vector_named("v5_publish_properties");
  const auto& b = vector_named("v5_puback_reason_properties");
  std::vector<std::uint8_t> both = a.bytes;
  both.insert(both.end(), b.bytes.begin(), b.bytes.end());
  decoder d({.version = protocol_version::v5});
  packet p;
  const heap_copy in{both};
  const auto r1 = d.feed(in.view(), p);
  ASSERT_EQ(r1.status, decode_status::packet_ready);
  EXPECT_EQ(r1.consumed, a.bytes.size()) << "stops at the end of the first packet";
  EXPECT_TRUE(p == a.value);
  const auto r2 = d.feed(in.view().subspan(r1.consumed), p);
  ASSERT_EQ(r2.status, decode_status::packet_ready);
  EXPECT_EQ(r2.consumed, b.bytes.size());
  EXPECT_TRUE(p == b.value);
}

TEST(decoder_errors, message_names_the_packet_the_byte_and_the_fault) {
  decoder d({.version = protocol_version::v3_1_1});
  EXPECT_EQ(d.error_message(), "");
  const std::vector<std::uint8_t> bytes{0x32, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x00};
  packet p;
  auto r = d.feed(bytes, p);
  ASSERT_EQ(r.status, decode_status::error);
  EXPECT_EQ(d.error_message(),
            "PUBLISH, byte 7: packet identifier is 0 where a non-zero one is required");
  d.reset();
  EXPECT_EQ(d.error_message(), "");
}

// ---------------------------------------------------------------------------
// Large bodies: gathered once into a buffer that the payload then shares.

bytes encoded_publish(std::size_t payload_size, std::uint8_t fill) {
  publish p;
  p.topic = "big/t";
  p.qos = qos::at_least_once;
  p.packet_id = 7;
  bytes payload(payload_size);
  for (std::size_t i = 0; i < payload_size; ++i) {
    payload[i] = static_cast<std::uint8_t>(fill + i);
  }
  p.payload = std::move(payload);
  output_buffer out;
  EXPECT_FALSE(encode(p, protocol_version::v3_1_1, out));
  return out.flatten();
}

TEST(decoder_large_body, any_chunking_gives_the_payload_once_in_a_shared_buffer) {
  const auto wire = encoded_publish(100'000, 1);
  for (std::size_t chunk : {1u, 7u, 4096u, 65536u, 99'999u}) {
    SCOPED_TRACE("chunks of " + std::to_string(chunk));
    decoder d;
    packet p;
    byte_view in = wire;
    decode_result r;
    while (!in.empty()) {
      heap_copy c(in.first(std::min(chunk, in.size())));
      r = d.feed(c.view(), p);
      ASSERT_NE(r.status, decode_status::error);
      in = in.subspan(r.consumed);
    }
    ASSERT_EQ(r.status, decode_status::packet_ready);
    const auto& got = std::get<publish>(p);
    EXPECT_EQ(got.topic, "big/t");
    EXPECT_EQ(got.packet_id, 7);
    ASSERT_EQ(got.payload.size(), 100'000u);
    EXPECT_TRUE(got.payload.is_shared());
    EXPECT_EQ(got.payload[0], 1);
    EXPECT_EQ(got.payload[99'999], static_cast<std::uint8_t>(1 + 99'999));
    // The payload shares the body: its bytes start right after the header.
    EXPECT_EQ(got.payload.data(), static_cast<const std::uint8_t*>(got.payload.owner().get()) +
                                      (wire.size() - 100'000 - 4));
  }
}

TEST(decoder_large_body, direct_space_takes_the_body_without_a_copy) {
  const auto wire = encoded_publish(50'000, 3);
  decoder d;
  packet p;
  EXPECT_TRUE(d.direct_space().empty()); // nothing under way
  // The fixed header and a little of the body, as a first read would bring.
  auto r = d.feed(byte_view{wire}.first(100), p);
  ASSERT_EQ(r.status, decode_status::need_more);
  auto space = d.direct_space();
  ASSERT_EQ(space.size(), wire.size() - 4 - 96); // the rest of the body
  EXPECT_NE(d.direct_owner(), nullptr);
  std::memcpy(space.data(), wire.data() + 100, 1000); // a read of 1000 bytes
  r = d.commit_direct(1000, p);
  EXPECT_EQ(r.status, decode_status::need_more);
  space = d.direct_space();
  ASSERT_EQ(space.size(), wire.size() - 1100);
  std::memcpy(space.data(), wire.data() + 1100, space.size());
  r = d.commit_direct(space.size(), p);
  ASSERT_EQ(r.status, decode_status::packet_ready);
  const auto& got = std::get<publish>(p);
  EXPECT_EQ(got.payload.data() + got.payload.size(), space.data() + space.size());
  EXPECT_EQ(got.payload[49'999], static_cast<std::uint8_t>(3 + 49'999));
  EXPECT_TRUE(d.direct_space().empty());
}

TEST(decoder_large_body, a_small_split_body_stays_in_the_reused_buffer) {
  const auto wire = encoded_publish(1000, 5);
  decoder d;
  packet p;
  ASSERT_EQ(d.feed(byte_view{wire}.first(10), p).status, decode_status::need_more);
  EXPECT_TRUE(d.direct_space().empty()); // under large_body: no buffer of its own
  ASSERT_EQ(d.feed(byte_view{wire}.subspan(10), p).status, decode_status::packet_ready);
  EXPECT_EQ(std::get<publish>(p).payload.size(), 1000u);
}

TEST(decoder_large_body, a_body_past_the_up_front_part_grows_as_bytes_arrive) {
  const std::size_t size = decoder_options{}.large_body_up_front + 1000;
  const auto wire = encoded_publish(size, 9);
  decoder d;
  packet p;
  ASSERT_EQ(d.feed(byte_view{wire}.first(10), p).status, decode_status::need_more);
  // Only the up-front part is taken until more arrives.
  EXPECT_EQ(d.direct_space().size(),
            decoder_options{}.large_body_up_front - 5); // 5 of 10 were header
  byte_view rest = byte_view{wire}.subspan(10);
  decode_result r;
  while (!rest.empty()) {
    r = d.feed(rest.first(std::min<std::size_t>(rest.size(), 1 << 20)), p);
    ASSERT_NE(r.status, decode_status::error);
    rest = rest.subspan(r.consumed);
  }
  ASSERT_EQ(r.status, decode_status::packet_ready);
  const auto& got = std::get<publish>(p);
  ASSERT_EQ(got.payload.size(), size);
  EXPECT_EQ(got.payload[size - 1], static_cast<std::uint8_t>(9 + (size - 1)));
}

TEST(decoder_large_body, reset_drops_a_partial_large_body) {
  const auto wire = encoded_publish(50'000, 3);
  decoder d;
  packet p;
  ASSERT_EQ(d.feed(byte_view{wire}.first(100), p).status, decode_status::need_more);
  const auto held = d.direct_owner();
  d.reset();
  EXPECT_TRUE(d.direct_space().empty());
  EXPECT_EQ(held.use_count(), 1); // only ours
  ASSERT_EQ(d.feed(wire, p).status, decode_status::packet_ready);
}

} // namespace
