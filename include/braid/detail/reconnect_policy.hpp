#pragma once
// Internal: the decisions of the reconnecting service, without I/O, clocks or
// timers — which broker the next attempt goes to (failover through the list;
// after a lost connection, the broker that last accepted first), how long to
// wait before it (braid::backoff, its randomness injected), whether an
// attempt has taken too long (the connect timeout; time is passed in), and
// when to stop (a refusal that another attempt will not fix, close(), a
// requested disconnect), and where a broker's redirect (MQTT 5) leads. client_impl owns the timers
// and the transport, tells this class what happened and does what it answers. Compiled in
// src/client/reconnect_policy.cpp; tested in tests/unit/client/.

#include <braid/backoff.hpp>
#include <braid/client_options.hpp>
#include <braid/protocol/server_reference.hpp>
#include <braid/url.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::detail {

/// What to do after an attempt failed or a connection ended.
struct reconnect_step {
  enum class kind : std::uint8_t {
    next_broker, ///< try the next broker of the list at once
    retry,       ///< wait `delay`, then begin attempt number `attempt`
    give_up,     ///< no more attempts: the refusal will not fix itself
    fail,        ///< not reconnecting (disabled or stopped): report the error
  };
  kind what = kind::fail;
  std::chrono::milliseconds delay{0};
  std::uint32_t attempt = 0; ///< retries since the last accepted connection
  bool operator==(const reconnect_step&) const = default;
};

/// What became of a broker's redirect (reconnect_policy::redirect).
enum class redirect_outcome : std::uint8_t {
  followed,         ///< the next attempt goes to the server named, at once
  turned_off,       ///< reconnect_options::follow_redirects is off
  too_many,         ///< max_redirects in a row: a loop between brokers, say
  nowhere,          ///< the Server Reference names no server
  not_reconnecting, ///< a DISCONNECT's redirect, and the client does not reconnect
};

class reconnect_policy {
public:
  /// `enabled`: reconnect after a lost connection and keep trying the first
  /// connect (reconnect_options::enabled); `delays` gives the wait before
  /// each retry; `connect_timeout` bounds an attempt, from its start to
  /// CONNACK; `retry_tls_verification_failures`: see reconnect_options.
  /// `stable_after`: see reconnect_options (0 here: every CONNACK starts the
  /// backoff over); `follow_redirects`, `max_redirects`: see reconnect_options.
  reconnect_policy(bool enabled, backoff delays, std::chrono::milliseconds connect_timeout,
                   bool retry_tls_verification_failures = false, bool follow_redirects = true,
                   std::uint32_t max_redirects = 5,
                   std::chrono::milliseconds stable_after = std::chrono::milliseconds(0));
  /// From client_options: reconnect (policy, seed, random, TLS failures,
  /// redirects) and connect_timeout.
  explicit reconnect_policy(const client_options& options);

  /// A connect() with these brokers: the first is tried first, the backoff
  /// starts over, and a stop() before is forgotten. `urls` is not empty.
  void start(std::vector<broker_url> urls);
  /// An attempt begins at `now_ms`: returns the broker to connect to (a
  /// redirect's server first, else the next of the list). The last attempt's
  /// refusal, redirect and timeout are forgotten.
  const broker_url& begin_attempt(std::uint64_t now_ms);
  /// How long an attempt may take; arm the connect timer for this at begin_attempt.
  std::chrono::milliseconds connect_timeout() const noexcept { return connect_timeout_; }
  /// The connect timer fired at `now_ms`: true when the attempt has now timed
  /// out (it is still under way, without CONNACK, not stopped, and its time
  /// is up). The caller then ends the attempt with client_errc::connect_timeout.
  bool connect_timer_fired(std::uint64_t now_ms);
  /// The current attempt timed out (connect_timer_fired said so).
  bool timed_out() const noexcept { return timed_out_; }

