#include "record_codec.hpp"

#include <braid/protocol/property.hpp>
#include <braid/protocol/topic.hpp>

#include <cstring>

namespace braid::store_detail {

namespace bp = protocol;

namespace {

constexpr std::size_t header_size = 8 + 2 + 1 + 1 + 4 + 4 + 4;

template <class T>
void put(std::uint8_t*& p, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    *p++ = static_cast<std::uint8_t>(v >> (8 * i));
  }
}

template <class T>
T get(const std::uint8_t*& p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    v = static_cast<T>(v | static_cast<T>(static_cast<T>(*p++) << (8 * i)));
  }
  return v;
}

} // namespace

bool append_record(const bp::stored_publish& r, bp::bytes& out) {
  bp::bytes props;
  if (!r.message.props.empty() &&
      bp::encode_properties(r.message.props, bp::packet_type::publish, props)) {
    return false;
  }
  const auto& m = r.message;
  const auto at = out.size();
  out.resize(at + header_size + m.topic.size() + m.payload.size() + props.size());
  auto* p = out.data() + at;
  put<std::uint64_t>(p, r.sequence);
  put<std::uint16_t>(p, m.packet_id);
  put<std::uint8_t>(p, static_cast<std::uint8_t>(r.state));
  put<std::uint8_t>(p,
                    static_cast<std::uint8_t>(static_cast<unsigned>(m.qos) | (m.retain ? 4u : 0u)));
  put<std::uint32_t>(p, static_cast<std::uint32_t>(m.topic.size()));
  put<std::uint32_t>(p, static_cast<std::uint32_t>(m.payload.size()));
  put<std::uint32_t>(p, static_cast<std::uint32_t>(props.size()));
  if (!m.topic.empty()) {
    std::memcpy(p, m.topic.data(), m.topic.size());
    p += m.topic.size();
  }
  if (!m.payload.empty()) {
    std::memcpy(p, m.payload.data(), m.payload.size());
    p += m.payload.size();
  }
  if (!props.empty()) {
    std::memcpy(p, props.data(), props.size());
  }
  return true;
}

bool read_records(bp::byte_view body, const std::function<void(bp::stored_publish&&)>& each,
                  std::string& why) {
  const auto* p = body.data();
  const auto* end = body.data() + body.size();
  while (p != end) {
    if (static_cast<std::size_t>(end - p) < header_size) {
      why = "a record is cut short";
      return false;
    }
    bp::stored_publish r;
    r.sequence = get<std::uint64_t>(p);
    r.message.packet_id = get<std::uint16_t>(p);
    const auto state = get<std::uint8_t>(p);
    const auto flags = get<std::uint8_t>(p);
    const auto topic = get<std::uint32_t>(p);
    const auto payload = get<std::uint32_t>(p);
    const auto props = get<std::uint32_t>(p);
    const auto qos = flags & 3u;
    if (state > 2 || qos < 1 || qos > 2 || (flags & ~7u) != 0 ||
        (state != 0 && r.message.packet_id == 0)) {
      why = "message " + std::to_string(r.sequence) + " has impossible values";
      return false;
    }
    if (static_cast<std::size_t>(end - p) <
        std::size_t{topic} + std::size_t{payload} + std::size_t{props}) {
      why = "message " + std::to_string(r.sequence) + " is cut short";
      return false;
    }
    r.state = static_cast<bp::publish_state>(state);
    r.message.qos = static_cast<bp::qos>(qos);
    r.message.retain = (flags & 4u) != 0;
    r.message.topic.assign(reinterpret_cast<const char*>(p), topic);
    p += topic;
    // The session sends stored messages without checking them again.
    if (bp::validate_topic_name(r.message.topic)) {
      why = "the topic of message " + std::to_string(r.sequence) + " is not a valid topic name";
      return false;
    }
    r.message.payload = protocol::shared_bytes::copy(protocol::byte_view{p, payload});
    p += payload;
    if (props != 0 &&
        bp::decode_properties({p, props}, bp::packet_type::publish, r.message.props)) {
      why = "the properties of message " + std::to_string(r.sequence) + " cannot be read";
      return false;
    }
    p += props;
    each(std::move(r));
  }
  return true;
}

} // namespace braid::store_detail
