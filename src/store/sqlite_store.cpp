// The durable session store: a memory_store mirrors the session's state for
// the session's reads, and the changes are staged and written in one SQLite
// transaction per flush() (see sqlite_store.hpp).

#include <braid/protocol/session/memory_store.hpp>
#include <braid/store/sqlite_store.hpp>

#include "schema.hpp"
#include "sqlite_db.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

namespace braid {

using namespace store_detail;
namespace bp = protocol;

namespace {

// A record's key in the messages table: the session in the high bits, the
// sequence in the low ones, so one integer B-tree holds every session's
// messages in order (see schema.hpp).
constexpr int sequence_bits = 44;
std::int64_t message_key(std::int64_t session, std::uint64_t sequence) {
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(session) << sequence_bits) |
                                   sequence);
}

std::error_code commit_error(int rc) {
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

} // namespace

struct sqlite_store::impl {
  // What a record needs written at the next flush.
  enum class op : std::uint8_t { insert, update, erase };

  sqlite_store_options options;
  connection db;
  std::int64_t session = 0;   // sessions.id of (broker, client id)
  std::uint64_t accepted = 0; // as committed
  bp::memory_store mirror;
  std::string last_error;

  // Staged changes.
  std::unordered_map<std::uint64_t, op> record_ops;
  std::map<std::uint16_t, bool> incoming_ops; // id -> present
  bool clear_records = false;                 // every record and incoming id goes first
  bool clear_incoming = false;
  bool clear_subscriptions = false;
  bool subscriptions_changed = false;
  std::uint64_t accepted_added = 0;
  std::map<std::string, std::optional<bp::bytes>, std::less<>> value_ops;

  statement insert_message, update_message, delete_message, insert_incoming, delete_incoming,
      delete_messages, delete_all_incoming, delete_subscriptions, insert_subscription, set_accepted,
      put_value, delete_value, get_value, begin, commit, rollback;

  bool staged() const {
    return !record_ops.empty() || !incoming_ops.empty() || clear_records || clear_incoming ||
           subscriptions_changed || accepted_added != 0 || !value_ops.empty();
  }
  void forget_staged() {
    record_ops.clear();
    incoming_ops.clear();
    clear_records = clear_incoming = clear_subscriptions = subscriptions_changed = false;
    accepted_added = 0;
    value_ops.clear();
  }

  std::string describe(std::string_view what, int rc) const {
    return "braid store " + options.path + " " + std::string(what) + " (SQLite: " + db.message() +
           ", code " + std::to_string(rc) + ")";
  }

  // Opens and checks the file, creating the schema on a new one, and loads
  // the session; on failure, the error and a message for the user.
  std::error_code open_file(std::string& message);
  int prepare();
  int load(std::error_code& ec, std::string& message);
  int write_staged();
};

// --- opening ---------------------------------------------------------------------------

