#include <braid/url.hpp>

#include <charconv>
#include <string>

namespace braid {
namespace {

class url_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.url"; }
  std::string message(int ev) const override {
    switch (static_cast<url_errc>(ev)) {
    case url_errc::unknown_scheme:
      return "unknown URL scheme: use mqtt://, mqtts://, ws:// or wss://";
    case url_errc::missing_host:
      return "URL has no host";
    case url_errc::invalid_port:
      return "URL port is not a number from 1 to 65535";
    case url_errc::invalid_ipv6:
      return "URL has an IPv6 address without its closing ']'";
    }
    return "unknown braid.url error";
  }
};

struct scheme_info {
  std::string_view name;
  transport_kind kind;
  std::string_view default_port;
};

constexpr scheme_info schemes[] = {
    {"mqtt", transport_kind::tcp, "1883"},   {"tcp", transport_kind::tcp, "1883"},
    {"mqtts", transport_kind::tls, "8883"},  {"ssl", transport_kind::tls, "8883"},
    {"ws", transport_kind::websocket, "80"}, {"wss", transport_kind::websocket_tls, "443"},
};

} // namespace

const std::error_category& url_category() noexcept {
  static const url_category_impl instance;
  return instance;
}

std::error_code parse_url(std::string_view text, broker_url& out) {
  broker_url url;
  std::string_view default_port = "1883";
  if (auto sep = text.find("://"); sep != std::string_view::npos) {
    const auto scheme = text.substr(0, sep);
    const scheme_info* found = nullptr;
    for (const auto& s : schemes) {
      if (s.name == scheme) {
        found = &s;
      }
    }
    if (found == nullptr) {
      return url_errc::unknown_scheme;
    }
    url.kind = found->kind;
    default_port = found->default_port;
    text.remove_prefix(sep + 3);
  }
  const bool websocket =
      url.kind == transport_kind::websocket || url.kind == transport_kind::websocket_tls;
  auto slash = text.find('/');
  auto authority = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    url.path = std::string(text.substr(slash));
  } else if (websocket) {
    url.path = "/mqtt";
  }
  std::string_view host;
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return url_errc::invalid_ipv6;
    }
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (rest.starts_with(':')) {
      port = rest.substr(1);
    } else if (!rest.empty()) {
      return url_errc::invalid_port;
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
    }
  }
  if (host.empty()) {
    return url_errc::missing_host;
  }
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return url_errc::invalid_port;
    }
  }
  url.host = std::string(host);
  url.port = std::string(port.empty() ? default_port : port);
  out = std::move(url);
  return {};
}

} // namespace braid
