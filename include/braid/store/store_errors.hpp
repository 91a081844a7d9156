#pragma once
// Errors of the durable session store (category "braid.store"). The error
// code says what kind of trouble it is; store_error::what() and
// sqlite_store::last_error() also name the file, give SQLite's own words and
// say what to do.

#include <string>
#include <system_error>

namespace braid {

enum class store_errc {
  cannot_open = 1, ///< the file cannot be opened or created (no such directory, no permission)
  not_a_store,     ///< the file is damaged, or is not a braid store
  newer_format,    ///< written by a newer braid whose format this one does not know
  in_use,          ///< another process (or another store object) has the file open
  disk_full,       ///< a commit failed: no space left (the publishes of that commit fail)
  write_failed,    ///< a commit failed: an I/O error (the publishes of that commit fail)
  no_client_id,    ///< a durable session needs a client id chosen by the application
};

const std::error_category& store_category() noexcept;

inline std::error_code make_error_code(store_errc e) noexcept {
  return {static_cast<int>(e), store_category()};
}

/// Thrown by the sqlite_store constructor; what() is the whole message.
class store_error : public std::system_error {
public:
  store_error(std::error_code ec, std::string message)
      : std::system_error(ec), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

private:
  std::string message_;
};

} // namespace braid

template <>
struct std::is_error_code_enum<braid::store_errc> : std::true_type {};
