// Byte-exact wire vectors, written by hand from the specifications:
//   MQTT 3.1     (IBM/Eurotech, protocol name "MQIsdp", level 3)
//   MQTT 3.1.1   (OASIS Standard, 29 October 2014, level 4)
//   MQTT 5.0     (OASIS Standard, 7 March 2019, level 5)
// Section numbers below are those of 3.1.1 ("3.1.1 §x") and 5.0 ("5.0 §x").
//
// Reminders used throughout:
// - Fixed header first byte (3.1.1 §2.2, 5.0 §2.1.2): type << 4 | flags. Flags
//   are 0 except PUBLISH (DUP 0x08, QoS << 1, RETAIN 0x01) and PUBREL,
//   SUBSCRIBE, UNSUBSCRIBE (0x02; in 3.1 their QoS is 1, the same bits).
// - Remaining length: variable byte integer, 7 bits a byte, low group first.
// - Strings and binary data: two-byte big-endian length, then the bytes.
// - CONNECT flags (3.1.1 §3.1.2.3): 0x80 user name, 0x40 password, 0x20 will
//   retain, 0x18 will QoS, 0x04 will flag, 0x02 clean session/start, 0x01 reserved.
// - 5.0 property identifiers (5.0 §2.2.2.2, table 2-4): 0x01 payload format
//   (byte), 0x02 message expiry (4 bytes), 0x03 content type (string), 0x08
//   response topic (string), 0x09 correlation data (binary), 0x0B subscription
//   identifier (varint), 0x11 session expiry (4), 0x12 assigned client id
//   (string), 0x13 server keep alive (2), 0x15 auth method (string), 0x16 auth
//   data (binary), 0x17 request problem info (byte), 0x18 will delay (4), 0x19
//   request response info (byte), 0x1A response info (string), 0x1C server
//   reference (string), 0x1F reason string (string), 0x21 receive maximum (2),
//   0x22 topic alias maximum (2), 0x23 topic alias (2), 0x24 maximum QoS
//   (byte), 0x25 retain available (byte), 0x26 user property (string pair),
//   0x27 maximum packet size (4), 0x28 wildcard subscription available (byte),
//   0x29 subscription identifiers available (byte), 0x2A shared subscription
//   available (byte).
//
// Text fields are spelled as character literals ('M', 'Q', ...): each is the
// one ASCII byte the spec puts there. Only the bulky payloads of the length
// boundary vectors are generated in code; their headers are written by hand.

#include "vectors.hpp"

#include <braid/protocol/bytes.hpp>
#include <braid/protocol/packets.hpp>
#include <braid/protocol/property.hpp>
#include <braid/protocol/reason_code.hpp>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

// Packets are spelled with designated initializers naming only the fields that
// differ from their defaults; GCC would warn about every field left out.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace {

using namespace braid::protocol;
using raw = std::vector<std::uint8_t>;

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

bytes str(std::string_view s) {
  return to_bytes(s);
}

/// A recognisable payload of `n` bytes.
bytes pattern(std::size_t n) {
  bytes b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>((i * 7 + 3) & 0xFF);
  }
  return b;
}