int sqlite_store::impl::prepare() {
  int rc = SQLITE_OK;
  auto p = [&](statement& st, std::string_view sql) {
    if (rc == SQLITE_OK) {
      st = statement(db.get(), sql, rc);
    }
  };
  p(insert_message, "INSERT OR REPLACE INTO messages(key, packet_id, state, qos, retain, topic, "
                    "payload, properties) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  p(update_message, "UPDATE messages SET packet_id = ?2, state = ?3 WHERE key = ?1");
  p(delete_message, "DELETE FROM messages WHERE key = ?1");
  p(delete_messages, "DELETE FROM messages WHERE key BETWEEN ?1 AND ?2");
  p(insert_incoming, "INSERT OR IGNORE INTO incoming(session, packet_id) VALUES(?1, ?2)");
  p(delete_incoming, "DELETE FROM incoming WHERE session = ?1 AND packet_id = ?2");
  p(delete_all_incoming, "DELETE FROM incoming WHERE session = ?1");
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

namespace {

bool valid_record(std::int64_t packet_id, std::int64_t state, std::int64_t qos,
                  std::int64_t retain) {
  return packet_id >= 0 && packet_id <= 65535 && state >= 0 && state <= 2 && qos >= 1 && qos <= 2 &&
         (retain == 0 || retain == 1) && (state == 0 || packet_id != 0);
}

} // namespace

// Reads the session's rows into the mirror. A row that cannot be a record
// means the file is damaged.
int sqlite_store::impl::load(std::error_code& ec, std::string& message) {
  int rc = SQLITE_OK;
  auto damaged = [&](std::string_view what) {
    ec = store_errc::not_a_store;
    message = "braid store " + options.path + " is damaged: " + std::string(what) +
              ". Move it aside to start with an empty store (its unsent messages are then lost), "
              "or restore it from a backup";
    return SQLITE_CORRUPT;
  };
  {
    statement q(db.get(),
                "SELECT key, packet_id, state, qos, retain, topic, payload, properties FROM "
                "messages WHERE key BETWEEN ?1 AND ?2 ORDER BY key",
                rc);
    if (rc != SQLITE_OK) {
      return rc;
    }
    q.bind(1, message_key(session, 0)).bind(2, message_key(session, (1ull << sequence_bits) - 1));
    while ((rc = q.step()) == SQLITE_ROW) {
      bp::stored_publish r;
      r.sequence = static_cast<std::uint64_t>(q.integer(0)) & ((1ull << sequence_bits) - 1);
      const auto packet_id = q.integer(1), state = q.integer(2), qos = q.integer(3),
                 retain = q.integer(4);
      if (!valid_record(packet_id, state, qos, retain)) {
        return damaged("message " + std::to_string(r.sequence) + " has impossible values");
      }
      r.message.packet_id = static_cast<std::uint16_t>(packet_id);
      r.state = static_cast<bp::publish_state>(state);
      r.message.qos = static_cast<bp::qos>(qos);
      r.message.retain = retain != 0;
      r.message.topic.assign(q.text(5));
      auto payload = q.blob(6);
      r.message.payload.assign(payload.begin(), payload.end());
      if (!q.is_null(7) &&
          bp::decode_properties(q.blob(7), bp::packet_type::publish, r.message.props)) {
        return damaged("the properties of message " + std::to_string(r.sequence) +
                       " cannot be read");
      }
      mirror.add(std::move(r));
    }
    if (rc != SQLITE_DONE) {
      return rc;
    }
  }
  {
    statement q(db.get(), "SELECT packet_id FROM incoming WHERE session = ?1", rc);
    if (rc != SQLITE_OK) {
      return rc;
    }
    q.bind(1, session);
    while ((rc = q.step()) == SQLITE_ROW) {
      const auto id = q.integer(0);
      if (id < 1 || id > 65535) {
        return damaged("an incoming packet id is out of range");
      }
      mirror.add_incoming(static_cast<std::uint16_t>(id));
    }
    if (rc != SQLITE_DONE) {
      return rc;
    }
  }
  statement q(db.get(),
              "SELECT filter, qos, no_local, retain_as_published, retain_handling FROM "
              "subscriptions WHERE session = ?1 ORDER BY position",
              rc);
  if (rc != SQLITE_OK) {
    return rc;
  }
  q.bind(1, session);
  while ((rc = q.step()) == SQLITE_ROW) {
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
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

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
  if (application_id != store_detail::application_id && !(application_id == 0 && tables == 0)) {
    message = "braid store " + path +
              " is a SQLite database of another application, not a braid store; choose another "
              "file";
    return store_errc::not_a_store;
  }
  if (version > store_detail::schema_version) {
    message = "braid store " + path + " was written by a newer braid (format " +
              std::to_string(version) + ", this one reads " +
              std::to_string(store_detail::schema_version) + "); use that version";
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
    if (s.session <= 0 || s.session >= (std::int64_t{1} << (63 - sequence_bits))) {
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

sqlite_store::~sqlite_store() {
  if (impl_ && impl_->staged()) {
    (void)flush();
  }
}

// --- the session's records -----------------------------------------------------------

void sqlite_store::add(bp::stored_publish record) {
  const auto sequence = record.sequence;
  if (impl_->mirror.find(sequence) != nullptr) {
    return; // as memory_store: an existing record is not replaced
  }
  impl_->mirror.add(std::move(record));
  impl_->record_ops[sequence] = impl::op::insert;
  ++impl_->accepted_added;
}

bp::stored_publish* sqlite_store::find(std::uint64_t sequence) {
  return impl_->mirror.find(sequence);
}

void sqlite_store::update(const bp::stored_publish& record) {
  auto [it, added] = impl_->record_ops.try_emplace(record.sequence, impl::op::update);
  if (!added && it->second == impl::op::erase) {
    it->second = impl::op::update; // cannot happen: an erased record is not updated
  }
}

void sqlite_store::remove(std::uint64_t sequence) {
  if (impl_->mirror.find(sequence) == nullptr) {
    return;
  }
  impl_->mirror.remove(sequence);
  auto [it, added] = impl_->record_ops.try_emplace(sequence, impl::op::erase);
  if (!added) {
    if (it->second == impl::op::insert) {
      impl_->record_ops.erase(it); // never written: nothing to undo
    } else {
      it->second = impl::op::erase;
    }
  }
}

std::vector<std::uint64_t> sqlite_store::sequences() const {
  return impl_->mirror.sequences();
}

void sqlite_store::add_incoming(std::uint16_t packet_id) {
  impl_->mirror.add_incoming(packet_id);
  impl_->incoming_ops[packet_id] = true;
}

bool sqlite_store::contains_incoming(std::uint16_t packet_id) const {
  return impl_->mirror.contains_incoming(packet_id);
}

bool sqlite_store::remove_incoming(std::uint16_t packet_id) {
  if (!impl_->mirror.remove_incoming(packet_id)) {
    return false;
  }
  impl_->incoming_ops[packet_id] = false;
  return true;
}

std::size_t sqlite_store::incoming_count() const {
  return impl_->mirror.incoming_count();
}

void sqlite_store::clear_incoming() {
  impl_->mirror.clear_incoming();
  impl_->incoming_ops.clear();
  impl_->clear_incoming = true;
}

void sqlite_store::add_subscription(const bp::subscription& s) {
  impl_->mirror.add_subscription(s);
  impl_->subscriptions_changed = true;
}

void sqlite_store::remove_subscription(std::string_view filter) {
  impl_->mirror.remove_subscription(filter);
  impl_->subscriptions_changed = true;
}

std::vector<bp::subscription> sqlite_store::subscriptions() const {
  return impl_->mirror.subscriptions();
}

void sqlite_store::clear(bool keep_subscriptions) {
  impl_->mirror.clear(keep_subscriptions);
  impl_->record_ops.clear();
  impl_->incoming_ops.clear();
  impl_->clear_records = true;
  impl_->accepted_added = 0;
  if (!keep_subscriptions) {
    impl_->clear_subscriptions = true;
    impl_->subscriptions_changed = false;
  }
}

bool sqlite_store::dirty() const {
  return impl_->staged();
}

std::vector<std::uint64_t> sqlite_store::not_durable() const {
  std::vector<std::uint64_t> out;
  for (const auto& [sequence, o] : impl_->record_ops) {
    if (o == impl::op::insert) {
      out.push_back(sequence);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- committing ------------------------------------------------------------------------

// Writes the staged changes inside the open transaction; the first error stops it.
int sqlite_store::impl::write_staged() {
  int rc = SQLITE_DONE;
  auto ok = [&] { return rc == SQLITE_DONE; };
  if (clear_records) {
    rc = delete_messages.bind(1, message_key(session, 0))
             .bind(2, message_key(session, (1ull << sequence_bits) - 1))
             .run();
    if (ok()) {
      rc = delete_all_incoming.bind(1, session).run();
    }
  }
  if (ok() && clear_incoming) {
    rc = delete_all_incoming.bind(1, session).run();
  }
  bp::bytes props;
  for (auto it = record_ops.begin(); ok() && it != record_ops.end(); ++it) {
    const auto key = message_key(session, it->first);
    if (it->second == op::erase) {
      rc = delete_message.bind(1, key).run();
      continue;
    }
    const auto* r = mirror.find(it->first);
    if (r == nullptr) {
      continue;
    }
    if (it->second == op::update) {
      rc = update_message.bind(1, key)
               .bind(2, std::int64_t{r->message.packet_id})
               .bind(3, static_cast<std::int64_t>(r->state))
               .run();
      continue;
    }
    insert_message.bind(1, key)
        .bind(2, std::int64_t{r->message.packet_id})
        .bind(3, static_cast<std::int64_t>(r->state))
        .bind(4, static_cast<std::int64_t>(r->message.qos))
        .bind(5, std::int64_t{r->message.retain ? 1 : 0})
        .bind(6, std::string_view(r->message.topic))
        .bind(7, bp::byte_view(r->message.payload));
    if (r->message.props.empty() ||
        bp::encode_properties(r->message.props, bp::packet_type::publish, props)) {
      insert_message.bind_null(8); // the session checked them before accepting the message
    } else {
      insert_message.bind(8, bp::byte_view(props));
    }
    rc = insert_message.run();
  }
  for (auto it = incoming_ops.begin(); ok() && it != incoming_ops.end(); ++it) {
    auto& st = it->second ? insert_incoming : delete_incoming;
    rc = st.bind(1, session).bind(2, std::int64_t{it->first}).run();
  }
  if (ok() && (clear_subscriptions || subscriptions_changed)) {
    rc = delete_subscriptions.bind(1, session).run();
    std::int64_t position = 0;
    for (const auto& sub : mirror.subscriptions()) {
      if (!ok()) {
        break;
      }
      rc = insert_subscription.bind(1, session)
               .bind(2, position++)
               .bind(3, std::string_view(sub.filter))
               .bind(4, static_cast<std::int64_t>(sub.options.max_qos))
               .bind(5, std::int64_t{sub.options.no_local ? 1 : 0})
               .bind(6, std::int64_t{sub.options.retain_as_published ? 1 : 0})
               .bind(7, static_cast<std::int64_t>(sub.options.retain_handling))
               .run();
    }
  }
  if (ok() && (clear_records || accepted_added != 0)) {
    const auto base = clear_records ? 0 : accepted;
    rc = set_accepted.bind(1, session)
             .bind(2, static_cast<std::int64_t>(base + accepted_added))
             .run();
  }
  for (auto it = value_ops.begin(); ok() && it != value_ops.end(); ++it) {
    if (it->second) {
      rc = put_value.bind(1, session)
               .bind(2, std::string_view(it->first))
               .bind(3, bp::byte_view(*it->second))
               .run();
    } else {
      rc = delete_value.bind(1, session).bind(2, std::string_view(it->first)).run();
    }
  }
  return rc;
}

std::error_code sqlite_store::flush() {
  auto& s = *impl_;
  if (!s.staged()) {
    return {};
  }
  int rc = s.begin.run();
  if (rc == SQLITE_DONE) {
    rc = s.write_staged();
  }
  if (rc == SQLITE_DONE) {
    rc = s.commit.run();
  }
  if (rc != SQLITE_DONE) {
    const auto ec = commit_error(rc);
    s.last_error = s.describe(ec == store_errc::disk_full
                                  ? "could not commit: the disk is full. The publishes of "
                                    "this commit failed; the rest is kept and written once there "
                                    "is room"
                                  : "could not commit. The publishes of this commit failed; the "
                                    "rest is kept and written again",
                              rc);
    if (s.db.in_transaction()) {
      (void)s.rollback.run();
    }
    return ec;
  }
  s.accepted = (s.clear_records ? 0 : s.accepted) + s.accepted_added;
  s.forget_staged();
  return {};
}

// --- the application's side ------------------------------------------------------------

std::uint64_t sqlite_store::accepted() const noexcept {
  return impl_->accepted;
}

void sqlite_store::put(std::string_view key, bp::byte_view value) {
  impl_->value_ops.insert_or_assign(std::string(key), bp::bytes(value.begin(), value.end()));
}

void sqlite_store::erase(std::string_view key) {
  impl_->value_ops.insert_or_assign(std::string(key), std::nullopt);
}

std::optional<bp::bytes> sqlite_store::get(std::string_view key) const {
  auto& s = *impl_;
  if (auto it = s.value_ops.find(key); it != s.value_ops.end()) {
    return it->second;
  }
  s.get_value.bind(1, s.session).bind(2, key);
  std::optional<bp::bytes> out;
  if (s.get_value.step() == SQLITE_ROW) {
    auto v = s.get_value.blob(0);
    out.emplace(v.begin(), v.end());
  }
  s.get_value.reset();
  return out;
}

std::size_t sqlite_store::size() const noexcept {
  return impl_->mirror.size();
}

const std::string& sqlite_store::path() const noexcept {
  return impl_->options.path;
}

const std::string& sqlite_store::last_error() const noexcept {
  return impl_->last_error;
}

} // namespace braid