  /// CONNACK accepted at `now_ms`: should this connection be lost, this
  /// broker is tried first; the backoff starts over once the connection has
  /// lasted stable_after (see connection_ended).
  void connected(std::uint64_t now_ms = 0);
  /// CONNACK refused (protocol::connection_refused): `permanent`, another
  /// attempt will not fix it; `retry_with_3_1`, retry at once (with MQTT 3.1).
  void refused(bool permanent, bool retry_with_3_1);
  /// The broker of the current attempt sent the client to `servers`, for
  /// good (`permanent`: Server moved) or for the next attempt (Use another
  /// server), by its CONNACK or by a DISCONNECT. Call before
  /// connection_ended(): when followed, that answers a retry at once, to the
  /// first server named (the others next, should it not open). A server
  /// without a port gets the current broker's; the kind of transport and the
  /// path stay the current broker's.
  redirect_outcome redirect(const std::vector<protocol::server_reference>& servers, bool permanent);
  /// The broker of the current attempt, as begin_attempt returned it.
  const broker_url& current() const noexcept { return attempt_url_; }

  /// The transport of the current attempt did not open (or timed out
  /// opening): the next broker of the list at once, else a retry after a
  /// delay, else fail. `certificate_rejected`: the broker's certificate did
  /// not verify. Once every broker of the list has rejected the client that
  /// way (since start or the last CONNACK), give up — unless told to retry
  /// such failures.
  reconnect_step open_failed(bool certificate_rejected = false);
  /// A connection that opened has ended at `now_ms` — refused, lost, timed
  /// out waiting for CONNACK, closed: give up after a permanent refusal, else
  /// retry (after a delay; at once to retry with 3.1 or to follow a
  /// redirect), else fail. A connection accepted less than stable_after
  /// before counts as a failed attempt: the delay goes on growing.
  reconnect_step connection_ended(std::uint64_t now_ms = 0);
  /// Connections in a row that the broker accepted and then ended within
  /// stable_after (0 after one that lasted).
  std::uint32_t brief_connections() const noexcept { return brief_connections_; }

  /// close(), a requested disconnect, or giving up: no more attempts.
  void stop() noexcept { stopped_ = true; }
  bool stopped() const noexcept { return stopped_; }
  /// Retries since the last accepted connection (the backoff's count).
  std::uint32_t attempts() const noexcept { return backoff_.attempts(); }

private:
  reconnect_step retry();

  static constexpr std::size_t kNotInList = static_cast<std::size_t>(-1);

  bool enabled_;
  bool retry_tls_verification_failures_;
  bool follow_redirects_;
  std::uint32_t max_redirects_;
  std::uint32_t redirects_ = 0;            // followed in a row
  std::vector<broker_url> detour_;         // a redirect's servers, tried before the list
  broker_url attempt_url_;                 // the current attempt's broker
  std::size_t attempt_index_ = kNotInList; // its place in urls_ (not there when from a detour)
  std::size_t detour_origin_ =
      kNotInList;           // the broker of the list that sent the client on a detour
  bool redirected_ = false; // this attempt ended with a followed redirect
  std::chrono::milliseconds stable_after_;
  std::uint64_t accepted_at_ms_ = 0;
  std::uint32_t brief_connections_ = 0;
  backoff backoff_;
  std::chrono::milliseconds connect_timeout_;
  std::vector<broker_url> urls_; // tried in turn (failover)
  std::size_t next_url_ = 0;     // attempts begun; the next broker is urls_[next_url_ % size]
  std::vector<bool> certificate_rejected_; // per broker, since start or the last CONNACK
  bool stopped_ = false;
  bool in_attempt_ = false; // begun, not yet failed or ended
  bool accepted_ = false;   // CONNACK accepted on this attempt
  bool timed_out_ = false;
  bool refused_permanently_ = false;
  bool retry_now_ = false; // CONNACK asked to retry at once with MQTT 3.1
  std::uint64_t deadline_ms_ = 0;
};

} // namespace braid::detail