raw cat(raw head, const bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

class builder {
public:
  void add(std::string name, protocol_version v, packet p, raw b) {
    out_.push_back({std::move(name), v, std::move(p), std::move(b)});
  }
  std::vector<wire_vector> take() { return std::move(out_); }

private:
  std::vector<wire_vector> out_;
};

// ---------------------------------------------------------------------------
// MQTT 3.1
// ---------------------------------------------------------------------------

void add_v31(builder& b) {
  // --- CONNECT
  b.add("v31_connect_minimal", v31, connect{.version = v31, .client_id = "c1"},
        {
            0x10, 0x10,                               // CONNECT, remaining length 16
            0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', // protocol name "MQIsdp"
            0x03,                                     // protocol version 3
            0x02,                                     // flags: clean session
            0x00, 0x3C,                               // keep alive 60
            0x00, 0x02, 'c', '1',                     // client identifier "c1"
        });

  b.add("v31_connect_will_username_password", v31,
        connect{.version = v31,
                .client_id = "client-31",
                .clean_start = false,
                .keep_alive = 30,
                .will = will_message{.topic = "w/t",
                                     .payload = str("bye"),
                                     .qos = qos::at_least_once,
                                     .retain = true},
                .username = "user",
                .password = str("pass")},
        {
            0x10, 0x2D,                               // CONNECT, remaining length 45
            0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', // protocol name "MQIsdp"
            0x03,                                     // protocol version 3
            0xEC,       // flags: user name, password, will retain, will QoS 1, will
            0x00, 0x1E, // keep alive 30
            0x00, 0x09, 'c', 'l', 'i', 'e', 'n', 't', '-', '3', '1', // client id
            0x00, 0x03, 'w', '/', 't',                               // will topic "w/t"
            0x00, 0x03, 'b', 'y', 'e',                               // will message "bye"
            0x00, 0x04, 'u', 's', 'e', 'r',                          // user name "user"
            0x00, 0x04, 'p', 'a', 's', 's',                          // password "pass"
        });

  b.add("v31_connect_will_qos2", v31,
        connect{.version = v31,
                .client_id = "c",
                .keep_alive = 0,
                .will = will_message{.topic = "a/b", .qos = qos::exactly_once}},
        {
            0x10, 0x16,                               // CONNECT, remaining length 22
            0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', // protocol name "MQIsdp"
            0x03,                                     // protocol version 3
            0x16,                                     // flags: will QoS 2, will, clean session
            0x00, 0x00,                               // keep alive 0 (off)
            0x00, 0x01, 'c',                          // client identifier "c"
            0x00, 0x03, 'a', '/', 'b',                // will topic "a/b"
            0x00, 0x00,                               // will message: empty
        });

  b.add("v31_connect_username_only", v31,
        connect{.version = v31,
                .client_id = "c",
                .clean_start = false,
                .keep_alive = 10,
                .username = "u"},
        {
            0x10, 0x12,                               // CONNECT, remaining length 18
            0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', // protocol name "MQIsdp"
            0x03,                                     // protocol version 3
            0x80,                                     // flags: user name
            0x00, 0x0A,                               // keep alive 10
            0x00, 0x01, 'c',                          // client identifier "c"
            0x00, 0x01, 'u',                          // user name "u"
        });

  // --- CONNACK: byte 1 is reserved (topic name compression, unused), byte 2
  // the return code 0..5, mapped to reason codes as packets.hpp says.
  b.add("v31_connack_accepted", v31, connack{},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x00,       // return code 0: connection accepted
        });
  b.add("v31_connack_unacceptable_protocol_version", v31,
        connack{.reason = reason_code::unsupported_protocol_version},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x01,       // return code 1: unacceptable protocol version
        });
  b.add("v31_connack_identifier_rejected", v31,
        connack{.reason = reason_code::client_identifier_not_valid},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x02,       // return code 2: identifier rejected
        });
  b.add("v31_connack_server_unavailable", v31, connack{.reason = reason_code::server_unavailable},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x03,       // return code 3: server unavailable
        });
  b.add("v31_connack_bad_username_or_password", v31,
        connack{.reason = reason_code::bad_user_name_or_password},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x04,       // return code 4: bad user name or password
        });
  b.add("v31_connack_not_authorized", v31, connack{.reason = reason_code::not_authorized},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // reserved
            0x05,       // return code 5: not authorized
        });

  // --- PUBLISH
  b.add("v31_publish_qos0", v31, publish{.topic = "a/b", .payload = str("hi")},
        {
            0x30, 0x07,                // PUBLISH QoS 0, remaining length 7
            0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
            'h', 'i',                  // payload
        });
  b.add("v31_publish_qos1", v31,
        publish{.topic = "a/b", .payload = str("hello"), .qos = qos::at_least_once, .packet_id = 1},
        {
            0x32, 0x0C,                // PUBLISH QoS 1, remaining length 12
            0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
            0x00, 0x01,                // packet identifier 1
            'h', 'e', 'l', 'l', 'o',   // payload
        });
  b.add("v31_publish_qos2_dup_retain", v31,
        publish{.topic = "t",
                .payload = bytes{0x00, 0xFF},
                .qos = qos::exactly_once,
                .retain = true,
                .dup = true,
                .packet_id = 0x1234},
        {
            0x3D, 0x07,      // PUBLISH DUP, QoS 2, RETAIN; remaining length 7
            0x00, 0x01, 't', // topic name "t"
            0x12, 0x34,      // packet identifier 0x1234
            0x00, 0xFF,      // payload
        });
  b.add("v31_publish_retain_empty_payload", v31, publish{.topic = "t", .retain = true},
        {
            0x31, 0x03,      // PUBLISH QoS 0 RETAIN, remaining length 3
            0x00, 0x01, 't', // topic name "t"; empty payload
        });
  b.add(
      "v31_publish_large", v31,
      publish{
          .topic = "big", .payload = pattern(200), .qos = qos::at_least_once, .packet_id = 0x0102},
      cat(
          {
              0x32, 0xCF, 0x01,          // PUBLISH QoS 1, remaining length 207 (0x4F|0x80, 1)
              0x00, 0x03, 'b', 'i', 'g', // topic name "big"
              0x01, 0x02,                // packet identifier 0x0102
          },
          pattern(200))); // payload: 200 bytes

  // --- QoS acknowledgements: packet identifier only.
  b.add("v31_puback", v31, puback{.packet_id = 1},
        {
            0x40, 0x02, // PUBACK, remaining length 2
            0x00, 0x01, // packet identifier 1
        });
  b.add("v31_pubrec", v31, pubrec{.packet_id = 0x1234},
        {
            0x50, 0x02, // PUBREC, remaining length 2
            0x12, 0x34, // packet identifier 0x1234
        });
  b.add("v31_pubrel", v31, pubrel{.packet_id = 0x1234},
        {
            0x62, 0x02, // PUBREL (QoS 1 in the fixed header), remaining length 2
            0x12, 0x34, // packet identifier 0x1234
        });
  b.add("v31_pubcomp", v31, pubcomp{.packet_id = 0xFFFF},
        {
            0x70, 0x02, // PUBCOMP, remaining length 2
            0xFF, 0xFF, // packet identifier 65535
        });

  // --- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK
  b.add("v31_subscribe", v31,
        subscribe{.packet_id = 10,
                  .subscriptions = {{.filter = "a/+"},
                                    {.filter = "b/#", .options = {.max_qos = qos::at_least_once}}}},
        {
            0x82, 0x0E,                // SUBSCRIBE (QoS 1 in the fixed header), remaining length 14
            0x00, 0x0A,                // packet identifier 10
            0x00, 0x03, 'a', '/', '+', // topic filter "a/+"
            0x00,                      // requested QoS 0
            0x00, 0x03, 'b', '/', '#', // topic filter "b/#"
            0x01,                      // requested QoS 1
        });
  b.add("v31_suback", v31,
        suback{.packet_id = 10,
               .reasons = {reason_code::granted_qos_0, reason_code::granted_qos_1,
                           reason_code::granted_qos_2}},
        {
            0x90, 0x05,       // SUBACK, remaining length 5
            0x00, 0x0A,       // packet identifier 10
            0x00, 0x01, 0x02, // granted QoS 0, 1, 2
        });
  b.add("v31_unsubscribe", v31, unsubscribe{.packet_id = 11, .filters = {"a/+", "b/#"}},
        {
            0xA2, 0x0C, // UNSUBSCRIBE (QoS 1 in the fixed header), remaining length 12
            0x00, 0x0B, // packet identifier 11
            0x00, 0x03, 'a', '/', '+', // topic filter "a/+"
            0x00, 0x03, 'b', '/', '#', // topic filter "b/#"
        });
  b.add("v31_unsuback", v31, unsuback{.packet_id = 11},
        {
            0xB0, 0x02, // UNSUBACK, remaining length 2
            0x00, 0x0B, // packet identifier 11
        });

  // --- PINGREQ / PINGRESP / DISCONNECT
  b.add("v31_pingreq", v31, pingreq{}, {0xC0, 0x00});       // PINGREQ, remaining length 0
  b.add("v31_pingresp", v31, pingresp{}, {0xD0, 0x00});     // PINGRESP, remaining length 0
  b.add("v31_disconnect", v31, disconnect{}, {0xE0, 0x00}); // DISCONNECT, remaining length 0
}

// ---------------------------------------------------------------------------
// MQTT 3.1.1
// ---------------------------------------------------------------------------

