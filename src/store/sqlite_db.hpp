#pragma once
// Internal: a thin RAII layer over the SQLite C API — a connection and
// prepared statements that reset themselves — with errors as SQLite codes.

#include <sqlite3.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace braid::store_detail {

class statement {
public:
  statement() = default;
  statement(sqlite3* db, std::string_view sql, int& rc) {
    rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                            &stmt_, nullptr);
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(statement&& o) noexcept : stmt_(o.stmt_) { o.stmt_ = nullptr; }
  statement& operator=(statement&& o) noexcept {
    std::swap(stmt_, o.stmt_);
    return *this;
  }

  // Parameters are numbered from 1, as in SQLite. Text and blobs are not
  // copied: they must live until the statement is stepped.
  statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  statement& bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  statement& bind(int i, std::span<const std::uint8_t> v) {
    // A zero-length blob, not NULL, for an empty payload.
    sqlite3_bind_blob(stmt_, i, v.empty() ? "" : static_cast<const void*>(v.data()),
                      static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error.
  int step() { return sqlite3_step(stmt_); }
  /// Steps a statement that returns no row, then resets it.
  int run() {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    return rc == SQLITE_ROW ? SQLITE_DONE : rc;
  }
  void reset() { sqlite3_reset(stmt_); }

  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return {p == nullptr ? "" : p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
  }
  std::span<const std::uint8_t> blob(int col) const {
    auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
    return {p, p == nullptr ? 0 : static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
  }

private:
  sqlite3_stmt* stmt_ = nullptr;
};

class connection {
public:
  connection() = default;
  ~connection() { sqlite3_close_v2(db_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  int open(const std::string& path, const std::string& vfs) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   vfs.empty() ? nullptr : vfs.c_str());
    if (db_ != nullptr) {
      sqlite3_extended_result_codes(db_, 1);
    }
    return rc;
  }
  sqlite3* get() const noexcept { return db_; }
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
  /// The first column of the first row of `sql` as an integer (0 when none).
  int query_integer(const char* sql, std::int64_t& out) {
    int rc = 0;
    statement s(db_, sql, rc);
    if (rc != SQLITE_OK) {
      return rc;
    }
    rc = s.step();
    out = rc == SQLITE_ROW ? s.integer(0) : 0;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
  }
  std::string message() const { return db_ == nullptr ? "out of memory" : sqlite3_errmsg(db_); }
  bool in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

private:
  sqlite3* db_ = nullptr;
};

/// Runs `sql` with `params` bound as ?1, ?2, ... and calls `row(statement&)`
/// for every row; `row` returns SQLITE_OK to go on, or an error to stop
/// with. Returns SQLITE_OK or the first error.
template <class Row>
int each_row(sqlite3* db, const char* sql, std::initializer_list<std::int64_t> params, Row row) {
  int rc = SQLITE_OK;
  statement q(db, sql, rc);
  if (rc != SQLITE_OK) {
    return rc;
  }
  int i = 1;
  for (auto p : params) {
    q.bind(i++, p);
  }
  while ((rc = q.step()) == SQLITE_ROW) {
    if (const int stop = row(q); stop != SQLITE_OK) {
      return stop;
    }
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

} // namespace braid::store_detail
