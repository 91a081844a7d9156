// The durable store at work: the session's changes staged in memory and
// committed as one transaction per flush() (see store_impl.hpp).

#include <braid/store/sqlite_store.hpp>

#include "record_codec.hpp"
#include "store_impl.hpp"

#include <algorithm>

namespace braid {

using namespace store_detail;
namespace bp = protocol;

void sqlite_store::impl::forget_staged() {
  record_ops.clear();
  dead_segments.clear();
  incoming_ops.clear();
  clear_records = clear_incoming = clear_subscriptions = subscriptions_changed = false;
  accepted_added = 0;
  value_ops.clear();
  replay_adds.clear();
  clear_replays = false;
}

std::string sqlite_store::impl::describe(std::string_view what, int rc) const {
  return "braid store " + options.path + " " + std::string(what) + " (SQLite: " + db.message() +
         ", code " + std::to_string(rc) + ")";
}

std::map<std::uint64_t, sqlite_store::impl::segment>::iterator
sqlite_store::impl::segment_of(std::uint64_t sequence) {
  auto it = segments.upper_bound(sequence);
  if (it == segments.begin()) {
    return segments.end();
  }
  --it;
  return sequence <= it->second.last ? it : segments.end();
}

sqlite_store::~sqlite_store() {
  if (impl_ && impl_->staged()) {
    (void)flush();
  }
}

// --- the session's records -----------------------------------------------------------

void sqlite_store::add(bp::stored_publish record) {
  const auto sequence = record.sequence;
  if (sequence == 0 || sequence > impl::max_sequence || impl_->mirror.find(sequence) != nullptr) {
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
  // A message added since the last commit is written as it is then. One
  // whose PUBREC came with nothing else staged is "sent" on disk with this
  // packet id (a PUBREC only answers a sent message): marking it released
  // is enough, and runs of such marks share a row.
  const bool release_only =
      record.state == bp::publish_state::released && !impl_->changed.contains(record.sequence);
  auto [it, added] = impl_->record_ops.try_emplace(
      record.sequence, release_only ? impl::op::release : impl::op::update);
  if (!added && it->second == impl::op::release) {
    it->second = impl::op::update; // changed again: write it whole
  }
}

void sqlite_store::remove(std::uint64_t sequence) {
  if (impl_->mirror.find(sequence) == nullptr) {
    return;
  }
  impl_->mirror.remove(sequence);
  impl_->changed.erase(sequence);
  auto [it, added] = impl_->record_ops.try_emplace(sequence, impl::op::erase);
  if (!added) {
    if (it->second == impl::op::insert) {
      impl_->record_ops.erase(it); // never written: nothing to undo, nor to count
      --impl_->accepted_added;
    } else {
      it->second = impl::op::erase;
    }
  }
}

std::vector<std::uint64_t> sqlite_store::sequences() const {
  return impl_->mirror.sequences();
}

std::uint64_t sqlite_store::next_free_sequence() const {
  return impl_->next_free;
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
  impl_->replay_adds.clear();
  impl_->clear_replays = true;
}

void sqlite_store::remember_delivered(bp::replay_memory::entry delivered, std::size_t capacity) {
  auto& s = *impl_;
  s.mirror.remember_delivered(delivered, capacity);
  s.replay_adds.emplace_back(s.replay_next++, delivered);
  s.replay_keep_from = s.replay_next > capacity ? s.replay_next - capacity : 0;
}

bool sqlite_store::delivered_before(bp::replay_memory::entry e) const {
  return impl_->mirror.delivered_before(e);
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
  impl_->replay_adds.clear();
  impl_->clear_replays = true;
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

// The new messages as one segment, the changes of older ones as rows.
int sqlite_store::impl::write_messages(segment_plan& plan) {
  std::vector<std::uint64_t> inserted, updated, released, erased;
  for (const auto& [sequence, o] : record_ops) {
    (o == op::insert    ? inserted
     : o == op::update  ? updated
     : o == op::release ? released
                        : erased)
        .push_back(sequence);
  }
  int rc = SQLITE_DONE;
  // New messages: one segment, or several when they are many bytes.
  std::sort(inserted.begin(), inserted.end());
  bp::bytes body;
  std::uint64_t first = 0;
  segment seg;
  auto write_segment = [&] {
    if (seg.live != 0 && rc == SQLITE_DONE) {
      rc = insert_segment.bind(1, key(first)).bind(2, bp::byte_view(body)).run();
      plan.added.emplace_back(first, seg);
    }
    body.clear();
    seg = segment{};
  };
  for (auto s : inserted) {
    const auto* r = mirror.find(s);
    if (r == nullptr) {
      continue;
    }
    if (seg.live != 0 && body.size() + r->message.payload.size() > segment_bytes) {
      write_segment();
    }
    // (The session checked the properties before accepting the message.)
    if (append_record(*r, body)) {
      first = seg.live == 0 ? s : first;
      seg.last = s;
      ++seg.live;
    }
  }
  write_segment();
  for (std::size_t i = 0; rc == SQLITE_DONE && i < updated.size(); ++i) {
    if (const auto* r = mirror.find(updated[i])) {
      rc = upsert_change.bind(1, key(updated[i]))
               .bind(2, std::int64_t{r->message.packet_id})
               .bind(3, static_cast<std::int64_t>(r->state))
               .run();
      plan.changed.push_back(updated[i]);
    }
  }
  if (rc == SQLITE_DONE) {
    std::sort(released.begin(), released.end());
    rc = write_releases(released);
  }
  if (rc == SQLITE_DONE) {
    std::sort(erased.begin(), erased.end());
    rc = write_removals(erased, plan);
  }
  return rc;
}

bool sqlite_store::impl::run_may_span(std::uint64_t a, std::uint64_t b, bool released_ok) {
  if (b - a > 256) {
    return false; // (a bounded scan: far apart, the run ends)
  }
  for (auto s = a + 1; s < b; ++s) {
    const auto* r = mirror.find(s);
    if (r != nullptr && !(released_ok && r->state == bp::publish_state::released)) {
      return false;
    }
  }
  return true;
}

int sqlite_store::impl::write_runs(statement& insert, std::span<const std::uint64_t> sequences,
                                   bool released_ok) {
  int rc = SQLITE_DONE;
  for (std::size_t i = 0; rc == SQLITE_DONE && i < sequences.size();) {
    std::size_t k = i + 1;
    while (k < sequences.size() && run_may_span(sequences[k - 1], sequences[k], released_ok)) {
      ++k;
    }
    rc = insert.bind(1, key(sequences[i]))
             .bind(2, static_cast<std::int64_t>(sequences[k - 1]))
             .run();
    i = k;
  }
  return rc;
}

int sqlite_store::impl::for_each_segment(const std::vector<std::uint64_t>& sequences,
                                         const per_segment& each) {
  int rc = SQLITE_DONE;
  for (std::size_t i = 0; rc == SQLITE_DONE && i < sequences.size();) {
    auto seg = segment_of(sequences[i]);
    if (seg == segments.end()) {
      ++i; // not in a durable segment: nothing on disk to change
      continue;
    }
    std::size_t j = i;
    while (j < sequences.size() && sequences[j] <= seg->second.last) {
      ++j;
    }
    rc = each(seg, std::span(sequences).subspan(i, j - i));
    i = j;
  }
  return rc;
}

// Messages whose PUBREC came, as runs within a segment: a run may span
// messages that are gone or released already (marking them again changes
// nothing), never one that is not released.
int sqlite_store::impl::write_releases(const std::vector<std::uint64_t>& released) {
  return for_each_segment(released, [&](auto, std::span<const std::uint64_t> in_segment) {
    return write_runs(insert_released, in_segment, true);
  });
}

// Removed messages, per segment: a segment left without live messages is
// deleted with its rows; otherwise each run of removed messages (no live one
// between them) is one row. Acknowledgements come mostly in order, so a
// commit writes a row or two, whatever the number of messages.
int sqlite_store::impl::write_removals(const std::vector<std::uint64_t>& erased,
                                       segment_plan& plan) {
  return for_each_segment(erased, [&](auto seg, std::span<const std::uint64_t> in_segment) {
    plan.removed.emplace_back(seg->first, in_segment.size());
    if (seg->second.live == in_segment.size()) {
      return delete_segment_rows(seg->first, seg->second.last);
    }
    return write_runs(insert_removed, in_segment, false);
  });
}

// A segment and every row about its messages.
int sqlite_store::impl::delete_segment_rows(std::uint64_t first, std::uint64_t last) {
  int rc = delete_segment.bind(1, key(first)).run();
  for (auto* st : {&delete_changes, &delete_removed, &delete_released}) {
    if (rc == SQLITE_DONE) {
      rc = st->bind(1, key(first)).bind(2, key(last)).run();
    }
  }
  return rc;
}

// Incoming ids, subscriptions, the accepted count and the application's values.
int sqlite_store::impl::write_rest() {
  int rc = SQLITE_DONE;
  auto ok = [&] { return rc == SQLITE_DONE; };
  for (auto it = incoming_ops.begin(); ok() && it != incoming_ops.end(); ++it) {
    auto& st = it->second ? insert_incoming : delete_incoming;
    rc = st.bind(1, session).bind(2, std::int64_t{it->first}).run();
  }
  if (ok() && clear_replays) {
    rc = delete_all_replays.bind(1, session).run();
  }
  for (auto it = replay_adds.begin(); ok() && it != replay_adds.end(); ++it) {
    if (it->first >= replay_keep_from) {
      rc = insert_replay.bind(1, session)
               .bind(2, static_cast<std::int64_t>(it->first))
               .bind(3, std::int64_t{it->second.packet_id})
               .bind(4, static_cast<std::int64_t>(it->second.digest))
               .run();
    }
  }
  if (ok() && !replay_adds.empty()) {
    rc = delete_old_replays.bind(1, session)
             .bind(2, static_cast<std::int64_t>(replay_keep_from))
             .run();
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

int sqlite_store::impl::write_staged(segment_plan& plan) {
  int rc = SQLITE_DONE;
  if (clear_records) {
    // Everything of the session goes; the segments map is emptied on success.
    for (auto* st : {&delete_segments, &delete_changes, &delete_removed, &delete_released}) {
      if (rc == SQLITE_DONE) {
        rc = st->bind(1, key(0)).bind(2, key(max_sequence)).run();
      }
    }
    if (rc == SQLITE_DONE) {
      rc = delete_all_incoming.bind(1, session).run();
    }
  }
  if (rc == SQLITE_DONE && clear_incoming) {
    rc = delete_all_incoming.bind(1, session).run();
  }
  for (std::size_t i = 0; rc == SQLITE_DONE && i < dead_segments.size(); ++i) {
    rc = delete_segment_rows(dead_segments[i].first, dead_segments[i].second);
  }
  if (rc == SQLITE_DONE) {
    rc = write_messages(plan);
  }
  return rc == SQLITE_DONE ? write_rest() : rc;
}

std::error_code sqlite_store::flush() {
  auto& s = *impl_;
  if (!s.staged()) {
    return {};
  }
  if (s.clear_records) {
    s.segments.clear(); // the old segments' messages are gone from the mirror too
    s.changed.clear();
  }
  impl::segment_plan plan;
  int rc = s.begin.run();
  if (rc == SQLITE_DONE) {
    rc = s.write_staged(plan);
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
    if (s.db.in_transaction() && s.rollback.run() != SQLITE_DONE && s.db.in_transaction()) {
      (void)s.db.exec("ROLLBACK"); // never leave the transaction open
    }
    return ec;
  }
  for (const auto& [first, count] : plan.removed) {
    if (auto it = s.segments.find(first); it != s.segments.end()) {
      it->second.live -= std::min(count, it->second.live);
      if (it->second.live == 0) {
        s.segments.erase(it);
      }
    }
  }
  for (const auto& added : plan.added) {
    s.segments.insert(added);
    s.next_free = std::max(s.next_free, added.second.last + 1);
  }
  for (auto sequence : plan.changed) {
    if (s.mirror.find(sequence) != nullptr) {
      s.changed.insert(sequence);
    }
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
