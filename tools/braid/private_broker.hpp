#pragma once
// The private mosquitto of `braid demo` and `braid bench` when no broker is
// given (see tools/private_mosquitto): persistence on, so that a restart keeps
// the sessions.

#include "private_mosquitto.hpp"

#include <memory>
#include <string>

namespace braid::cli {

using private_broker = mosquitto::private_mosquitto;

/// Starts it; nullptr and `error` (why, in the tool's words) when it cannot.
std::unique_ptr<private_broker> start_private_broker(std::string& error);

/// Starts one with `options`; nullptr and `error` when it cannot.
std::unique_ptr<private_broker> start_broker(mosquitto::private_mosquitto_options options,
                                             std::string& error);

} // namespace braid::cli
