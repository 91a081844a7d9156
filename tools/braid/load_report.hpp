#pragma once
// The end of a load run: the summary (text), the JSON object of --json, the
// title shared with the plot, and the exit code.
//
// Exit code: 0 when the run completed; 1 when no client connected, or more
// than --max-errors percent (default 1) of the clients failed (connect or
// subscribe refused, connection lost), or of the messages (publish errors,
// publishes left unacknowledged, and at QoS 1/2 messages that did not arrive).

#include "load_options.hpp"
#include "load_result.hpp"

#include <string>

namespace braid::cli {

/// "braid bench pubsub: 10 publishers, 2 subscribers, QoS 1, 256 bytes, ..."
std::string load_title(const load_options& o, const load_setup& setup);

/// Several lines: connections, connect times, messages, latency, memory, errors.
std::string load_summary(const load_options& o, const load_setup& setup, const load_result& r);

/// One JSON object (one line), see docs/guide/load-testing.md.
std::string load_json(const load_options& o, const load_setup& setup, const load_result& r,
                      int exit_code);

/// 0 or 1 as above; `why` says what failed (empty for 0).
int load_exit_code(const load_options& o, const load_result& r, std::string& why);

} // namespace braid::cli
