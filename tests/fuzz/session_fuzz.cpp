// Drives a session with random broker packets, raw bytes, application
// requests, timers, reconnects, paused reading, blocked publishes, a
// consumer that declines messages and one that acknowledges them itself
// (manual acknowledgement), and checks invariants after every step:
//   - every byte the session writes decodes as a valid packet;
//   - a new PUBLISH/SUBSCRIBE/UNSUBSCRIBE never takes a packet id in use;
//   - QoS 1/2 publishes in flight never exceed the window;
//   - an incoming QoS 2 message is delivered once per packet id until PUBREL;
//   - under manual acknowledgement, unacknowledged() counts the QoS 1/2
//     deliveries not yet acknowledged (none after the broker lost the session);
//   - with the replay guard on, a PUBLISH it drops is a resend (DUP 1) of the
//     latest message delivered with that packet id and QoS, within the last
//     replay_guard ones, and such a resend is never delivered (checked
//     against a model of the guard's memory);
//   - the store commits before the output is taken (make_durable); when a
//     commit fails, nothing of it goes out, the records that were not durable
//     complete with the store's error and leave the store, and the rest stays.

#include <braid/protocol/session/session.hpp>

#include "../unit/protocol/session/faulty_store.hpp"
#include "fuzz_support.hpp"
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <optional>
#include <set>
#include <string>

namespace {

namespace bp = braid::protocol;
using braid::fuzz::require;

class harness {
public:
  explicit harness(FuzzedDataProvider& in) : in_(in), session_(make_config(in), store_) {}

  void run() {
    while (in_.remaining_bytes() > 0) {
      step();
      commit();
      check_output();
      session_.clear_actions();
    }
  }

private:
  static bp::session_config make_config(FuzzedDataProvider& in) {
    bp::session_config c;
    c.connect_packet.version = in.PickValueInArray(
        {bp::protocol_version::v3_1, bp::protocol_version::v3_1_1, bp::protocol_version::v5});
    c.connect_packet.client_id = "fuzz";
    c.connect_packet.clean_start = in.ConsumeBool();
    c.connect_packet.keep_alive = in.ConsumeIntegralInRange<std::uint16_t>(0, 5);
    if (c.connect_packet.version == bp::protocol_version::v5) {
      c.connect_packet.props.add(bp::property_id::topic_alias_maximum, 4u);
      c.connect_packet.props.add(bp::property_id::receive_maximum, 8u);
    }
    c.window = in.ConsumeIntegralInRange<std::uint16_t>(1, 5);
    c.queue_limit = 20;
    c.offline_limit = 20;
    c.on_session_lost =
        in.ConsumeBool() ? bp::session_lost_policy::republish : bp::session_lost_policy::fail;
    c.on_queue_full = in.ConsumeBool() ? bp::overflow_policy::block : bp::overflow_policy::fail;
    if (in.ConsumeBool()) {
      // A consumer that declines some messages (an odd first payload byte).
      c.take_message = [](const bp::publish& m) {
        return m.payload.empty() || (m.payload[0] & 1) == 0;
      };
    }
    c.manual_acknowledgement = in.ConsumeBool();
    c.unacknowledged_limit = in.ConsumeIntegralInRange<std::uint16_t>(0, 6);
    c.replay_guard = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(1, 6) : 0;
    return c;
  }

  bp::protocol_version version() const { return session_.version(); }

  std::uint16_t id() { return in_.ConsumeIntegralInRange<std::uint16_t>(1, 12); }

  void receive(const bp::packet& p) {
    bp::output_buffer out;
    if (bp::encode(p, version(), out)) {
      return; // not valid in this version: a broker could not send it
    }
    session_.bytes_received(out.view(), now_);
  }

