// Opening a store: the file's checks, its lock, the schema of a new file,
// and loading the session's state into memory.

#include <braid/store/sqlite_store.hpp>

#include "record_codec.hpp"
#include "schema.hpp"
#include "store_impl.hpp"

namespace braid {

using namespace store_detail;
namespace bp = protocol;

sqlite_store::sqlite_store(sqlite_store_options options) {
  std::error_code ec;
  std::string message;
  auto opened = open(std::move(options), ec, message);
  if (!opened) {
    throw store_error(ec, message);
  }
  impl_ = std::move(opened->impl_);
}

sqlite_store::sqlite_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

std::unique_ptr<sqlite_store> sqlite_store::open(sqlite_store_options options, std::error_code& ec,
                                                 std::string& message) {
  auto s = std::make_unique<impl>();
  s->options = std::move(options);
  ec = s->open_file(message);
  if (ec) {
    return nullptr;
  }
  return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(s)));
}

std::error_code sqlite_store::impl::open_file(std::string& message) {
  auto& s = *this;
  const auto& path = s.options.path;
  if (s.options.client_id.empty()) {
    message = "braid store " + path +
              ": a durable session needs a client id chosen by the application (not one "
              "assigned by the broker)";
    return store_errc::no_client_id;
  }
  int rc = s.db.open(path, s.options.vfs);
  if (rc != SQLITE_OK) {
    message = s.describe("cannot be opened or created; check that its directory exists and "
                         "that this process may write there",
                         rc);
    return store_errc::cannot_open;
  }
  // Classifies a failure of the first reads: the file is not a database, or
  // another process has it.
  auto failed = [&](int code) -> std::error_code {
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      message = s.describe("is in use by another process (or another store in this one); a "
                           "store file serves one client at a time",
                           code);
      return store_errc::in_use;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      message = s.describe("is damaged or is not a braid store. Move it aside to start with an "
                           "empty store (its unsent messages are then lost), or restore it from "
                           "a backup",
                           code);
      return store_errc::not_a_store;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      message = s.describe("cannot be opened for writing; check its permissions", code);
      return store_errc::cannot_open;
    default:
      message = s.describe("cannot be read", code);
      return store_errc::write_failed;
    }
  };
  // One process at a time: the connection takes the file's lock at its first
  // transaction and keeps it (and WAL then needs no shared memory file).
  if ((rc = s.db.exec("PRAGMA locking_mode = EXCLUSIVE")) != SQLITE_OK) {
    return failed(rc);
  }
  sqlite3_busy_timeout(s.db.get(), 0);
  if ((rc = s.db.exec("BEGIN EXCLUSIVE")) != SQLITE_OK || (rc = s.db.exec("COMMIT")) != SQLITE_OK) {
    return failed(rc);
  }
  std::int64_t application_id = 0, version = 0, tables = 0;
  if ((rc = s.db.query_integer("PRAGMA application_id", application_id)) != SQLITE_OK ||
      (rc = s.db.query_integer("PRAGMA user_version", version)) != SQLITE_OK ||
      (rc = s.db.query_integer("SELECT count(*) FROM sqlite_schema", tables)) != SQLITE_OK) {
    return failed(rc);
  }
  if (application_id != store_detail::braid_application_id &&
      !(application_id == 0 && tables == 0)) {
    message = "braid store " + path +
              " is a SQLite database of another application, not a braid store; choose another "
              "file";
    return store_errc::not_a_store;
  }
  if (version > store_detail::format_version) {
    message = "braid store " + path + " was written by a newer braid (format " +
              std::to_string(version) + ", this one reads " +
              std::to_string(store_detail::format_version) + "); use that version";
    return store_errc::newer_format;
  }
  if ((rc = s.db.exec("PRAGMA journal_mode = WAL")) != SQLITE_OK ||
      (rc = s.db.exec(s.options.sync == sync_policy::every_commit
                          ? "PRAGMA synchronous = FULL"
                          : "PRAGMA synchronous = NORMAL")) != SQLITE_OK) {
    return failed(rc);
  }
  if (tables == 0 && (rc = s.db.exec(store_detail::create_schema)) != SQLITE_OK) {
    message = s.describe("cannot be initialised", rc);
    return commit_error(rc);
  }
  if (tables != 0 && version == 1 && (rc = s.db.exec(store_detail::upgrade_from_1)) != SQLITE_OK) {
    s.db.exec("ROLLBACK");
    message = s.describe("cannot be upgraded to this braid's format", rc);
    return commit_error(rc);
  }
  // The quick check reads every page once: damage shows here, not mid-session.
  {
    int prc = SQLITE_OK;
    statement check(s.db.get(), "PRAGMA quick_check(1)", prc);
    if (prc != SQLITE_OK) {
      return failed(prc);
    }
    prc = check.step();
    if (prc != SQLITE_ROW) {
      return failed(prc);
    }
    if (check.text(0) != "ok") {
      message = "braid store " + path + " is damaged (" + std::string(check.text(0)) +
                "). Move it aside to start with an empty store (its unsent messages are then "
                "lost), or restore it from a backup";
      return store_errc::not_a_store;
    }
  }
  {
    int prc = SQLITE_OK;
    statement add(s.db.get(), "INSERT OR IGNORE INTO sessions(broker, client_id) VALUES(?1, ?2)",
                  prc);
    if (prc == SQLITE_OK) {
      add.bind(1, std::string_view(s.options.broker))
          .bind(2, std::string_view(s.options.client_id));
      prc = add.run();
      prc = prc == SQLITE_DONE ? SQLITE_OK : prc;
    }
    if (prc != SQLITE_OK) {
      message = s.describe("cannot be written", prc);
      return commit_error(prc);
    }
    statement q(s.db.get(),
                "SELECT id, accepted FROM sessions WHERE broker = ?1 AND client_id = ?2", prc);
    if (prc != SQLITE_OK) {
      return failed(prc);
    }
    q.bind(1, std::string_view(s.options.broker)).bind(2, std::string_view(s.options.client_id));
    if ((prc = q.step()) != SQLITE_ROW) {
      return failed(prc);
    }
    s.session = q.integer(0);
    s.accepted = static_cast<std::uint64_t>(q.integer(1));
    if (s.session <= 0 || s.session >= (std::int64_t{1} << (63 - impl::sequence_bits))) {
      message = "braid store " + path + " has too many sessions; use another file";
      return store_errc::not_a_store;
    }
  }
  if ((rc = s.prepare()) != SQLITE_OK) {
    return failed(rc);
  }
  std::error_code ec;
  if ((rc = s.load(ec, message)) != SQLITE_OK) {
    return ec ? ec : failed(rc);
  }
  return {};
}

