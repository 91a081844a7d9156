#pragma once
// The durable session store: the session's state in a SQLite database (WAL
// mode), so that QoS 1 and 2 hold across a crash of the process, not only
// across reconnects.
//
//   auto store = std::make_shared<braid::sqlite_store>(
//       braid::sqlite_store_options{.path = "/var/lib/app/mqtt.db", .client_id = "sensor-7"});
//   braid::client_options options;
//   options.store = store;
//   braid::client c(ex, config /* same client id, clean_start = false */, options);
//
// What it keeps, per (broker identity, client id): outgoing QoS 1/2 messages
// queued and in flight (topic, payload, QoS, retain, MQTT 5 properties,
// packet id, state), incoming QoS 2 packet ids awaiting PUBREL, the replay
// guard's memory (session_config::replay_guard: the latest QoS 2 messages
// delivered, by packet id and digest), the subscriptions to restore, and
// values of the application's own (put/get).
// Opening loads all of it; the session then resends per the MQTT rules and
// completes nothing twice. A clean start clears it all except the
// application's values.
//
// Ordering: every change is staged in memory and committed by flush(), which
// the client calls before it writes the packets that depend on the changes:
// a message is durable before its PUBLISH is sent (so before its publish can
// complete), a PUBREC state before the PUBREL, an incoming QoS 2 id before
// its PUBREC. The removal of an acknowledged message is committed soon after
// (a crash in between resends it: a QoS 1 duplicate, or a PUBREL the broker
// answers). Changes that come together (a burst of publishes, a read full of
// PUBACKs) share one transaction: group commit.
//
// Durability (sync_policy): os_buffered commits to the operating system
// without waiting for the disk — nothing is lost when the process crashes or
// is killed; a power cut or an OS crash may lose the last commits, never the
// database. every_commit waits for the disk (fsync) at each commit: nothing
// committed is lost even then, at a cost of one disk flush per commit.
//
// Faults: a file that cannot be opened, is damaged, is not a braid store or
// is in use by another process fails the constructor with a store_error that
// names the file and says what to do. A failed commit (disk full, I/O error)
// fails the publishes of that commit with the error and closes the
// connection; the rest is kept and committed again later.
//
// Threads: a store is used by one client, on the client's strand. Call
// put/get/erase from the client's arrival hook (client_options::on_arrival),
// or before the client starts.

#include <braid/protocol/session/store.hpp>
#include <braid/store/store_errors.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace braid {

enum class sync_policy : std::uint8_t {
  os_buffered,  ///< survives a crash of the process (the default)
  every_commit, ///< survives a crash of the machine too; one fsync per commit
};

struct sqlite_store_options {
  /// The database file; created when missing (its directory must exist).
  std::string path{};
  /// Which broker the session is with: a name of the application's choice,
  /// the same whichever address of the broker (or its cluster) the client
  /// reaches. One file can hold the sessions of several brokers and clients.
  std::string broker = "default";
  /// The client id of the session: the same as in the CONNECT (not empty).
  std::string client_id{};
  sync_policy sync = sync_policy::os_buffered;
  /// A SQLite VFS registered by the application (empty: the default one).
  std::string vfs{};
};

class sqlite_store final : public protocol::session_store {
public:
  /// Opens the file (creating it when missing), takes it for this process,
  /// and loads the session of (broker, client_id). Throws store_error.
  explicit sqlite_store(sqlite_store_options options);
  /// The same without exceptions: nullptr, `ec` and a message naming the
  /// file and what to do.
  static std::unique_ptr<sqlite_store> open(sqlite_store_options options, std::error_code& ec,
                                            std::string& message);
  /// Commits what is staged (errors are ignored here) and closes the file.
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  // --- session_store -------------------------------------------------------
  void add(protocol::stored_publish record) override;
  protocol::stored_publish* find(std::uint64_t sequence) override;
  void update(const protocol::stored_publish& record) override;
  void remove(std::uint64_t sequence) override;
  std::vector<std::uint64_t> sequences() const override;
  std::uint64_t next_free_sequence() const override;
  void add_incoming(std::uint16_t packet_id) override;
  bool contains_incoming(std::uint16_t packet_id) const override;
  bool remove_incoming(std::uint16_t packet_id) override;
  std::size_t incoming_count() const override;
  void clear_incoming() override;
  void remember_delivered(protocol::replay_memory::entry delivered, std::size_t capacity) override;
  bool delivered_before(protocol::replay_memory::entry e) const override;
  void add_subscription(const protocol::subscription& s) override;
  void remove_subscription(std::string_view filter) override;
  std::vector<protocol::subscription> subscriptions() const override;
  void clear(bool keep_subscriptions) override;
  bool dirty() const override;
  /// Commits every staged change in one transaction; on failure rolls back,
  /// keeps the changes for the next flush and returns store_errc::disk_full,
  /// write_failed or not_a_store (see last_error()).
  std::error_code flush() override;
  std::vector<std::uint64_t> not_durable() const override;

  // --- the application's side ----------------------------------------------
  /// QoS 1/2 messages durably accepted for this session since the store was
  /// created or last cleared, acknowledged or not (one removed before it was
  /// committed — cancelled, or failed by a commit — is not counted). A
  /// publisher that numbers its messages resumes after a crash from this count.
  std::uint64_t accepted() const noexcept;
  /// A value of the application's, committed in the same transaction as the
  /// session's next changes: written from the arrival hook, it is durable
  /// exactly when the receipt of that message is (exactly-once processing).
  void put(std::string_view key, protocol::byte_view value);
  void erase(std::string_view key);
  /// The value as last put (committed or not), or nullopt.
  std::optional<protocol::bytes> get(std::string_view key) const;

  /// Outgoing records held (queued and in flight).
  std::size_t size() const noexcept;
  const std::string& path() const noexcept;
  /// What the last failed flush said, with the file name; empty when none failed.
  const std::string& last_error() const noexcept;

private:
  struct impl;
  explicit sqlite_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace braid
