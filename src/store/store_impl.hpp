#pragma once
// Internal: the state behind a sqlite_store. A memory_store mirrors the
// session's state for the session's reads; changes are staged here and
// written by flush() in one transaction.
//
// Outgoing messages are kept as a log of segments: the messages that one
// commit added, as one row (see record_codec.hpp), so that a burst costs one
// row, not one per message. A message's later changes are small rows:
// `changes` (a new packet id and state) and `removed` (a run of removed
// messages of one segment); a segment whose messages are all removed is
// deleted with its rows. A run of messages whose PUBREC came is one
// `released` row. Keys pack the session with a sequence (see key()).

#include <braid/protocol/session/memory_store.hpp>
#include <braid/store/sqlite_store.hpp>

#include "sqlite_db.hpp"

#include <functional>
#include <map>
#include <span>
#include <unordered_map>
#include <unordered_set>

namespace braid {

namespace store_detail {
/// The store error for a SQLite error of a write.
inline std::error_code commit_error(int rc) {
  switch (rc & 0xff) {
  case SQLITE_FULL:
    return store_errc::disk_full;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return store_errc::not_a_store;
  default:
    return store_errc::write_failed;
  }
}
} // namespace store_detail

struct sqlite_store::impl {
  // What a message needs written at the next flush: all of it (a new one),
  // its packet id and state (a change), only "released" (its PUBREC came and
  // what is on disk is "sent" with the same packet id), or its removal.
  enum class op : std::uint8_t { insert, update, release, erase };
  // A segment that is durable: the last sequence in it, its live messages.
  struct segment {
    std::uint64_t last = 0;
    std::size_t live = 0;
  };

  static constexpr int sequence_bits = 44;
  static constexpr std::uint64_t max_sequence = (std::uint64_t{1} << sequence_bits) - 1;
  /// A row key: the session in the high bits, the sequence in the low ones,
  /// so that one integer B-tree holds each session's rows in order.
  std::int64_t key(std::uint64_t sequence) const {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(session) << sequence_bits) |
                                     sequence);
  }

  sqlite_store_options options;
  store_detail::connection db;
  std::int64_t session = 0;   // sessions.id of (broker, client id)
  std::uint64_t accepted = 0; // as committed
  protocol::memory_store mirror;
  std::map<std::uint64_t, segment> segments; // durable ones, by first sequence
  std::uint64_t next_free = 1;               // above every segment ever loaded or written
  // Messages with a `changes` row on disk: their PUBREC is written as a
  // change too (a released run only covers what a segment says is sent).
  std::unordered_set<std::uint64_t> changed;
  std::string last_error;

  // Staged changes.
  std::unordered_map<std::uint64_t, op> record_ops;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> dead_segments; // empty at load: first, last
  std::map<std::uint16_t, bool> incoming_ops;                         // id -> present
  bool clear_records = false; // every message and incoming id first
  bool clear_incoming = false;
  bool clear_subscriptions = false;
  bool subscriptions_changed = false;
  std::uint64_t accepted_added = 0;
  std::map<std::string, std::optional<protocol::bytes>, std::less<>> value_ops;
  // The replay guard's memory: rows remembered since the last commit, and
  // the sequence below which rows are forgotten (only the newest `capacity`
  // are kept); clear_replays: every row first.
  std::vector<std::pair<std::uint64_t, protocol::replay_memory::entry>> replay_adds;
  std::uint64_t replay_next = 1;
  std::uint64_t replay_keep_from = 0;
  bool clear_replays = false;

  // What a commit does to `segments` and `changed` once it succeeds.
  struct segment_plan {
    std::vector<std::pair<std::uint64_t, segment>> added;
    std::vector<std::pair<std::uint64_t, std::size_t>> removed; // first, messages removed
    std::vector<std::uint64_t> changed;                         // change rows written
  };
  /// A segment's body stays under this (a larger message is a segment alone),
  /// well within SQLite's limit on a blob.
  static constexpr std::size_t segment_bytes = 16u << 20;

  store_detail::statement insert_segment, delete_segment, delete_segments, upsert_change,
      delete_changes, insert_removed, delete_removed, insert_released, delete_released,
      insert_incoming, delete_incoming, delete_all_incoming, insert_replay, delete_old_replays,
      delete_all_replays, delete_subscriptions, insert_subscription, set_accepted, put_value,
      delete_value, get_value, begin, commit, rollback;

  bool staged() const {
    return !record_ops.empty() || !dead_segments.empty() || !incoming_ops.empty() ||
           clear_records || clear_incoming || subscriptions_changed || accepted_added != 0 ||
           !value_ops.empty() || !replay_adds.empty() || clear_replays;
  }
  void forget_staged();
  std::string describe(std::string_view what, int rc) const;
  /// The durable segment holding `sequence`, or segments.end().
  std::map<std::uint64_t, segment>::iterator segment_of(std::uint64_t sequence);

  // sqlite_open.cpp: opens and checks the file, creating the schema on a new
  // one, and loads the session; on failure, the error and a message.
  std::error_code open_file(std::string& message);
  int prepare();
  int load(std::error_code& ec, std::string& message);

  // sqlite_store.cpp: writes the staged changes in the open transaction.
  int write_staged(segment_plan& plan);
  int write_messages(segment_plan& plan);
  int write_removals(const std::vector<std::uint64_t>& erased, segment_plan& plan);
  int delete_segment_rows(std::uint64_t first, std::uint64_t last);
  int write_releases(const std::vector<std::uint64_t>& released);
  /// Whether a run from a to b may cover what lies strictly between: no
  /// live message (`released_ok`: none that is not released).
  bool run_may_span(std::uint64_t a, std::uint64_t b, bool released_ok);
  /// Sorted sequences, all of one segment, as rows (first, last) of runs.
  int write_runs(store_detail::statement& insert, std::span<const std::uint64_t> sequences,
                 bool released_ok);
  /// Calls `each` with every durable segment holding some of the sorted
  /// `sequences` and those sequences (ones in no segment are skipped).
  using per_segment = std::function<int(std::map<std::uint64_t, segment>::iterator,
                                        std::span<const std::uint64_t>)>;
  int for_each_segment(const std::vector<std::uint64_t>& sequences, const per_segment& each);
  int write_rest();
};

} // namespace braid
