#include <braid/url.hpp>

#include <gtest/gtest.h>

namespace braid {
namespace {

broker_url parsed(std::string_view text) {
  broker_url u;
  auto ec = parse_url(text, u);
  EXPECT_FALSE(ec) << text << ": " << ec.message();
  return u;
}

TEST(Url, SchemesAndDefaultPorts) {
  EXPECT_EQ(parsed("mqtt://broker"), (broker_url{transport_kind::tcp, "broker", "1883", "/"}));
  EXPECT_EQ(parsed("mqtts://broker"), (broker_url{transport_kind::tls, "broker", "8883", "/"}));
  EXPECT_EQ(parsed("ws://broker"),
            (broker_url{transport_kind::websocket, "broker", "80", "/mqtt"}));
  EXPECT_EQ(parsed("wss://broker"),
            (broker_url{transport_kind::websocket_tls, "broker", "443", "/mqtt"}));
  EXPECT_EQ(parsed("tcp://b:1"), (broker_url{transport_kind::tcp, "b", "1", "/"}));
  EXPECT_EQ(parsed("ssl://b"), (broker_url{transport_kind::tls, "b", "8883", "/"}));
}

TEST(Url, PortsPathsAndBareHosts) {
  EXPECT_EQ(parsed("mqtt://127.0.0.1:1884"),
            (broker_url{transport_kind::tcp, "127.0.0.1", "1884", "/"}));
  EXPECT_EQ(parsed("ws://h:9001/ws/mqtt"),
            (broker_url{transport_kind::websocket, "h", "9001", "/ws/mqtt"}));
  EXPECT_EQ(parsed("localhost:1883"), (broker_url{transport_kind::tcp, "localhost", "1883", "/"}));
  EXPECT_EQ(parsed("localhost"), (broker_url{transport_kind::tcp, "localhost", "1883", "/"}));
}

TEST(Url, Ipv6InBrackets) {
  EXPECT_EQ(parsed("mqtt://[::1]:1883"), (broker_url{transport_kind::tcp, "::1", "1883", "/"}));
  EXPECT_EQ(parsed("wss://[fe80::1]"),
            (broker_url{transport_kind::websocket_tls, "fe80::1", "443", "/mqtt"}));
}

TEST(Url, ErrorsNameWhatIsWrong) {
  broker_url u;
  EXPECT_EQ(parse_url("http://h", u), url_errc::unknown_scheme);
  EXPECT_EQ(parse_url("mqtt://:1883", u), url_errc::missing_host);
  EXPECT_EQ(parse_url("mqtt://", u), url_errc::missing_host);
  EXPECT_EQ(parse_url("mqtt://h:0", u), url_errc::invalid_port);
  EXPECT_EQ(parse_url("mqtt://h:65536", u), url_errc::invalid_port);
  EXPECT_EQ(parse_url("mqtt://h:12x", u), url_errc::invalid_port);
  EXPECT_EQ(parse_url("mqtt://h:", u), url_errc::invalid_port);
  EXPECT_EQ(parse_url("mqtt://[::1", u), url_errc::invalid_ipv6);
  EXPECT_EQ(parse_url("mqtt://[::1]x", u), url_errc::invalid_port);
  EXPECT_NE(make_error_code(url_errc::unknown_scheme).message().find("mqtts://"),
            std::string::npos);
}

} // namespace
} // namespace braid
