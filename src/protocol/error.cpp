#include <braid/protocol/error.hpp>
#include <braid/protocol/reason_code.hpp>

#include <string>

namespace braid::protocol {
namespace {

const char* message_of(errc e) noexcept {
  switch (e) {
  case errc::remaining_length_too_long:
    return "remaining length is encoded in more than 4 bytes";
  case errc::packet_too_large:
    return "packet is larger than the maximum packet size";
  case errc::invalid_packet_type:
    return "packet type is reserved in this protocol version";
  case errc::invalid_fixed_header_flags:
    return "reserved flag bits of the fixed header are wrong for the packet type";
  case errc::truncated:
    return "a field runs past the end of the packet";
  case errc::trailing_bytes:
    return "bytes left over after the last field of the packet";
  case errc::malformed_variable_integer:
    return "variable byte integer is encoded in more than 4 bytes or in more bytes than needed";
  case errc::invalid_qos:
    return "QoS is 3, which is not a QoS level";
  case errc::dup_on_qos0:
    return "DUP flag is set on a QoS 0 PUBLISH";
  case errc::packet_id_zero:
    return "packet identifier is 0 where a non-zero one is required";
  case errc::invalid_utf8:
    return "string is not well-formed UTF-8";
  case errc::utf8_contains_null:
    return "string contains the null character U+0000";
  case errc::string_too_long:
    return "string or binary data is longer than 65535 bytes";
  case errc::topic_name_empty:
    return "topic name is empty";
  case errc::topic_name_wildcard:
    return "topic name contains a wildcard ('+' or '#')";
  case errc::topic_filter_empty:
    return "topic filter is empty";
  case errc::topic_filter_invalid:
    return "topic filter has a misplaced wildcard ('#' must be last and alone in its level, "
           "'+' alone in its level)";
  case errc::shared_subscription_invalid:
    return "shared subscription is not of the form $share/{group}/{filter}";
  case errc::no_topic_filters:
    return "SUBSCRIBE or UNSUBSCRIBE has no topic filter";
  case errc::invalid_subscription_options:
    return "subscription options have reserved bits set, retain handling 3, or No Local on a "
           "shared subscription";
  case errc::protocol_name_mismatch:
    return "protocol name does not match the protocol level (MQIsdp for 3, MQTT for 4 and 5)";
  case errc::unsupported_protocol_version:
    return "protocol level is not 3, 4 or 5";
  case errc::invalid_connect_flags:
    return "CONNECT reserved flag is set";
  case errc::invalid_will_flags:
    return "will QoS or retain is set without the will flag, or will QoS is 3";
  case errc::password_without_username:
    return "password flag is set without the user name flag";
  case errc::invalid_connack_flags:
    return "CONNACK acknowledge flags have reserved bits set";
  case errc::unknown_property:
    return "property identifier is not defined by MQTT 5";
  case errc::property_not_allowed:
    return "property is not allowed in this packet";
  case errc::property_duplicated:
    return "property appears more than once";
  case errc::invalid_property_value:
    return "property value is out of its allowed range";
  case errc::property_type_mismatch:
    return "property value has the wrong type for its identifier";
  case errc::reason_code_not_allowed:
    return "reason code is not allowed in this packet or protocol version";
  case errc::buffer_too_small:
    return "destination buffer is too small for the packet";
  case errc::not_in_protocol_version:
    return "packet or field does not exist in this protocol version";
  case errc::client_id_empty:
    return "client identifier is empty: 3.1.1 needs clean session for that, 3.1 never allows it";
  }
  return "unknown braid.protocol error";
}

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.protocol"; }
  std::string message(int ev) const override { return message_of(static_cast<errc>(ev)); }
};

} // namespace

const std::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

error_kind kind_of(errc e) noexcept {
  switch (e) {
  case errc::buffer_too_small:
  case errc::not_in_protocol_version:
  case errc::property_type_mismatch:
  case errc::client_id_empty:
    return error_kind::invalid_argument;
  case errc::remaining_length_too_long:
  case errc::invalid_packet_type:
  case errc::invalid_fixed_header_flags:
  case errc::truncated:
  case errc::trailing_bytes:
  case errc::malformed_variable_integer:
  case errc::invalid_qos:
  case errc::invalid_utf8:
  case errc::utf8_contains_null:
  case errc::string_too_long:
  case errc::unknown_property:
  case errc::property_duplicated:
  case errc::invalid_property_value:
  case errc::invalid_subscription_options:
  case errc::invalid_connect_flags:
  case errc::invalid_will_flags:
  case errc::invalid_connack_flags:
  case errc::no_topic_filters:
  case errc::dup_on_qos0:
  case errc::packet_id_zero:
  case errc::topic_name_wildcard:
  case errc::topic_filter_empty:
  case errc::topic_filter_invalid:
  case errc::shared_subscription_invalid:
  case errc::protocol_name_mismatch:
    return error_kind::malformed_packet;
  case errc::packet_too_large:
  case errc::topic_name_empty:
  case errc::unsupported_protocol_version:
  case errc::password_without_username:
  case errc::property_not_allowed:
  case errc::reason_code_not_allowed:
    return error_kind::protocol_error;
  }
  return error_kind::malformed_packet;
}

reason_code to_reason_code(errc e) noexcept {
  switch (e) {
  case errc::packet_too_large:
    return reason_code::packet_too_large;
  case errc::unsupported_protocol_version:
    return reason_code::unsupported_protocol_version;
  case errc::topic_name_empty:
  case errc::topic_name_wildcard:
    return reason_code::topic_name_invalid;
  case errc::topic_filter_empty:
  case errc::topic_filter_invalid:
  case errc::shared_subscription_invalid:
    return reason_code::topic_filter_invalid;
  default:
    break;
  }
  switch (kind_of(e)) {
  case error_kind::malformed_packet:
    return reason_code::malformed_packet;
  case error_kind::protocol_error:
    return reason_code::protocol_error;
  case error_kind::invalid_argument:
    break;
  }
  return reason_code::unspecified_error;
}

} // namespace braid::protocol
