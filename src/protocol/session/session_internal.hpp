#pragma once
// Internal: the topic alias maps of one connection (MQTT 5).

#include <braid/protocol/session/session.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace braid::protocol {

struct session::alias_table {
  /// Aliases the broker set for topics it sends us: index = alias.
  std::vector<std::string> incoming;
  /// Aliases we gave topics we send.
  std::unordered_map<std::string, std::uint16_t> outgoing;
  std::uint16_t next_outgoing = 1;

  void reset() {
    incoming.clear();
    outgoing.clear();
    next_outgoing = 1;
  }
};

// Made when a connection first uses an alias: most never do.
inline session::alias_table& session::aliases() {
  if (!aliases_) {
    aliases_ = std::make_unique<alias_table>();
  }
  return *aliases_;
}

} // namespace braid::protocol
