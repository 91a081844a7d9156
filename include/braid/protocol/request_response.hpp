#pragma once
// MQTT 5 request/response (5.0 section 4.10): a request names where to answer
// (Response Topic) and what to echo back (Correlation Data).

#include <braid/protocol/packets.hpp>

#include <optional>
#include <string>

namespace braid::protocol {

/// Adds a Response Topic and Correlation Data to `request`.
inline void set_response_target(publish& request, std::string response_topic,
                                bytes correlation_data) {
  request.props.add(property_id::response_topic, std::move(response_topic));
  request.props.add(property_id::correlation_data, std::move(correlation_data));
}

/// The answer to `request`: published to its Response Topic, carrying its
/// Correlation Data (if any). nullopt when the request names no Response Topic.
inline std::optional<publish> make_response(const publish& request, bytes payload,
                                            qos q = qos::at_most_once) {
  const auto* topic = request.props.string(property_id::response_topic);
  if (topic == nullptr) {
    return std::nullopt;
  }
  publish response;
  response.topic = *topic;
  response.payload = std::move(payload);
  response.qos = q;
  if (const auto* data = request.props.binary(property_id::correlation_data)) {
    response.props.add(property_id::correlation_data, *data);
  }
  return response;
}

/// True when `response` answers `request`: same Correlation Data (both absent counts).
inline bool is_response_to(const publish& response, const publish& request) {
  const auto* a = response.props.binary(property_id::correlation_data);
  const auto* b = request.props.binary(property_id::correlation_data);
  return (a == nullptr && b == nullptr) || (a != nullptr && b != nullptr && *a == *b);
}

} // namespace braid::protocol
