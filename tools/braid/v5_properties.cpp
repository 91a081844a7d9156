#include "v5_properties.hpp"

#include <braid/protocol/packet_type.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>
#include <utility>

namespace braid::cli {
namespace {

namespace bp = braid::protocol;

struct named_property {
  std::string_view name;
  bp::property_id id;
};

// The properties a client may send, by mosquitto's names.
constexpr std::array<named_property, 17> kProperties{{
    {"payload-format-indicator", bp::property_id::payload_format_indicator},
    {"message-expiry-interval", bp::property_id::message_expiry_interval},
    {"content-type", bp::property_id::content_type},
    {"response-topic", bp::property_id::response_topic},
    {"correlation-data", bp::property_id::correlation_data},
    {"subscription-identifier", bp::property_id::subscription_identifier},
    {"session-expiry-interval", bp::property_id::session_expiry_interval},
    {"authentication-method", bp::property_id::authentication_method},
    {"authentication-data", bp::property_id::authentication_data},
    {"request-problem-information", bp::property_id::request_problem_information},
    {"will-delay-interval", bp::property_id::will_delay_interval},
    {"request-response-information", bp::property_id::request_response_information},
    {"reason-string", bp::property_id::reason_string},
    {"receive-maximum", bp::property_id::receive_maximum},
    {"topic-alias-maximum", bp::property_id::topic_alias_maximum},
    {"user-property", bp::property_id::user_property},
    {"maximum-packet-size", bp::property_id::maximum_packet_size},
}};

constexpr std::array<std::pair<std::string_view, bp::packet_type>, 6> kCommands{{
    {"connect", bp::packet_type::connect},
    {"publish", bp::packet_type::publish},
    {"subscribe", bp::packet_type::subscribe},
    {"unsubscribe", bp::packet_type::unsubscribe},
    {"disconnect", bp::packet_type::disconnect},
    {"will", bp::packet_type::connect}, // will properties travel in CONNECT
}};

bool parse_number(const std::string& text, std::uint32_t& out) {
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && p == end;
}

} // namespace

bool v5_property_flags::apply(const std::string& command, bp::properties& out,
                              std::string& error) const {
  for (const auto& flag : raw) {
    std::string shown = "-D";
    for (const auto& word : flag) {
      shown += " " + word;
    }
    if (flag.size() < 3) {
      error = shown + ": expected COMMAND IDENTIFIER VALUE";
      return false;
    }
    const auto* cmd = std::find_if(kCommands.begin(), kCommands.end(),
                                   [&](const auto& c) { return c.first == flag[0]; });
    if (cmd == kCommands.end()) {
      error = shown + ": unknown command '" + flag[0] +
              "' (connect, publish, subscribe, unsubscribe, disconnect, will)";
      return false;
    }
    const auto* prop = std::find_if(kProperties.begin(), kProperties.end(),
                                    [&](const auto& p) { return p.name == flag[1]; });
    if (prop == kProperties.end()) {
      error = shown + ": unknown property '" + flag[1] + "'";
      return false;
    }
    const auto scope = flag[0] == "will" ? bp::property_scope::will : bp::property_scope::packet;
    if (!bp::is_allowed(prop->id, cmd->second, scope)) {
      error = shown + ": " + std::string(bp::to_string(prop->id)) + " is not allowed in " +
              flag[0] + " properties";
      return false;
    }
    const bool pair = prop->id == bp::property_id::user_property;
    if (flag.size() != (pair ? 4u : 3u)) {
      error = shown + (pair ? ": user-property takes a key and a value" : ": takes one value");
      return false;
    }
    if (flag[0] != command) {
      continue;
    }
    switch (bp::type_of(prop->id)) {
    case bp::property_type::utf8_string:
      out.add(prop->id, flag[2]);
      break;
    case bp::property_type::binary_data:
      out.add(prop->id, bp::bytes(flag[2].begin(), flag[2].end()));
      break;
    case bp::property_type::utf8_string_pair:
      out.add_user_property(flag[2], flag[3]);
      break;
    default: {
      std::uint32_t value = 0;
      if (!parse_number(flag[2], value)) {
        error = shown + ": '" + flag[2] + "' is not a number";
        return false;
      }
      out.add(prop->id, value);
    }
    }
  }
  return true;
}

} // namespace braid::cli