void add_v311(builder& b) {
  // --- CONNECT (3.1.1 §3.1)
  b.add("v311_connect_minimal", v311, connect{.version = v311},
        {
            0x10, 0x0C,                     // CONNECT, remaining length 12
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x02,                           // flags: clean session
            0x00, 0x3C,                     // keep alive 60
            0x00, 0x00,                     // client identifier: empty
        });
  b.add("v311_connect_client_id", v311, connect{.version = v311, .client_id = "braid-client"},
        {
            0x10, 0x18,                     // CONNECT, remaining length 24
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x02,                           // flags: clean session
            0x00, 0x3C,                     // keep alive 60
            0x00, 0x0C, 'b', 'r', 'a', 'i', 'd', '-', 'c', 'l', 'i', 'e', 'n', 't', // client id
        });
  b.add(
      "v311_connect_clean_session_off", v311,
      connect{.version = v311, .client_id = "persistent", .clean_start = false, .keep_alive = 300},
      {
          0x10, 0x16,                     // CONNECT, remaining length 22
          0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
          0x04,                           // protocol level 4
          0x00,                           // flags: none (clean session off)
          0x01, 0x2C,                     // keep alive 300
          0x00, 0x0A, 'p', 'e', 'r', 's', 'i', 's', 't', 'e', 'n', 't', // client id
      });
  b.add("v311_connect_will_qos1_retain", v311,
        connect{.version = v311,
                .client_id = "c",
                .will = will_message{.topic = "status/c",
                                     .payload = str("offline"),
                                     .qos = qos::at_least_once,
                                     .retain = true}},
        {
            0x10, 0x20,                     // CONNECT, remaining length 32
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x2E,            // flags: will retain, will QoS 1, will flag, clean session
            0x00, 0x3C,      // keep alive 60
            0x00, 0x01, 'c', // client identifier "c"
            0x00, 0x08, 's', 't', 'a', 't', 'u', 's', '/', 'c', // will topic "status/c"
            0x00, 0x07, 'o', 'f', 'f', 'l', 'i', 'n', 'e',      // will message "offline"
        });
  b.add("v311_connect_will_qos0", v311,
        connect{.version = v311, .client_id = "c", .will = will_message{.topic = "w"}},
        {
            0x10, 0x12,                     // CONNECT, remaining length 18
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x06,                           // flags: will flag, clean session
            0x00, 0x3C,                     // keep alive 60
            0x00, 0x01, 'c',                // client identifier "c"
            0x00, 0x01, 'w',                // will topic "w"
            0x00, 0x00,                     // will message: empty
        });
  b.add("v311_connect_will_qos2", v311,
        connect{.version = v311,
                .client_id = "c",
                .will = will_message{.topic = "w", .payload = str("x"), .qos = qos::exactly_once}},
        {
            0x10, 0x13,                     // CONNECT, remaining length 19
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x16,                           // flags: will QoS 2, will flag, clean session
            0x00, 0x3C,                     // keep alive 60
            0x00, 0x01, 'c',                // client identifier "c"
            0x00, 0x01, 'w',                // will topic "w"
            0x00, 0x01, 'x',                // will message "x"
        });
  b.add("v311_connect_username_password", v311,
        connect{.version = v311, .client_id = "c", .username = "alice", .password = str("secret")},
        {
            0x10, 0x1C,                               // CONNECT, remaining length 28
            0x00, 0x04, 'M', 'Q', 'T', 'T',           // protocol name "MQTT"
            0x04,                                     // protocol level 4
            0xC2,                                     // flags: user name, password, clean session
            0x00, 0x3C,                               // keep alive 60
            0x00, 0x01, 'c',                          // client identifier "c"
            0x00, 0x05, 'a', 'l', 'i', 'c', 'e',      // user name "alice"
            0x00, 0x06, 's', 'e', 'c', 'r', 'e', 't', // password "secret"
        });
  b.add("v311_connect_username_only", v311,
        connect{.version = v311, .client_id = "c", .username = "bob"},
        {
            0x10, 0x12,                     // CONNECT, remaining length 18
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x04,                           // protocol level 4
            0x82,                           // flags: user name, clean session
            0x00, 0x3C,                     // keep alive 60
            0x00, 0x01, 'c',                // client identifier "c"
            0x00, 0x03, 'b', 'o', 'b',      // user name "bob"
        });
  b.add("v311_connect_all_flags", v311,
        connect{.version = v311,
                .client_id = "id",
                .clean_start = false,
                .keep_alive = 0xFFFF,
                .will = will_message{.topic = "a",
                                     .payload = bytes{0x01, 0x02},
                                     .qos = qos::exactly_once,
                                     .retain = true},
                .username = "u",
                .password = bytes{}},
        {
            0x10, 0x1A,                       // CONNECT, remaining length 26
            0x00, 0x04, 'M',  'Q',  'T', 'T', // protocol name "MQTT"
            0x04,                             // protocol level 4
            0xF4,                  // flags: user name, password, will retain, will QoS 2, will flag
            0xFF, 0xFF,            // keep alive 65535
            0x00, 0x02, 'i',  'd', // client identifier "id"
            0x00, 0x01, 'a',       // will topic "a"
            0x00, 0x02, 0x01, 0x02, // will message 01 02
            0x00, 0x01, 'u',        // user name "u"
            0x00, 0x00,             // password: empty
        });

  // --- CONNACK (3.1.1 §3.2): acknowledge flags, return code.
  b.add("v311_connack_accepted", v311, connack{},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x00,       // return code 0: connection accepted
        });
  b.add("v311_connack_session_present", v311, connack{.session_present = true},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x01,       // acknowledge flags: session present
            0x00,       // return code 0: connection accepted
        });
  b.add("v311_connack_unacceptable_protocol_version", v311,
        connack{.reason = reason_code::unsupported_protocol_version},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x01,       // return code 1: unacceptable protocol version
        });
  b.add("v311_connack_identifier_rejected", v311,
        connack{.reason = reason_code::client_identifier_not_valid},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x02,       // return code 2: identifier rejected
        });
  b.add("v311_connack_server_unavailable", v311, connack{.reason = reason_code::server_unavailable},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x03,       // return code 3: server unavailable
        });
  b.add("v311_connack_bad_username_or_password", v311,
        connack{.reason = reason_code::bad_user_name_or_password},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x04,       // return code 4: bad user name or password
        });
  b.add("v311_connack_not_authorized", v311, connack{.reason = reason_code::not_authorized},
        {
            0x20, 0x02, // CONNACK, remaining length 2
            0x00,       // acknowledge flags: none
            0x05,       // return code 5: not authorized
        });

  // --- PUBLISH (3.1.1 §3.3)
  b.add("v311_publish_qos0", v311, publish{.topic = "sensors/temp", .payload = str("21.5")},
        {
            0x30, 0x12, // PUBLISH QoS 0, remaining length 18
            0x00, 0x0C, 's', 'e', 'n', 's', 'o', 'r', 's', '/', 't', 'e', 'm', 'p', // topic name
            '2',  '1',  '.', '5',                                                   // payload
        });
  b.add("v311_publish_qos1", v311,
        publish{.topic = "a/b", .payload = str("x"), .qos = qos::at_least_once, .packet_id = 1},
        {
            0x32, 0x08,                // PUBLISH QoS 1, remaining length 8
            0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
            0x00, 0x01,                // packet identifier 1
            'x',                       // payload
        });
  b.add(
      "v311_publish_qos2", v311,
      publish{.topic = "a/b", .payload = str("xyz"), .qos = qos::exactly_once, .packet_id = 0xBEEF},
      {
          0x34, 0x0A,                // PUBLISH QoS 2, remaining length 10
          0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
          0xBE, 0xEF,                // packet identifier 0xBEEF
          'x', 'y', 'z',             // payload
      });
  b.add("v311_publish_retain", v311, publish{.topic = "r", .payload = str("on"), .retain = true},
        {
            0x31, 0x05,      // PUBLISH QoS 0 RETAIN, remaining length 5
            0x00, 0x01, 'r', // topic name "r"
            'o', 'n',        // payload
        });
  b.add("v311_publish_dup_qos1", v311,
        publish{.topic = "d",
                .payload = str("p"),
                .qos = qos::at_least_once,
                .dup = true,
                .packet_id = 7},
        {
            0x3A, 0x06,      // PUBLISH DUP QoS 1, remaining length 6
            0x00, 0x01, 'd', // topic name "d"
            0x00, 0x07,      // packet identifier 7
            'p',             // payload
        });
  b.add("v311_publish_retain_empty_payload", v311, publish{.topic = "r", .retain = true},
        {
            0x31, 0x03,      // PUBLISH QoS 0 RETAIN, remaining length 3
            0x00, 0x01, 'r', // topic name "r"; empty payload (clears the retained message)
        });
  // Remaining length boundaries (3.1.1 §2.2.3, table 2.4).
  b.add("v311_publish_remaining_length_127", v311, publish{.topic = "t", .payload = pattern(124)},
        cat(
            {
                0x30, 0x7F,      // PUBLISH QoS 0, remaining length 127 (largest 1-byte)
                0x00, 0x01, 't', // topic name "t"
            },
            pattern(124))); // payload: 124 bytes
  b.add("v311_publish_remaining_length_128", v311, publish{.topic = "t", .payload = pattern(125)},
        cat(
            {
                0x30, 0x80, 0x01, // PUBLISH QoS 0, remaining length 128 (smallest 2-byte)
                0x00, 0x01, 't',  // topic name "t"
            },
            pattern(125))); // payload: 125 bytes
  b.add(
      "v311_publish_large", v311,
      publish{
          .topic = "big", .payload = pattern(200), .qos = qos::at_least_once, .packet_id = 0x0102},
      cat(
          {
              0x32, 0xCF, 0x01,          // PUBLISH QoS 1, remaining length 207 (0x4F|0x80, 1)
              0x00, 0x03, 'b', 'i', 'g', // topic name "big"
              0x01, 0x02,                // packet identifier 0x0102
          },
          pattern(200))); // payload: 200 bytes
  b.add("v311_publish_remaining_length_16383", v311,
        publish{.topic = "t", .payload = pattern(16'380)},
        cat(
            {
                0x30, 0xFF, 0x7F, // PUBLISH QoS 0, remaining length 16383 (largest 2-byte)
                0x00, 0x01, 't',  // topic name "t"
            },
            pattern(16'380))); // payload: 16380 bytes
  b.add("v311_publish_remaining_length_16384", v311,
        publish{.topic = "t", .payload = pattern(16'381)},
        cat(
            {
                0x30, 0x80, 0x80, 0x01, // PUBLISH QoS 0, remaining length 16384 (smallest 3-byte)
                0x00, 0x01, 't',        // topic name "t"
            },
            pattern(16'381))); // payload: 16381 bytes

  // --- QoS acknowledgements (3.1.1 §3.4-3.7): remaining length 2.
  b.add("v311_puback", v311, puback{.packet_id = 1},
        {
            0x40, 0x02, // PUBACK, remaining length 2
            0x00, 0x01, // packet identifier 1
        });
  b.add("v311_pubrec", v311, pubrec{.packet_id = 2},
        {
            0x50, 0x02, // PUBREC, remaining length 2
            0x00, 0x02, // packet identifier 2
        });
  b.add("v311_pubrel", v311, pubrel{.packet_id = 2},
        {
            0x62, 0x02, // PUBREL (flags 0010), remaining length 2
            0x00, 0x02, // packet identifier 2
        });
  b.add("v311_pubcomp", v311, pubcomp{.packet_id = 2},
        {
            0x70, 0x02, // PUBCOMP, remaining length 2
            0x00, 0x02, // packet identifier 2
        });

  // --- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK (3.1.1 §3.8-3.11)
  b.add("v311_subscribe", v311,
        subscribe{.packet_id = 1,
                  .subscriptions = {{.filter = "sport/tennis/+",
                                     .options = {.max_qos = qos::exactly_once}},
                                    {.filter = "a", .options = {.max_qos = qos::at_least_once}},
                                    {.filter = "#"}}},
        {
            0x82, 0x1B, // SUBSCRIBE (flags 0010), remaining length 27
            0x00, 0x01, // packet identifier 1
            0x00, 0x0E, 's', 'p', 'o', 'r', 't', '/',
            't',  'e',  'n', 'n', 'i', 's', '/', '+', // filter
            0x02,                                     // requested QoS 2
            0x00, 0x01, 'a',                          // topic filter "a"
            0x01,                                     // requested QoS 1
            0x00, 0x01, '#',                          // topic filter "#"
            0x00,                                     // requested QoS 0
        });
  b.add("v311_suback_failure", v311,
        suback{.packet_id = 1,
               .reasons = {reason_code::granted_qos_2, reason_code::granted_qos_1,
                           reason_code::unspecified_error}},
        {
            0x90, 0x05, // SUBACK, remaining length 5
            0x00, 0x01, // packet identifier 1
            0x02,       // granted QoS 2
            0x01,       // granted QoS 1
            0x80,       // failure
        });
  b.add("v311_unsubscribe", v311, unsubscribe{.packet_id = 2, .filters = {"sport/tennis/+", "#"}},
        {
            0xA2, 0x15, // UNSUBSCRIBE (flags 0010), remaining length 21
            0x00, 0x02, // packet identifier 2
            0x00, 0x0E, 's', 'p', 'o', 'r', 't', '/',
            't',  'e',  'n', 'n', 'i', 's', '/', '+', // filter
            0x00, 0x01, '#',                          // topic filter "#"
        });
  b.add("v311_unsuback", v311, unsuback{.packet_id = 2},
        {
            0xB0, 0x02, // UNSUBACK, remaining length 2
            0x00, 0x02, // packet identifier 2
        });

  // --- PINGREQ / PINGRESP / DISCONNECT (3.1.1 §3.12-3.14)
  b.add("v311_pingreq", v311, pingreq{}, {0xC0, 0x00});       // PINGREQ, remaining length 0
  b.add("v311_pingresp", v311, pingresp{}, {0xD0, 0x00});     // PINGRESP, remaining length 0
  b.add("v311_disconnect", v311, disconnect{}, {0xE0, 0x00}); // DISCONNECT, remaining length 0
}

// ---------------------------------------------------------------------------
// MQTT 5.0
// ---------------------------------------------------------------------------

void add_v5_connect(builder& b) {
  // 5.0 §3.1: variable header = protocol name, level, flags, keep alive, properties;
  // payload = client id, [will properties, will topic, will payload], [user name], [password].
  b.add("v5_connect_minimal", v5, connect{.version = v5},
        {
            0x10, 0x0D,                     // CONNECT, remaining length 13
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x05,                           // protocol version 5
            0x02,                           // flags: clean start
            0x00, 0x3C,                     // keep alive 60
            0x00,                           // property length 0
            0x00, 0x00,                     // client identifier: empty
        });

  b.add("v5_connect_properties", v5,
        connect{.version = v5,
                .client_id = "c5",
                .props = properties{}
                             .add(property_id::session_expiry_interval, 3600u)
                             .add(property_id::receive_maximum, 20u)
                             .add(property_id::maximum_packet_size, 1'048'576u)
                             .add(property_id::topic_alias_maximum, 10u)
                             .add(property_id::request_response_information, 1u)
                             .add(property_id::request_problem_information, 0u)
                             .add_user_property("k", "v")
                             .add(property_id::authentication_method, std::string{"SCRAM-SHA-1"})
                             .add(property_id::authentication_data, bytes{0x01, 0x02, 0x03})},
        {
            0x10, 0x3E,                              // CONNECT, remaining length 62
            0x00, 0x04, 'M',  'Q',  'T',  'T',       // protocol name "MQTT"
            0x05,                                    // protocol version 5
            0x02,                                    // flags: clean start
            0x00, 0x3C,                              // keep alive 60
            0x2F,                                    // property length 47
            0x11, 0x00, 0x00, 0x0E, 0x10,            // session expiry interval 3600
            0x21, 0x00, 0x14,                        // receive maximum 20
            0x27, 0x00, 0x10, 0x00, 0x00,            // maximum packet size 1048576
            0x22, 0x00, 0x0A,                        // topic alias maximum 10
            0x19, 0x01,                              // request response information 1
            0x17, 0x00,                              // request problem information 0
            0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v', // user property "k" = "v"
            0x15, 0x00, 0x0B, 'S',  'C',  'R',  'A',
            'M',  '-',  'S',  'H',  'A',  '-',  '1', // auth method
            0x16, 0x00, 0x03, 0x01, 0x02, 0x03,      // authentication data 01 02 03
            0x00, 0x02, 'c',  '5',                   // client identifier "c5"
        });

  b.add("v5_connect_will_properties", v5,
        connect{
            .version = v5,
            .client_id = "c",
            .clean_start = false,
            .will =
                will_message{.topic = "will/t",
                             .payload = str("gone"),
                             .qos = qos::at_least_once,
                             .retain = true,
                             .props = properties{}
                                          .add(property_id::will_delay_interval, 30u)
                                          .add(property_id::payload_format_indicator, 1u)
                                          .add(property_id::message_expiry_interval, 120u)
                                          .add(property_id::content_type, std::string{"text/plain"})
                                          .add(property_id::response_topic, std::string{"resp"})
                                          .add(property_id::correlation_data, bytes{0xDE, 0xAD})
                                          .add_user_property("a", "b")}},
        {
            0x10, 0x49,                        // CONNECT, remaining length 73
            0x00, 0x04, 'M',  'Q',  'T',  'T', // protocol name "MQTT"
            0x05,                              // protocol version 5
            0x2C,                              // flags: will retain, will QoS 1, will flag
            0x00, 0x3C,                        // keep alive 60
            0x00,                              // property length 0
            0x00, 0x01, 'c',                   // client identifier "c"
            0x2C,                              // will property length 44
            0x18, 0x00, 0x00, 0x00, 0x1E,      // will delay interval 30
            0x01, 0x01,                        // payload format indicator 1 (UTF-8)
            0x02, 0x00, 0x00, 0x00, 0x78,      // message expiry interval 120
            0x03, 0x00, 0x0A, 't',  'e',  'x',  't', '/', 'p', 'l', 'a', 'i', 'n', // content type
            0x08, 0x00, 0x04, 'r',  'e',  's',  'p',      // response topic "resp"
            0x09, 0x00, 0x02, 0xDE, 0xAD,                 // correlation data DE AD
            0x26, 0x00, 0x01, 'a',  0x00, 0x01, 'b',      // user property "a" = "b"
            0x00, 0x06, 'w',  'i',  'l',  'l',  '/', 't', // will topic "will/t"
            0x00, 0x04, 'g',  'o',  'n',  'e',            // will payload "gone"
        });

  // 5.0 §3.1.2.9: a password without a user name is allowed in MQTT 5.
  b.add("v5_connect_password_without_username", v5,
        connect{.version = v5, .client_id = "c", .password = str("tok")},
        {
            0x10, 0x13,                     // CONNECT, remaining length 19
            0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name "MQTT"
            0x05,                           // protocol version 5
            0x42,                           // flags: password, clean start
            0x00, 0x3C,                     // keep alive 60
            0x00,                           // property length 0
            0x00, 0x01, 'c',                // client identifier "c"
            0x00, 0x03, 't', 'o', 'k',      // password "tok"
        });

  b.add("v5_connect_username_password_will_qos2", v5,
        connect{.version = v5,
                .client_id = "x",
                .will = will_message{.topic = "w", .qos = qos::exactly_once},
                .username = "u",
                .password = bytes{0x00}},
        {
            0x10, 0x1A,                      // CONNECT, remaining length 26
            0x00, 0x04, 'M',  'Q', 'T', 'T', // protocol name "MQTT"
            0x05,                            // protocol version 5
            0xD6,             // flags: user name, password, will QoS 2, will flag, clean start
            0x00, 0x3C,       // keep alive 60
            0x00,             // property length 0
            0x00, 0x01, 'x',  // client identifier "x"
            0x00,             // will property length 0
            0x00, 0x01, 'w',  // will topic "w"
            0x00, 0x00,       // will payload: empty
            0x00, 0x01, 'u',  // user name "u"
            0x00, 0x01, 0x00, // password 00
        });

  b.add("v5_connect_clean_start_off_session_expiry", v5,
        connect{.version = v5,
                .client_id = "sess",
                .clean_start = false,
                .keep_alive = 0,
                .props = properties{}.add(property_id::session_expiry_interval, 0xFFFF'FFFFu)},
        {
            0x10, 0x16,                        // CONNECT, remaining length 22
            0x00, 0x04, 'M',  'Q',  'T',  'T', // protocol name "MQTT"
            0x05,                              // protocol version 5
            0x00,                              // flags: none (clean start off)
            0x00, 0x00,                        // keep alive 0
            0x05,                              // property length 5
            0x11, 0xFF, 0xFF, 0xFF, 0xFF,      // session expiry interval: never expires
            0x00, 0x04, 's',  'e',  's',  's', // client identifier "sess"
        });
}

void add_v5_connack(builder& b) {
  // 5.0 §3.2: acknowledge flags, reason code, properties (always present).
  b.add("v5_connack_success", v5, connack{},
        {
            0x20, 0x03, // CONNACK, remaining length 3
            0x00,       // acknowledge flags: none
            0x00,       // reason code: success
            0x00,       // property length 0
        });
  b.add("v5_connack_session_present", v5, connack{.session_present = true},
        {
            0x20, 0x03, // CONNACK, remaining length 3
            0x01,       // acknowledge flags: session present
            0x00,       // reason code: success
            0x00,       // property length 0
        });
  b.add("v5_connack_not_authorized", v5, connack{.reason = reason_code::not_authorized},
        {
            0x20, 0x03, // CONNACK, remaining length 3
            0x00,       // acknowledge flags: none
            0x87,       // reason code: not authorized
            0x00,       // property length 0
        });
  b.add("v5_connack_unsupported_protocol_version", v5,
        connack{.reason = reason_code::unsupported_protocol_version},
        {
            0x20, 0x03, // CONNACK, remaining length 3
            0x00,       // acknowledge flags: none
            0x84,       // reason code: unsupported protocol version
            0x00,       // property length 0
        });
  b.add("v5_connack_bad_authentication_method", v5,
        connack{.reason = reason_code::bad_authentication_method},
        {
            0x20, 0x03, // CONNACK, remaining length 3
            0x00,       // acknowledge flags: none
            0x8C,       // reason code: bad authentication method
            0x00,       // property length 0
        });
  b.add("v5_connack_properties", v5,
        connack{.props = properties{}
                             .add(property_id::assigned_client_identifier, std::string{"auto-1"})
                             .add(property_id::server_keep_alive, 120u)
                             .add(property_id::maximum_qos, 1u)
                             .add(property_id::retain_available, 0u)
                             .add(property_id::wildcard_subscription_available, 1u)
                             .add(property_id::subscription_identifier_available, 0u)
                             .add(property_id::shared_subscription_available, 1u)
                             .add(property_id::receive_maximum, 100u)
                             .add(property_id::topic_alias_maximum, 5u)
                             .add(property_id::maximum_packet_size, 65'536u)
                             .add(property_id::session_expiry_interval, 60u)
                             .add(property_id::response_information, std::string{"rsp/"})
                             .add_user_property("x", "y")},
        {
            0x20, 0x37,                                        // CONNACK, remaining length 55
            0x00,                                              // acknowledge flags: none
            0x00,                                              // reason code: success
            0x34,                                              // property length 52
            0x12, 0x00, 0x06, 'a',  'u',  't',  'o', '-', '1', // assigned client identifier
            0x13, 0x00, 0x78,                                  // server keep alive 120
            0x24, 0x01,                                        // maximum QoS 1
            0x25, 0x00,                                        // retain available 0
            0x28, 0x01,                                        // wildcard subscription available 1
            0x29, 0x00,                              // subscription identifiers available 0
            0x2A, 0x01,                              // shared subscription available 1
            0x21, 0x00, 0x64,                        // receive maximum 100
            0x22, 0x00, 0x05,                        // topic alias maximum 5
            0x27, 0x00, 0x01, 0x00, 0x00,            // maximum packet size 65536
            0x11, 0x00, 0x00, 0x00, 0x3C,            // session expiry interval 60
            0x1A, 0x00, 0x04, 'r',  's',  'p',  '/', // response information "rsp/"
            0x26, 0x00, 0x01, 'x',  0x00, 0x01, 'y', // user property "x" = "y"
        });
  b.add("v5_connack_server_moved", v5,
        connack{.reason = reason_code::server_moved,
                .props = properties{}
                             .add(property_id::server_reference, std::string{"other:1883"})
                             .add(property_id::reason_string, std::string{"moved"})},
        {
            0x20, 0x18, // CONNACK, remaining length 24
            0x00,       // acknowledge flags: none
            0x9D,       // reason code: server moved
            0x15,       // property length 21
            0x1C, 0x00, 0x0A, 'o', 't', 'h', 'e', 'r', ':', '1', '8', '8', '3', // server reference
            0x1F, 0x00, 0x05, 'm', 'o', 'v', 'e', 'd', // reason string "moved"
        });
  b.add("v5_connack_authentication", v5,
        connack{.props = properties{}
                             .add(property_id::authentication_method, std::string{"SCRAM-SHA-1"})
                             .add(property_id::authentication_data, bytes{0xAA})},
        {
            0x20, 0x15, // CONNACK, remaining length 21
            0x00,       // acknowledge flags: none
            0x00,       // reason code: success
            0x12,       // property length 18
            0x15, 0x00, 0x0B, 'S',  'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '1', // auth method
            0x16, 0x00, 0x01, 0xAA, // authentication data AA
        });
}

void add_v5_publish(builder& b) {
  // 5.0 §3.3: topic, [packet id], properties, payload.
  b.add("v5_publish_qos0", v5, publish{.topic = "a/b", .payload = str("hi")},
        {
            0x30, 0x08,                // PUBLISH QoS 0, remaining length 8
            0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
            0x00,                      // property length 0
            'h', 'i',                  // payload
        });
  b.add("v5_publish_qos1", v5,
        publish{.topic = "a/b", .payload = str("x"), .qos = qos::at_least_once, .packet_id = 1},
        {
            0x32, 0x09,                // PUBLISH QoS 1, remaining length 9
            0x00, 0x03, 'a', '/', 'b', // topic name "a/b"
            0x00, 0x01,                // packet identifier 1
            0x00,                      // property length 0
            'x',                       // payload
        });
  b.add(
      "v5_publish_qos2_dup_retain_empty_payload", v5,
      publish{
          .topic = "t", .qos = qos::exactly_once, .retain = true, .dup = true, .packet_id = 0xFFFF},
      {
          0x3D, 0x06,      // PUBLISH DUP, QoS 2, RETAIN; remaining length 6
          0x00, 0x01, 't', // topic name "t"
          0xFF, 0xFF,      // packet identifier 65535
          0x00,            // property length 0; empty payload
      });
  b.add("v5_publish_properties", v5,
        publish{.topic = "a/b",
                .payload = str("{}"),
                .qos = qos::at_least_once,
                .packet_id = 5,
                .props = properties{}
                             .add(property_id::payload_format_indicator, 1u)
                             .add(property_id::message_expiry_interval, 3600u)
                             .add(property_id::topic_alias, 3u)
                             .add(property_id::response_topic, std::string{"r/1"})
                             .add(property_id::correlation_data, bytes{0x01, 0x02, 0x03, 0x04})
                             .add_user_property("u", "1")
                             .add_user_property("u", "2")
                             .add(property_id::content_type, std::string{"json"})},
        {
            0x32, 0x36,                               // PUBLISH QoS 1, remaining length 54
            0x00, 0x03, 'a',  '/',  'b',              // topic name "a/b"
            0x00, 0x05,                               // packet identifier 5
            0x2C,                                     // property length 44
            0x01, 0x01,                               // payload format indicator 1 (UTF-8)
            0x02, 0x00, 0x00, 0x0E, 0x10,             // message expiry interval 3600
            0x23, 0x00, 0x03,                         // topic alias 3
            0x08, 0x00, 0x03, 'r',  '/',  '1',        // response topic "r/1"
            0x09, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, // correlation data 01 02 03 04
            0x26, 0x00, 0x01, 'u',  0x00, 0x01, '1',  // user property "u" = "1"
            0x26, 0x00, 0x01, 'u',  0x00, 0x01, '2',  // user property "u" = "2"
            0x03, 0x00, 0x04, 'j',  's',  'o',  'n',  // content type "json"
            '{',  '}',                                // payload
        });
  // 5.0 §3.3.2.3.4: a zero-length topic name with a Topic Alias.
  b.add("v5_publish_topic_alias_empty_topic", v5,
        publish{.topic = "",
                .payload = str("z"),
                .props = properties{}.add(property_id::topic_alias, 3u)},
        {
            0x30, 0x07,       // PUBLISH QoS 0, remaining length 7
            0x00, 0x00,       // topic name: empty
            0x03,             // property length 3
            0x23, 0x00, 0x03, // topic alias 3
            'z',              // payload
        });
  // 5.0 §3.3.2.3.8: several Subscription Identifiers, variable byte integers.
  b.add("v5_publish_subscription_identifiers", v5,
        publish{.topic = "s",
                .payload = str("m"),
                .props = properties{}
                             .add(property_id::subscription_identifier, 1u)
                             .add(property_id::subscription_identifier, 200u)
                             .add(property_id::subscription_identifier, 16'384u)
                             .add(property_id::subscription_identifier, 268'435'455u)},
        {
            0x30, 0x13,                   // PUBLISH QoS 0, remaining length 19
            0x00, 0x01, 's',              // topic name "s"
            0x0E,                         // property length 14
            0x0B, 0x01,                   // subscription identifier 1
            0x0B, 0xC8, 0x01,             // subscription identifier 200 (0x48|0x80, 1)
            0x0B, 0x80, 0x80, 0x01,       // subscription identifier 16384
            0x0B, 0xFF, 0xFF, 0xFF, 0x7F, // subscription identifier 268435455 (largest)
            'm',                          // payload
        });
  b.add("v5_publish_large", v5, publish{.topic = "big", .payload = pattern(200)},
        cat(
            {
                0x30, 0xCE, 0x01,          // PUBLISH QoS 0, remaining length 206 (0x4E|0x80, 1)
                0x00, 0x03, 'b', 'i', 'g', // topic name "big"
                0x00,                      // property length 0
            },
            pattern(200))); // payload: 200 bytes
  {
    const std::string long_value(150, 'v');
    b.add("v5_publish_two_byte_property_length", v5,
          publish{.topic = "t", .props = properties{}.add_user_property("k", long_value)},
          cat(
              {
                  0x30, 0xA1, 0x01,      // PUBLISH QoS 0, remaining length 161 (0x21|0x80, 1)
                  0x00, 0x01, 't',       // topic name "t"
                  0x9C, 0x01,            // property length 156 (0x1C|0x80, 1)
                  0x26, 0x00, 0x01, 'k', // user property, key "k"
                  0x00, 0x96,            // value length 150
              },
              str(long_value))); // value: 150 x 'v'; empty payload
  }
}

void add_v5_acks(builder& b) {
  // 5.0 §3.4.2.1 (and §3.5-3.7): the reason code and property length can be
  // omitted when the reason is success and there are no properties (remaining
  // length 2); with fewer than 4 bytes there is no property length.

  // --- PUBACK
  b.add("v5_puback_short", v5, puback{.packet_id = 1},
        {
            0x40, 0x02, // PUBACK, remaining length 2
            0x00, 0x01, // packet identifier 1
        });
  b.add("v5_puback_reason_only", v5,
        puback{.packet_id = 1, .reason = reason_code::no_matching_subscribers},
        {
            0x40, 0x03, // PUBACK, remaining length 3
            0x00, 0x01, // packet identifier 1
            0x10,       // reason code: no matching subscribers
        });
  b.add("v5_puback_reason_properties", v5,
        puback{.packet_id = 1,
               .reason = reason_code::not_authorized,
               .props = properties{}
                            .add(property_id::reason_string, std::string{"denied"})
                            .add_user_property("a", "b")},
        {
            0x40, 0x14,                                       // PUBACK, remaining length 20
            0x00, 0x01,                                       // packet identifier 1
            0x87,                                             // reason code: not authorized
            0x10,                                             // property length 16
            0x1F, 0x00, 0x06, 'd', 'e',  'n',  'i', 'e', 'd', // reason string "denied"
            0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b',           // user property "a" = "b"
        });
  b.add("v5_puback_success_properties", v5,
        puback{.packet_id = 1,
               .props = properties{}.add(property_id::reason_string, std::string{"ok"})},
        {
            0x40, 0x09,                 // PUBACK, remaining length 9
            0x00, 0x01,                 // packet identifier 1
            0x00,                       // reason code: success (kept: properties follow)
            0x05,                       // property length 5
            0x1F, 0x00, 0x02, 'o', 'k', // reason string "ok"
        });

  // --- PUBREC
  b.add("v5_pubrec_short", v5, pubrec{.packet_id = 2},
        {
            0x50, 0x02, // PUBREC, remaining length 2
            0x00, 0x02, // packet identifier 2
        });
  b.add("v5_pubrec_reason_only", v5,
        pubrec{.packet_id = 2, .reason = reason_code::unspecified_error},
        {
            0x50, 0x03, // PUBREC, remaining length 3
            0x00, 0x02, // packet identifier 2
            0x80,       // reason code: unspecified error
        });
  b.add("v5_pubrec_reason_properties", v5,
        pubrec{.packet_id = 2,
               .reason = reason_code::quota_exceeded,
               .props = properties{}.add(property_id::reason_string, std::string{"quota"})},
        {
            0x50, 0x0C,                                // PUBREC, remaining length 12
            0x00, 0x02,                                // packet identifier 2
            0x97,                                      // reason code: quota exceeded
            0x08,                                      // property length 8
            0x1F, 0x00, 0x05, 'q', 'u', 'o', 't', 'a', // reason string "quota"
        });

  // --- PUBREL
  b.add("v5_pubrel_short", v5, pubrel{.packet_id = 3},
        {
            0x62, 0x02, // PUBREL (flags 0010), remaining length 2
            0x00, 0x03, // packet identifier 3
        });
  b.add("v5_pubrel_reason_only", v5,
        pubrel{.packet_id = 3, .reason = reason_code::packet_identifier_not_found},
        {
            0x62, 0x03, // PUBREL (flags 0010), remaining length 3
            0x00, 0x03, // packet identifier 3
            0x92,       // reason code: packet identifier not found
        });
  b.add("v5_pubrel_reason_properties", v5,
        pubrel{.packet_id = 3,
               .reason = reason_code::packet_identifier_not_found,
               .props = properties{}.add_user_property("k", "v")},
        {
            0x62, 0x0B,                             // PUBREL (flags 0010), remaining length 11
            0x00, 0x03,                             // packet identifier 3
            0x92,                                   // reason code: packet identifier not found
            0x07,                                   // property length 7
            0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', // user property "k" = "v"
        });

  // --- PUBCOMP
  b.add("v5_pubcomp_short", v5, pubcomp{.packet_id = 3},
        {
            0x70, 0x02, // PUBCOMP, remaining length 2
            0x00, 0x03, // packet identifier 3
        });
  b.add("v5_pubcomp_reason_only", v5,
        pubcomp{.packet_id = 3, .reason = reason_code::packet_identifier_not_found},
        {
            0x70, 0x03, // PUBCOMP, remaining length 3
            0x00, 0x03, // packet identifier 3
            0x92,       // reason code: packet identifier not found
        });
  b.add("v5_pubcomp_reason_properties", v5,
        pubcomp{.packet_id = 3,
                .reason = reason_code::packet_identifier_not_found,
                .props = properties{}.add(property_id::reason_string, std::string{"gone"})},
        {
            0x70, 0x0B,                           // PUBCOMP, remaining length 11
            0x00, 0x03,                           // packet identifier 3
            0x92,                                 // reason code: packet identifier not found
            0x07,                                 // property length 7
            0x1F, 0x00, 0x04, 'g', 'o', 'n', 'e', // reason string "gone"
        });
}

void add_v5_subscriptions(builder& b) {
  // --- SUBSCRIBE (5.0 §3.8): options byte = QoS | No Local 0x04 | Retain As
  // Published 0x08 | Retain Handling << 4.
  b.add("v5_subscribe_options", v5,
        subscribe{
            .packet_id = 0x10,
            .subscriptions =
                {
                    {.filter = "a/+", .options = {.max_qos = qos::at_least_once, .no_local = true}},
                    {.filter = "b/#",
                     .options = {.max_qos = qos::exactly_once,
                                 .retain_as_published = true,
                                 .retain_handling = retain_handling::send_if_new_subscription}},
                    {.filter = "c", .options = {.retain_handling = retain_handling::do_not_send}},
                    {.filter = "$share/g/d", .options = {.max_qos = qos::at_least_once}},
                },
            .props = properties{}
                         .add(property_id::subscription_identifier, 300u)
                         .add_user_property("s", "1")},
        {
            0x82, 0x2A,                             // SUBSCRIBE (flags 0010), remaining length 42
            0x00, 0x10,                             // packet identifier 16
            0x0A,                                   // property length 10
            0x0B, 0xAC, 0x02,                       // subscription identifier 300 (0x2C|0x80, 2)
            0x26, 0x00, 0x01, 's', 0x00, 0x01, '1', // user property "s" = "1"
            0x00, 0x03, 'a',  '/', '+',             // topic filter "a/+"
            0x05,                                   // options: QoS 1, no local
            0x00, 0x03, 'b',  '/', '#',             // topic filter "b/#"
            0x1A,            // options: QoS 2, retain as published, retain handling 1
            0x00, 0x01, 'c', // topic filter "c"
            0x20,            // options: QoS 0, retain handling 2
            0x00, 0x0A, '$',  's', 'h',  'a',  'r', 'e', '/', 'g', '/', 'd', // "$share/g/d"
            0x01,                                                            // options: QoS 1
        });
  b.add("v5_subscribe_minimal", v5, subscribe{.packet_id = 1, .subscriptions = {{.filter = "t"}}},
        {
            0x82, 0x07,      // SUBSCRIBE (flags 0010), remaining length 7
            0x00, 0x01,      // packet identifier 1
            0x00,            // property length 0
            0x00, 0x01, 't', // topic filter "t"
            0x00,            // options: QoS 0
        });

  // --- SUBACK (5.0 §3.9)
  b.add("v5_suback_all_reasons", v5,
        suback{.packet_id = 0x10,
               .reasons = {reason_code::granted_qos_0, reason_code::granted_qos_1,
                           reason_code::granted_qos_2, reason_code::unspecified_error,
                           reason_code::implementation_specific_error, reason_code::not_authorized,
                           reason_code::topic_filter_invalid, reason_code::packet_identifier_in_use,
                           reason_code::quota_exceeded,
                           reason_code::shared_subscriptions_not_supported,
                           reason_code::subscription_identifiers_not_supported,
                           reason_code::wildcard_subscriptions_not_supported}},
        {
            0x90, 0x0F,             // SUBACK, remaining length 15
            0x00, 0x10,             // packet identifier 16
            0x00,                   // property length 0
            0x00, 0x01, 0x02,       // granted QoS 0, 1, 2
            0x80, 0x83, 0x87, 0x8F, // unspecified, implementation specific, not authorized,
                                    // topic filter invalid
            0x91, 0x97, 0x9E,       // packet id in use, quota exceeded, shared not supported
            0xA1, 0xA2,             // subscription ids not supported, wildcards not supported
        });
  b.add("v5_suback_properties", v5,
        suback{.packet_id = 1,
               .reasons = {reason_code::granted_qos_1,
                           reason_code::wildcard_subscriptions_not_supported},
               .props = properties{}
                            .add(property_id::reason_string, std::string{"partial"})
                            .add_user_property("a", "b")},
        {
            0x90, 0x16,                                            // SUBACK, remaining length 22
            0x00, 0x01,                                            // packet identifier 1
            0x11,                                                  // property length 17
            0x1F, 0x00, 0x07, 'p', 'a',  'r',  't', 'i', 'a', 'l', // reason string "partial"
            0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b',                // user property "a" = "b"
            0x01,                                                  // granted QoS 1
            0xA2, // wildcard subscriptions not supported
        });

  // --- UNSUBSCRIBE (5.0 §3.10)
  b.add("v5_unsubscribe_properties", v5,
        unsubscribe{.packet_id = 0x20,
                    .filters = {"a/+", "$share/g/d"},
                    .props = properties{}.add_user_property("k", "v")},
        {
            0xA2, 0x1B,                             // UNSUBSCRIBE (flags 0010), remaining length 27
            0x00, 0x20,                             // packet identifier 32
            0x07,                                   // property length 7
            0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', // user property "k" = "v"
            0x00, 0x03, 'a',  '/', '+',             // topic filter "a/+"
            0x00, 0x0A, '$',  's', 'h',  'a',  'r', 'e', '/', 'g', '/', 'd', // "$share/g/d"
        });
  b.add("v5_unsubscribe_minimal", v5, unsubscribe{.packet_id = 1, .filters = {"t"}},
        {
            0xA2, 0x06,      // UNSUBSCRIBE (flags 0010), remaining length 6
            0x00, 0x01,      // packet identifier 1
            0x00,            // property length 0
            0x00, 0x01, 't', // topic filter "t"
        });

  // --- UNSUBACK (5.0 §3.11)
  b.add("v5_unsuback_all_reasons", v5,
        unsuback{.packet_id = 0x20,
                 .reasons = {reason_code::success, reason_code::no_subscription_existed,
                             reason_code::unspecified_error,
                             reason_code::implementation_specific_error,
                             reason_code::not_authorized, reason_code::topic_filter_invalid,
                             reason_code::packet_identifier_in_use}},
        {
            0xB0, 0x0A,       // UNSUBACK, remaining length 10
            0x00, 0x20,       // packet identifier 32
            0x00,             // property length 0
            0x00, 0x11,       // success, no subscription existed
            0x80, 0x83, 0x87, // unspecified, implementation specific, not authorized
            0x8F, 0x91,       // topic filter invalid, packet identifier in use
        });
  b.add("v5_unsuback_properties", v5,
        unsuback{.packet_id = 2,
                 .reasons = {reason_code::no_subscription_existed},
                 .props = properties{}.add(property_id::reason_string, std::string{"no"})},
        {
            0xB0, 0x09,                 // UNSUBACK, remaining length 9
            0x00, 0x02,                 // packet identifier 2
            0x05,                       // property length 5
            0x1F, 0x00, 0x02, 'n', 'o', // reason string "no"
            0x11,                       // no subscription existed
        });
}

void add_v5_session(builder& b) {
  b.add("v5_pingreq", v5, pingreq{}, {0xC0, 0x00});   // PINGREQ, remaining length 0
  b.add("v5_pingresp", v5, pingresp{}, {0xD0, 0x00}); // PINGRESP, remaining length 0

  // --- DISCONNECT (5.0 §3.14.2.1: remaining length 0 means normal disconnection,
  // fewer than 2 bytes means no property length).
  b.add("v5_disconnect_empty", v5, disconnect{}, {0xE0, 0x00}); // DISCONNECT, remaining length 0
  b.add("v5_disconnect_reason_only", v5,
        disconnect{.reason = reason_code::disconnect_with_will_message},
        {
            0xE0, 0x01, // DISCONNECT, remaining length 1
            0x04,       // reason code: disconnect with will message
        });
  b.add("v5_disconnect_session_expiry_reason_string", v5,
        disconnect{.props = properties{}
                                .add(property_id::session_expiry_interval, 0u)
                                .add(property_id::reason_string, std::string{"bye"})},
        {
            0xE0, 0x0D,                      // DISCONNECT, remaining length 13
            0x00,                            // reason code: normal disconnection
            0x0B,                            // property length 11
            0x11, 0x00, 0x00, 0x00, 0x00,    // session expiry interval 0
            0x1F, 0x00, 0x03, 'b', 'y', 'e', // reason string "bye"
        });
  b.add("v5_disconnect_server_moved", v5,
        disconnect{.reason = reason_code::server_moved,
                   .props = properties{}.add(property_id::server_reference, std::string{"b:1883"})},
        {
            0xE0, 0x0B,                                     // DISCONNECT, remaining length 11
            0x9D,                                           // reason code: server moved
            0x09,                                           // property length 9
            0x1C, 0x00, 0x06, 'b', ':', '1', '8', '8', '3', // server reference "b:1883"
        });
  b.add("v5_disconnect_user_property", v5,
        disconnect{.reason = reason_code::session_taken_over,
                   .props = properties{}.add_user_property("k", "v")},
        {
            0xE0, 0x09,                             // DISCONNECT, remaining length 9
            0x8E,                                   // reason code: session taken over
            0x07,                                   // property length 7
            0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', // user property "k" = "v"
        });

  // --- AUTH (5.0 §3.15)
  b.add("v5_auth_empty", v5, auth{}, {0xF0, 0x00}); // AUTH, remaining length 0 (success)
  b.add("v5_auth_continue", v5,
        auth{.reason = reason_code::continue_authentication,
             .props = properties{}
                          .add(property_id::authentication_method, std::string{"SCRAM-SHA-1"})
                          .add(property_id::authentication_data, bytes{0x01, 0x02, 0x03, 0x04})},
        {
            0xF0, 0x17, // AUTH, remaining length 23
            0x18,       // reason code: continue authentication
            0x15,       // property length 21
            0x15, 0x00, 0x0B, 'S',  'C',  'R',  'A',
            'M',  '-',  'S',  'H',  'A',  '-',  '1',  // auth method
            0x16, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, // authentication data 01 02 03 04
        });
  b.add("v5_auth_reauthenticate", v5,
        auth{.reason = reason_code::re_authenticate,
             .props = properties{}
                          .add(property_id::authentication_method, std::string{"X"})
                          .add(property_id::reason_string, std::string{"r"})},
        {
            0xF0, 0x0A,            // AUTH, remaining length 10
            0x19,                  // reason code: re-authenticate
            0x08,                  // property length 8
            0x15, 0x00, 0x01, 'X', // authentication method "X"
            0x1F, 0x00, 0x01, 'r', // reason string "r"
        });
  b.add("v5_auth_success_method", v5,
        auth{.props = properties{}.add(property_id::authentication_method, std::string{"X"})},
        {
            0xF0, 0x06,            // AUTH, remaining length 6
            0x00,                  // reason code: success (kept: properties follow)
            0x04,                  // property length 4
            0x15, 0x00, 0x01, 'X', // authentication method "X"
        });
}

std::vector<wire_vector> build() {
  builder b;
  add_v31(b);
  add_v311(b);
  add_v5_connect(b);
  add_v5_connack(b);
  add_v5_publish(b);
  add_v5_acks(b);
  add_v5_subscriptions(b);
  add_v5_session(b);
  return b.take();
}

} // namespace

const std::vector<wire_vector>& valid_vectors() {
  static const std::vector<wire_vector> all = build();
  return all;
}

std::string hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(size * 3);
  for (std::size_t i = 0; i < size; ++i) {
    if (i != 0) {
      s += ' ';
    }
    s += digits[data[i] >> 4];
    s += digits[data[i] & 0x0F];
  }
  return s;
}

void PrintTo(const wire_vector& v, std::ostream* os) {
  *os << v.name << " (MQTT " << braid::protocol::to_string(v.version) << ", " << v.bytes.size()
      << " bytes";
  if (v.bytes.size() <= 64) {
    *os << ": " << hex(v.bytes);
  }
  *os << ")";
}
