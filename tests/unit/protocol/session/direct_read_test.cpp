// Reading a large packet straight into the decoder's buffer: what the session
// offers, what it does with the bytes, and that it answers faults found there
// as it answers faults in bytes given to bytes_received.
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/session.hpp>

#include "scripted_peer.hpp"
#include <gtest/gtest.h>

#include <cstring>

namespace braid::protocol {
namespace {

using testing::make_config;
using testing::packets;
using testing::scripted_peer;

bytes encoded(const publish& p, protocol_version v) {
  output_buffer out;
  // encode() refuses an invalid topic: write a valid one, then break it.
  EXPECT_FALSE(encode(p, v, out));
  return out.flatten();
}

publish large_message(std::size_t size) {
  publish p;
  p.topic = "big/t";
  p.qos = qos::at_least_once;
  p.packet_id = 3;
  p.payload = bytes(size, 0x61);
  return p;
}

// Feeds the first `head` bytes the usual way, then the rest into the space
// the session offers, `chunk` bytes per read.
void read_in_place(scripted_peer& peer, byte_view wire, std::size_t head, std::size_t chunk) {
  peer.client().bytes_received(wire.first(head), peer.now());
  wire = wire.subspan(head);
  while (!wire.empty()) {
    auto space = peer.client().direct_read_space();
    ASSERT_FALSE(space.space.empty());
    ASSERT_NE(space.keep, nullptr);
    const auto n = std::min({chunk, space.space.size(), wire.size()});
    std::memcpy(space.space.data(), wire.data(), n);
    peer.client().bytes_received_in_place({space.space.data(), n}, peer.now());
    wire = wire.subspan(n);
  }
}

// Connects, feeds the first 50 bytes of `wire` as a read would bring them and
// returns the space the session then offers for the rest.
session::read_space start_large_read(scripted_peer& peer, byte_view wire) {
  peer.connect();
  peer.client().bytes_received(wire.first(50), peer.now());
  return peer.client().direct_read_space();
}

TEST(DirectRead, ALargeMessageReadInPlaceIsDeliveredAndAcknowledged) {
  scripted_peer peer(make_config());
  peer.connect();
  EXPECT_TRUE(peer.client().direct_read_space().space.empty()); // nothing under way
  const auto wire = encoded(large_message(100'000), protocol_version::v3_1_1);
  read_in_place(peer, wire, 50, 30'000);
  auto got = peer.take<message_received>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message.payload.size(), 100'000u);
  EXPECT_TRUE(got[0].message.payload.is_shared());
  EXPECT_EQ(peer.sent(), packets{puback{3}});
  EXPECT_TRUE(peer.client().direct_read_space().space.empty());
}

TEST(DirectRead, AFaultInAPacketReadInPlaceGetsItsOwnReason) {
  scripted_peer peer(make_config(protocol_version::v5));
  peer.connect();
  auto wire = encoded(large_message(100'000), protocol_version::v5);
  // The topic "big/t" starts after the fixed header (1 + 3 length bytes) and
  // its 2-byte length: make it "big/#", a wildcard, which a topic name cannot hold.
  ASSERT_EQ(wire[4 + 2 + 4], 't');
  wire[4 + 2 + 4] = '#';
  read_in_place(peer, wire, 20, 65'536);
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_EQ(peer.sent(), (packets{disconnect{reason_code::topic_name_invalid, {}}}));
}

TEST(DirectRead, BytesForAnAbandonedPacketAreIgnored) {
  scripted_peer peer(make_config());
  const auto wire = encoded(large_message(100'000), protocol_version::v3_1_1);
  const auto space = start_large_read(peer, wire);
  ASSERT_FALSE(space.space.empty());
  peer.close(); // the connection ends while the read is under way
  std::memcpy(space.space.data(), wire.data() + 50, 1000); // `keep` holds the buffer
  peer.client().bytes_received_in_place({space.space.data(), 1000}, peer.now());
  EXPECT_TRUE(peer.take<message_received>().empty());
  EXPECT_TRUE(peer.client().direct_read_space().space.empty());
}

TEST(DirectRead, MoreBytesThanTheSpaceHoldsAreRefused) {
  scripted_peer peer(make_config());
  const auto wire = encoded(large_message(100'000), protocol_version::v3_1_1);
  const auto space = start_large_read(peer, wire);
  ASSERT_FALSE(space.space.empty());
  // A caller's mistake: a count past the end of the space is not taken.
  peer.client().bytes_received_in_place({space.space.data(), space.space.size() + 1}, peer.now());
  EXPECT_EQ(peer.client().direct_read_space().space.size(), space.space.size()); // nothing taken
  // The real bytes still complete the packet.
  std::memcpy(space.space.data(), wire.data() + 50, wire.size() - 50);
  peer.client().bytes_received_in_place({space.space.data(), wire.size() - 50}, peer.now());
  EXPECT_EQ(peer.take<message_received>().size(), 1u);
}

} // namespace
} // namespace braid::protocol
