#include "private_broker.hpp"

#include <utility>

namespace braid::cli {

std::unique_ptr<private_broker> start_private_broker(std::string& error) {
  mosquitto::private_mosquitto_options options;
  options.config = "allow_anonymous true\n"
                   // 0 ("no limit") breaks incoming QoS 2 beyond 20 in flight in mosquitto 2.0.11.
                   "max_queued_messages 1000000\n"
                   "persistence true\n"
                   "persistence_location %DIR%/\n";
  options.dir_prefix = "braid-broker";
  return start_broker(std::move(options), error);
}

std::unique_ptr<private_broker> start_broker(mosquitto::private_mosquitto_options options,
                                             std::string& error) {
  auto broker = std::make_unique<private_broker>(std::move(options));
  if (!broker->running()) {
    error = broker->error();
    if (!broker->found()) {
      error += " or give a broker with -h/-p or -L";
    }
    return nullptr;
  }
  return broker;
}

} // namespace braid::cli
