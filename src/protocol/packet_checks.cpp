#include "packet_checks.hpp"

#include <braid/protocol/topic.hpp>
#include <braid/protocol/utf8.hpp>

#include "connack_code.hpp"
#include "property_codec.hpp"

namespace braid::protocol::detail {
namespace {

bool is_v5(protocol_version v) noexcept {
  return v == protocol_version::v5;
}

bool valid_qos(qos q) noexcept {
  return static_cast<std::uint8_t>(q) <= 2;
}

std::error_code check_binary(byte_view b) noexcept {
  return b.size() > 0xFFFF ? make_error_code(errc::string_too_long) : std::error_code{};
}

// Properties exist only in MQTT 5; before it the list must be empty.
std::error_code check_props(const properties& props, packet_type type, protocol_version v,
                            property_scope scope = property_scope::packet) {
  if (!is_v5(v)) {
    return props.empty() ? std::error_code{} : make_error_code(errc::not_in_protocol_version);
  }
  return check_properties(props, type, scope);
}

std::error_code check_will(const will_message& w, protocol_version v) {
  if (!valid_qos(w.qos)) {
    return errc::invalid_will_flags;
  }
  if (auto ec = validate_topic_name(w.topic)) {
    return ec;
  }
  if (auto ec = check_binary(w.payload)) {
    return ec;
  }
  return check_props(w.props, packet_type::connect, v, property_scope::will);
}

} // namespace

std::error_code check(const connect& p, protocol_version) {
  auto v = p.version; // CONNECT is always encoded in its own version
  if (v != protocol_version::v3_1 && v != protocol_version::v3_1_1 && !is_v5(v)) {
    return errc::unsupported_protocol_version;
  }
  if (auto ec = validate_utf8_string(p.client_id)) {
    return ec;
  }
  // 3.1.1 [MQTT-3.1.3-7]; 3.1 wants 1 to 23 characters. MQTT 5 lets the server assign one.
  if (p.client_id.empty() &&
      (v == protocol_version::v3_1 || (v == protocol_version::v3_1_1 && !p.clean_start))) {
    return errc::client_id_empty;
  }
  if (p.will) {
    if (auto ec = check_will(*p.will, v)) {
      return ec;
    }
  }
  if (p.username) {
    if (auto ec = validate_utf8_string(*p.username)) {
      return ec;
    }
  }
  if (p.password) {
    if (!p.username && !is_v5(v)) {
      return errc::password_without_username;
    }
    if (auto ec = check_binary(*p.password)) {
      return ec;
    }
  }
  return check_props(p.props, packet_type::connect, v);
}

std::error_code check(const connack& p, protocol_version v) {
  if (v == protocol_version::v3_1 && p.session_present) {
    return errc::not_in_protocol_version;
  }
  if (is_v5(v) ? !is_allowed(packet_type::connack, p.reason)
               : !connack_reason_to_v3(p.reason).has_value()) {
    return errc::reason_code_not_allowed;
  }
  // A refused connection has no session (3.1.1 3.2.2-4, 5.0 3.2.2-6).
  if (p.session_present && p.reason != reason_code::success) {
    return errc::invalid_connack_flags;
  }
  return check_props(p.props, packet_type::connack, v);
}

std::error_code check(const publish_view& p, protocol_version v) {
  if (!valid_qos(p.qos)) {
    return errc::invalid_qos;
  }
  if (p.dup && p.qos == qos::at_most_once) {
    return errc::dup_on_qos0;
  }
  if (p.qos != qos::at_most_once && p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  const bool has_props = p.props != nullptr && !p.props->empty();
  // MQTT 5 allows an empty topic when a Topic Alias names it (3.3.2.3.4).
  const bool aliased = has_props && p.props->contains(property_id::topic_alias);
  if (!(p.topic.empty() && aliased && is_v5(v))) {
    if (auto ec = validate_topic_name(p.topic)) {
      return ec;
    }
  }
  if (has_props) {
    return check_props(*p.props, packet_type::publish, v);
  }
  return {};
}

std::error_code check(const publish& p, protocol_version v) {
  return check(p.view(), v);
}

std::error_code check_options(const subscription& s, protocol_version v) {
  const auto& o = s.options;
  if (!valid_qos(o.max_qos)) {
    return errc::invalid_qos;
  }
  if (!is_v5(v)) {
    if (o.no_local || o.retain_as_published ||
        o.retain_handling != retain_handling::send_on_subscribe) {
      return errc::not_in_protocol_version;
    }
    return {};
  }
  if (static_cast<std::uint8_t>(o.retain_handling) > 2) {
    return errc::invalid_subscription_options;
  }
  // No Local on a shared subscription is a protocol error (5.0 3.8.3-4).
  if (o.no_local && parse_shared_subscription(s.filter)) {
    return errc::invalid_subscription_options;
  }
  return {};
}

std::error_code check(const subscribe& p, protocol_version v) {
  if (p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  if (p.subscriptions.empty()) {
    return errc::no_topic_filters;
  }
  for (const auto& s : p.subscriptions) {
    if (auto ec = validate_topic_filter(s.filter)) {
      return ec;
    }
    if (auto ec = check_options(s, v)) {
      return ec;
    }
  }
  return check_props(p.props, packet_type::subscribe, v);
}

std::error_code check(const suback& p, protocol_version v) {
  if (p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  for (auto rc : p.reasons) {
    if (is_v5(v) ? !is_allowed(packet_type::suback, rc) : !is_v3_suback_code(rc)) {
      return errc::reason_code_not_allowed;
    }
  }
  return check_props(p.props, packet_type::suback, v);
}

std::error_code check(const unsubscribe& p, protocol_version v) {
  if (p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  if (p.filters.empty()) {
    return errc::no_topic_filters;
  }
  for (const auto& f : p.filters) {
    if (auto ec = validate_topic_filter(f)) {
      return ec;
    }
  }
  return check_props(p.props, packet_type::unsubscribe, v);
}

std::error_code check(const unsuback& p, protocol_version v) {
  if (p.packet_id == 0) {
    return errc::packet_id_zero;
  }
  if (!is_v5(v) && !p.reasons.empty()) {
    return errc::not_in_protocol_version;
  }
  for (auto rc : p.reasons) {
    if (!is_allowed(packet_type::unsuback, rc)) {
      return errc::reason_code_not_allowed;
    }
  }
  return check_props(p.props, packet_type::unsuback, v);
}

std::error_code check(const pingreq&, protocol_version) {
  return {};
}

std::error_code check(const pingresp&, protocol_version) {
  return {};
}

std::error_code check_reason_and_properties(packet_type type, reason_code rc,
                                            const properties& props, protocol_version v) {
  if (!is_v5(v)) {
    if (rc != reason_code::success) {
      return errc::reason_code_not_allowed;
    }
  } else if (!is_allowed(type, rc)) {
    return errc::reason_code_not_allowed;
  }
  return check_props(props, type, v);
}

std::error_code check(const disconnect& p, protocol_version v) {
  return check_reason_and_properties(packet_type::disconnect, p.reason, p.props, v);
}

std::error_code check(const auth& p, protocol_version v) {
  if (!is_v5(v)) {
    return errc::not_in_protocol_version;
  }
  return check_reason_and_properties(packet_type::auth, p.reason, p.props, v);
}

} // namespace braid::protocol::detail
