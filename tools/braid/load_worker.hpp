#pragma once
// One thread of `braid bench conn|pub|sub|pubsub`: its own io_context and the
// clients it owns (every Tth client of each role, T the thread count). It
// connects them at the ramp's pace, subscribes, publishes within the window
// (paced or not), and measures: connect times, publish acknowledgement times
// and, on arrival, the latency from the send time in the payload. The
// control thread reads its counters while it runs (atomics) and its
// histograms once it has stopped.
//
// A client costs its braid::client (an idle one 7.4 KB) and the few counters
// of load_client: nothing is kept per message.

#include <braid/client.hpp>

#include "load_histogram.hpp"
#include "load_options.hpp"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace braid::cli {

enum class load_role : std::uint8_t { conn, publisher, subscriber };

/// PREFIX-conn|pub|sub-INDEX: the client id of a client, and its %c.
std::string load_client_id(const std::string& prefix, load_role role, std::uint32_t index);

/// What every worker reads; set before they start, then not changed.
struct load_plan {
  const load_options* options = nullptr;
  const load_setup* setup = nullptr;
  std::uint32_t threads = 1;
  /// pubsub: for publisher ordinal k, how many subscribers' filters match its
  /// topic (what each of its messages should arrive as); empty: not known.
  std::vector<std::uint32_t> fanout;
};

/// Live figures of a worker. `up` goes down again; the others only grow.
struct alignas(64) load_counters {
  std::atomic<std::uint64_t> attempted{0}, connected{0}, up{0}, connect_failed{0}, lost{0};
  std::atomic<std::uint64_t> subscribed{0}, subscribe_failed{0};
  std::atomic<std::uint64_t> sent{0}, published{0}, publish_errors{0};
  std::atomic<std::uint64_t> received{0}, expected{0};
  std::atomic<std::uint64_t> finished{
      0}; ///< publishers done with --count (or gone); sub: subscribers at --count
  std::atomic<std::uint64_t> closed{0}; ///< clients closed after disconnect_all()
};

class load_worker {
public:
  load_worker(const load_plan& plan, std::uint32_t thread_index);
  /// Stops the thread if shutdown() was not called.
  ~load_worker();
  load_worker(const load_worker&) = delete;
  load_worker& operator=(const load_worker&) = delete;

  /// Connects this thread's share of `total` clients of `role`: client
  /// ordinal k starts at `start_ns` + k / -R. Publishers publish once up.
  void connect(load_role role, std::uint32_t total, std::uint64_t start_ns);
  /// No new message from here on (what is in flight still completes).
  void stop_publishing();
  /// DISCONNECT for every client that is up; counters().closed counts them.
  void disconnect_all();
  /// Destroys the clients and ends the thread.
  void shutdown();

  const load_counters& counters() const { return counters_; }

  // Read after shutdown().
  const load_histogram& connect_ns() const { return connect_ns_; }
  const load_histogram& latency_ns() const { return latency_ns_; }
  const load_histogram& ack_ns() const { return ack_ns_; }
  const std::map<std::string, std::uint64_t>& error_reasons() const { return reasons_; }
  std::uint64_t first_attempt_ns() const { return first_attempt_ns_; }
  std::uint64_t last_connack_ns() const { return last_connack_ns_; }
  std::uint64_t first_publish_ns() const { return first_publish_ns_; }
  std::uint64_t last_completion_ns() const { return last_completion_ns_; }
  std::uint64_t first_arrival_ns() const { return first_arrival_ns_; }
  std::uint64_t last_arrival_ns() const { return last_arrival_ns_; }

private:
  struct load_client {
    std::unique_ptr<braid::client> mqtt;
    std::unique_ptr<boost::asio::steady_timer> pace; // paced publishers only
    std::string topic;                               // publisher: topic; subscriber: filter
    std::uint64_t start_ns = 0;                      // publisher: when it began publishing
    std::uint64_t sent = 0, completed = 0, received = 0;
    std::uint32_t index = 0;  // the client's number (%i)
    std::uint32_t fanout = 0; // subscribers each message reaches
    std::uint32_t outstanding = 0;
    load_role role = load_role::conn;
    bool up = false, finished = false, pace_armed = false;
  };

  // A connect phase: this thread's ordinals of one role, in order.
  struct ramp_state {
    load_role role = load_role::conn;
    std::uint32_t total = 0;
    std::uint32_t next = 0; // the next ordinal to start
    std::uint64_t start_ns = 0;
  };

  void ramp();
  void start_client(load_role role, std::uint32_t ordinal);
  void on_connected(load_client& c, std::uint64_t started_ns);
  void on_connect_failed(load_client& c, const std::string& reason);
  void on_state(load_client& c, const connection_event& e);
  void subscribe(load_client& c);
  void on_message(load_client& c, const protocol::publish& m);
  void fill(load_client& c);
  void pace(load_client& c);
  void publish_one(load_client& c, std::uint64_t stamp_ns);
  void on_published(load_client& c, const error_code& ec, std::uint64_t started_ns);
  bool may_send(const load_client& c) const;
  void finish(load_client& c);
  void note(const std::string& reason);

  const load_plan& plan_;
  const load_options& o_;
  std::uint32_t thread_index_;
  std::uint64_t interval_ns_ = 0;     // between two paced messages; 0: unpaced
  std::vector<std::uint8_t> payload_; // filled in place before each publish
  load_counters counters_;
  load_histogram connect_ns_, latency_ns_, ack_ns_;
  std::map<std::string, std::uint64_t> reasons_; // error text -> how many
  std::uint64_t first_attempt_ns_ = 0, last_connack_ns_ = 0;
  std::uint64_t first_publish_ns_ = 0, last_completion_ns_ = 0;
  std::uint64_t first_arrival_ns_ = 0, last_arrival_ns_ = 0;
  ramp_state ramp_;
  std::uint32_t connecting_ = 0;     // attempts under way
  std::uint32_t max_connecting_ = 0; // this thread's share of --max-connecting (0: no bound)
  bool stopping_ = false;            // no new messages
  bool closing_ = false;             // disconnecting: a closed connection is not a loss
  std::vector<load_client> clients_; // reserved up front: handlers keep references
  boost::asio::io_context io_{1};
  boost::asio::steady_timer ramp_timer_{io_};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::thread thread_;
};

} // namespace braid::cli
