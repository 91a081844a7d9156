#include "packet_text.hpp"

#include <braid/protocol/packet_type.hpp>
#include <braid/protocol/reason_code.hpp>

#include <sstream>
#include <type_traits>

namespace braid::cli {

namespace bp = braid::protocol;

namespace {

int code(bp::reason_code rc) {
  return static_cast<int>(rc);
}

} // namespace

std::string describe(const bp::packet& packet) {
  std::ostringstream out;
  out << bp::to_string(bp::type_of(packet));
  std::visit(
      [&](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, bp::connect>) {
          out << " (p" << static_cast<int>(p.version) << ", c" << (p.clean_start ? 1 : 0) << ", k"
              << p.keep_alive << ", id '" << p.client_id << "'"
              << (p.will ? ", will '" + p.will->topic + "'" : "")
              << (p.username ? ", u'" + *p.username + "'" : "") << ")";
        } else if constexpr (std::is_same_v<T, bp::connack>) {
          out << " (sp" << (p.session_present ? 1 : 0) << ", rc" << code(p.reason) << ")";
        } else if constexpr (std::is_same_v<T, bp::publish>) {
          out << " (d" << (p.dup ? 1 : 0) << ", q" << static_cast<int>(p.qos) << ", r"
              << (p.retain ? 1 : 0) << ", m" << p.packet_id << ", '" << p.topic << "', ... ("
              << p.payload.size() << " bytes))";
        } else if constexpr (std::is_same_v<T, bp::subscribe>) {
          out << " (m" << p.packet_id << ")";
          for (const auto& s : p.subscriptions) {
            out << " '" << s.filter << "' QoS " << static_cast<int>(s.options.max_qos);
          }
        } else if constexpr (std::is_same_v<T, bp::suback> || std::is_same_v<T, bp::unsuback>) {
          out << " (m" << p.packet_id;
          for (auto rc : p.reasons) {
            out << ", " << code(rc);
          }
          out << ")";
        } else if constexpr (std::is_same_v<T, bp::unsubscribe>) {
          out << " (m" << p.packet_id << ")";
          for (const auto& f : p.filters) {
            out << " '" << f << "'";
          }
        } else if constexpr (std::is_same_v<T, bp::disconnect> || std::is_same_v<T, bp::auth>) {
          out << " (rc" << code(p.reason) << ")";
        } else if constexpr (std::is_same_v<T, bp::pingreq> || std::is_same_v<T, bp::pingresp>) {
          // nothing more to say
        } else {
          out << " (m" << p.packet_id << ", rc" << code(p.reason) << ")";
        }
      },
      packet);
  return out.str();
}

} // namespace braid::cli
