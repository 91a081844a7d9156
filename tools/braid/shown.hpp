#pragma once
// What error lines may show of what the user gave: a long topic or client id
// cut short with its length, a URL without its password.

#include <string>
#include <string_view>

namespace braid::cli {

/// `text` as it is when short; otherwise its first bytes (cut on a UTF-8
/// character boundary), "…" and its length: "a/b/c/…(70000 bytes)".
std::string shown(std::string_view text);

/// `url` with the password of its user info replaced by "***"
/// (mqtt://user:***@host); `url` itself when it has none.
std::string without_password(std::string_view url);

} // namespace braid::cli
