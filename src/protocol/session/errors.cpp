#include <braid/protocol/error.hpp>
#include <braid/protocol/session/errors.hpp>

#include <string>

namespace braid::protocol {
namespace {

const char* message_of(session_errc e) noexcept {
  switch (e) {
  case session_errc::not_connected:
    return "not connected to a broker";
  case session_errc::already_connected:
    return "a connection is already open";
  case session_errc::queue_full:
    return "the publish queue is full";
  case session_errc::request_limit:
    return "too many requests are waiting for a connection";
  case session_errc::qos_not_supported:
    return "QoS is above the broker's Maximum QoS";
  case session_errc::retain_not_supported:
    return "retain requested but the broker does not support retained messages";
  case session_errc::packet_too_large:
    return "packet is larger than the broker's Maximum Packet Size";
  case session_errc::not_in_protocol_version:
    return "feature needs MQTT 5";
  case session_errc::invalid_request:
    return "request is not valid";
  case session_errc::connection_lost:
    return "connection lost before the request completed";
  case session_errc::keep_alive_timeout:
    return "no answer from the broker within the keep alive time";
  case session_errc::connack_timeout:
    return "no CONNACK from the broker in time";
  case session_errc::server_disconnected:
    return "the broker closed the connection with DISCONNECT";
  case session_errc::session_lost:
    return "the broker lost the session; the message was not delivered";
  case session_errc::cancelled:
    return "request cancelled before it was sent";
  case session_errc::unexpected_packet:
    return "the broker sent a packet a server must not send, or not in this state";
  case session_errc::session_present_without_state:
    return "the broker claims a session present after a clean start";
  case session_errc::topic_alias_invalid:
    return "the broker used a topic alias that is 0, over our maximum, or unknown";
  case session_errc::receive_maximum_exceeded:
    return "the broker exceeded our Receive Maximum of QoS 1/2 messages in flight";
  case session_errc::packet_id_mismatch:
    return "the broker's SUBACK or UNSUBACK does not match the request";
  case session_errc::disconnecting:
    return "the session is disconnecting";
  case session_errc::not_awaiting_acknowledgement:
    return "no delivered message waits for this acknowledgement";
  case session_errc::qos_downgraded:
    return "the broker answered a QoS 2 message with PUBACK: it accepted it at QoS 1 (at least "
           "once, not exactly once)";
  }
  return "unknown braid.session error";
}

class session_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.session"; }
  std::string message(int ev) const override { return message_of(static_cast<session_errc>(ev)); }
};

class mqtt_reason_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "braid.mqtt"; }
  std::string message(int ev) const override {
    return std::string{to_string(static_cast<reason_code>(ev))};
  }
};

} // namespace

const std::error_category& session_category() noexcept {
  static const session_category_impl instance;
  return instance;
}

const std::error_category& mqtt_reason_category() noexcept {
  static const mqtt_reason_category_impl instance;
  return instance;
}

bool is_broker_violation(const std::error_code& ec) noexcept {
  if (ec.category() == protocol_category()) {
    return kind_of(static_cast<errc>(ec.value())) != error_kind::invalid_argument;
  }
  if (ec.category() != session_category()) {
    return false;
  }
  switch (static_cast<session_errc>(ec.value())) {
  case session_errc::unexpected_packet:
  case session_errc::session_present_without_state:
  case session_errc::topic_alias_invalid:
  case session_errc::receive_maximum_exceeded:
  case session_errc::packet_id_mismatch:
    return true;
  default:
    return false;
  }
}

} // namespace braid::protocol
