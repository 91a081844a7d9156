// Server Reference parsing: see include/braid/protocol/server_reference.hpp.
#include <braid/protocol/server_reference.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

namespace braid::protocol {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool valid_port(std::string_view port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc{} && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

// One space-free entry: host, host:port, [v6], [v6]:port, or a bare v6 address.
std::optional<server_reference> parse_entry(std::string_view entry) {
  std::string_view host;
  std::string_view port;
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = entry.substr(1, close - 1);
    const auto rest = entry.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return std::nullopt;
      }
      port = rest.substr(1);
      if (!valid_port(port)) {
        return std::nullopt;
      }
    }
  } else if (std::count(entry.begin(), entry.end(), ':') > 1) {
    host = entry; // an IPv6 address without brackets cannot carry a port
  } else {
    const auto colon = entry.find(':');
    host = entry.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = entry.substr(colon + 1);
      if (!valid_port(port)) {
        return std::nullopt;
      }
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  return server_reference{std::string(host), std::string(port)};
}

} // namespace

std::vector<server_reference> parse_server_reference(std::string_view text) {
  std::vector<server_reference> servers;
  while (!text.empty()) {
    const auto start = std::find_if_not(text.begin(), text.end(), is_space);
    text.remove_prefix(static_cast<std::size_t>(start - text.begin()));
    const auto end = std::find_if(text.begin(), text.end(), is_space);
    const auto length = static_cast<std::size_t>(end - text.begin());
    if (length > 0) {
      if (auto entry = parse_entry(text.substr(0, length))) {
        servers.push_back(std::move(*entry));
      }
    }
    text.remove_prefix(length);
  }
  return servers;
}

} // namespace braid::protocol
