// Server Reference parsing, on the specification's own examples (MQTT 5.0
// section 4.11) and on what does not name a server.
#include <braid/protocol/server_reference.hpp>

#include <gtest/gtest.h>

namespace braid::protocol {
namespace {

using refs = std::vector<server_reference>;

TEST(ServerReference, ReadsTheSpecificationsExamples) {
  EXPECT_EQ(parse_server_reference("myserver.xyz.org"), (refs{{"myserver.xyz.org", ""}}));
  EXPECT_EQ(parse_server_reference("myserver.xyz.org:8883"), (refs{{"myserver.xyz.org", "8883"}}));
  EXPECT_EQ(parse_server_reference("10.10.151.22:8883 [fe80::9610:3eff:fe1c]:1883"),
            (refs{{"10.10.151.22", "8883"}, {"fe80::9610:3eff:fe1c", "1883"}}));
}

TEST(ServerReference, ReadsIpv6AddressesWithAndWithoutBrackets) {
  EXPECT_EQ(parse_server_reference("[::1]"), (refs{{"::1", ""}}));
  EXPECT_EQ(parse_server_reference("[::1]:1884"), (refs{{"::1", "1884"}}));
  EXPECT_EQ(parse_server_reference("fe80::1"), (refs{{"fe80::1", ""}})); // no room for a port
}

TEST(ServerReference, KeepsTheOrderAndSkipsExtraSpace) {
  EXPECT_EQ(parse_server_reference("  a:1  b\tc:3 "), (refs{{"a", "1"}, {"b", ""}, {"c", "3"}}));
  EXPECT_TRUE(parse_server_reference("").empty());
  EXPECT_TRUE(parse_server_reference("   ").empty());
}

TEST(ServerReference, LeavesOutEntriesThatNameNoServer) {
  for (const char* bad : {":1883", "host:", "host:0", "host:65536", "host:88x3", "[::1", "[::1]x",
                          "[::1]:", "[]:1883", "host:-1"}) {
    EXPECT_TRUE(parse_server_reference(bad).empty()) << bad;
  }
  EXPECT_EQ(parse_server_reference("host:0 good:2 [::1"), (refs{{"good", "2"}}));
  EXPECT_EQ(parse_server_reference("host:65535"), (refs{{"host", "65535"}}));
}

} // namespace
} // namespace braid::protocol
