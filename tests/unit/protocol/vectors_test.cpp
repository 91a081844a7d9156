// The encoder and the decoder against the hand-written wire vectors: every
// vector encodes to exactly its bytes, by every encoding entry point, and its
// bytes decode to exactly its value.
#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/output_buffer.hpp>

#include "vectors.hpp"
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace {

using namespace braid::protocol;

/// Equal bytes, or where they first differ with some context around it.
::testing::AssertionResult same_bytes(byte_view actual, const std::vector<std::uint8_t>& expected) {
  if (actual.size() == expected.size() &&
      std::equal(actual.begin(), actual.end(), expected.begin())) {
    return ::testing::AssertionSuccess();
  }
  const auto n = std::min(actual.size(), expected.size());
  std::size_t at = 0;
  while (at < n && actual[at] == expected[at]) {
    ++at;
  }
  const auto from = at > 8 ? at - 8 : 0;
  auto window = [&](const std::uint8_t* data, std::size_t size) {
    const auto to = std::min(size, at + 16);
    return from < to ? hex(data + from, to - from) : std::string{};
  };
  return ::testing::AssertionFailure()
         << "sizes " << actual.size() << " (actual) and " << expected.size()
         << " (expected), first difference at byte " << at << "\n  actual   [" << from
         << "..]: " << window(actual.data(), actual.size()) << "\n  expected [" << from
         << "..]: " << window(expected.data(), expected.size());
}

/// How a decoded packet encodes, to show what the decoder produced.
std::string describe(const packet& p, protocol_version v) {
  output_buffer out;
  if (auto ec = encode(p, v, out)) {
    return "(type " + std::string{to_string(type_of(p))} + ", does not encode: " + ec.message() +
           ")";
  }
  return std::string{to_string(type_of(p))} + " encoding as " + hex(out.data(), out.size());
}

std::size_t header_size(const std::vector<std::uint8_t>& b) {
  std::size_t i = 1;
  while (i < b.size() && (b[i] & 0x80) != 0) {
    ++i;
  }
  return i + 1;
}

class vectors_test : public ::testing::TestWithParam<wire_vector> {};

// The vector itself is consistent: type nibble, remaining length, version.
// Checked without the codec, so that a typo in a vector shows up here first.
TEST_P(vectors_test, vector_is_self_consistent) {
  const auto& v = GetParam();
  ASSERT_GE(v.bytes.size(), 2u);
  EXPECT_EQ(v.bytes[0] >> 4, static_cast<int>(type_of(v.value))) << "packet type nibble";
  std::uint32_t remaining = 0;
  std::size_t i = 1;
  for (unsigned shift = 0;; shift += 7) {
    ASSERT_LT(i, v.bytes.size()) << "remaining length runs past the vector";
    ASSERT_LE(i, 4u) << "remaining length longer than 4 bytes";
    const auto b = v.bytes[i++];
    remaining |= std::uint32_t{static_cast<std::uint8_t>(b & 0x7F)} << shift;
    if ((b & 0x80) == 0) {
      break;
    }
  }
  EXPECT_EQ(i + remaining, v.bytes.size()) << "remaining length field vs. vector size";
  if (const auto* c = std::get_if<connect>(&v.value)) {
    EXPECT_EQ(c->version, v.version) << "a CONNECT vector carries its own version";
  }
}

TEST_P(vectors_test, encodes_to_output_buffer) {
  const auto& v = GetParam();
  output_buffer out;
  ASSERT_EQ(encode(v.value, v.version, out), std::error_code{});
  EXPECT_TRUE(same_bytes(out.view(), v.bytes));
}

TEST_P(vectors_test, encode_appends_to_output_buffer) {
  const auto& v = GetParam();
  output_buffer out;
  *out.prepare(1) = 0x5A;
  out.commit(1);
  ASSERT_EQ(encode(v.value, v.version, out), std::error_code{});
  ASSERT_EQ(out.size(), v.bytes.size() + 1);
  EXPECT_EQ(out.data()[0], 0x5A);
  EXPECT_TRUE(same_bytes(out.view().subspan(1), v.bytes));
}

TEST_P(vectors_test, encodes_into_exact_size_span) {
  const auto& v = GetParam();
  std::vector<std::uint8_t> buffer(v.bytes.size(), 0xA5);
  std::size_t written = 0;
  ASSERT_EQ(encode(v.value, v.version, std::span<std::uint8_t>{buffer}, written),
            std::error_code{});
  EXPECT_EQ(written, v.bytes.size());
  EXPECT_TRUE(same_bytes(buffer, v.bytes));
}

TEST_P(vectors_test, span_one_byte_short_is_buffer_too_small) {
  const auto& v = GetParam();
  std::vector<std::uint8_t> buffer(v.bytes.size() - 1, 0xA5);
  std::size_t written = 12345;
  EXPECT_EQ(encode(v.value, v.version, std::span<std::uint8_t>{buffer}, written),
            make_error_code(errc::buffer_too_small));
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](std::uint8_t b) { return b == 0xA5; }))
      << "nothing may be written on error";
}

