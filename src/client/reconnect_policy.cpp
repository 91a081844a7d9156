// The reconnecting service's decisions: see include/braid/detail/reconnect_policy.hpp.

#include <braid/detail/reconnect_policy.hpp>

#include <algorithm>
#include <functional>
#include <utility>

namespace braid::detail {

namespace {

// The jitter's source: the caller's function, else a generator seeded as asked.
backoff delays_of(const reconnect_options& r) {
  if (r.random != nullptr) {
    return backoff(r.policy, std::function<double()>(r.random));
  }
  return r.random_seed != 0 ? backoff(r.policy, r.random_seed) : backoff(r.policy);
}

} // namespace

reconnect_policy::reconnect_policy(bool enabled, backoff delays,
                                   std::chrono::milliseconds connect_timeout,
                                   bool retry_tls_verification_failures, bool follow_redirects,
                                   std::uint32_t max_redirects,
                                   std::chrono::milliseconds stable_after)
    : enabled_(enabled), retry_tls_verification_failures_(retry_tls_verification_failures),
      follow_redirects_(follow_redirects), max_redirects_(max_redirects),
      stable_after_(stable_after), backoff_(std::move(delays)), connect_timeout_(connect_timeout) {
}

reconnect_policy::reconnect_policy(const client_options& options)
    : reconnect_policy(options.reconnect.enabled, delays_of(options.reconnect),
                       options.connect_timeout, options.reconnect.retry_tls_verification_failures,
                       options.reconnect.follow_redirects, options.reconnect.max_redirects,
                       options.reconnect.stable_after) {
}

void reconnect_policy::start(std::vector<broker_url> urls) {
  urls_ = std::move(urls);
  certificate_rejected_.assign(urls_.size(), false);
  next_url_ = 0;
  stopped_ = false;
  in_attempt_ = false;
  redirects_ = 0;
  detour_.clear();
  detour_origin_ = kNotInList;
  brief_connections_ = 0;
  backoff_.reset();
}

const broker_url& reconnect_policy::begin_attempt(std::uint64_t now_ms) {
  in_attempt_ = true;
  accepted_ = false;
  timed_out_ = false;
  refused_permanently_ = false;
  retry_now_ = false;
  redirected_ = false;
  deadline_ms_ = now_ms + static_cast<std::uint64_t>(connect_timeout_.count());
  if (!detour_.empty()) {
    // A redirect's servers come first, in the order the broker gave them.
    attempt_url_ = std::move(detour_.front());
    detour_.erase(detour_.begin());
    attempt_index_ = kNotInList;
    return attempt_url_;
  }
  // The brokers are tried in turn: each attempt takes the next (failover).
  attempt_index_ = next_url_ % urls_.size();
  attempt_url_ = urls_[attempt_index_];
  ++next_url_;
  return attempt_url_;
}

bool reconnect_policy::connect_timer_fired(std::uint64_t now_ms) {
  if (stopped_ || !in_attempt_ || accepted_ || now_ms < deadline_ms_) {
    return false;
  }
  timed_out_ = true;
  return true;
}

void reconnect_policy::connected(std::uint64_t now_ms) {
  accepted_ = true;
  accepted_at_ms_ = now_ms;
  if (stable_after_.count() == 0) {
    backoff_.reset();
  }
  certificate_rejected_.assign(urls_.size(), false);
  // Should this connection be lost, the next attempt comes back here; to a
  // redirect's server only for good (the list holds it), else to the broker
  // of the list that redirected.
  if (attempt_index_ != kNotInList) {
    next_url_ = next_url_ == 0 ? 0 : next_url_ - 1;
  } else if (detour_origin_ != kNotInList) {
    next_url_ = detour_origin_;
  }
}

void reconnect_policy::refused(bool permanent, bool retry_with_3_1) {
  refused_permanently_ = permanent;
  retry_now_ = retry_with_3_1;
}

redirect_outcome reconnect_policy::redirect(const std::vector<protocol::server_reference>& servers,
                                            bool permanent) {
  if (!follow_redirects_) {
    return redirect_outcome::turned_off;
  }
  if (servers.empty()) {
    return redirect_outcome::nowhere;
  }
  // A connect waits for the redirected attempt whether the client reconnects
  // or not; a connection already accepted is only followed when reconnecting.
  if (stopped_ || (accepted_ && !enabled_)) {
    return redirect_outcome::not_reconnecting;
  }
  if (redirects_ >= max_redirects_) {
    return redirect_outcome::too_many;
  }
  ++redirects_;
  std::vector<broker_url> targets;
  targets.reserve(servers.size());
  for (const auto& server : servers) {
    targets.push_back(broker_url{attempt_url_.kind, server.host,
                                 server.port.empty() ? attempt_url_.port : server.port,
                                 attempt_url_.path});
  }
  if (permanent && attempt_index_ != kNotInList) {
    // Server moved: the new servers take the old one's place in the list.
    const auto at = static_cast<std::ptrdiff_t>(attempt_index_);
    urls_.erase(urls_.begin() + at);
    urls_.insert(urls_.begin() + at, targets.begin(), targets.end());
    certificate_rejected_.assign(urls_.size(), false);
    next_url_ = attempt_index_;
    detour_.clear();
  } else {
    detour_ = std::move(targets); // the next attempt only
    if (attempt_index_ != kNotInList) {
      detour_origin_ = attempt_index_;
    }
  }
  redirected_ = true;
  return redirect_outcome::followed;
}

reconnect_step reconnect_policy::open_failed(bool certificate_rejected) {
  in_attempt_ = false;
  // Another attempt would be rejected the same way (unknown CA, wrong name):
  // once every broker has rejected the certificate, give up.
  if (attempt_index_ != kNotInList) {
    certificate_rejected_[attempt_index_] = certificate_rejected;
  }
  if (!retry_tls_verification_failures_ && !stopped_ &&
      std::all_of(certificate_rejected_.begin(), certificate_rejected_.end(),
                  [](bool rejected) { return rejected; })) {
    stopped_ = true;
    return {reconnect_step::kind::give_up, {}, backoff_.attempts()};
  }
  // The rest of a redirect's servers, and of the list, is tried at once,
  // reconnecting or not.
  if (!stopped_ && (!detour_.empty() || next_url_ % urls_.size() != 0)) {
    return {reconnect_step::kind::next_broker, {}, backoff_.attempts()};
  }
  if (enabled_ && !stopped_) {
    return retry();
  }
  return {reconnect_step::kind::fail, {}, backoff_.attempts()};
}

reconnect_step reconnect_policy::connection_ended(std::uint64_t now_ms) {
  in_attempt_ = false;
  if (accepted_ && stable_after_.count() > 0) {
    // Only a connection that lasted was a success; one the broker dropped at
    // once is one more failed attempt, so the next delay grows.
    if (now_ms - accepted_at_ms_ >= static_cast<std::uint64_t>(stable_after_.count())) {
      backoff_.reset();
      brief_connections_ = 0;
    } else {
      ++brief_connections_;
    }
  }
  if (refused_permanently_) {
    stopped_ = true;
    return {reconnect_step::kind::give_up, {}, backoff_.attempts()};
  }
  if (redirected_ && !stopped_) {
    redirected_ = false;
    return {reconnect_step::kind::retry, std::chrono::milliseconds(0), backoff_.attempts()};
  }
  if (accepted_) {
    redirects_ = 0; // a connection that ended without a redirect ends a chain of them
  }
  if ((enabled_ || retry_now_) && !stopped_) {
    return retry();
  }
  return {reconnect_step::kind::fail, {}, backoff_.attempts()};
}

reconnect_step reconnect_policy::retry() {
  if (retry_now_ && next_url_ > 0) {
    --next_url_; // the broker that asked for MQTT 3.1 is asked again, with 3.1
  }
  const auto delay = retry_now_ ? std::chrono::milliseconds(0) : backoff_.next_delay();
  return {reconnect_step::kind::retry, delay, backoff_.attempts()};
}

} // namespace braid::detail
