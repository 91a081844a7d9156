#include <braid/protocol/decoder.hpp>
#include <braid/protocol/error.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/version.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

// A table of malformed packets, each written out byte by byte, with the error
// the decoder must report and the offset (from the packet's first byte) of the
// offending field. Every row is decoded twice, from one chunk and one byte at a
// time; both must fail the same way.
//
// Offsets follow one convention: the first byte of the field that is wrong.
// For a string, binary field or property list that runs past its end, that is
// the length prefix; for a property that is unknown, not allowed or repeated,
// its identifier; for a property value out of range, the value; for a property
// cut short by its property length or the packet end, its identifier; for a
// variable byte integer that is too long, not minimal or cut short, its first
// byte; for a missing field, where it should have started; for trailing bytes,
// the first extra byte.

namespace braid::protocol {
namespace {

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

/// The row does not check the error offset.
constexpr std::size_t no_offset = std::numeric_limits<std::size_t>::max();

struct row {
  row(const char* row_name, protocol_version row_version,
      std::initializer_list<std::uint8_t> row_input, errc row_expected, std::size_t row_offset,
      std::size_t row_max_packet_size = decoder_options{}.max_packet_size)
      : name(row_name), version(row_version), input(row_input), expected(row_expected),
        offset(row_offset), max_packet_size(row_max_packet_size) {}

