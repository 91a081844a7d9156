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
                                   bool retry_tls_verification_failures)
    : enabled_(enabled), retry_tls_verification_failures_(retry_tls_verification_failures),
      backoff_(std::move(delays)), connect_timeout_(connect_timeout) {
}

reconnect_policy::reconnect_policy(const client_options& options)
    : reconnect_policy(options.reconnect.enabled, delays_of(options.reconnect),
                       options.connect_timeout, options.reconnect.retry_tls_verification_failures) {
}

void reconnect_policy::start(std::vector<broker_url> urls) {
  urls_ = std::move(urls);
  certificate_rejected_.assign(urls_.size(), false);
  next_url_ = 0;
  stopped_ = false;
  in_attempt_ = false;
  backoff_.reset();
}

const broker_url& reconnect_policy::begin_attempt(std::uint64_t now_ms) {
  in_attempt_ = true;
  accepted_ = false;
  timed_out_ = false;
  refused_permanently_ = false;
  retry_now_ = false;
  deadline_ms_ = now_ms + static_cast<std::uint64_t>(connect_timeout_.count());
  // The brokers are tried in turn: each attempt takes the next (failover).
  const auto& url = urls_[next_url_ % urls_.size()];
  ++next_url_;
  return url;
}

bool reconnect_policy::connect_timer_fired(std::uint64_t now_ms) {
  if (stopped_ || !in_attempt_ || accepted_ || now_ms < deadline_ms_) {
    return false;
  }
  timed_out_ = true;
  return true;
}

void reconnect_policy::connected() {
  accepted_ = true;
  backoff_.reset();
  certificate_rejected_.assign(urls_.size(), false);
  // Should this connection be lost, the next attempt comes back here.
  next_url_ = next_url_ == 0 ? 0 : next_url_ - 1;
}

void reconnect_policy::refused(bool permanent, bool retry_with_3_1) {
  refused_permanently_ = permanent;
  retry_now_ = retry_with_3_1;
}

reconnect_step reconnect_policy::open_failed(bool certificate_rejected) {
  in_attempt_ = false;
  // Another attempt would be rejected the same way (unknown CA, wrong name):
  // once every broker has rejected the certificate, give up.
  certificate_rejected_[(next_url_ + urls_.size() - 1) % urls_.size()] = certificate_rejected;
  if (!retry_tls_verification_failures_ && !stopped_ &&
      std::all_of(certificate_rejected_.begin(), certificate_rejected_.end(),
                  [](bool rejected) { return rejected; })) {
    stopped_ = true;
    return {reconnect_step::kind::give_up, {}, backoff_.attempts()};
  }
  // The rest of the list is tried at once, reconnecting or not.
  if (!stopped_ && next_url_ % urls_.size() != 0) {
    return {reconnect_step::kind::next_broker, {}, backoff_.attempts()};
  }
  if (enabled_ && !stopped_) {
    return retry();
  }
  return {reconnect_step::kind::fail, {}, backoff_.attempts()};
}

reconnect_step reconnect_policy::connection_ended() {
  in_attempt_ = false;
  if (refused_permanently_) {
    stopped_ = true;
    return {reconnect_step::kind::give_up, {}, backoff_.attempts()};
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