  void step() {
    ids_before_ = snapshot_ids();
    const auto replays_before = session_.counters().replays;
    last_incoming_.reset();
    const int kind = in_.ConsumeIntegralInRange(0, 17);
    raw_step_ = kind == 0;
    switch (kind) {
    case 0: { // raw bytes from the broker
      auto raw = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 16));
      session_.bytes_received(raw, now_);
      break;
    }
    case 1:
    case 2: { // an application publish
      bp::publish p;
      p.topic = in_.PickValueInArray({"a", "a/b", "c"});
      p.payload = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 4));
      p.qos = static_cast<bp::qos>(in_.ConsumeIntegralInRange(0, 2));
      p.retain = in_.ConsumeBool();
      bp::request_id rid = 0;
      (void)session_.publish(std::move(p), rid, now_);
      break;
    }
    case 3: { // subscribe / unsubscribe
      bp::request_id rid = 0;
      if (in_.ConsumeBool()) {
        (void)session_.subscribe({{in_.PickValueInArray({"a", "a/#", "+"}), {}}}, {}, rid, now_);
      } else {
        (void)session_.unsubscribe({in_.PickValueInArray({"a", "a/#"})}, {}, rid, now_);
      }
      break;
    }
    case 4: // time passes, a timer fires
      now_ += in_.ConsumeIntegralInRange<std::uint64_t>(0, 10'000);
      session_.timer_fired(static_cast<bp::timer_id>(in_.ConsumeIntegralInRange(0, 2)), now_);
      break;
    case 5: // the connection drops; maybe a new one opens
      session_.connection_closed({}, now_);
      if (in_.ConsumeBool()) {
        session_.connection_opened(now_);
      }
      break;
    case 6: {
      if (session_.state() == bp::session_state::disconnected) {
        session_.connection_opened(now_);
      }
      bp::connack ack;
      ack.session_present = in_.ConsumeBool();
      if (version() == bp::protocol_version::v5 && in_.ConsumeBool()) {
        ack.props.add(bp::property_id::receive_maximum, in_.ConsumeIntegralInRange(1u, 4u));
        ack.props.add(bp::property_id::topic_alias_maximum, in_.ConsumeIntegralInRange(0u, 3u));
      }
      const bool accepted = session_.state() == bp::session_state::connecting &&
                            !(ack.session_present && session_.config().connect_packet.clean_start);
      receive(ack);
      if (accepted && !ack.session_present && !session_presumed()) {
        delivered_.clear(); // the broker lost the session: ids start afresh
      }
      break;
    }
    case 7:
      receive(bp::puback{id()});
      break;
    case 8:
      receive(bp::pubrec{id()});
      break;
    case 9:
      receive(bp::pubcomp{id()});
      break;
    case 10: {
      auto pid = id();
      receive(bp::pubrel{pid});
      delivered_.erase(pid);
      break;
    }
    case 11: { // a message from the broker
      bp::publish p;
      p.topic = in_.PickValueInArray({"a", "b"});
      p.qos = static_cast<bp::qos>(in_.ConsumeIntegralInRange(0, 2));
      p.packet_id = p.qos == bp::qos::at_most_once ? 0 : id();
      p.dup = p.qos != bp::qos::at_most_once && in_.ConsumeBool();
      if (in_.ConsumeBool()) {
        p.payload = bp::shared_bytes{in_.ConsumeIntegralInRange<std::uint8_t>(0, 3)};
      }
      last_incoming_ = p;
      receive(p);
      break;
    }
    case 12: {
      bp::suback ack{id(), {}};
      ack.reasons.resize(in_.ConsumeIntegralInRange<std::size_t>(0, 2),
                         bp::reason_code::granted_qos_1);
      receive(ack);
      break;
    }
    case 13: {
      bp::request_id rid = 0;
      (void)session_.ping(rid, now_);
      receive(bp::pingresp{});
      break;
    }
    case 14: {
      bp::request_id rid = 0;
      (void)session_.disconnect(bp::reason_code::normal_disconnection, {}, rid, now_);
      break;
    }
    case 15: // the runner stops or resumes reading (back-pressure)
      session_.set_reading_paused(in_.ConsumeBool(), now_);
      break;
    case 16: // the runner gives up: publishes waiting for room fail
      session_.fail_blocked_publishes(bp::session_errc::connection_lost, now_);
      break;
    case 17: { // the application acknowledges a message it processed
      const auto q = in_.ConsumeBool() ? bp::qos::at_least_once : bp::qos::exactly_once;
      const auto pid = id();
      const auto reason =
          in_.ConsumeBool() ? bp::reason_code::success : bp::reason_code::unspecified_error;
      if (!session_.acknowledge(q, pid, reason, now_)) {
        --unacknowledged_;
        if (q == bp::qos::exactly_once && bp::is_error(reason) &&
            version() == bp::protocol_version::v5) {
          delivered_.erase(pid); // a failing PUBREC ends the exchange (now, or on the resend)
        }
      }
      break;
    }
    }
    for (const auto& a : session_.actions()) {
      if (const auto* c = std::get_if<bp::connected>(&a); c && lost_session(*c)) {
        unacknowledged_ = 0; // what was held has nowhere to go
      }
      if (const auto* m = std::get_if<bp::message_received>(&a);
          m && session_.config().manual_acknowledgement &&
          m->message.qos != bp::qos::at_most_once) {
        ++unacknowledged_;
      }
      if (const auto* m = std::get_if<bp::message_received>(&a)) {
        // A resend (DUP 1) of an id awaiting PUBREL is never delivered again;
        // DUP 0 with such an id is another message (dup_flag_marks_resends).
        if (m->message.qos == bp::qos::exactly_once) {
          require(delivered_.insert(m->message.packet_id).second || !m->message.dup,
                  "an incoming QoS 2 message was delivered twice");
        }
      }
    }
    check_replay_guard(replays_before);
    require(session_.unacknowledged() == unacknowledged_,
            "unacknowledged() is not the deliveries waiting for acknowledge()");
    require(session_.in_flight() <= session_.config().window,
            "more QoS 1/2 publishes in flight than the window");
  }

  // The replay guard against a model of its memory: per QoS, the messages
  // delivered, newest last, at most replay_guard of them.
  struct seen {
    std::uint16_t id;
    std::string topic;
    std::vector<std::uint8_t> payload;
  };
  bool model_matches(const bp::publish& p) const {
    const auto& m = guard_model_[static_cast<std::size_t>(p.qos) - 1];
    for (auto it = m.rbegin(); it != m.rend(); ++it) {
      if (it->id == p.packet_id) {
        return it->topic == p.topic && std::equal(it->payload.begin(), it->payload.end(),
                                                  p.payload.begin(), p.payload.end());
      }
    }
    return false;
  }
  void check_replay_guard(std::uint64_t replays_before) {
    const auto capacity = session_.config().replay_guard;
    if (capacity == 0) {
      require(session_.counters().replays == 0, "the replay guard dropped a message while off");
      return;
    }
    // Raw bytes may hold a PUBLISH too; a drop is checked when the step's
    // PUBLISH is known.
    if (session_.counters().replays != replays_before && !raw_step_) {
      require(session_.counters().replays == replays_before + 1 && last_incoming_ &&
                  last_incoming_->dup && model_matches(*last_incoming_),
              "the replay guard dropped a message that was not a resend of one delivered");
    }
    for (const auto& a : session_.actions()) {
      if (const auto* c = std::get_if<bp::connected>(&a); c && lost_session(*c)) {
        // The broker lost the session (a CONNACK from case 6 or from raw
        // bytes): it will not resend what it sent before.
        for (auto& model : guard_model_) {
          model.clear();
        }
      }
      const auto* m = std::get_if<bp::message_received>(&a);
      if (m == nullptr || m->message.qos == bp::qos::at_most_once) {
        continue;
      }
      require(!m->message.dup || !model_matches(m->message),
              "the replay guard delivered a resend of a message already delivered");
      auto& model = guard_model_[static_cast<std::size_t>(m->message.qos) - 1];
      model.push_back({m->message.packet_id,
                       m->message.topic,
                       {m->message.payload.begin(), m->message.payload.end()}});
      if (model.size() > capacity) {
        model.erase(model.begin());
      }
    }
  }

  // MQTT 3.1's CONNACK has no session present flag: with clean start off the
  // session takes the broker's session for kept.
  bool session_presumed() const {
    return version() == bp::protocol_version::v3_1 && !session_.config().connect_packet.clean_start;
  }
  bool lost_session(const bp::connected& c) const {
    return !c.ack.session_present && !session_presumed();
  }

  // As the client does before writing: commit, sometimes failing.
  void commit() {
    const auto not_durable = store_.not_durable();
    store_.failures_to_come = in_.ConsumeIntegralInRange(0, 7) == 0 ? 1 : 0;
    const bool fails = store_.failures_to_come != 0;
    const auto actions_before = session_.actions().size();
    const auto ec = session_.make_durable(now_);
    require(static_cast<bool>(ec) == fails, "make_durable did not report the store's result");
    if (!fails) {
      require(!store_.dirty(), "a successful commit left changes behind");
      return;
    }
    require(!session_.has_output(), "output survived a failed commit");
    std::set<std::uint64_t> failed;
    for (std::size_t i = actions_before; i < session_.actions().size(); ++i) {
      if (const auto* c = std::get_if<bp::request_completed>(&session_.actions()[i])) {
        require(c->error == store_.failure, "a publish failed with another error");
        failed.insert(c->id);
      }
    }
    for (auto sequence : not_durable) {
      require(failed.count(sequence) == 1, "a record that was not durable did not fail");
      require(store_.find(sequence) == nullptr, "a record that was not durable stayed");
    }
    require(failed.size() == not_durable.size(), "a durable record failed");
    require(session_.state() != bp::session_state::connected &&
                session_.state() != bp::session_state::connecting,
            "the connection stayed open after a failed commit");
  }

  std::bitset<65536> snapshot_ids() const { return session_.packet_ids().used(); }

  void check_output() {
    bp::output_buffer out;
    session_.swap_output(out);
    bp::decoder d({.version = version()});
    const auto all = out.flatten();
    bp::byte_view bytes = all;
    std::set<std::uint16_t> fresh;
    while (!bytes.empty()) {
      bp::packet p;
      auto r = d.feed(bytes, p);
      require(r.status != bp::decode_status::error, "the session wrote a malformed packet",
              r.error);
      require(r.status == bp::decode_status::packet_ready, "the session wrote a partial packet");
      bytes = bytes.subspan(r.consumed);
      std::uint16_t new_id = 0;
      if (const auto* pub = std::get_if<bp::publish>(&p);
          pub && pub->qos != bp::qos::at_most_once && !pub->dup) {
        new_id = pub->packet_id;
      } else if (const auto* sub = std::get_if<bp::subscribe>(&p)) {
        new_id = sub->packet_id;
      } else if (const auto* unsub = std::get_if<bp::unsubscribe>(&p)) {
        new_id = unsub->packet_id;
      }
      if (new_id != 0) {
        require(!ids_before_.test(new_id) || republished_id_ok(new_id),
                "a new packet took a packet id already in use");
        require(fresh.insert(new_id).second, "two new packets took the same packet id");
      }
    }
  }

  // After a lost session, republished messages and resent subscriptions get
  // ids again; the ids they had were freed in the same step.
  bool republished_id_ok(std::uint16_t) const { return lost_session_in_step(); }
  bool lost_session_in_step() const {
    for (const auto& a : session_.actions()) {
      if (const auto* c = std::get_if<bp::connected>(&a)) {
        return !c->ack.session_present;
      }
    }
    return false;
  }

  FuzzedDataProvider& in_;
  bp::testing::faulty_store store_;
  bp::session session_;
  std::uint64_t now_ = 1'000;
  std::set<std::uint16_t> delivered_;
  std::optional<bp::publish> last_incoming_;     // this step's PUBLISH from the broker
  bool raw_step_ = false;                        // this step fed raw bytes
  std::array<std::vector<seen>, 2> guard_model_; // QoS 1, QoS 2
  std::size_t unacknowledged_ = 0; // manual acknowledgement: deliveries not acknowledged
  std::bitset<65536> ids_before_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  harness h(in);
  h.run();
  return 0;
}