  const char* name;
  protocol_version version;
  std::vector<std::uint8_t> input;
  errc expected;
  std::size_t offset;
  std::size_t max_packet_size;
};

void PrintTo(const row& r, std::ostream* os) {
  static constexpr char digits[] = "0123456789abcdef";
  *os << r.name << " (" << to_string(r.version) << "): ";
  for (const auto b : r.input) {
    *os << digits[b >> 4] << digits[b & 0x0F] << ' ';
  }
  *os << "-> " << make_error_code(r.expected).message();
  if (r.offset != no_offset) {
    *os << " at " << r.offset;
  }
}

// clang-format off
const std::vector<row> rows = {
    // ===================================================================== framing
    // Remaining length: a 4th byte with the continuation bit set.
    {"v311_remaining_length_5_bytes", v311,
     {0x30, /* remaining length */ 0xFF, 0xFF, 0xFF, 0xFF, 0x01},
     errc::remaining_length_too_long, 1},
    {"v5_remaining_length_5_bytes", v5,
     {0xC0, /* remaining length */ 0x80, 0x80, 0x80, 0x80, 0x00},
     errc::remaining_length_too_long, 1},
    {"v31_remaining_length_5_bytes", v31,
     {0x20, /* remaining length */ 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::remaining_length_too_long, 1},
    // Remaining length not in the fewest bytes (0 as 80 00, 3 as 83 80 00).
    {"v311_remaining_length_not_minimal", v311,
     {0xC0, /* remaining length */ 0x80, 0x00},
     errc::malformed_variable_integer, 1},
    {"v5_remaining_length_not_minimal_3_bytes", v5,
     {0x30, /* remaining length */ 0x83, 0x80, 0x00},
     errc::malformed_variable_integer, 1},
    {"v31_remaining_length_not_minimal", v31,
     {0xE0, /* remaining length */ 0x80, 0x00},
     errc::malformed_variable_integer, 1},
    // 17-byte PUBLISH with a maximum packet size of 16.
    {"v311_packet_too_large_max_16", v311,
     {0x30, 0x0F, 0x00, 0x03, 0x61, 0x2F, 0x62, /* payload */ 0x30, 0x31, 0x32, 0x33, 0x34,
      0x35, 0x36, 0x37, 0x38, 0x39},
     errc::packet_too_large, 1, 16},
    // Remaining length 128 with a maximum of 128: refused before any body byte arrives.
    {"v5_packet_too_large_before_body", v5,
     {0x30, /* remaining length 128 */ 0x80, 0x01},
     errc::packet_too_large, 1, 128},
    // A 2-byte PINGREQ with a maximum of 1.
    {"v311_pingreq_larger_than_max_1", v311,
     {0xC0, 0x00},
     errc::packet_too_large, 1, 1},
    // An 8-byte SUBSCRIBE with a maximum of 7.
    {"v31_subscribe_larger_than_max_7", v31,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00},
     errc::packet_too_large, 1, 7},

    // ================================================================ packet type
    // Packet type 0 is reserved.
    {"v311_packet_type_0", v311,
     {0x00, 0x00},
     errc::invalid_packet_type, 0},
    {"v5_packet_type_0_flags_f", v5,
     {0x0F, 0x00},
     errc::invalid_packet_type, 0},
    {"v31_packet_type_0", v31,
     {0x00, 0x02, 0x00, 0x01},
     errc::invalid_packet_type, 0},
    // AUTH (15) does not exist before MQTT 5.
    {"v311_auth_packet", v311,
     {0xF0, 0x00},
     errc::invalid_packet_type, 0},
    {"v31_auth_packet", v31,
     {0xF0, 0x02, 0x18, 0x00},
     errc::invalid_packet_type, 0},

    // ====================================================== fixed header flags
    // CONNECT flags must be 0.
    {"v311_connect_flags_1", v311,
     {0x11, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61},
     errc::invalid_fixed_header_flags, 0},
    {"v5_connect_flags_8", v5,
     {0x18, 0x00},
     errc::invalid_fixed_header_flags, 0},
    // CONNACK flags must be 0.
    {"v311_connack_flags_1", v311,
     {0x21, 0x02, 0x00, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v5_connack_flags_8", v5,
     {0x28, 0x03, 0x00, 0x00, 0x00},
     errc::invalid_fixed_header_flags, 0},
    // PUBACK flags must be 0.
    {"v311_puback_flags_2", v311,
     {0x42, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    {"v5_puback_flags_1", v5,
     {0x41, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    // PUBREC flags must be 0.
    {"v311_pubrec_flags_2", v311,
     {0x52, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    // PUBREL flags must be 0b0010.
    {"v311_pubrel_flags_0", v311,
     {0x60, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    {"v5_pubrel_flags_a", v5,
     {0x6A, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    {"v311_pubrel_flags_3", v311,
     {0x63, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    // PUBCOMP flags must be 0.
    {"v311_pubcomp_flags_2", v311,
     {0x72, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    // SUBSCRIBE flags must be 0b0010.
    {"v311_subscribe_flags_0", v311,
     {0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v5_subscribe_flags_a", v5,
     {0x8A, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x00},
     errc::invalid_fixed_header_flags, 0},
    // SUBACK flags must be 0.
    {"v311_suback_flags_2", v311,
     {0x92, 0x03, 0x00, 0x01, 0x00},
     errc::invalid_fixed_header_flags, 0},
    // UNSUBSCRIBE flags must be 0b0010.
    {"v311_unsubscribe_flags_0", v311,
     {0xA0, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61},
     errc::invalid_fixed_header_flags, 0},
    {"v5_unsubscribe_flags_3", v5,
     {0xA3, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61},
     errc::invalid_fixed_header_flags, 0},
    // UNSUBACK flags must be 0.
    {"v311_unsuback_flags_2", v311,
     {0xB2, 0x02, 0x00, 0x01},
     errc::invalid_fixed_header_flags, 0},
    // PINGREQ, PINGRESP, DISCONNECT, AUTH flags must be 0.
    {"v311_pingreq_flags_1", v311,
     {0xC1, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v5_pingresp_flags_8", v5,
     {0xD8, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v311_disconnect_flags_2", v311,
     {0xE2, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v5_disconnect_flags_f", v5,
     {0xEF, 0x00},
     errc::invalid_fixed_header_flags, 0},
    {"v5_auth_flags_1", v5,
     {0xF1, 0x00},
     errc::invalid_fixed_header_flags, 0},

    // ============================================================ PUBLISH header
    // QoS bits 0b11.
    {"v311_publish_qos_3", v311,
     {0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01},
     errc::invalid_qos, 0},
    {"v5_publish_qos_3_dup_retain", v5,
     {0x3F, 0x06, 0x00, 0x01, 0x61, 0x00, 0x01, 0x00},
     errc::invalid_qos, 0},
    {"v31_publish_qos_3", v31,
     {0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01},
     errc::invalid_qos, 0},
    // DUP set on QoS 0.
    {"v311_publish_dup_on_qos0", v311,
     {0x38, 0x03, 0x00, 0x01, 0x61},
     errc::dup_on_qos0, 0},
    {"v5_publish_dup_on_qos0_retain", v5,
     {0x39, 0x04, 0x00, 0x01, 0x61, 0x00},
     errc::dup_on_qos0, 0},

    // ==================================================== packet identifier 0
    {"v311_publish_qos1_packet_id_0", v311,
     {0x32, 0x05, 0x00, 0x01, 0x61, /* id */ 0x00, 0x00},
     errc::packet_id_zero, 5},
    {"v5_publish_qos2_packet_id_0", v5,
     {0x34, 0x06, 0x00, 0x01, 0x61, /* id */ 0x00, 0x00, 0x00},
     errc::packet_id_zero, 5},
    {"v31_publish_qos1_packet_id_0", v31,
     {0x32, 0x05, 0x00, 0x01, 0x61, /* id */ 0x00, 0x00},
     errc::packet_id_zero, 5},
    {"v311_puback_packet_id_0", v311,
     {0x40, 0x02, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v5_puback_packet_id_0", v5,
     {0x40, 0x02, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v311_pubrec_packet_id_0", v311,
     {0x50, 0x02, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v311_pubrel_packet_id_0", v311,
     {0x62, 0x02, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v5_pubcomp_packet_id_0", v5,
     {0x70, 0x04, 0x00, 0x00, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v311_subscribe_packet_id_0", v311,
     {0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00},
     errc::packet_id_zero, 2},
    {"v5_subscribe_packet_id_0", v5,
     {0x82, 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00},
     errc::packet_id_zero, 2},
    {"v311_suback_packet_id_0", v311,
     {0x90, 0x03, 0x00, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v311_unsubscribe_packet_id_0", v311,
     {0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 0x61},
     errc::packet_id_zero, 2},
    {"v311_unsuback_packet_id_0", v311,
     {0xB0, 0x02, 0x00, 0x00},
     errc::packet_id_zero, 2},
    {"v5_unsuback_packet_id_0", v5,
     {0xB0, 0x04, 0x00, 0x00, 0x00, 0x00},
     errc::packet_id_zero, 2},

    // ============================================================ PUBLISH topic
    // Overlong encoding of '/' (C0 AF).
    {"v311_publish_topic_overlong", v311,
     {0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF},
     errc::invalid_utf8, 2},
    // UTF-16 surrogate U+D800 (ED A0 80).
    {"v311_publish_topic_surrogate", v311,
     {0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80},
     errc::invalid_utf8, 2},
    // Byte 0xFF never appears in UTF-8.
    {"v5_publish_topic_byte_ff", v5,
     {0x30, 0x04, 0x00, 0x01, 0xFF, /* properties */ 0x00},
     errc::invalid_utf8, 2},
    // "a" then a 3-byte sequence cut after 2 bytes (E2 82).
    {"v311_publish_topic_truncated_sequence", v311,
     {0x30, 0x05, 0x00, 0x03, 0x61, 0xE2, 0x82},
     errc::invalid_utf8, 2},
    // Code point above U+10FFFF (F4 90 80 80).
    {"v5_publish_topic_above_10ffff", v5,
     {0x30, 0x07, 0x00, 0x04, 0xF4, 0x90, 0x80, 0x80, 0x00},
     errc::invalid_utf8, 2},
    // Stray continuation byte.
    {"v31_publish_topic_stray_continuation", v31,
     {0x30, 0x03, 0x00, 0x01, 0x80},
     errc::invalid_utf8, 2},
    // "a\0b".
    {"v311_publish_topic_nul", v311,
     {0x30, 0x05, 0x00, 0x03, 0x61, 0x00, 0x62},
     errc::utf8_contains_null, 2},
    // "abc\0efghij": U+0000 inside the first 8 ASCII bytes.
    {"v5_publish_topic_nul_in_long_ascii", v5,
     {0x30, 0x0D, 0x00, 0x0A, 0x61, 0x62, 0x63, 0x00, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x00},
     errc::utf8_contains_null, 2},
    // "a/+" and "#": wildcards in a topic name.
    {"v311_publish_topic_plus", v311,
     {0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x2B},
     errc::topic_name_wildcard, 2},
    {"v5_publish_topic_hash", v5,
     {0x30, 0x04, 0x00, 0x01, 0x23, 0x00},
     errc::topic_name_wildcard, 2},
    {"v31_publish_topic_hash", v31,
     {0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x23},
     errc::topic_name_wildcard, 2},
    {"v311_publish_qos1_topic_plus_mid_level", v311,
     {0x32, 0x07, 0x00, 0x03, 0x61, 0x2B, 0x62, 0x00, 0x01},
     errc::topic_name_wildcard, 2},
    // Empty topic name.
    {"v311_publish_topic_empty", v311,
     {0x30, 0x02, 0x00, 0x00},
     errc::topic_name_empty, 2},
    {"v311_publish_qos1_topic_empty", v311,
     {0x32, 0x04, 0x00, 0x00, 0x00, 0x01},
     errc::topic_name_empty, 2},
    {"v31_publish_topic_empty", v31,
     {0x30, 0x02, 0x00, 0x00},
     errc::topic_name_empty, 2},
    // MQTT 5: an empty topic needs a Topic Alias.
    {"v5_publish_topic_empty_no_properties", v5,
     {0x30, 0x03, 0x00, 0x00, 0x00},
     errc::topic_name_empty, 2},
    {"v5_publish_topic_empty_no_topic_alias", v5,
     {0x30, 0x05, 0x00, 0x00, /* properties */ 0x02, 0x01, 0x00},
     errc::topic_name_empty, 2},
    // Topic length 5 but only 1 byte follows.
    {"v311_publish_topic_past_end", v311,
     {0x30, 0x03, 0x00, 0x05, 0x61},
     errc::truncated, 2},
    // Topic length cut after its first byte.
    {"v5_publish_topic_length_cut", v5,
     {0x30, 0x01, 0x00},
     errc::truncated, 2},
    {"v311_publish_empty_body", v311,
     {0x30, 0x00},
     errc::truncated, 2},
    // QoS 1 packet identifier cut after one byte.
    {"v311_publish_qos1_packet_id_cut", v311,
     {0x32, 0x04, 0x00, 0x01, 0x61, 0x00},
     errc::truncated, 5},
    // MQTT 5: property length missing.
    {"v5_publish_no_property_length", v5,
     {0x30, 0x03, 0x00, 0x01, 0x61},
     errc::truncated, 5},

    // ===================================================== PUBLISH properties
    // Unknown property identifiers 0x00, 0x04, 0x2B, 0x7F, 0x80 (2-byte varint 80 01).
    {"v5_publish_unknown_property_00", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, /* id */ 0x00, 0x00},
     errc::unknown_property, 6},
    {"v5_publish_unknown_property_04", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, /* id */ 0x04, 0x00},
     errc::unknown_property, 6},
    {"v5_publish_unknown_property_2b", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, /* id */ 0x2B, 0x00},
     errc::unknown_property, 6},
    {"v5_publish_unknown_property_7f", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, /* id */ 0x7F, 0x00},
     errc::unknown_property, 6},
    {"v5_publish_unknown_property_80", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, /* id 128 */ 0x80, 0x01, 0x00},
     errc::unknown_property, 6},
    // Session Expiry Interval belongs to CONNECT, CONNACK, DISCONNECT.
    {"v5_publish_session_expiry", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A},
     errc::property_not_allowed, 6},
    // Reason String is not a PUBLISH property.
    {"v5_publish_reason_string", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x1F, 0x00, 0x00},
     errc::property_not_allowed, 6},
    // Topic Alias Maximum is for CONNECT / CONNACK.
    {"v5_publish_topic_alias_maximum", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x22, 0x00, 0x0A},
     errc::property_not_allowed, 6},
    // Will Delay Interval is a will property only.
    {"v5_publish_will_delay_interval", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x18, 0x00, 0x00, 0x00, 0x01},
     errc::property_not_allowed, 6},
    // Message Expiry Interval twice.
    {"v5_publish_message_expiry_twice", v5,
     {0x30, 0x0E, 0x00, 0x01, 0x61, 0x0A, 0x02, 0x00, 0x00, 0x00, 0x0A,
      /* again */ 0x02, 0x00, 0x00, 0x00, 0x0B},
     errc::property_duplicated, 11},
    // Topic Alias twice.
    {"v5_publish_topic_alias_twice", v5,
     {0x30, 0x0A, 0x00, 0x01, 0x61, 0x06, 0x23, 0x00, 0x01, /* again */ 0x23, 0x00, 0x02},
     errc::property_duplicated, 9},
    // Payload Format Indicator 2 (0 or 1 only).
    {"v5_publish_payload_format_2", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, 0x01, /* value */ 0x02},
     errc::invalid_property_value, 7},
    // Topic Alias 0.
    {"v5_publish_topic_alias_0", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x23, /* value */ 0x00, 0x00},
     errc::invalid_property_value, 7},
    // Topic Alias 0 with an empty topic.
    {"v5_publish_empty_topic_topic_alias_0", v5,
     {0x30, 0x06, 0x00, 0x00, 0x03, 0x23, /* value */ 0x00, 0x00},
     errc::invalid_property_value, 6},
    // Subscription Identifier 0.
    {"v5_publish_subscription_identifier_0", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, 0x0B, /* value */ 0x00},
     errc::invalid_property_value, 7},
    // Subscription Identifier as a 5-byte variable byte integer.
    {"v5_publish_subscription_identifier_5_bytes", v5,
     {0x30, 0x0A, 0x00, 0x01, 0x61, 0x06, 0x0B, /* value */ 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::malformed_variable_integer, 7},
    // Property length as a 5-byte variable byte integer.
    {"v5_publish_property_length_5_bytes", v5,
     {0x30, 0x08, 0x00, 0x01, 0x61, /* property length */ 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::malformed_variable_integer, 5},
    // Property identifier as a 5-byte variable byte integer.
    {"v5_publish_property_id_5_bytes", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x05, /* id */ 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::malformed_variable_integer, 6},
    // Subscription Identifier 1 encoded in 2 bytes (81 00).
    {"v5_publish_subscription_identifier_not_minimal", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x0B, /* value */ 0x81, 0x00},
     errc::malformed_variable_integer, 7},
    // Property identifier 1 (Payload Format Indicator) encoded in 2 bytes (81 00).
    {"v5_publish_property_id_not_minimal", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, /* id */ 0x81, 0x00, 0x00},
     errc::malformed_variable_integer, 6},
    // Property length 10 with 1 byte left in the packet.
    {"v5_publish_property_length_past_end", v5,
     {0x30, 0x05, 0x00, 0x01, 0x61, /* property length */ 0x0A, 0x01},
     errc::truncated, 5},
    // Message Expiry Interval (4 bytes) with a property length of 2; the packet has more bytes.
    {"v5_publish_value_past_property_length", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x02, 0x02, 0x00, /* payload */ 0x00, 0x00, 0x0A},
     errc::truncated, 6},
    // Message Expiry Interval cut by the end of the packet.
    {"v5_publish_value_past_packet_end", v5,
     {0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x02, 0x00, 0x00},
     errc::truncated, 6},
    // Correlation Data of length 5 with 1 byte inside the property length.
    {"v5_publish_correlation_data_past_property_length", v5,
     {0x30, 0x0A, 0x00, 0x01, 0x61, 0x04, 0x09, 0x00, 0x05, 0x61, /* payload */ 0x62, 0x63},
     errc::truncated, 6},
    // User Property whose value length is cut.
    {"v5_publish_user_property_value_cut", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x26, 0x00, 0x01, 0x61, 0x00},
     errc::truncated, 6},
    // Subscription Identifier whose variable byte integer is cut.
    {"v5_publish_subscription_identifier_cut", v5,
     {0x30, 0x06, 0x00, 0x01, 0x61, 0x02, 0x0B, 0x80},
     errc::truncated, 6},
    // Property identifier whose variable byte integer is cut.
    {"v5_publish_property_id_cut", v5,
     {0x30, 0x05, 0x00, 0x01, 0x61, 0x01, /* id */ 0x80},
     errc::truncated, 6},
    // Content Type: C3 followed by '(' is not a continuation.
    {"v5_publish_content_type_invalid_utf8", v5,
     {0x30, 0x09, 0x00, 0x01, 0x61, 0x05, 0x03, /* value */ 0x00, 0x02, 0xC3, 0x28},
     errc::invalid_utf8, 7},
    // Response Topic "\0".
    {"v5_publish_response_topic_nul", v5,
     {0x30, 0x08, 0x00, 0x01, 0x61, 0x04, 0x08, /* value */ 0x00, 0x01, 0x00},
     errc::utf8_contains_null, 7},
    // User Property key 0xFF.
    {"v5_publish_user_property_key_invalid_utf8", v5,
     {0x30, 0x0B, 0x00, 0x01, 0x61, 0x07, 0x26, /* key */ 0x00, 0x01, 0xFF,
      /* value */ 0x00, 0x01, 0x61},
     errc::invalid_utf8, 7},
    // User Property value "\0" (the offset names the string pair).
    {"v5_publish_user_property_value_nul", v5,
     {0x30, 0x0B, 0x00, 0x01, 0x61, 0x07, 0x26, /* key */ 0x00, 0x01, 0x61,
      /* value */ 0x00, 0x01, 0x00},
     errc::utf8_contains_null, 7},

    // ================================================================== CONNECT
    // Base 3.1.1: 10 0D | 00 04 "MQTT" | 04 | flags 02 | keep alive 00 3C | "a"
    // Protocol name "MQTT" with level 3 (3.1 is "MQIsdp").
    {"v31_connect_name_mqtt_level_3", v31,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61},
     errc::protocol_name_mismatch, 2},
    // Protocol name "MQIsdp" with level 4.
    {"v311_connect_name_mqisdp_level_4", v311,
     {0x10, 0x0F, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x04, 0x02, 0x00, 0x3C,
      0x00, 0x01, 0x61},
     errc::protocol_name_mismatch, 2},
    // Protocol name "MQTX".
    {"v311_connect_name_mqtx", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x58, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61},
     errc::protocol_name_mismatch, 2},
    // Protocol name "MQIsdp" with level 5.
    {"v5_connect_name_mqisdp_level_5", v5,
     {0x10, 0x10, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x05, 0x02, 0x00, 0x3C,
      0x00, 0x00, 0x01, 0x61},
     errc::protocol_name_mismatch, 2},
    // Protocol name "mqtt" (names are case-sensitive).
    {"v5_connect_name_lowercase", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x6D, 0x71, 0x74, 0x74, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61},
     errc::protocol_name_mismatch, 2},
    // Protocol levels 2, 6 and 0.
    {"v311_connect_level_2", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, /* level */ 0x02, 0x02, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::unsupported_protocol_version, 8},
    {"v5_connect_level_6", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, /* level */ 0x06, 0x02, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61},
     errc::unsupported_protocol_version, 8},
    {"v311_connect_level_0", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, /* level */ 0x00, 0x02, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::unsupported_protocol_version, 8},
    // Reserved connect flag (bit 0) set.
    {"v311_connect_reserved_flag", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x03, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::invalid_connect_flags, 9},
    {"v5_connect_reserved_flag", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x01, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61},
     errc::invalid_connect_flags, 9},
    // Will QoS 1 without the will flag.
    {"v311_connect_will_qos_without_will", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x0A, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::invalid_will_flags, 9},
    // Will QoS 2 without the will flag.
    {"v5_connect_will_qos_without_will", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x12, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61},
     errc::invalid_will_flags, 9},
    // Will retain without the will flag.
    {"v311_connect_will_retain_without_will", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x22, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::invalid_will_flags, 9},
    {"v5_connect_will_retain_without_will", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x22, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61},
     errc::invalid_will_flags, 9},
    // Will QoS 3 with the will flag (will topic "t", empty payload follow).
    {"v311_connect_will_qos_3", v311,
     {0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x1E, 0x00, 0x3C, 0x00,
      0x01, 0x61, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::invalid_will_flags, 9},
    {"v31_connect_will_qos_3", v31,
     {0x10, 0x14, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, /* flags */ 0x1E, 0x00,
      0x3C, 0x00, 0x01, 0x61, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::invalid_will_flags, 11},
    // Password flag without the user name flag (3.1.1 and 3.1; allowed in 5.0).
    {"v311_connect_password_without_username", v311,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x42, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* password */ 0x00, 0x01, 0x70},
     errc::password_without_username, 9},
    {"v31_connect_password_without_username", v31,
     {0x10, 0x12, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, /* flags */ 0x42, 0x00,
      0x3C, 0x00, 0x01, 0x61, /* password */ 0x00, 0x01, 0x70},
     errc::password_without_username, 11},
    // Client identifier: overlong NUL (C0 80).
    {"v311_connect_client_id_overlong", v311,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C,
      /* client id */ 0x00, 0x02, 0xC0, 0x80},
     errc::invalid_utf8, 12},
    // Client identifier: surrogate U+DC00 (ED B0 80).
    {"v5_connect_client_id_surrogate", v5,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00,
      /* client id */ 0x00, 0x03, 0xED, 0xB0, 0x80},
     errc::invalid_utf8, 13},
    // Client identifier "a\0".
    {"v31_connect_client_id_nul", v31,
     {0x10, 0x10, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x3C,
      /* client id */ 0x00, 0x02, 0x61, 0x00},
     errc::utf8_contains_null, 14},
    // User name 0xFF.
    {"v311_connect_username_invalid_utf8", v311,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x82, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* user name */ 0x00, 0x01, 0xFF},
     errc::invalid_utf8, 15},
    // User name "a\0".
    {"v5_connect_username_nul", v5,
     {0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x82, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61, /* user name */ 0x00, 0x02, 0x61, 0x00},
     errc::utf8_contains_null, 16},
    // Will topic "a/+".
    {"v311_connect_will_topic_plus", v311,
     {0x10, 0x14, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* will topic */ 0x00, 0x03, 0x61, 0x2F, 0x2B, 0x00, 0x00},
     errc::topic_name_wildcard, 15},
    // Will topic "#".
    {"v311_connect_will_topic_hash", v311,
     {0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* will topic */ 0x00, 0x01, 0x23, 0x00, 0x00},
     errc::topic_name_wildcard, 15},
    // Will topic "+" (MQTT 5, empty will properties).
    {"v5_connect_will_topic_plus", v5,
     {0x10, 0x14, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61, /* will properties */ 0x00, /* will topic */ 0x00, 0x01, 0x2B, 0x00,
      0x00},
     errc::topic_name_wildcard, 17},
    // Will topic: overlong E0 80.
    {"v311_connect_will_topic_invalid_utf8", v311,
     {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* will topic */ 0x00, 0x02, 0xE0, 0x80, 0x00, 0x00},
     errc::invalid_utf8, 15},
    // Will topic empty.
    {"v311_connect_will_topic_empty", v311,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* will topic */ 0x00, 0x00, 0x00, 0x00},
     errc::topic_name_empty, 15},
    // Will topic "a\0".
    {"v31_connect_will_topic_nul", v31,
     {0x10, 0x15, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, /* flags */ 0x06, 0x00,
      0x3C, 0x00, 0x01, 0x61, /* will topic */ 0x00, 0x02, 0x61, 0x00, 0x00, 0x00},
     errc::utf8_contains_null, 17},
    // One byte after the client identifier.
    {"v311_connect_trailing_byte", v311,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61,
      /* extra */ 0x00},
     errc::trailing_bytes, 15},
    {"v5_connect_trailing_byte", v5,
     {0x10, 0x0F, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, /* extra */ 0xFF},
     errc::trailing_bytes, 16},
    // One byte after the password.
    {"v311_connect_trailing_after_password", v311,
     {0x10, 0x14, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0xC2, 0x00, 0x3C, 0x00,
      0x01, 0x61, /* user */ 0x00, 0x01, 0x75, /* password */ 0x00, 0x01, 0x70,
      /* extra */ 0x00},
     errc::trailing_bytes, 21},
    // Cut at each field.
    {"v311_connect_empty_body", v311,
     {0x10, 0x00},
     errc::truncated, 2},
    {"v311_connect_cut_in_protocol_name", v311,
     {0x10, 0x04, 0x00, 0x04, 0x4D, 0x51},
     errc::truncated, 2},
    {"v31_connect_cut_in_protocol_name", v31,
     {0x10, 0x03, 0x00, 0x06, 0x4D},
     errc::truncated, 2},
    {"v311_connect_cut_before_level", v311,
     {0x10, 0x06, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54},
     errc::truncated, 8},
    {"v311_connect_cut_before_flags", v311,
     {0x10, 0x07, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04},
     errc::truncated, 9},
    {"v311_connect_cut_in_keep_alive", v311,
     {0x10, 0x09, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00},
     errc::truncated, 10},
    {"v31_connect_cut_before_keep_alive", v31,
     {0x10, 0x0A, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02},
     errc::truncated, 12},
    {"v311_connect_cut_before_client_id", v311,
     {0x10, 0x0A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C},
     errc::truncated, 12},
    {"v311_connect_cut_in_client_id", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0x61},
     errc::truncated, 12},
    // Will payload of length 5 with 1 byte.
    {"v311_connect_cut_in_will_payload", v311,
     {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x01, 0x61, 0x00, 0x01, 0x74, /* will payload */ 0x00, 0x05, 0x61},
     errc::truncated, 18},
    // User name flag set, no user name.
    {"v311_connect_cut_before_username", v311,
     {0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0x82, 0x00, 0x3C, 0x00,
      0x01, 0x61},
     errc::truncated, 15},
    // Password length cut after one byte.
    {"v311_connect_cut_in_password_length", v311,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, /* flags */ 0xC2, 0x00, 0x3C, 0x00,
      0x01, 0x61, 0x00, 0x01, 0x75, /* password */ 0x00},
     errc::truncated, 18},
    {"v5_connect_cut_before_property_length", v5,
     {0x10, 0x0A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C},
     errc::truncated, 12},
    // Property length whose variable byte integer is cut after a continuation byte.
    {"v5_connect_cut_in_property_length", v5,
     {0x10, 0x0B, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x80},
     errc::truncated, 12},
    // Property length 0x20 with 3 bytes left.
    {"v5_connect_property_length_past_end", v5,
     {0x10, 0x0E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C,
      /* property length */ 0x20, 0x00, 0x01, 0x61},
     errc::truncated, 12},
    // Will property length 5 with 2 bytes left.
    {"v5_connect_will_property_length_past_end", v5,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, /* flags */ 0x06, 0x00, 0x3C, 0x00,
      0x00, 0x01, 0x61, /* will property length */ 0x05, 0x18, 0x00},
     errc::truncated, 16},

    // ======================================================= CONNECT properties
    // Base 5.0: 10 LL | 00 04 "MQTT" | 05 | 02 | 00 3C | property length @12 | ... | "a"
    // Topic Alias in CONNECT.
    {"v5_connect_topic_alias", v5,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x03,
      /* property */ 0x23, 0x00, 0x01, 0x00, 0x01, 0x61},
     errc::property_not_allowed, 13},
    // Will Delay Interval in the CONNECT properties (it is a will property).
    {"v5_connect_will_delay_interval", v5,
     {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x05,
      /* property */ 0x18, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x01, 0x61},
     errc::property_not_allowed, 13},
    // Maximum QoS is a CONNACK property.
    {"v5_connect_maximum_qos", v5,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x02,
      /* property */ 0x24, 0x01, 0x00, 0x01, 0x61},
     errc::property_not_allowed, 13},
    // Unknown property 0x2B.
    {"v5_connect_unknown_property_2b", v5,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x02,
      /* property */ 0x2B, 0x00, 0x00, 0x01, 0x61},
     errc::unknown_property, 13},
    // Session Expiry Interval twice.
    {"v5_connect_session_expiry_twice", v5,
     {0x10, 0x18, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x0A,
      0x11, 0x00, 0x00, 0x00, 0x0A, /* again */ 0x11, 0x00, 0x00, 0x00, 0x0B, 0x00, 0x01, 0x61},
     errc::property_duplicated, 18},
    // Receive Maximum twice.
    {"v5_connect_receive_maximum_twice", v5,
     {0x10, 0x14, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x06,
      0x21, 0x00, 0x0A, /* again */ 0x21, 0x00, 0x0B, 0x00, 0x01, 0x61},
     errc::property_duplicated, 16},
    // Authentication Method twice.
    {"v5_connect_authentication_method_twice", v5,
     {0x10, 0x16, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x08,
      0x15, 0x00, 0x01, 0x61, /* again */ 0x15, 0x00, 0x01, 0x62, 0x00, 0x01, 0x61},
     errc::property_duplicated, 17},
    // Receive Maximum 0.
    {"v5_connect_receive_maximum_0", v5,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x03,
      0x21, /* value */ 0x00, 0x00, 0x00, 0x01, 0x61},
     errc::invalid_property_value, 14},
    // The same CONNECT read by a decoder set to 3.1.1: CONNECT carries its own version.
    {"v311_decoder_v5_connect_receive_maximum_0", v311,
     {0x10, 0x11, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x03,
      0x21, /* value */ 0x00, 0x00, 0x00, 0x01, 0x61},
     errc::invalid_property_value, 14},
    // Maximum Packet Size 0.
    {"v5_connect_maximum_packet_size_0", v5,
     {0x10, 0x13, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x05,
      0x27, /* value */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x61},
     errc::invalid_property_value, 14},
    // Request Problem Information 2.
    {"v5_connect_request_problem_information_2", v5,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x02,
      0x17, /* value */ 0x02, 0x00, 0x01, 0x61},
     errc::invalid_property_value, 14},
    // Request Response Information 2.
    {"v5_connect_request_response_information_2", v5,
     {0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x02,
      0x19, /* value */ 0x02, 0x00, 0x01, 0x61},
     errc::invalid_property_value, 14},
    // Authentication Method 0xFF.
    {"v5_connect_authentication_method_invalid_utf8", v5,
     {0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C, 0x04,
      0x15, /* value */ 0x00, 0x01, 0xFF, 0x00, 0x01, 0x61},
     errc::invalid_utf8, 14},
    // Will properties. Layout: flags 06, client id "a" @13, will property length @16,
    // will properties @17, will topic "t", empty will payload.
    // Session Expiry Interval in the will properties.
    {"v5_will_session_expiry", v5,
     {0x10, 0x19, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x05, /* property */ 0x11, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::property_not_allowed, 17},
    // Topic Alias in the will properties.
    {"v5_will_topic_alias", v5,
     {0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x03, /* property */ 0x23, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::property_not_allowed, 17},
    // Unknown property 0x7F in the will properties.
    {"v5_will_unknown_property_7f", v5,
     {0x10, 0x16, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x02, /* property */ 0x7F, 0x00, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::unknown_property, 17},
    // Will Delay Interval twice.
    {"v5_will_delay_interval_twice", v5,
     {0x10, 0x1E, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x0A, 0x18, 0x00, 0x00, 0x00, 0x01, /* again */ 0x18, 0x00, 0x00, 0x00, 0x02,
      0x00, 0x01, 0x74, 0x00, 0x00},
     errc::property_duplicated, 22},
    // Payload Format Indicator 2.
    {"v5_will_payload_format_2", v5,
     {0x10, 0x16, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x02, 0x01, /* value */ 0x02, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::invalid_property_value, 18},
    // Content Type: overlong C1 BF.
    {"v5_will_content_type_overlong", v5,
     {0x10, 0x19, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x05, 0x03, /* value */ 0x00, 0x02, 0xC1, 0xBF, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::invalid_utf8, 18},
    // User Property key "\0".
    {"v5_will_user_property_key_nul", v5,
     {0x10, 0x1A, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x06, 0x26, /* key */ 0x00, 0x01, 0x00, /* value */ 0x00, 0x00, 0x00, 0x01, 0x74,
      0x00, 0x00},
     errc::utf8_contains_null, 18},
    // Message Expiry Interval cut by the will property length; the will topic follows.
    {"v5_will_value_past_property_length", v5,
     {0x10, 0x17, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x06, 0x00, 0x3C, 0x00, 0x00, 0x01,
      0x61, 0x03, 0x02, 0x00, 0x00, 0x00, 0x01, 0x74, 0x00, 0x00},
     errc::truncated, 17},

    // ================================================================== CONNACK
    // Acknowledge flags other than session present.
    {"v311_connack_reserved_flag_bit_1", v311,
     {0x20, 0x02, /* flags */ 0x02, 0x00},
     errc::invalid_connack_flags, 2},
    {"v311_connack_reserved_flag_bit_7", v311,
     {0x20, 0x02, /* flags */ 0x80, 0x00},
     errc::invalid_connack_flags, 2},
    {"v5_connack_reserved_flag_bit_2", v5,
     {0x20, 0x03, /* flags */ 0x04, 0x00, 0x00},
     errc::invalid_connack_flags, 2},
    // Session present with a refusal.
    {"v311_connack_session_present_refused", v311,
     {0x20, 0x02, /* flags */ 0x01, 0x05},
     errc::invalid_connack_flags, 2},
    {"v5_connack_session_present_refused", v5,
     {0x20, 0x03, /* flags */ 0x01, 0x87, 0x00},
     errc::invalid_connack_flags, 2},
    // Return codes above 5 before MQTT 5.
    {"v311_connack_return_code_6", v311,
     {0x20, 0x02, 0x00, /* return code */ 0x06},
     errc::reason_code_not_allowed, 3},
    {"v31_connack_return_code_6", v31,
     {0x20, 0x02, 0x00, /* return code */ 0x06},
     errc::reason_code_not_allowed, 3},
    {"v311_connack_return_code_80", v311,
     {0x20, 0x02, 0x00, /* return code */ 0x80},
     errc::reason_code_not_allowed, 3},
    // MQTT 5 reason codes not allowed in CONNACK.
    {"v5_connack_reason_04", v5,
     {0x20, 0x03, 0x00, /* reason */ 0x04, 0x00},
     errc::reason_code_not_allowed, 3},
    {"v5_connack_reason_01", v5,
     {0x20, 0x03, 0x00, /* reason */ 0x01, 0x00},
     errc::reason_code_not_allowed, 3},
    {"v5_connack_reason_8b", v5,
     {0x20, 0x03, 0x00, /* reason */ 0x8B, 0x00},
     errc::reason_code_not_allowed, 3},
    // Trailing byte.
    {"v311_connack_trailing_byte", v311,
     {0x20, 0x03, 0x00, 0x00, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v31_connack_trailing_byte", v31,
     {0x20, 0x03, 0x00, 0x00, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v5_connack_trailing_byte", v5,
     {0x20, 0x04, 0x00, 0x00, 0x00, /* extra */ 0x00},
     errc::trailing_bytes, 5},
    // Truncated.
    {"v311_connack_missing_return_code", v311,
     {0x20, 0x01, 0x00},
     errc::truncated, 3},
    {"v5_connack_missing_property_length", v5,
     {0x20, 0x02, 0x00, 0x00},
     errc::truncated, 4},
    {"v5_connack_server_keep_alive_cut", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x13, 0x00},
     errc::truncated, 5},
    // Property values out of range.
    {"v5_connack_maximum_qos_2", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x24, /* value */ 0x02},
     errc::invalid_property_value, 6},
    {"v5_connack_retain_available_2", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x25, /* value */ 0x02},
     errc::invalid_property_value, 6},
    {"v5_connack_wildcard_subscription_available_2", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x28, /* value */ 0x02},
     errc::invalid_property_value, 6},
    {"v5_connack_subscription_identifier_available_2", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x29, /* value */ 0x02},
     errc::invalid_property_value, 6},
    {"v5_connack_shared_subscription_available_ff", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, 0x2A, /* value */ 0xFF},
     errc::invalid_property_value, 6},
    {"v5_connack_receive_maximum_0", v5,
     {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, /* value */ 0x00, 0x00},
     errc::invalid_property_value, 6},
    {"v5_connack_maximum_packet_size_0", v5,
     {0x20, 0x08, 0x00, 0x00, 0x05, 0x27, /* value */ 0x00, 0x00, 0x00, 0x00},
     errc::invalid_property_value, 6},
    // Properties not allowed in CONNACK.
    {"v5_connack_topic_alias", v5,
     {0x20, 0x06, 0x00, 0x00, 0x03, /* property */ 0x23, 0x00, 0x01},
     errc::property_not_allowed, 5},
    {"v5_connack_will_delay_interval", v5,
     {0x20, 0x08, 0x00, 0x00, 0x05, /* property */ 0x18, 0x00, 0x00, 0x00, 0x01},
     errc::property_not_allowed, 5},
    {"v5_connack_request_problem_information", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, /* property */ 0x17, 0x01},
     errc::property_not_allowed, 5},
    {"v5_connack_unknown_property_04", v5,
     {0x20, 0x05, 0x00, 0x00, 0x02, /* property */ 0x04, 0x00},
     errc::unknown_property, 5},
    // Duplicates.
    {"v5_connack_assigned_client_id_twice", v5,
     {0x20, 0x0B, 0x00, 0x00, 0x08, 0x12, 0x00, 0x01, 0x61, /* again */ 0x12, 0x00, 0x01,
      0x62},
     errc::property_duplicated, 9},
    {"v5_connack_maximum_qos_twice", v5,
     {0x20, 0x07, 0x00, 0x00, 0x04, 0x24, 0x00, /* again */ 0x24, 0x01},
     errc::property_duplicated, 7},
    // Reason String 0xFF.
    {"v5_connack_reason_string_invalid_utf8", v5,
     {0x20, 0x07, 0x00, 0x00, 0x04, 0x1F, /* value */ 0x00, 0x01, 0xFF},
     errc::invalid_utf8, 6},

    // ================================================ PUBACK PUBREC PUBREL PUBCOMP
    // Bytes after the packet identifier before MQTT 5.
    {"v311_puback_length_3", v311,
     {0x40, 0x03, 0x00, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v31_pubrec_length_3", v31,
     {0x50, 0x03, 0x00, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v311_pubrel_length_4", v311,
     {0x62, 0x04, 0x00, 0x01, /* extra */ 0x00, 0x00},
     errc::trailing_bytes, 4},
    {"v311_pubcomp_length_3", v311,
     {0x70, 0x03, 0x00, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    // Byte after an empty property list.
    {"v5_puback_trailing_after_properties", v5,
     {0x40, 0x05, 0x00, 0x01, 0x00, 0x00, /* extra */ 0xFF},
     errc::trailing_bytes, 6},
    // Packet identifier cut.
    {"v311_puback_length_1", v311,
     {0x40, 0x01, 0x00},
     errc::truncated, 2},
    {"v5_puback_length_1", v5,
     {0x40, 0x01, 0x00},
     errc::truncated, 2},
    {"v311_pubcomp_length_0", v311,
     {0x70, 0x00},
     errc::truncated, 2},
    // Reason codes not allowed.
    {"v5_puback_reason_04", v5,
     {0x40, 0x03, 0x00, 0x01, /* reason */ 0x04},
     errc::reason_code_not_allowed, 4},
    {"v5_pubrec_reason_04", v5,
     {0x50, 0x03, 0x00, 0x01, /* reason */ 0x04},
     errc::reason_code_not_allowed, 4},
    {"v5_pubrec_reason_92", v5,
     {0x50, 0x03, 0x00, 0x01, /* reason */ 0x92},
     errc::reason_code_not_allowed, 4},
    {"v5_pubrel_reason_10", v5,
     {0x62, 0x03, 0x00, 0x01, /* reason */ 0x10},
     errc::reason_code_not_allowed, 4},
    {"v5_pubcomp_reason_80", v5,
     {0x70, 0x03, 0x00, 0x01, /* reason */ 0x80},
     errc::reason_code_not_allowed, 4},
    // Properties.
    {"v5_puback_reason_string_twice", v5,
     {0x40, 0x0A, 0x00, 0x01, 0x00, 0x06, 0x1F, 0x00, 0x00, /* again */ 0x1F, 0x00, 0x00},
     errc::property_duplicated, 9},
    {"v5_puback_topic_alias", v5,
     {0x40, 0x07, 0x00, 0x01, 0x00, 0x03, /* property */ 0x23, 0x00, 0x01},
     errc::property_not_allowed, 6},
    {"v5_pubrec_session_expiry", v5,
     {0x50, 0x09, 0x00, 0x01, 0x00, 0x05, /* property */ 0x11, 0x00, 0x00, 0x00, 0x01},
     errc::property_not_allowed, 6},
    {"v5_puback_unknown_property_00", v5,
     {0x40, 0x06, 0x00, 0x01, 0x00, 0x02, /* property */ 0x00, 0x00},
     errc::unknown_property, 6},
    // Reason String: lone C0.
    {"v5_pubrel_reason_string_invalid_utf8", v5,
     {0x62, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, /* value */ 0x00, 0x01, 0xC0},
     errc::invalid_utf8, 7},
    // User Property value "\0".
    {"v5_pubcomp_user_property_nul", v5,
     {0x70, 0x0B, 0x00, 0x01, 0x00, 0x07, 0x26, /* key */ 0x00, 0x01, 0x61,
      /* value */ 0x00, 0x01, 0x00},
     errc::utf8_contains_null, 7},
    // Property length 5 with nothing after it.
    {"v5_puback_property_length_past_end", v5,
     {0x40, 0x04, 0x00, 0x01, 0x00, /* property length */ 0x05},
     errc::truncated, 5},
    // Property length with 5 bytes.
    {"v5_puback_property_length_5_bytes", v5,
     {0x40, 0x08, 0x00, 0x01, 0x00, /* property length */ 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::malformed_variable_integer, 5},
    // Property length with 5 continuation bytes.
    {"v5_pubrel_property_length_5_continuation_bytes", v5,
     {0x62, 0x09, 0x00, 0x01, 0x00, /* property length */ 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
     errc::malformed_variable_integer, 5},
    // Property length 0 encoded in 2 bytes (80 00).
    {"v5_puback_property_length_not_minimal", v5,
     {0x40, 0x05, 0x00, 0x01, 0x00, /* property length */ 0x80, 0x00},
     errc::malformed_variable_integer, 5},
    // Reason String whose length is cut by the property length; "a" follows in the packet.
    {"v5_pubrec_reason_string_past_property_length", v5,
     {0x50, 0x08, 0x00, 0x01, 0x00, 0x02, 0x1F, 0x00, /* outside */ 0x01, 0x61},
     errc::truncated, 6},

    // ================================================================ SUBSCRIBE
    // 3.1.1 layout: 82 LL | id | filter @4 | options. 5.0: 82 LL | id | properties @4 | filter @5.
    // No topic filter.
    {"v311_subscribe_no_filters", v311,
     {0x82, 0x02, 0x00, 0x01},
     errc::no_topic_filters, 4},
    {"v31_subscribe_no_filters", v31,
     {0x82, 0x02, 0x00, 0x01},
     errc::no_topic_filters, 4},
    {"v5_subscribe_no_filters", v5,
     {0x82, 0x03, 0x00, 0x01, 0x00},
     errc::no_topic_filters, 5},
    {"v5_subscribe_no_filters_after_properties", v5,
     {0x82, 0x05, 0x00, 0x01, 0x02, 0x0B, 0x01},
     errc::no_topic_filters, 7},
    // Empty topic filter.
    {"v311_subscribe_empty_filter", v311,
     {0x82, 0x05, 0x00, 0x01, /* filter */ 0x00, 0x00, 0x00},
     errc::topic_filter_empty, 4},
    {"v5_subscribe_empty_filter", v5,
     {0x82, 0x06, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x00, 0x00},
     errc::topic_filter_empty, 5},
    // "a/#/b": '#' not last.
    {"v311_subscribe_filter_hash_not_last", v311,
     {0x82, 0x0A, 0x00, 0x01, /* filter */ 0x00, 0x05, 0x61, 0x2F, 0x23, 0x2F, 0x62, 0x00},
     errc::topic_filter_invalid, 4},
    // "a+": '+' not alone in its level.
    {"v311_subscribe_filter_plus_in_level", v311,
     {0x82, 0x07, 0x00, 0x01, /* filter */ 0x00, 0x02, 0x61, 0x2B, 0x00},
     errc::topic_filter_invalid, 4},
    // "#a".
    {"v5_subscribe_filter_hash_then_char", v5,
     {0x82, 0x08, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x02, 0x23, 0x61, 0x00},
     errc::topic_filter_invalid, 5},
    // "a#".
    {"v31_subscribe_filter_char_then_hash", v31,
     {0x82, 0x07, 0x00, 0x01, /* filter */ 0x00, 0x02, 0x61, 0x23, 0x00},
     errc::topic_filter_invalid, 4},
    // "+a/b".
    {"v311_subscribe_filter_plus_then_char", v311,
     {0x82, 0x09, 0x00, 0x01, /* filter */ 0x00, 0x04, 0x2B, 0x61, 0x2F, 0x62, 0x00},
     errc::topic_filter_invalid, 4},
    // Second filter "a#b" is invalid; the first one "a" is fine.
    {"v311_subscribe_second_filter_invalid", v311,
     {0x82, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x61, 0x01, /* filter */ 0x00, 0x03, 0x61, 0x23,
      0x62, 0x00},
     errc::topic_filter_invalid, 8},
    // "$share/g": no filter after the group.
    {"v5_subscribe_share_without_filter", v5,
     {0x82, 0x0E, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x08, 0x24, 0x73, 0x68, 0x61, 0x72,
      0x65, 0x2F, 0x67, 0x00},
     errc::shared_subscription_invalid, 5},
    // "$share//x": empty group.
    {"v5_subscribe_share_empty_group", v5,
     {0x82, 0x0F, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x09, 0x24, 0x73, 0x68, 0x61, 0x72,
      0x65, 0x2F, 0x2F, 0x78, 0x00},
     errc::shared_subscription_invalid, 5},
    // "$share/+/x": wildcard in the group.
    {"v5_subscribe_share_wildcard_group", v5,
     {0x82, 0x10, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x0A, 0x24, 0x73, 0x68, 0x61, 0x72,
      0x65, 0x2F, 0x2B, 0x2F, 0x78, 0x00},
     errc::shared_subscription_invalid, 5},
    // "$share/g/": empty filter after the group.
    {"v5_subscribe_share_empty_filter", v5,
     {0x82, 0x0F, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x09, 0x24, 0x73, 0x68, 0x61, 0x72,
      0x65, 0x2F, 0x67, 0x2F, 0x00},
     errc::shared_subscription_invalid, 5},
    // "$share/g/a#": the filter after the group is invalid.
    {"v5_subscribe_share_invalid_filter", v5,
     {0x82, 0x11, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x0B, 0x24, 0x73, 0x68, 0x61, 0x72,
      0x65, 0x2F, 0x67, 0x2F, 0x61, 0x23, 0x00},
     errc::topic_filter_invalid, 5},
    // Filter with a surrogate half (ED BF).
    {"v311_subscribe_filter_invalid_utf8", v311,
     {0x82, 0x07, 0x00, 0x01, /* filter */ 0x00, 0x02, 0xED, 0xBF, 0x00},
     errc::invalid_utf8, 4},
    // Filter "a\0b".
    {"v5_subscribe_filter_nul", v5,
     {0x82, 0x09, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x03, 0x61, 0x00, 0x62, 0x00},
     errc::utf8_contains_null, 5},
    // Subscription options QoS 3.
    {"v311_subscribe_options_qos_3", v311,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x03},
     errc::invalid_qos, 7},
    {"v31_subscribe_options_qos_3", v31,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x03},
     errc::invalid_qos, 7},
    {"v5_subscribe_options_qos_3", v5,
     {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, /* options */ 0x03},
     errc::invalid_qos, 8},
    // Reserved option bits before MQTT 5: bits 2..7.
    {"v311_subscribe_options_bit_2", v311,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x04},
     errc::invalid_subscription_options, 7},
    {"v311_subscribe_options_bit_4", v311,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x11},
     errc::invalid_subscription_options, 7},
    {"v311_subscribe_options_bit_7", v311,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x80},
     errc::invalid_subscription_options, 7},
    {"v31_subscribe_options_bit_3", v31,
     {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, /* options */ 0x08},
     errc::invalid_subscription_options, 7},
    // Reserved option bits 6 and 7 in MQTT 5.
    {"v5_subscribe_options_bit_6", v5,
     {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, /* options */ 0x40},
     errc::invalid_subscription_options, 8},
    {"v5_subscribe_options_bit_7", v5,
     {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, /* options */ 0x81},
     errc::invalid_subscription_options, 8},
    // Retain handling 3.
    {"v5_subscribe_retain_handling_3", v5,
     {0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, /* options */ 0x30},
     errc::invalid_subscription_options, 8},
    // No Local on a shared subscription "$share/g/x".
    {"v5_subscribe_no_local_shared", v5,
     {0x82, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0A, 0x24, 0x73, 0x68, 0x61, 0x72, 0x65, 0x2F, 0x67,
      0x2F, 0x78, /* options */ 0x04},
     errc::invalid_subscription_options, 17},
    // Options byte missing.
    {"v311_subscribe_missing_options", v311,
     {0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61},
     errc::truncated, 7},
    // Filter length 5 with 1 byte.
    {"v311_subscribe_filter_past_end", v311,
     {0x82, 0x05, 0x00, 0x01, /* filter */ 0x00, 0x05, 0x61},
     errc::truncated, 4},
    // MQTT 5 property length missing.
    {"v5_subscribe_missing_property_length", v5,
     {0x82, 0x02, 0x00, 0x01},
     errc::truncated, 4},
    // Subscription Identifier twice (allowed twice only in PUBLISH).
    {"v5_subscribe_subscription_identifier_twice", v5,
     {0x82, 0x0B, 0x00, 0x01, 0x04, 0x0B, 0x01, /* again */ 0x0B, 0x02, 0x00, 0x01, 0x61,
      0x00},
     errc::property_duplicated, 7},
    // Subscription Identifier 0.
    {"v5_subscribe_subscription_identifier_0", v5,
     {0x82, 0x09, 0x00, 0x01, 0x02, 0x0B, /* value */ 0x00, 0x00, 0x01, 0x61, 0x00},
     errc::invalid_property_value, 6},
    // Subscription Identifier as a 5-byte variable byte integer.
    {"v5_subscribe_subscription_identifier_5_bytes", v5,
     {0x82, 0x0D, 0x00, 0x01, 0x06, 0x0B, /* value */ 0x80, 0x80, 0x80, 0x80, 0x01, 0x00,
      0x01, 0x61, 0x00},
     errc::malformed_variable_integer, 6},
    // Reason String and Session Expiry Interval are not SUBSCRIBE properties.
    {"v5_subscribe_reason_string", v5,
     {0x82, 0x0A, 0x00, 0x01, 0x03, /* property */ 0x1F, 0x00, 0x00, 0x00, 0x01, 0x61, 0x00},
     errc::property_not_allowed, 5},
    {"v5_subscribe_session_expiry", v5,
     {0x82, 0x0C, 0x00, 0x01, 0x05, /* property */ 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
      0x61, 0x00},
     errc::property_not_allowed, 5},

    // =================================================================== SUBACK
    // Return code 3 before MQTT 5 (0, 1, 2, 0x80 only).
    {"v311_suback_return_code_03", v311,
     {0x90, 0x03, 0x00, 0x01, /* code */ 0x03},
     errc::reason_code_not_allowed, 4},
    {"v31_suback_return_code_03", v31,
     {0x90, 0x03, 0x00, 0x01, /* code */ 0x03},
     errc::reason_code_not_allowed, 4},
    {"v311_suback_second_return_code_81", v311,
     {0x90, 0x04, 0x00, 0x01, 0x00, /* code */ 0x81},
     errc::reason_code_not_allowed, 5},
    // MQTT 5 reason codes not allowed in SUBACK.
    {"v5_suback_reason_04", v5,
     {0x90, 0x04, 0x00, 0x01, 0x00, /* reason */ 0x04},
     errc::reason_code_not_allowed, 5},
    {"v5_suback_reason_11", v5,
     {0x90, 0x04, 0x00, 0x01, 0x00, /* reason */ 0x11},
     errc::reason_code_not_allowed, 5},
    // Subscription Identifier is not a SUBACK property.
    {"v5_suback_subscription_identifier", v5,
     {0x90, 0x06, 0x00, 0x01, 0x02, /* property */ 0x0B, 0x01, 0x00},
     errc::property_not_allowed, 5},
    {"v5_suback_reason_string_twice", v5,
     {0x90, 0x0A, 0x00, 0x01, 0x06, 0x1F, 0x00, 0x00, /* again */ 0x1F, 0x00, 0x00, 0x00},
     errc::property_duplicated, 8},
    {"v311_suback_length_1", v311,
     {0x90, 0x01, 0x00},
     errc::truncated, 2},
    {"v5_suback_missing_property_length", v5,
     {0x90, 0x02, 0x00, 0x01},
     errc::truncated, 4},

    // ============================================================== UNSUBSCRIBE
    {"v311_unsubscribe_no_filters", v311,
     {0xA2, 0x02, 0x00, 0x01},
     errc::no_topic_filters, 4},
    {"v5_unsubscribe_no_filters", v5,
     {0xA2, 0x03, 0x00, 0x01, 0x00},
     errc::no_topic_filters, 5},
    {"v311_unsubscribe_empty_filter", v311,
     {0xA2, 0x04, 0x00, 0x01, /* filter */ 0x00, 0x00},
     errc::topic_filter_empty, 4},
    // "a/#/b".
    {"v5_unsubscribe_filter_hash_not_last", v5,
     {0xA2, 0x0A, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x05, 0x61, 0x2F, 0x23, 0x2F, 0x62},
     errc::topic_filter_invalid, 5},
    // "a+b".
    {"v31_unsubscribe_filter_plus_mid_level", v31,
     {0xA2, 0x07, 0x00, 0x01, /* filter */ 0x00, 0x03, 0x61, 0x2B, 0x62},
     errc::topic_filter_invalid, 4},
    // "$share//x".
    {"v5_unsubscribe_share_empty_group", v5,
     {0xA2, 0x0E, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x09, 0x24, 0x73, 0x68, 0x61, 0x72, 0x65,
      0x2F, 0x2F, 0x78},
     errc::shared_subscription_invalid, 5},
    // Filter 0xF8.
    {"v311_unsubscribe_filter_invalid_utf8", v311,
     {0xA2, 0x05, 0x00, 0x01, /* filter */ 0x00, 0x01, 0xF8},
     errc::invalid_utf8, 4},
    // Filter "\0".
    {"v5_unsubscribe_filter_nul", v5,
     {0xA2, 0x06, 0x00, 0x01, 0x00, /* filter */ 0x00, 0x01, 0x00},
     errc::utf8_contains_null, 5},
    // Second filter of length 3 with no bytes.
    {"v311_unsubscribe_second_filter_past_end", v311,
     {0xA2, 0x07, 0x00, 0x01, 0x00, 0x01, 0x61, /* filter */ 0x00, 0x03},
     errc::truncated, 7},
    // Subscription Identifier is not an UNSUBSCRIBE property.
    {"v5_unsubscribe_subscription_identifier", v5,
     {0xA2, 0x08, 0x00, 0x01, 0x02, /* property */ 0x0B, 0x01, 0x00, 0x01, 0x61},
     errc::property_not_allowed, 5},

    // ================================================================= UNSUBACK
    {"v311_unsuback_length_3", v311,
     {0xB0, 0x03, 0x00, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v31_unsuback_length_3", v31,
     {0xB0, 0x03, 0x00, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 4},
    {"v311_unsuback_length_1", v311,
     {0xB0, 0x01, 0x00},
     errc::truncated, 2},
    {"v5_unsuback_reason_01", v5,
     {0xB0, 0x04, 0x00, 0x01, 0x00, /* reason */ 0x01},
     errc::reason_code_not_allowed, 5},
    {"v5_unsuback_second_reason_02", v5,
     {0xB0, 0x05, 0x00, 0x01, 0x00, 0x00, /* reason */ 0x02},
     errc::reason_code_not_allowed, 6},
    {"v5_unsuback_session_expiry", v5,
     {0xB0, 0x08, 0x00, 0x01, 0x05, /* property */ 0x11, 0x00, 0x00, 0x00, 0x01},
     errc::property_not_allowed, 5},

    // ======================================================== PINGREQ PINGRESP
    {"v311_pingreq_length_1", v311,
     {0xC0, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 2},
    {"v31_pingreq_length_1", v31,
     {0xC0, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 2},
    {"v5_pingresp_length_2", v5,
     {0xD0, 0x02, /* extra */ 0x00, 0x00},
     errc::trailing_bytes, 2},

    // =============================================================== DISCONNECT
    // No body before MQTT 5.
    {"v311_disconnect_with_body", v311,
     {0xE0, 0x01, /* extra */ 0x00},
     errc::trailing_bytes, 2},
    {"v31_disconnect_with_body", v31,
     {0xE0, 0x02, /* extra */ 0x00, 0x00},
     errc::trailing_bytes, 2},
    {"v5_disconnect_reason_01", v5,
     {0xE0, 0x01, /* reason */ 0x01},
     errc::reason_code_not_allowed, 2},
    {"v5_disconnect_reason_18", v5,
     {0xE0, 0x01, /* reason */ 0x18},
     errc::reason_code_not_allowed, 2},
    {"v5_disconnect_session_expiry_twice", v5,
     {0xE0, 0x0C, 0x00, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x01, /* again */ 0x11, 0x00, 0x00, 0x00,
      0x02},
     errc::property_duplicated, 9},
    {"v5_disconnect_topic_alias", v5,
     {0xE0, 0x05, 0x00, 0x03, /* property */ 0x23, 0x00, 0x01},
     errc::property_not_allowed, 4},
    // Server Reference 0xFF.
    {"v5_disconnect_server_reference_invalid_utf8", v5,
     {0xE0, 0x06, 0x9C, 0x04, 0x1C, /* value */ 0x00, 0x01, 0xFF},
     errc::invalid_utf8, 5},
    {"v5_disconnect_property_length_past_end", v5,
     {0xE0, 0x02, 0x00, /* property length */ 0x05},
     errc::truncated, 3},
    {"v5_disconnect_trailing_byte", v5,
     {0xE0, 0x03, 0x00, 0x00, /* extra */ 0x00},
     errc::trailing_bytes, 4},

    // ===================================================================== AUTH
    {"v5_auth_reason_01", v5,
     {0xF0, 0x01, /* reason */ 0x01},
     errc::reason_code_not_allowed, 2},
    {"v5_auth_reason_80", v5,
     {0xF0, 0x01, /* reason */ 0x80},
     errc::reason_code_not_allowed, 2},
    {"v5_auth_session_expiry", v5,
     {0xF0, 0x07, 0x18, 0x05, /* property */ 0x11, 0x00, 0x00, 0x00, 0x01},
     errc::property_not_allowed, 4},
    {"v5_auth_method_nul", v5,
     {0xF0, 0x06, 0x18, 0x04, 0x15, /* value */ 0x00, 0x01, 0x00},
     errc::utf8_contains_null, 5},
    {"v5_auth_method_twice", v5,
     {0xF0, 0x0A, 0x18, 0x08, 0x15, 0x00, 0x01, 0x61, /* again */ 0x15, 0x00, 0x01, 0x62},
     errc::property_duplicated, 8},
    // Authentication Data of length 5 with no bytes.
    {"v5_auth_data_past_end", v5,
     {0xF0, 0x05, 0x18, 0x03, 0x16, 0x00, 0x05},
     errc::truncated, 4},
    {"v5_auth_trailing_byte", v5,
     {0xF0, 0x03, 0x18, 0x00, /* extra */ 0x00},
     errc::trailing_bytes, 4},
};
// clang-format on

decoder make_decoder(const row& r) {
  decoder_options options;
  options.version = r.version;
  options.max_packet_size = r.max_packet_size;
  return decoder{options};
}

const char* status_name(decode_status s) {
  switch (s) {
  case decode_status::packet_ready:
    return "packet_ready";
  case decode_status::need_more:
    return "need_more";
  case decode_status::error:
    return "error";
  }
  return "?";
}

// The checks shared by both ways of feeding: the error, its message, its kind,
// its offset, and that the decoder stays failed.
void check_failure(const row& r, const decode_result& res, decoder& d) {
  ASSERT_EQ(res.status, decode_status::error) << "status " << status_name(res.status);
  EXPECT_TRUE(res.error == r.expected)
      << "got \"" << res.error.message() << "\" (" << res.error << "), expected \""
      << make_error_code(r.expected).message() << "\"";
  const std::string message = res.error.message();
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find("unknown"), std::string::npos) << message;
  if (res.error.category() == protocol_category()) {
    EXPECT_NE(kind_of(static_cast<errc>(res.error.value())), error_kind::invalid_argument)
        << "a decode error is the peer's fault";
  }
  if (r.offset != no_offset) {
    EXPECT_EQ(d.error_offset(), r.offset) << "error offset";
  }
  // After an error the decoder stays failed.
  packet again;
  const std::uint8_t b = 0xC0;
  const auto res2 = d.feed(byte_view{&b, 1}, again);
  EXPECT_EQ(res2.status, decode_status::error) << "status " << status_name(res2.status);
  EXPECT_EQ(res2.consumed, 0u);
  EXPECT_EQ(res2.error, res.error);
}

class malformed : public testing::TestWithParam<row> {};

TEST_P(malformed, whole_input) {
  const row& r = GetParam();
  decoder d = make_decoder(r);
  packet p;
  const auto res = d.feed(r.input, p);
  check_failure(r, res, d);
  // An error in the body is found once the whole packet is read: a row whose
  // remaining length does not cover its bytes is miswritten.
  if (res.status == decode_status::error && d.error_offset() >= 2) {
    EXPECT_EQ(res.consumed, r.input.size()) << "remaining length does not match the row";
  }
}

TEST_P(malformed, one_byte_at_a_time) {
  const row& r = GetParam();
  decoder d = make_decoder(r);
  packet p;
  decode_result res;
  std::size_t fed = 0;
  while (fed < r.input.size()) {
    res = d.feed(byte_view{&r.input[fed], 1}, p);
    ++fed;
    if (res.status != decode_status::need_more) {
      break;
    }
    ASSERT_EQ(res.consumed, 1u);
  }
  check_failure(r, res, d);
  EXPECT_EQ(res.consumed, 1u);

  // Same error, same offset, found at the same byte as from one chunk.
  decoder whole = make_decoder(r);
  packet q;
  const auto whole_res = whole.feed(r.input, q);
  EXPECT_EQ(whole_res.error, res.error);
  EXPECT_EQ(whole.error_offset(), d.error_offset());
  EXPECT_EQ(whole_res.consumed, fed) << "bytes read before the error";
}

std::string row_name(const testing::TestParamInfo<row>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(rows, malformed, testing::ValuesIn(rows), row_name);

// ---------------------------------------------------------------- the table

TEST(malformed_table, has_at_least_120_rows) {
  EXPECT_GE(rows.size(), 120u);
}

TEST(malformed_table, names_are_unique_and_valid) {
  std::set<std::string_view> seen;
  for (const auto& r : rows) {
    const std::string_view name = r.name;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate row name " << name;
    for (const char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      EXPECT_TRUE(ok) << "row name " << name;
    }
  }
}

// Every error the decoder can report appears in the table. The others are the
// encoder's (buffer_too_small, not_in_protocol_version, property_type_mismatch)
// or cannot happen on the wire (string_too_long: a length prefix is 16 bits).
TEST(malformed_table, covers_every_decoder_error) {
  const errc decoder_errors[] = {
      errc::remaining_length_too_long,
      errc::packet_too_large,
      errc::invalid_packet_type,
      errc::invalid_fixed_header_flags,
      errc::truncated,
      errc::trailing_bytes,
      errc::malformed_variable_integer,
      errc::invalid_qos,
      errc::dup_on_qos0,
      errc::packet_id_zero,
      errc::invalid_utf8,
      errc::utf8_contains_null,
      errc::topic_name_empty,
      errc::topic_name_wildcard,
      errc::topic_filter_empty,
      errc::topic_filter_invalid,
      errc::shared_subscription_invalid,
      errc::no_topic_filters,
      errc::invalid_subscription_options,
      errc::protocol_name_mismatch,
      errc::unsupported_protocol_version,
      errc::invalid_connect_flags,
      errc::invalid_will_flags,
      errc::password_without_username,
      errc::invalid_connack_flags,
      errc::unknown_property,
      errc::property_not_allowed,
      errc::property_duplicated,
      errc::invalid_property_value,
      errc::reason_code_not_allowed,
  };
  for (const auto e : decoder_errors) {
    bool found = false;
    for (const auto& r : rows) {
      found = found || r.expected == e;
    }
    EXPECT_TRUE(found) << "no row expects \"" << make_error_code(e).message() << "\"";
  }
}

TEST(malformed_table, covers_every_version) {
  for (const auto v : {v31, v311, v5}) {
    bool found = false;
    for (const auto& r : rows) {
      found = found || r.version == v;
    }
    EXPECT_TRUE(found) << to_string(v);
  }
}

// ------------------------------------------------- CONNECT cut at every byte

struct connect_case {
  const char* name;
  protocol_version version;
  std::vector<std::uint8_t> body;
};

// Valid CONNECT bodies with every optional field: will (QoS 1, retain), user
// name and password, and in 5.0 properties and will properties.
const connect_case connect_cases[] = {
    {"v31",
     v31,
     {0x00,
      0x06,
      0x4D,
      0x51,
      0x49,
      0x73,
      0x64,
      0x70,
      0x03,
      0xEE,
      0x00,
      0x3C,
      /* client id */ 0x00,
      0x01,
      0x61,
      /* will topic */ 0x00,
      0x01,
      0x74,
      /* will payload */ 0x00,
      0x02,
      0x68,
      0x69,
      /* user */ 0x00,
      0x01,
      0x75,
      /* password */ 0x00,
      0x01,
      0x70}},
    {"v311",
     v311,
     {0x00,
      0x04,
      0x4D,
      0x51,
      0x54,
      0x54,
      0x04,
      0xEE,
      0x00,
      0x3C,
      /* client id */ 0x00,
      0x01,
      0x61,
      /* will topic */ 0x00,
      0x01,
      0x74,
      /* will payload */ 0x00,
      0x02,
      0x68,
      0x69,
      /* user */ 0x00,
      0x01,
      0x75,
      /* password */ 0x00,
      0x01,
      0x70}},
    {"v5",
     v5,
     {0x00,
      0x04,
      0x4D,
      0x51,
      0x54,
      0x54,
      0x05,
      0xEE,
      0x00,
      0x3C,
      /* properties */ 0x05,
      0x11,
      0x00,
      0x00,
      0x00,
      0x0A,
      /* client id */ 0x00,
      0x01,
      0x61,
      /* will properties */ 0x02,
      0x01,
      0x01,
      /* will topic */ 0x00,
      0x01,
      0x74,
      /* will payload */ 0x00,
      0x02,
      0x68,
      0x69,
      /* user */ 0x00,
      0x01,
      0x75,
      /* password */ 0x00,
      0x01,
      0x70}},
};

std::vector<std::uint8_t> connect_packet(const connect_case& c, std::size_t body_size) {
  std::vector<std::uint8_t> out{0x10, static_cast<std::uint8_t>(body_size)};
  out.insert(out.end(), c.body.begin(), c.body.begin() + static_cast<std::ptrdiff_t>(body_size));
  return out;
}

TEST(malformed_connect, whole_packets_decode) {
  for (const auto& c : connect_cases) {
    SCOPED_TRACE(c.name);
    decoder d({.version = c.version});
    packet p;
    const auto input = connect_packet(c, c.body.size());
    const auto res = d.feed(input, p);
    ASSERT_EQ(res.status, decode_status::packet_ready) << res.error.message();
    const auto* con = std::get_if<connect>(&p);
    ASSERT_NE(con, nullptr);
    EXPECT_EQ(con->version, c.version);
    ASSERT_TRUE(con->will.has_value());
    EXPECT_TRUE(con->username.has_value());
    EXPECT_TRUE(con->password.has_value());
  }
}

TEST(malformed_connect, cut_anywhere_is_truncated) {
  for (const auto& c : connect_cases) {
    for (std::size_t cut = 0; cut < c.body.size(); ++cut) {
      SCOPED_TRACE(std::string(c.name) + " body cut to " + std::to_string(cut) + " bytes");
      const auto input = connect_packet(c, cut);
      for (const bool one_byte : {false, true}) {
        decoder d({.version = c.version});
        packet p;
        decode_result res;
        if (one_byte) {
          for (std::size_t i = 0; i < input.size(); ++i) {
            res = d.feed(byte_view{&input[i], 1}, p);
            if (res.status != decode_status::need_more) {
              break;
            }
          }
        } else {
          res = d.feed(input, p);
        }
        ASSERT_EQ(res.status, decode_status::error) << status_name(res.status);
        EXPECT_TRUE(res.error == errc::truncated) << res.error.message();
        // The offending field starts inside the packet, at or after the body.
        EXPECT_GE(d.error_offset(), 2u);
        EXPECT_LE(d.error_offset(), input.size());
      }
    }
  }
}

} // namespace
} // namespace braid::protocol