int sqlite_store::impl::prepare() {
  int rc = SQLITE_OK;
  auto p = [&](statement& st, std::string_view sql) {
    if (rc == SQLITE_OK) {
      st = statement(db.get(), sql, rc);
    }
  };
  p(insert_segment, "INSERT OR REPLACE INTO segments(key, body) VALUES(?1, ?2)");
  p(delete_segment, "DELETE FROM segments WHERE key = ?1");
  p(delete_segments, "DELETE FROM segments WHERE key BETWEEN ?1 AND ?2");
  p(upsert_change, "INSERT OR REPLACE INTO changes(key, packet_id, state) VALUES(?1, ?2, ?3)");
  p(delete_changes, "DELETE FROM changes WHERE key BETWEEN ?1 AND ?2");
  p(insert_removed, "INSERT OR REPLACE INTO removed(key, last) VALUES(?1, ?2)");
  p(delete_removed, "DELETE FROM removed WHERE key BETWEEN ?1 AND ?2");
  p(insert_released, "INSERT OR REPLACE INTO released(key, last) VALUES(?1, ?2)");
  p(delete_released, "DELETE FROM released WHERE key BETWEEN ?1 AND ?2");
  p(insert_incoming, "INSERT OR IGNORE INTO incoming(session, packet_id) VALUES(?1, ?2)");
  p(delete_incoming, "DELETE FROM incoming WHERE session = ?1 AND packet_id = ?2");
  p(delete_all_incoming, "DELETE FROM incoming WHERE session = ?1");
  p(insert_replay, "INSERT OR REPLACE INTO replay_guard(session, sequence, packet_id, digest) "
                   "VALUES(?1, ?2, ?3, ?4)");
  p(delete_old_replays, "DELETE FROM replay_guard WHERE session = ?1 AND sequence < ?2");
  p(delete_all_replays, "DELETE FROM replay_guard WHERE session = ?1");
  p(delete_subscriptions, "DELETE FROM subscriptions WHERE session = ?1");
  p(insert_subscription,
    "INSERT INTO subscriptions(session, position, filter, qos, no_local, retain_as_published, "
    "retain_handling) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  p(set_accepted, "UPDATE sessions SET accepted = ?2 WHERE id = ?1");
  p(put_value, "INSERT OR REPLACE INTO app_values(session, key, value) VALUES(?1, ?2, ?3)");
  p(delete_value, "DELETE FROM app_values WHERE session = ?1 AND key = ?2");
  p(get_value, "SELECT value FROM app_values WHERE session = ?1 AND key = ?2");
  p(begin, "BEGIN IMMEDIATE");
  p(commit, "COMMIT");
  p(rollback, "ROLLBACK");
  return rc;
}

// Reads the session's rows into the mirror: the segments, then the released
// runs (which only turn a segment's "sent" into "released"), then the
// changes (a message's whole state, which wins), then the removals. A row that cannot be what it
// should means the file is damaged.
int sqlite_store::impl::load(std::error_code& ec, std::string& message) {
  auto damaged = [&](std::string_view what) {
    ec = store_errc::not_a_store;
    message = "braid store " + options.path + " is damaged: " + std::string(what) +
              ". Move it aside to start with an empty store (its unsent messages are then lost), "
              "or restore it from a backup";
    return SQLITE_CORRUPT;
  };
  auto sequence_of = [](const statement& q) {
    return static_cast<std::uint64_t>(q.integer(0)) & max_sequence;
  };
  const std::initializer_list<std::int64_t> range{key(0), key(max_sequence)};
  std::string why;
  int rc = each_row(
      db.get(), "SELECT key, body FROM segments WHERE key BETWEEN ?1 AND ?2 ORDER BY key", range,
      [&](statement& q) {
        const auto first = sequence_of(q);
        segment seg;
        bool ordered = true;
        const bool read = read_records(
            q.blob(1),
            [&](bp::stored_publish&& r) {
              ordered = ordered && r.sequence >= first &&
                        (seg.live == 0 || r.sequence > seg.last) &&
                        (segments.empty() || r.sequence > std::prev(segments.end())->second.last);
              seg.last = r.sequence;
              ++seg.live;
              mirror.add(std::move(r));
            },
            why);
        if (!read || !ordered || seg.live == 0) {
          return damaged("segment " + std::to_string(first) +
                         (read ? (ordered ? " is empty" : " is out of order") : ": " + why));
        }
        segments.emplace(first, seg);
        return SQLITE_OK;
      });
  if (rc == SQLITE_OK) {
    rc = each_row(db.get(), "SELECT key, last FROM released WHERE key BETWEEN ?1 AND ?2", range,
                  [&](statement& q) {
                    const auto first = sequence_of(q);
                    const auto last = static_cast<std::uint64_t>(q.integer(1));
                    if (last < first || last - first > max_sequence) {
                      return damaged("a run of released messages is impossible");
                    }
                    for (auto s = first; s <= last; ++s) {
                      if (auto* r = mirror.find(s);
                          r != nullptr && r->state == bp::publish_state::sent) {
                        r->state = bp::publish_state::released;
                      }
                    }
                    return SQLITE_OK;
                  });
  }
  if (rc == SQLITE_OK) {
    rc = each_row(db.get(), "SELECT key, packet_id, state FROM changes WHERE key BETWEEN ?1 AND ?2",
                  range, [&](statement& q) {
                    const auto sequence = sequence_of(q);
                    const auto packet_id = q.integer(1), state = q.integer(2);
                    if (packet_id < 0 || packet_id > 65535 || state < 0 || state > 2 ||
                        (state != 0 && packet_id == 0)) {
                      return damaged("the change of message " + std::to_string(sequence) +
                                     " has impossible values");
                    }
                    if (auto* r = mirror.find(sequence)) {
                      r->message.packet_id = static_cast<std::uint16_t>(packet_id);
                      r->state = static_cast<bp::publish_state>(state);
                      changed.insert(sequence);
                    }
                    return SQLITE_OK;
                  });
  }
  if (rc == SQLITE_OK) {
    rc = each_row(db.get(), "SELECT key, last FROM removed WHERE key BETWEEN ?1 AND ?2", range,
                  [&](statement& q) {
                    const auto first = sequence_of(q);
                    const auto last = static_cast<std::uint64_t>(q.integer(1));
                    auto seg = segment_of(first);
                    if (seg == segments.end() || last < first || last > seg->second.last) {
                      return SQLITE_OK; // removals of a segment that is gone
                    }
                    for (auto s = first; s <= last; ++s) {
                      if (mirror.find(s) != nullptr) {
                        mirror.remove(s);
                        --seg->second.live;
                      }
                    }
                    return SQLITE_OK;
                  });
  }
  if (rc != SQLITE_OK) {
    return rc;
  }
  for (const auto& [first, seg] : segments) {
    next_free = std::max(next_free, seg.last + 1);
    if (seg.live == 0) {
      dead_segments.emplace_back(first, seg.last); // deleted, with its rows, at the next commit
    }
  }
  std::erase_if(segments, [](const auto& e) { return e.second.live == 0; });
  rc = each_row(db.get(), "SELECT packet_id FROM incoming WHERE session = ?1", {session},
                [&](statement& q) {
                  const auto id = q.integer(0);
                  if (id < 1 || id > 65535) {
                    return damaged("an incoming packet id is out of range");
                  }
                  mirror.add_incoming(static_cast<std::uint16_t>(id));
                  return SQLITE_OK;
                });
  if (rc != SQLITE_OK) {
    return rc;
  }
  std::vector<bp::replay_memory::entry> replays;
  rc = each_row(db.get(),
                "SELECT sequence, packet_id, digest FROM replay_guard WHERE session = ?1 ORDER BY "
                "sequence",
                {session}, [&](statement& q) {
                  const auto id = q.integer(1);
                  if (id < 1 || id > 65535) {
                    return damaged("a packet id of the replay guard is out of range");
                  }
                  replays.push_back(
                      {static_cast<std::uint16_t>(id), static_cast<std::uint64_t>(q.integer(2))});
                  replay_next = static_cast<std::uint64_t>(q.integer(0)) + 1;
                  return SQLITE_OK;
                });
  if (rc != SQLITE_OK) {
    return rc;
  }
  for (const auto& e : replays) {
    mirror.remember_delivered(e, replays.size()); // the session's capacity applies from now on
  }
  return each_row(db.get(),
                  "SELECT filter, qos, no_local, retain_as_published, retain_handling FROM "
                  "subscriptions WHERE session = ?1 ORDER BY position",
                  {session}, [&](statement& q) {
                    bp::subscription sub;
                    sub.filter.assign(q.text(0));
                    const auto qos = q.integer(1), handling = q.integer(4);
                    if (qos < 0 || qos > 2 || handling < 0 || handling > 2) {
                      return damaged("a subscription has impossible options");
                    }
                    sub.options.max_qos = static_cast<bp::qos>(qos);
                    sub.options.no_local = q.integer(2) != 0;
                    sub.options.retain_as_published = q.integer(3) != 0;
                    sub.options.retain_handling = static_cast<bp::retain_handling>(handling);
                    mirror.add_subscription(sub);
                    return SQLITE_OK;
                  });
}

} // namespace braid