TEST_P(vectors_test, encoded_size_is_vector_size) {
  const auto& v = GetParam();
  std::size_t size = 0;
  ASSERT_EQ(encoded_size(v.value, v.version, size), std::error_code{});
  EXPECT_EQ(size, v.bytes.size());
}

TEST_P(vectors_test, decoder_gives_the_value) {
  const auto& v = GetParam();
  decoder d({.version = v.version});
  packet p;
  const auto r = d.feed(v.bytes, p);
  ASSERT_EQ(r.status, decode_status::packet_ready)
      << r.error.message() << " at offset " << d.error_offset();
  EXPECT_EQ(r.consumed, v.bytes.size());
  EXPECT_TRUE(p == v.value) << "decoded " << describe(p, v.version);
}

TEST_P(vectors_test, decode_packet_gives_the_value) {
  const auto& v = GetParam();
  const auto body = byte_view{v.bytes}.subspan(header_size(v.bytes));
  packet p;
  std::size_t offset = 0;
  ASSERT_EQ(decode_packet(v.bytes[0], body, v.version, p, &offset), std::error_code{})
      << "at body offset " << offset;
  EXPECT_TRUE(p == v.value) << "decoded " << describe(p, v.version);
}

std::string vector_name(const ::testing::TestParamInfo<wire_vector>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(wire, vectors_test, ::testing::ValuesIn(valid_vectors()), vector_name);

// --- PUBLISH: the scatter/gather entry points give the same bytes.

std::vector<wire_vector> publish_vectors() {
  std::vector<wire_vector> out;
  std::copy_if(valid_vectors().begin(), valid_vectors().end(), std::back_inserter(out),
               [](const wire_vector& v) { return std::holds_alternative<publish>(v.value); });
  return out;
}

class publish_vectors_test : public ::testing::TestWithParam<wire_vector> {};

TEST_P(publish_vectors_test, header_then_payload) {
  const auto& v = GetParam();
  const auto& pub = std::get<publish>(v.value);
  output_buffer out;
  ASSERT_EQ(encode_publish_header(pub.view(), v.version, out), std::error_code{});
  EXPECT_EQ(out.size(), v.bytes.size() - pub.payload.size()) << "header without the payload";
  std::copy(pub.payload.begin(), pub.payload.end(), out.prepare(pub.payload.size()));
  out.commit(pub.payload.size());
  EXPECT_TRUE(same_bytes(out.view(), v.bytes));
}

TEST_P(publish_vectors_test, encode_publish) {
  const auto& v = GetParam();
  const auto& pub = std::get<publish>(v.value);
  output_buffer out;
  ASSERT_EQ(encode_publish(pub.view(), v.version, out), std::error_code{});
  EXPECT_TRUE(same_bytes(out.view(), v.bytes));
}

INSTANTIATE_TEST_SUITE_P(wire, publish_vectors_test, ::testing::ValuesIn(publish_vectors()),
                         vector_name);
// --- the vector set itself

TEST(vector_set, names_are_unique) {
  std::set<std::string> names;
  for (const auto& v : valid_vectors()) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name;
  }
}

TEST(vector_set, every_packet_type_in_every_version) {
  std::map<protocol_version, std::set<packet_type>> seen;
  std::map<protocol_version, std::size_t> count;
  for (const auto& v : valid_vectors()) {
    seen[v.version].insert(type_of(v.value));
    ++count[v.version];
  }
  for (auto version : {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5}) {
    const int last = version == protocol_version::v5 ? 15 : 14; // AUTH is MQTT 5 only
    for (int t = 1; t <= last; ++t) {
      EXPECT_TRUE(seen[version].contains(static_cast<packet_type>(t)))
          << "no " << to_string(static_cast<packet_type>(t)) << " vector for MQTT "
          << to_string(version);
    }
    EXPECT_FALSE(version != protocol_version::v5 && seen[version].contains(packet_type::auth));
    RecordProperty("vectors_" + std::string{to_string(version)}, static_cast<int>(count[version]));
  }
  EXPECT_GE(valid_vectors().size(), 60u);
}

} // namespace
