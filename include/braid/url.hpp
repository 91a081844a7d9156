#pragma once
// Broker addresses: mqtt://host[:port] (TCP, 1883), mqtts:// (TLS, 8883),
// ws://host[:port][/path] (WebSocket, 80, path /mqtt by default) and wss://
// (WebSocket over TLS, 443). IPv6 hosts go in brackets: mqtt://[::1]:1883.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace braid {

enum class transport_kind : std::uint8_t { tcp, tls, websocket, websocket_tls };

struct broker_url {
  transport_kind kind = transport_kind::tcp;
  std::string host;       ///< without brackets
  std::string port;       ///< the scheme's default when absent
  std::string path = "/"; ///< WebSocket request target
  bool operator==(const broker_url&) const = default;
};

/// Errors of URL parsing, category "braid.url".
enum class url_errc {
  unknown_scheme = 1, ///< not mqtt, mqtts, ws or wss (tcp:// and ssl:// are read as mqtt and mqtts)
  missing_host,       ///< nothing between "//" and the port or path
  invalid_port,       ///< not a number from 1 to 65535
  invalid_ipv6,       ///< '[' without ']'
};

const std::error_category& url_category() noexcept;
inline std::error_code make_error_code(url_errc e) noexcept {
  return {static_cast<int>(e), url_category()};
}

/// Parses `text`; a bare "host:port" or "host" is read as mqtt://.
std::error_code parse_url(std::string_view text, broker_url& out);

} // namespace braid

template <>
struct std::is_error_code_enum<braid::url_errc> : std::true_type {};
