#pragma once
// Topic names, topic filters and shared subscriptions (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7, §4.8.2):
// validation and matching.
//
// A topic is split into levels by '/'; levels may be empty ("/a//b" has four levels). In a
// filter, '+' matches exactly one level and '#' matches any number of levels, including none.

#include <braid/protocol/error.hpp>

#include <optional>
#include <string_view>
#include <system_error>

namespace braid::protocol {

/// Checks a topic name (as sent in PUBLISH or a will message).
///
/// Returns the error of `validate_utf8_string` if the name is not a valid MQTT string,
/// `errc::topic_name_empty` if it is empty, `errc::topic_name_wildcard` if it contains '+' or
/// '#', and an empty error code otherwise. An empty name carried with an MQTT 5 topic alias is
/// the caller's business, not this function's.
std::error_code validate_topic_name(std::string_view name) noexcept;

/// Checks a topic filter (as sent in SUBSCRIBE or UNSUBSCRIBE).
///
/// Returns, in this order of checks:
/// - the error of `validate_utf8_string` if the filter is not a valid MQTT string;
/// - `errc::topic_filter_empty` if it is empty;
/// - `errc::shared_subscription_invalid` if it starts with "$share/" but is not of the form
///   "$share/{group}/{filter}" with a non-empty group free of '+' and '#', and a non-empty
///   filter (see `parse_shared_subscription`);
/// - `errc::topic_filter_invalid` if the filter (for a shared subscription, the part after the
///   group) has a '#' that is not the last character or not alone in its level, or a '+' not
///   alone in its level;
/// - an empty error code otherwise.
///
/// "$share/" filters are always treated as shared subscriptions, whatever the protocol version.
std::error_code validate_topic_filter(std::string_view filter) noexcept;

/// Whether a PUBLISH to topic `name` is delivered to a subscription with `filter`.
///
/// '+' matches exactly one level, possibly empty; '#' matches its parent level and any number
/// of child levels ("sport/#" matches "sport", "sport/" and "sport/a/b"). A name starting with
/// '$' is not matched by a filter starting with '+' or '#' ("#" does not match "$SYS/x";
/// "$SYS/#" does). A shared subscription "$share/{group}/{filter}" matches as its
/// `filter`. Comparison is byte for byte (case-sensitive, no normalisation).
///
/// Precondition: `name` and `filter` are valid (this function does not validate them). On
/// any other input the result is unspecified, but the function stays memory-safe.
bool topic_matches(std::string_view filter, std::string_view name) noexcept;

/// The parts of a shared subscription "$share/{group}/{filter}". Both views point into the
/// string given to `parse_shared_subscription`.
struct shared_subscription {
  std::string_view group;  ///< the share name, without slashes
  std::string_view filter; ///< the topic filter after the group's '/'
};

/// Splits a shared subscription filter into group and filter.
///
/// Returns `std::nullopt` if `filter` does not start with "$share/", and also if it does but is
/// malformed: empty group, a group containing '+' or '#', no '/' after the group, or an empty
/// filter after it ("$share/g", "$share//a", "$share/g/" and "$share/g+/a" all give nullopt).
/// Use `validate_topic_filter` to tell those cases apart; this function checks only the
/// "$share" structure, not the UTF-8 nor the wildcards of the filter part.
std::optional<shared_subscription> parse_shared_subscription(std::string_view filter) noexcept;

} // namespace braid::protocol
