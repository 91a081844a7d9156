#pragma once
// Topic templates of `braid bench conn|pub|sub|pubsub`, as emqtt-bench's:
// %i is the client's number, %c its client id, %% a percent sign.
//
//   expand_topic("bench/%i", 7, "braid-1-pub-7")  ->  "bench/7"
//   filter_for_template("bench/%i/x")             ->  "bench/+/x"

#include <cstdint>
#include <string>
#include <string_view>

namespace braid::cli {

/// Whether `pattern` is a template these functions read: every '%' is
/// followed by i, c or %. Otherwise false with a message.
bool check_topic_template(std::string_view pattern, std::string& error);

/// Whether `pattern` differs from client to client (holds %i or %c).
bool topic_template_varies(std::string_view pattern);

/// `pattern` with %i replaced by `index`, %c by `client_id`, %% by '%'.
std::string expand_topic(std::string_view pattern, std::uint64_t index, std::string_view client_id);

/// A filter that every expansion of `pattern` matches: each level holding
/// %i or %c becomes '+' (a client id holding '/' is not covered).
std::string filter_for_template(std::string_view pattern);

} // namespace braid::cli
