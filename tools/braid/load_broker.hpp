#pragma once
// The private mosquitto of `braid bench conn|pub|sub|pubsub` when no broker
// is given: set for many clients (no connection limit on its listener, no
// log line per connection, no persistence, large queues). It inherits this
// process's file descriptor limit, so raise that first (raise_fd_limit).

#include "private_broker.hpp"

#include <memory>
#include <string>

namespace braid::cli {

/// Starts it; nullptr and `error` when it cannot.
std::unique_ptr<private_broker> start_load_broker(std::string& error);

} // namespace braid::cli
