#pragma once
// Internal: the store's file format. A new file gets this schema; the
// format's version is PRAGMA user_version, and PRAGMA application_id marks
// the file as a braid store.

#include <cstdint>

namespace braid::store_detail {

constexpr std::int64_t braid_application_id = 0x42524944; // "BRID"
constexpr std::int64_t format_version = 2;

// The replay guard's memory (format 2): the latest incoming QoS 2 messages
// delivered, oldest first by sequence; digest is the 64-bit message_digest
// stored as a signed integer.
#define BRAID_REPLAY_GUARD_TABLE                                                                   \
  "CREATE TABLE replay_guard(session INTEGER NOT NULL, sequence INTEGER NOT NULL, "                \
  "packet_id INTEGER NOT NULL, digest INTEGER NOT NULL, PRIMARY KEY(session, sequence)) "          \
  "WITHOUT ROWID;\n"

// Outgoing messages are a log of segments (see store_impl.hpp). Keys are
// (sessions.id << 44) | sequence: segments.key names the segment's first
// message, changes.key the changed message, removed.key (released.key) the
// first message of a run of removed (released) ones, which ends at
// removed.last (released.last). A segment's body is its messages
// (record_codec.hpp); a change replaces a message's packet id and state (0
// queued, 1 sent, 2 released: PUBREL sent); a released run turns "sent" into
// "released"; a removed run removes.
constexpr const char* create_schema = R"sql(
BEGIN;
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  broker TEXT NOT NULL,
  client_id TEXT NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0,
  UNIQUE(broker, client_id));
CREATE TABLE segments(
  key INTEGER PRIMARY KEY,
  body BLOB NOT NULL);
CREATE TABLE changes(
  key INTEGER PRIMARY KEY,
  packet_id INTEGER NOT NULL,
  state INTEGER NOT NULL);
CREATE TABLE removed(
  key INTEGER PRIMARY KEY,
  last INTEGER NOT NULL);
CREATE TABLE released(
  key INTEGER PRIMARY KEY,
  last INTEGER NOT NULL);
CREATE TABLE incoming(
  session INTEGER NOT NULL,
  packet_id INTEGER NOT NULL,
  PRIMARY KEY(session, packet_id)) WITHOUT ROWID;
)sql" BRAID_REPLAY_GUARD_TABLE R"sql(CREATE TABLE subscriptions(
  session INTEGER NOT NULL,
  position INTEGER NOT NULL,
  filter TEXT NOT NULL,
  qos INTEGER NOT NULL,
  no_local INTEGER NOT NULL,
  retain_as_published INTEGER NOT NULL,
  retain_handling INTEGER NOT NULL,
  PRIMARY KEY(session, position)) WITHOUT ROWID;
CREATE TABLE app_values(
  session INTEGER NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY(session, key)) WITHOUT ROWID;
PRAGMA application_id = 1112688964;
PRAGMA user_version = 2;
COMMIT;
)sql";

// Format 1 to 2: the replay guard's memory.
constexpr const char* upgrade_from_1 =
    "BEGIN;\n" BRAID_REPLAY_GUARD_TABLE "PRAGMA user_version = 2;\nCOMMIT;\n";

#undef BRAID_REPLAY_GUARD_TABLE

} // namespace braid::store_detail
