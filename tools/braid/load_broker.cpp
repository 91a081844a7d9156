#include "load_broker.hpp"

#include <utility>

namespace braid::cli {

std::unique_ptr<private_broker> start_load_broker(std::string& error) {
  mosquitto::private_mosquitto_options options;
  // Follows the "listener PORT 127.0.0.1" line, so max_connections is that
  // listener's. mosquitto's own defaults where not said: max_inflight_messages
  // 20 (the client's default window).
  options.config = "max_connections -1\n"
                   "allow_anonymous true\n"
                   "persistence false\n"
                   // 0 ("no limit") breaks incoming QoS 2 beyond 20 in flight in mosquitto 2.0.11.
                   "max_queued_messages 1000000\n"
                   "set_tcp_nodelay true\n"
                   "connection_messages false\n"
                   "log_type error\n"
                   "log_type warning\n";
  options.dir_prefix = "braid-load-broker";
  return start_broker(std::move(options), error);
}

} // namespace braid::cli
