#include "load_run.hpp"

#include <braid/protocol/topic.hpp>

#include "load_payload.hpp"
#include "load_system.hpp"
#include "load_topic.hpp"
#include "load_worker.hpp"
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>

namespace braid::cli {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) {
  stop_requested.store(true);
}

// Ctrl-C and SIGTERM end the run with its summary; a second Ctrl-C kills
// (SA_RESETHAND). The former handlers come back afterwards.
class stop_signals {
public:
  stop_signals() {
    stop_requested.store(false);
    struct sigaction action {};
    action.sa_handler = request_stop;
    action.sa_flags = static_cast<int>(SA_RESETHAND);
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~stop_signals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// The sum of the workers' counters at one moment.
struct totals {
  std::uint64_t attempted = 0, connected = 0, up = 0, connect_failed = 0, lost = 0;
  std::uint64_t subscribed = 0, subscribe_failed = 0;
  std::uint64_t sent = 0, published = 0, publish_errors = 0, received = 0, expected = 0;
  std::uint64_t finished = 0;
  std::uint64_t errors() const { return connect_failed + subscribe_failed + lost + publish_errors; }
};

// Matching every publisher's topic against every subscriber's filter costs
// publishers x subscribers matches; beyond this the expected count is not known.
constexpr std::uint64_t max_fanout_matches = 20'000'000;

// For each publisher, how many subscribers get its messages.
std::optional<std::vector<std::uint32_t>> count_fanout(const load_options& o,
                                                       const load_setup& setup) {
  const auto publisher_topic = [&](std::uint32_t ordinal) {
    const auto index = o.start_number + ordinal + 1;
    return expand_topic(setup.topic, index,
                        load_client_id(o.id_prefix, load_role::publisher, index));
  };
  std::vector<std::string> filters;
  if (!topic_template_varies(setup.filter)) {
    filters.push_back(expand_topic(setup.filter, 0, {}));
  } else if (static_cast<std::uint64_t>(o.clients) * o.subscribers <= max_fanout_matches) {
    for (std::uint32_t k = 0; k < o.subscribers; ++k) {
      const auto index = o.start_number + k + 1;
      filters.push_back(expand_topic(setup.filter, index,
                                     load_client_id(o.id_prefix, load_role::subscriber, index)));
    }
  } else {
    return std::nullopt;
  }
  // One filter for all subscribers: each match counts them all.
  const std::uint32_t weight = filters.size() == 1 ? o.subscribers : 1;
  std::vector<std::uint32_t> fanout(o.clients, 0);
  for (std::uint32_t k = 0; k < o.clients; ++k) {
    const auto topic = publisher_topic(k);
    for (const auto& f : filters) {
      fanout[k] += protocol::topic_matches(f, topic) ? weight : 0;
    }
  }
  return fanout;
}

class controller {
public:
  controller(const load_options& o, const load_setup& setup,
             const std::function<void(const load_snapshot&)>& on_second)
      : o_(o), on_second_(on_second) {
    plan_.options = &o;
    plan_.setup = &setup;
    plan_.threads = o.threads;
    if (o.mode == load_mode::pubsub) {
      if (auto fanout = count_fanout(o, setup)) {
        plan_.fanout = std::move(*fanout);
        result_.expected_known = true;
      }
    }
  }

  load_result run() {
    stop_signals signals;
    result_.rss_kb_start = current_rss_kb();
    start_ns_ = last_sample_ns_ = steady_now_ns();
    result_.timeline.push_back({}); // the origin: nothing yet
    for (std::uint32_t t = 0; t < o_.threads; ++t) {
      workers_.push_back(std::make_unique<load_worker>(plan_, t));
    }
    result_.fds_start = open_fd_count(); // the workers' own (epoll, eventfd) not counted
    const auto main_role = o_.mode == load_mode::conn  ? load_role::conn
                           : o_.mode == load_mode::sub ? load_role::subscriber
                                                       : load_role::publisher;
    result_.planned = o_.clients + (o_.mode == load_mode::pubsub ? o_.subscribers : 0);
    bool going = true;
    if (o_.mode == load_mode::pubsub) {
      // Subscribed before anything is published: every message has its readers.
      going = connect_phase(load_role::subscriber, o_.subscribers, true);
    }
    if (going) {
      going = connect_phase(main_role, o_.clients, o_.mode == load_mode::sub);
    }
    result_.rss_kb_connected = current_rss_kb();
    result_.fds_connected = open_fd_count();
    if (going && sum().connected > 0) {
      main_phase();
    }
    end_run();
    return std::move(result_);
  }

private:
  totals sum() const {
    totals t;
    for (const auto& w : workers_) {
      const auto& c = w->counters();
      constexpr auto r = std::memory_order_relaxed;
      t.attempted += c.attempted.load(r);
      t.connected += c.connected.load(r);
      t.up += c.up.load(r);
      t.connect_failed += c.connect_failed.load(r);
      t.lost += c.lost.load(r);
      t.subscribed += c.subscribed.load(r);
      t.subscribe_failed += c.subscribe_failed.load(r);
      t.sent += c.sent.load(r);
      t.published += c.published.load(r);
      t.publish_errors += c.publish_errors.load(r);
      t.received += c.received.load(r);
      t.expected += c.expected.load(r);
      t.finished += c.finished.load(r);
    }
    return t;
  }

  // Sleeps in short steps until `done` holds (true), Ctrl-C or the deadline
  // (false), taking a sample each second.
  template <class Predicate>
  bool wait_until(Predicate done, std::uint64_t deadline_ns) {
    for (;;) {
      sample(false);
      if (stop_requested.exchange(false)) {
        result_.interrupted = true;
        return false;
      }
      if (done(sum())) {
        return true;
      }
      if (steady_now_ns() >= deadline_ns) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Every full second (or, `final`, what is left of one): the rates since the
  // last sample, for the timeline and the progress line.
  void sample(bool final) {
    const auto now = steady_now_ns();
    const auto elapsed = now - last_sample_ns_;
    if (elapsed < 1'000'000'000ull &&
        !(final && (elapsed > 10'000'000ull || result_.timeline.size() == 1))) {
      return;
    }
    const auto t = sum();
    const double dt = std::max(static_cast<double>(elapsed) / 1e9, 1e-6);
    load_sample s;
    s.t_s = static_cast<double>(now - start_ns_) / 1e9;
    s.out_per_s = static_cast<double>(t.published - last_.published) / dt;
    s.in_per_s = static_cast<double>(t.received - last_.received) / dt;
    s.up = t.up;
    result_.timeline.push_back(s);
    last_ = t;
    last_sample_ns_ = now;
    if (on_second_) {
      on_second_({s.t_s, result_.planned, t.up, t.connect_failed, t.errors(), s.out_per_s,
                  s.in_per_s, o_.publishes(), o_.subscribes()});
    }
  }

  // Connects `total` clients of `role` and waits until each is up (and, with
  // `subscribing`, subscribed) or has failed. False on Ctrl-C.
  bool connect_phase(load_role role, std::uint32_t total, bool subscribing) {
    const auto before = sum();
    const auto now = steady_now_ns();
    for (auto& w : workers_) {
      w->connect(role, total, now);
    }
    const double ramp_s = o_.connect_rate > 0 ? total / o_.connect_rate : 0;
    const auto deadline =
        now + static_cast<std::uint64_t>((ramp_s + o_.connect_timeout_s + 10) * 1e9);
    const auto settled = [&](const totals& t) {
      const auto failed = t.connect_failed - before.connect_failed;
      if (!subscribing) {
        return t.connected - before.connected + failed >= total;
      }
      return t.subscribed - before.subscribed + t.subscribe_failed - before.subscribe_failed +
                 failed + t.lost - before.lost >=
             total;
    };
    if (!wait_until(settled, deadline) && result_.interrupted) {
      return false;
    }
    return true;
  }

  // Until --count is reached, -d is over, every client is gone, or Ctrl-C.
  void main_phase() {
    const auto now = steady_now_ns();
    const auto deadline =
        o_.duration_s > 0 ? now + static_cast<std::uint64_t>(o_.duration_s * 1e9) : UINT64_MAX;
    const bool counted = o_.count > 0 && o_.mode != load_mode::conn;
    wait_until([&](const totals& t) { return (counted && t.finished >= o_.clients) || t.up == 0; },
               deadline);
  }

  // No new messages; those under way complete and arrive (until nothing has
  // moved for 2 s); the clients disconnect; the threads end.
  void end_run() {
    for (auto& w : workers_) {
      w->stop_publishing();
    }
    // After Ctrl-C the drain is short; a second Ctrl-C kills.
    stop_requested.store(false);
    const std::uint64_t drain_cap = result_.interrupted ? 5'000'000'000ull : 30'000'000'000ull;
    if (o_.mode != load_mode::conn) {
      std::uint64_t moved = UINT64_MAX;
      auto still_since = steady_now_ns();
      wait_until(
          [&](const totals& t) {
            const bool acknowledged = t.sent == t.published + t.publish_errors;
            const bool arrived = !result_.expected_known || t.received >= t.expected;
            const auto progress = t.published + t.publish_errors + t.received;
            if (progress != moved) {
              moved = progress;
              still_since = steady_now_ns();
            }
            return (acknowledged && arrived) || steady_now_ns() - still_since > 2'000'000'000ull;
          },
          steady_now_ns() + drain_cap);
    }
    sample(true);
    const auto end_ns = steady_now_ns();
    for (auto& w : workers_) {
      w->disconnect_all();
    }
    wait_until([](const totals& t) { return t.up == 0; }, steady_now_ns() + 5'000'000'000ull);
    for (auto& w : workers_) {
      w->shutdown();
    }
    collect(end_ns);
  }

  void collect(std::uint64_t end_ns) {
    const auto t = sum();
    auto& r = result_;
    r.attempted = t.attempted;
    r.connected = t.connected;
    r.connect_failed = t.connect_failed;
    r.lost = t.lost;
    r.subscribed = t.subscribed;
    r.subscribe_failed = t.subscribe_failed;
    r.sent = t.sent;
    r.published = t.published;
    r.publish_errors = t.publish_errors;
    r.received = t.received;
    r.expected = t.expected;
    r.seconds = static_cast<double>(end_ns - start_ns_) / 1e9;
    std::uint64_t first_attempt = UINT64_MAX, last_connack = 0, first_publish = UINT64_MAX,
                  last_completion = 0, first_arrival = UINT64_MAX, last_arrival = 0;
    for (const auto& w : workers_) {
      r.connect_ns.merge(w->connect_ns());
      r.latency_ns.merge(w->latency_ns());
      r.ack_ns.merge(w->ack_ns());
      for (const auto& [reason, n] : w->error_reasons()) {
        r.reasons[reason] += n;
      }
      if (w->first_attempt_ns() != 0) {
        first_attempt = std::min(first_attempt, w->first_attempt_ns());
      }
      if (w->first_publish_ns() != 0) {
        first_publish = std::min(first_publish, w->first_publish_ns());
      }
      if (w->first_arrival_ns() != 0) {
        first_arrival = std::min(first_arrival, w->first_arrival_ns());
      }
      last_connack = std::max(last_connack, w->last_connack_ns());
      last_completion = std::max(last_completion, w->last_completion_ns());
      last_arrival = std::max(last_arrival, w->last_arrival_ns());
    }
    const auto span = [](std::uint64_t from, std::uint64_t to) {
      return from != UINT64_MAX && to > from ? static_cast<double>(to - from) / 1e9 : 0.0;
    };
    r.connect_seconds = span(first_attempt, last_connack);
    r.publish_seconds = span(first_publish, last_completion);
    // From the first publish when this process publishes (the latency is
    // part of it), else from the first arrival.
    r.receive_seconds = span(o_.publishes() ? first_publish : first_arrival, last_arrival);
  }

  const load_options& o_;
  const std::function<void(const load_snapshot&)>& on_second_;
  load_plan plan_;
  load_result result_;
  std::vector<std::unique_ptr<load_worker>> workers_;
  std::uint64_t start_ns_ = 0, last_sample_ns_ = 0;
  totals last_;
};

} // namespace

load_result run_load(const load_options& o, const load_setup& setup,
                     const std::function<void(const load_snapshot&)>& on_second) {
  controller c(o, setup, on_second);
  return c.run();
}

} // namespace braid::cli
