// The durable store on its own and under a session: records survive reopening
// and a crash of the process (the commit is the line), removal, clean start,
// keys, the application's values, damaged, foreign and locked files, and
// commits that fail (a full or failing disk, through a faulty VFS).
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/session.hpp>
#include <braid/store/sqlite_store.hpp>

#include "faulty_vfs.hpp"
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

namespace braid {
namespace {

namespace bp = protocol;
namespace fs = std::filesystem;
using sequence_list = std::vector<std::uint64_t>;

constexpr auto q1 = bp::qos::at_least_once;
constexpr auto q2 = bp::qos::exactly_once;

bp::stored_publish record(std::uint64_t sequence, std::string payload, bp::qos q = q1,
                          std::uint16_t packet_id = 0,
                          bp::publish_state state = bp::publish_state::queued) {
  bp::stored_publish r;
  r.sequence = sequence;
  r.message.topic = "t/" + std::to_string(sequence);
  r.message.payload = bp::bytes(payload.begin(), payload.end());
  r.message.qos = q;
  r.message.packet_id = packet_id;
  r.state = state;
  return r;
}

bp::subscription sub(std::string filter, bp::qos q) {
  bp::subscription s;
  s.filter = std::move(filter);
  s.options.max_qos = q;
  return s;
}

bp::session_config session_config(bool clean_start) {
  bp::session_config config;
  config.connect_packet.client_id = "c1";
  config.connect_packet.clean_start = clean_start;
  return config;
}

class SqliteStore : public ::testing::Test {
protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = fs::path(tmp != nullptr ? tmp : "/tmp") /
           ("braid-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "store.db").string();
  }
  void TearDown() override {
    testing::faulty_vfs::fault = SQLITE_OK;
    fs::remove_all(dir_);
  }
  sqlite_store_options options(std::string client_id = "c1") const {
    sqlite_store_options o;
    o.path = path_;
    o.client_id = std::move(client_id);
    return o;
  }
  // Rows in a table of the store file, read with SQLite directly (the store
  // must be closed: it holds the file); -1 when it cannot be read.
  int rows_in(const std::string& table) const {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    int rows = -1;
    if (sqlite3_open(path_.c_str(), &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      rows = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
  }
  // Opening must fail: the error and its message.
  std::pair<std::error_code, std::string> open_fails(sqlite_store_options o) {
    std::error_code ec;
    std::string message;
    auto s = sqlite_store::open(std::move(o), ec, message);
    EXPECT_EQ(s, nullptr);
    return {ec, message};
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteStore, RecordsIncomingIdsAndSubscriptionsSurviveReopening) {
  auto with_props = record(3, "three", q2, 9, bp::publish_state::released);
  with_props.message.retain = true;
  with_props.message.props.add(bp::property_id::content_type, std::string("text/plain"));
  with_props.message.props.add_user_property("k", "v");
  {
    sqlite_store s(options());
    s.add(record(1, "one", q1, 4, bp::publish_state::sent));
    s.add(record(2, ""));
    s.add(with_props);
    s.add_incoming(7);
    s.add_incoming(65535);
    s.add_subscription(sub("a/#", q1));
    s.add_subscription(sub("b/+", q2));
    EXPECT_TRUE(s.dirty());
    ASSERT_FALSE(s.flush());
    EXPECT_FALSE(s.dirty());
  }
  sqlite_store s(options());
  EXPECT_EQ(s.sequences(), (sequence_list{1, 2, 3}));
  EXPECT_EQ(*s.find(1), record(1, "one", q1, 4, bp::publish_state::sent));
  EXPECT_EQ(*s.find(2), record(2, ""));
  EXPECT_EQ(*s.find(3), with_props);
  EXPECT_TRUE(s.contains_incoming(7));
  EXPECT_TRUE(s.contains_incoming(65535));
  EXPECT_EQ(s.incoming_count(), 2u);
  EXPECT_EQ(s.subscriptions(), (std::vector{sub("a/#", q1), sub("b/+", q2)}));
  EXPECT_EQ(s.accepted(), 3u);
  EXPECT_FALSE(s.dirty());
}

TEST_F(SqliteStore, RemovalsAndUpdatesSurviveReopening) {
  {
    sqlite_store s(options());
    for (std::uint64_t i = 1; i <= 5; ++i) {
      s.add(record(i, std::to_string(i)));
    }
    ASSERT_FALSE(s.flush());
    s.remove(2);
    s.remove(4);
    auto* r = s.find(3);
    r->state = bp::publish_state::sent;
    r->message.packet_id = 11;
    s.update(*r);
    s.add_incoming(5);
    s.add_incoming(6);
    ASSERT_FALSE(s.flush());
    EXPECT_TRUE(s.remove_incoming(5));
    EXPECT_FALSE(s.remove_incoming(99));
    s.remove_subscription("none");
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  EXPECT_EQ(s.sequences(), (sequence_list{1, 3, 5}));
  EXPECT_EQ(*s.find(3), record(3, "3", q1, 11, bp::publish_state::sent));
  EXPECT_FALSE(s.contains_incoming(5));
  EXPECT_TRUE(s.contains_incoming(6));
  EXPECT_EQ(s.accepted(), 5u); // removal does not undo acceptance
}

TEST_F(SqliteStore, AddedThenRemovedInOneBatchWritesNothing) {
  sqlite_store s(options());
  s.add(record(1, "x"));
  s.remove(1);
  EXPECT_EQ(s.not_durable(), sequence_list{});
  ASSERT_FALSE(s.flush());
  EXPECT_EQ(s.accepted(), 0u); // never durable: not accepted
}

// A segment stays on disk while any of its messages lives, with rows about
// the others: new messages must not take sequences inside it, or its rows
// would be taken for theirs (and deleted with theirs).
TEST_F(SqliteStore, NewSequencesComeAfterEverySegmentOnDisk) {
  {
    sqlite_store s(options());
    for (std::uint64_t i = 1; i <= 10; ++i) {
      s.add(record(i, std::to_string(i), i <= 5 ? q2 : q1, static_cast<std::uint16_t>(i),
                   bp::publish_state::sent));
    }
    ASSERT_FALSE(s.flush());
    for (std::uint64_t i = 6; i <= 10; ++i) {
      s.remove(i); // their PUBACKs came; the QoS 2 ones wait
    }
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_EQ(s.sequences(), (sequence_list{1, 2, 3, 4, 5}));
    EXPECT_EQ(s.next_free_sequence(), 11u);
    bp::session session(session_config(false), s);
    bp::request_id id = 0;
    ASSERT_FALSE(session.publish(record(0, "new").message, id, 0));
    EXPECT_EQ(id, 11u);
    ASSERT_FALSE(session.make_durable(0));
    s.remove(id); // acknowledged: its segment goes, with its rows only
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  EXPECT_EQ(s.sequences(), (sequence_list{1, 2, 3, 4, 5}));
}

// A PUBREC written as a released run must not outlive a later change of the
// message (here: sent again as new with another packet id).
TEST_F(SqliteStore, AChangeAfterAReleasedRunWins) {
  {
    sqlite_store s(options());
    s.add(record(1, "m", q2, 5, bp::publish_state::sent));
    ASSERT_FALSE(s.flush());
    auto* r = s.find(1);
    r->state = bp::publish_state::released; // a released run
    s.update(*r);
    ASSERT_FALSE(s.flush());
    r->state = bp::publish_state::queued; // a change row
    r->message.packet_id = 0;
    s.update(*r);
    ASSERT_FALSE(s.flush());
    r->state = bp::publish_state::sent; // another change row
    r->message.packet_id = 9;
    s.update(*r);
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_EQ(*s.find(1), record(1, "m", q2, 9, bp::publish_state::sent));
    auto* r = s.find(1);
    r->state = bp::publish_state::released; // written whole: it has a change row
    s.update(*r);
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  EXPECT_EQ(*s.find(1), record(1, "m", q2, 9, bp::publish_state::released));
}

// A commit's messages go in segments of bounded size (a blob has a limit).
TEST_F(SqliteStore, ABurstOfLargeMessagesIsSplitIntoSegments) {
  const std::string big(6u << 20, 'b');
  {
    sqlite_store s(options());
    for (std::uint64_t i = 1; i <= 6; ++i) {
      s.add(record(i, big + std::to_string(i)));
    }
    ASSERT_FALSE(s.flush());
    s.remove(1);
    s.remove(2);
    s.remove(3);
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_EQ(s.sequences(), (sequence_list{4, 5, 6}));
    EXPECT_EQ(*s.find(6), record(6, big + "6"));
  }
  EXPECT_GE(rows_in("segments"), 2); // not one 36 MB row (the store is closed)
}

// The commit is the line: what was flushed survives a process that dies
// without closing the store; what was not, does not.
TEST_F(SqliteStore, ACrashKeepsWhatWasCommittedAndNothingElse) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::error_code ec;
    std::string message;
    auto s = sqlite_store::open(options(), ec, message);
    if (!s) {
      ::_exit(2);
    }
    s->add(record(1, "committed"));
    s->add_incoming(3);
    s->put("app", bp::byte_view(reinterpret_cast<const std::uint8_t*>("v1"), 2));
    if (s->flush()) {
      ::_exit(3);
    }
    s->add(record(2, "staged only"));
    s->remove_incoming(3);
    ::_exit(0); // no destructor: as SIGKILL
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  sqlite_store s(options());
  EXPECT_EQ(s.sequences(), sequence_list{1});
  EXPECT_TRUE(s.contains_incoming(3));
  EXPECT_EQ(s.accepted(), 1u);
  auto v = s.get("app");
  ASSERT_TRUE(v);
  EXPECT_EQ(std::string(v->begin(), v->end()), "v1");
}

TEST_F(SqliteStore, ClearForgetsTheSessionButKeepsTheApplicationsValues) {
  {
    sqlite_store s(options());
    s.add(record(1, "x", q1, 1, bp::publish_state::sent));
    s.add_incoming(1);
    s.add_subscription(sub("a", q1));
    s.put("k", bp::bytes{1, 2});
    ASSERT_FALSE(s.flush());
    s.clear(true);
    s.add(record(2, "after the clear"));
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_EQ(s.sequences(), sequence_list{2});
    EXPECT_EQ(s.incoming_count(), 0u);
    EXPECT_EQ(s.subscriptions(), std::vector{sub("a", q1)});
    EXPECT_EQ(s.accepted(), 1u); // counted from the clear
    s.clear(false);
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  EXPECT_EQ(s.sequences(), sequence_list{});
  EXPECT_TRUE(s.subscriptions().empty());
  EXPECT_EQ(s.accepted(), 0u);
  EXPECT_EQ(s.get("k"), (bp::bytes{1, 2}));
}

TEST_F(SqliteStore, ACleanStartSessionClearsTheStore) {
  {
    sqlite_store s(options());
    s.add(record(1, "old", q1, 1, bp::publish_state::sent));
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  bp::session session(session_config(true), s);
  EXPECT_EQ(session.in_flight(), 0u);
  ASSERT_FALSE(session.make_durable(0));
  EXPECT_EQ(s.sequences(), sequence_list{});
}

TEST_F(SqliteStore, SessionsAreKeyedByBrokerAndClientId) {
  auto o = options("c1");
  auto other_client = options("c2");
  auto other_broker = options("c1");
  other_broker.broker = "cluster-b";
  {
    sqlite_store a(o);
    a.add(record(1, "a"));
    ASSERT_FALSE(a.flush());
  }
  {
    sqlite_store b(other_client);
    EXPECT_EQ(b.size(), 0u);
    b.add(record(1, "b"));
    b.add(record(2, "b2"));
    ASSERT_FALSE(b.flush());
  }
  {
    sqlite_store c(other_broker);
    EXPECT_EQ(c.size(), 0u);
    c.add_incoming(5);
    c.clear(false); // clears its own session only
    ASSERT_FALSE(c.flush());
  }
  EXPECT_EQ(sqlite_store(o).sequences(), sequence_list{1});
  EXPECT_EQ(sqlite_store(other_client).sequences(), (sequence_list{1, 2}));
}

TEST_F(SqliteStore, ApplicationValuesCommitWithTheBatch) {
  sqlite_store s(options());
  EXPECT_EQ(s.get("n"), std::nullopt);
  s.put("n", bp::bytes{5});
  EXPECT_EQ(s.get("n"), bp::bytes{5}); // staged values are seen at once
  ASSERT_FALSE(s.flush());
  EXPECT_EQ(s.get("n"), bp::bytes{5});
  s.erase("n");
  EXPECT_EQ(s.get("n"), std::nullopt);
  ASSERT_FALSE(s.flush());
  EXPECT_EQ(s.get("n"), std::nullopt);
}

TEST_F(SqliteStore, ASessionResumesFromTheStore) {
  {
    sqlite_store s(options());
    s.add(record(4, "in flight", q2, 3, bp::publish_state::sent));
    s.add(record(6, "queued", q1));
    s.add_incoming(8);
    ASSERT_FALSE(s.flush());
  }
  sqlite_store s(options());
  bp::session session(session_config(false), s);
  EXPECT_EQ(session.in_flight(), 1u);
  EXPECT_EQ(session.queued(), 1u);
  EXPECT_TRUE(session.packet_ids().in_use(3));
  bp::request_id id = 0;
  ASSERT_FALSE(session.publish(record(0, "new").message, id, 0));
  EXPECT_EQ(id, 7u); // after the last stored sequence
}

// The replay guard's memory (session_config::replay_guard) is part of the
// session: the newest `capacity` entries survive reopening, in order.
TEST_F(SqliteStore, TheReplayGuardsMemorySurvivesReopeningUpToItsCapacity) {
  {
    sqlite_store s(options());
    for (std::uint16_t id = 1; id <= 4; ++id) {
      s.remember_delivered({id, 100u + id}, 3);
    }
    ASSERT_FALSE(s.flush());
    s.remember_delivered({5, 105}, 3); // a second commit forgets id 2's row
    ASSERT_FALSE(s.flush());
  }
  EXPECT_EQ(rows_in("replay_guard"), 3);
  {
    sqlite_store s(options());
    EXPECT_FALSE(s.delivered_before({1, 101}));
    EXPECT_FALSE(s.delivered_before({2, 102}));
    EXPECT_TRUE(s.delivered_before({3, 103}));
    EXPECT_TRUE(s.delivered_before({5, 105}));
    EXPECT_FALSE(s.delivered_before({5, 104}));
    EXPECT_FALSE(s.dirty());
    s.remember_delivered({3, 999}, 3); // id 3 now stands for another message
    ASSERT_FALSE(s.flush());
  }
  EXPECT_EQ(rows_in("replay_guard"), 3);
  sqlite_store s(options());
  EXPECT_FALSE(s.delivered_before({3, 103}));
  EXPECT_TRUE(s.delivered_before({3, 999}));
  EXPECT_TRUE(s.delivered_before({4, 104}));
  EXPECT_TRUE(s.delivered_before({5, 105}));
}

TEST_F(SqliteStore, ALostSessionOrACleanStartForgetsTheReplayGuardsMemory) {
  {
    sqlite_store s(options());
    s.remember_delivered({1, 1}, 10);
    s.remember_delivered({2, 2}, 10);
    ASSERT_FALSE(s.flush());
    s.clear_incoming(); // the broker lost the session
    s.remember_delivered({3, 3}, 10);
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_FALSE(s.delivered_before({1, 1}));
    EXPECT_TRUE(s.delivered_before({3, 3}));
    s.clear(true);
    ASSERT_FALSE(s.flush());
  }
  EXPECT_EQ(rows_in("replay_guard"), 0);
}

// A store written before the replay guard (format 1) opens, and from then
// on keeps the guard's memory too.
TEST_F(SqliteStore, AStoreOfTheFirstFormatIsUpgraded) {
  {
    sqlite_store s(options());
    s.add_incoming(9);
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE replay_guard; PRAGMA user_version = 1", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  {
    sqlite_store s(options());
    EXPECT_TRUE(s.contains_incoming(9));
    s.remember_delivered({9, 42}, 10);
    ASSERT_FALSE(s.flush());
  }
  {
    sqlite_store s(options());
    EXPECT_TRUE(s.delivered_before({9, 42}));
    EXPECT_TRUE(s.contains_incoming(9));
  }
  EXPECT_EQ(rows_in("replay_guard"), 1);
}

// Messages live in segments (one per commit) with later changes and
// removals as rows: removing from the middle and the ends of segments,
// across segments, with gaps in the sequences, changing old messages, and
// reopening at any point gives back exactly what a plain map holds.
TEST_F(SqliteStore, ARandomHistoryReadsBackAsAPlainMapHoldsIt) {
  for (std::uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    std::mt19937 rng(seed);
    auto pick = [&](std::size_t n) {
      return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::map<std::uint64_t, bp::stored_publish> model;
    std::set<std::uint16_t> incoming;
    auto store = std::make_unique<sqlite_store>(options());
    std::uint64_t next = 1;
    auto check = [&] {
      std::vector<std::uint64_t> expected;
      for (const auto& [sequence, r] : model) {
        expected.push_back(sequence);
        ASSERT_NE(store->find(sequence), nullptr) << sequence;
        ASSERT_EQ(*store->find(sequence), r) << sequence;
      }
      ASSERT_EQ(store->sequences(), expected);
      ASSERT_EQ(store->incoming_count(), incoming.size());
      for (auto id : incoming) {
        ASSERT_TRUE(store->contains_incoming(id));
      }
    };
    for (int step = 0; step < 3000; ++step) {
      const auto what = pick(100);
      if (what < 35) { // a message, sometimes after a gap (a subscribe took ids)
        next += pick(4) == 0 ? 1 + pick(3) : 0;
        auto r = record(next, "m" + std::to_string(next), pick(2) == 0 ? q1 : q2);
        if (pick(2) == 0) {
          r.state = bp::publish_state::sent;
          r.message.packet_id = static_cast<std::uint16_t>(1 + pick(65535));
        }
        if (pick(8) == 0) {
          r.message.props.add_user_property("k", std::to_string(next));
        }
        model[next] = r;
        store->add(r);
        ++next;
      } else if (what < 65 && !model.empty()) { // an acknowledgement, mostly of the oldest
        auto it = model.begin();
        std::advance(it, pick(3) == 0 ? pick(model.size())
                                      : pick(std::min<std::size_t>(3, model.size())));
        store->remove(it->first);
        model.erase(it);
      } else if (what < 75 && !model.empty()) { // sent (a packet id), or PUBREC received
        auto it = model.begin();
        std::advance(it, pick(model.size()));
        auto* r = store->find(it->first);
        if (r->state == bp::publish_state::queued) {
          r->state = bp::publish_state::sent;
          r->message.packet_id = static_cast<std::uint16_t>(1 + pick(65535));
        } else if (r->state == bp::publish_state::sent) {
          r->state = bp::publish_state::released;
        } else {
          continue;
        }
        store->update(*r);
        it->second = *r;
      } else if (what < 80) {
        const auto id = static_cast<std::uint16_t>(1 + pick(50));
        if (pick(2) == 0) {
          store->add_incoming(id);
          incoming.insert(id);
        } else {
          store->remove_incoming(id);
          incoming.erase(id);
        }
      } else if (what < 95) {
        ASSERT_FALSE(store->flush()) << store->last_error();
      } else { // a restart: closing commits what is staged
        store.reset();
        store = std::make_unique<sqlite_store>(options());
        check();
        // Sequences go on as a session numbers them after a restart: after
        // the last stored one and the store's high-water mark, so that
        // sequences of removed messages are taken again when they can be.
        next = std::max(store->next_free_sequence(),
                        model.empty() ? std::uint64_t{1} : model.rbegin()->first + 1);
      }
    }
    store.reset();
    store = std::make_unique<sqlite_store>(options());
    check();
    // Once everything is acknowledged, no row of any message is left.
    for (const auto& [sequence, r] : model) {
      store->remove(sequence);
    }
    model.clear();
    store.reset();
    for (const char* table : {"segments", "changes", "removed", "released"}) {
      EXPECT_EQ(rows_in(table), 0) << table;
    }
  }
}

// --- files that cannot serve -------------------------------------------------------------

TEST_F(SqliteStore, AFileThatIsNotADatabaseIsRefusedWithItsName) {
  std::ofstream(path_) << std::string(8192, 'x');
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::not_a_store);
  EXPECT_NE(message.find(path_), std::string::npos) << message;
  EXPECT_NE(message.find("Move it aside"), std::string::npos) << message;
  EXPECT_THROW(sqlite_store{options()}, store_error);
}

TEST_F(SqliteStore, ADamagedDatabaseIsRefused) {
  {
    sqlite_store s(options());
    for (std::uint64_t i = 1; i <= 300; ++i) {
      s.add(record(i, std::string(500, 'p')));
    }
    ASSERT_FALSE(s.flush());
  }
  // Overwrite pages in the middle of the file (not the header).
  const auto size = fs::file_size(path_);
  ASSERT_GT(size, 16384u);
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(8192, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::not_a_store) << message;
  EXPECT_NE(message.find(path_), std::string::npos) << message;
}

// The session sends stored messages without checking them again, so a
// record whose topic is not a valid topic name (a damaged file) is refused
// on opening rather than sent.
TEST_F(SqliteStore, ARecordWithAnInvalidTopicIsRefusedOnOpening) {
  {
    sqlite_store s(options());
    auto bad = record(1, "x");
    bad.message.topic = "a/+/b"; // wildcards are for filters
    s.add(bad);
    ASSERT_FALSE(s.flush());
  }
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::not_a_store) << message;
  EXPECT_NE(message.find("the topic of message 1 is not a valid topic name"), std::string::npos)
      << message;
}

TEST_F(SqliteStore, ADatabaseOfAnotherApplicationIsRefused) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE users(name TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::not_a_store);
  EXPECT_NE(message.find("another application"), std::string::npos) << message;
}

TEST_F(SqliteStore, AStoreOfANewerFormatIsRefused) {
  { sqlite_store s(options()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 3", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::newer_format);
  EXPECT_NE(message.find("newer braid"), std::string::npos) << message;
}

TEST_F(SqliteStore, AFileInUseIsRefused) {
  sqlite_store first(options());
  auto [ec, message] = open_fails(options("another client"));
  EXPECT_EQ(ec, store_errc::in_use);
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
  EXPECT_NE(message.find(path_), std::string::npos) << message;
}

TEST_F(SqliteStore, AFileInUseByAnotherProcessIsRefused) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::error_code ec;
    std::string message;
    auto s = sqlite_store::open(options(), ec, message);
    char c = s ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause(); // holds the store until killed
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  EXPECT_EQ(c, 'y');
  auto [ec, message] = open_fails(options());
  EXPECT_EQ(ec, store_errc::in_use) << message;
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  std::error_code ec2;
  std::string message2;
  EXPECT_NE(sqlite_store::open(options(), ec2, message2), nullptr) << message2; // free again
}

TEST_F(SqliteStore, APathThatCannotBeCreatedIsRefused) {
  auto o = options();
  o.path = (dir_ / "no such directory" / "store.db").string();
  auto [ec, message] = open_fails(o);
  EXPECT_EQ(ec, store_errc::cannot_open);
  EXPECT_NE(message.find(o.path), std::string::npos) << message;
  o.path = dir_.string(); // a directory
  EXPECT_EQ(open_fails(o).first, store_errc::cannot_open);
}

TEST_F(SqliteStore, AnEmptyClientIdIsRefused) {
  EXPECT_EQ(open_fails(options("")).first, store_errc::no_client_id);
}

// --- commits that fail -------------------------------------------------------------------

TEST_F(SqliteStore, AFullDiskFailsTheCommitKeepsTheChangesAndRetries) {
  testing::faulty_vfs::install();
  auto o = options();
  o.vfs = testing::faulty_vfs::name;
  {
    sqlite_store s(o);
    s.add(record(1, "durable"));
    ASSERT_FALSE(s.flush());
    s.add(record(2, "new"));
    s.remove(1);
    s.add_incoming(9);
    testing::faulty_vfs::fault = SQLITE_FULL;
    EXPECT_EQ(s.flush(), store_errc::disk_full);
    EXPECT_NE(s.last_error().find(path_), std::string::npos) << s.last_error();
    EXPECT_NE(s.last_error().find("full"), std::string::npos) << s.last_error();
    EXPECT_TRUE(s.dirty());
    EXPECT_EQ(s.not_durable(), sequence_list{2});
    // The session drops what was not durable; the rest is committed later.
    s.remove(2);
    testing::faulty_vfs::fault = SQLITE_IOERR_WRITE;
    EXPECT_EQ(s.flush(), store_errc::write_failed);
    testing::faulty_vfs::fault = SQLITE_OK;
    ASSERT_FALSE(s.flush());
    EXPECT_FALSE(s.dirty());
  }
  sqlite_store s(o);
  EXPECT_EQ(s.sequences(), sequence_list{});
  EXPECT_TRUE(s.contains_incoming(9));
  EXPECT_EQ(s.accepted(), 1u); // message 2 never became durable
}

// every_commit waits for the disk at each commit; os_buffered leaves the
// commits to the operating system (the disk is synced at checkpoints only).
TEST_F(SqliteStore, TheSyncPolicyDecidesWhetherACommitWaitsForTheDisk) {
  testing::faulty_vfs::install();
  for (auto policy : {sync_policy::every_commit, sync_policy::os_buffered}) {
    std::filesystem::remove(path_);
    std::filesystem::remove(path_ + "-wal");
    auto o = options();
    o.vfs = testing::faulty_vfs::name;
    o.sync = policy;
    sqlite_store s(o);
    const int before = testing::faulty_vfs::syncs;
    for (std::uint64_t i = 1; i <= 20; ++i) {
      s.add(record(i, "m"));
      ASSERT_FALSE(s.flush());
    }
    const int syncs = testing::faulty_vfs::syncs - before;
    if (policy == sync_policy::every_commit) {
      EXPECT_GE(syncs, 20);
    } else {
      EXPECT_EQ(syncs, 0);
    }
  }
}

TEST_F(SqliteStore, ASessionFailsOnlyThePublishesThatWereNotDurable) {
  testing::faulty_vfs::install();
  auto o = options();
  o.vfs = testing::faulty_vfs::name;
  sqlite_store s(o);
  bp::session session(session_config(false), s);
  bp::request_id kept = 0, lost = 0;
  ASSERT_FALSE(session.publish(record(0, "kept").message, kept, 0));
  ASSERT_FALSE(session.make_durable(0));
  ASSERT_FALSE(session.publish(record(0, "lost").message, lost, 0));
  testing::faulty_vfs::fault = SQLITE_FULL;
  EXPECT_EQ(session.make_durable(0), store_errc::disk_full);
  std::vector<bp::request_id> failed;
  for (auto& a : session.actions()) {
    if (auto* c = std::get_if<bp::request_completed>(&a)) {
      EXPECT_EQ(c->error, store_errc::disk_full);
      failed.push_back(c->id);
    }
  }
  EXPECT_EQ(failed, std::vector<bp::request_id>{lost});
  EXPECT_EQ(session.queued(), 1u);
  testing::faulty_vfs::fault = SQLITE_OK;
  ASSERT_FALSE(session.make_durable(0));
  EXPECT_EQ(s.sequences(), sequence_list{kept});
}

// A restart of the client between a QoS 2 exchange and the broker's replay
// of it: the replay guard's memory comes back from the file.
TEST_F(SqliteStore, TheReplayGuardRecognisesAReplayAfterARestartOfTheClient) {
  auto config = session_config(false);
  config.replay_guard = 16;
  bp::publish m = record(1, "once", q2, 21).message;
  const auto feed = [](bp::session& session, const bp::packet& p) {
    bp::output_buffer out;
    ASSERT_FALSE(bp::encode(p, bp::protocol_version::v3_1_1, out));
    session.bytes_received(out.view(), 0);
  };
  const auto delivered = [](bp::session& session) {
    std::size_t n = 0;
    for (const auto& a : session.actions()) {
      n += std::holds_alternative<bp::message_received>(a) ? 1u : 0u;
    }
    session.clear_actions();
    return n;
  };
  {
    sqlite_store s(options());
    bp::session session(config, s);
    session.connection_opened(0);
    feed(session, bp::connack{});
    feed(session, m);
    EXPECT_EQ(delivered(session), 1u);
    feed(session, bp::pubrel{21});
    ASSERT_FALSE(session.make_durable(0));
  }
  sqlite_store s(options());
  bp::session session(config, s);
  session.connection_opened(0);
  feed(session, bp::connack{true});
  delivered(session);
  m.dup = true;
  feed(session, m);
  EXPECT_EQ(delivered(session), 0u);
  EXPECT_EQ(session.counters().replays, 1u);
}

} // namespace
} // namespace braid
