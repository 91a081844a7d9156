#pragma once
// mosquitto_pub's -D flag: `-D COMMAND IDENTIFIER VALUE [VALUE]`, e.g.
//   -D publish user-property key value
//   -D connect session-expiry-interval 3600
// COMMAND is connect, publish, subscribe, unsubscribe, disconnect or will;
// IDENTIFIER is a property name in lower case with dashes.

#include <braid/protocol/property.hpp>

#include <string>
#include <vector>

namespace braid::cli {

struct v5_property_flags {
  std::vector<std::vector<std::string>> raw; ///< one entry per -D

  /// Checks every -D and adds the ones for `command` to `out`. Returns false
  /// with a message naming the bad flag (unknown command or identifier, a
  /// property that `command`'s packet cannot carry, a bad number).
  bool apply(const std::string& command, protocol::properties& out, std::string& error) const;
};

} // namespace braid::cli
