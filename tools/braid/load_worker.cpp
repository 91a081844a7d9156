#include "load_worker.hpp"

#include "load_payload.hpp"
#include "load_topic.hpp"
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>

namespace braid::cli {

namespace asio = boost::asio;
namespace bp = braid::protocol;

namespace {

constexpr auto relaxed = std::memory_order_relaxed;

// This thread's share of `total` ordinals dealt round robin over `threads`.
std::uint32_t share(std::uint32_t total, std::uint32_t threads, std::uint32_t index) {
  return index < total ? (total - index + threads - 1) / threads : 0;
}

// Clients started by one turn of ramp(): the rest wait for the next turn, so
// that connects under way are served in between.
constexpr std::uint32_t ramp_batch = 64;

const char* role_name(load_role role) {
  switch (role) {
  case load_role::publisher:
    return "pub";
  case load_role::subscriber:
    return "sub";
  default:
    return "conn";
  }
}

} // namespace

std::string load_client_id(const std::string& prefix, load_role role, std::uint32_t index) {
  return prefix + "-" + role_name(role) + "-" + std::to_string(index);
}

load_worker::load_worker(const load_plan& plan, std::uint32_t thread_index)
    : plan_(plan), o_(*plan.options), thread_index_(thread_index) {
  const double rate = o_.publish_rate();
  interval_ns_ = rate > 0 ? static_cast<std::uint64_t>(1e9 / rate) : 0;
  max_connecting_ = (o_.max_connecting + plan.threads - 1) / plan.threads; // this thread's part
  payload_.resize(o_.publishes() ? o_.size : 0);
  for (std::size_t i = 0; i < payload_.size(); ++i) {
    payload_[i] = static_cast<std::uint8_t>('a' + i % 26);
  }
  const std::uint32_t subscribers = o_.mode == load_mode::pubsub ? o_.subscribers : 0;
  clients_.reserve(share(o_.clients, plan.threads, thread_index) +
                   share(subscribers, plan.threads, thread_index));
  thread_ = std::thread([this] { io_.run(); });
}

load_worker::~load_worker() {
  shutdown();
}

void load_worker::connect(load_role role, std::uint32_t total, std::uint64_t start_ns) {
  asio::post(io_, [this, role, total, start_ns] {
    ramp_ = {role, total, thread_index_, start_ns};
    ramp();
  });
}

// Starts the clients that are due (at most ramp_batch, and with
// --max-connecting no more than that under way), then comes back when the
// next one is due, at once for the rest of a batch, or from a completed
// connect when the bound held it back.
void load_worker::ramp() {
  if (closing_) {
    return;
  }
  const auto step = plan_.threads;
  const double rate = o_.connect_rate;
  const auto due_ns = [&](std::uint32_t ordinal) {
    return rate > 0 ? ramp_.start_ns + static_cast<std::uint64_t>(ordinal * 1e9 / rate)
                    : ramp_.start_ns;
  };
  std::uint32_t started = 0;
  const auto now = steady_now_ns();
  while (ramp_.next < ramp_.total && due_ns(ramp_.next) <= now && started < ramp_batch) {
    if (max_connecting_ > 0 && connecting_ >= max_connecting_) {
      return; // on_connected / on_connect_failed call ramp() again
    }
    start_client(ramp_.role, ramp_.next);
    ramp_.next += step;
    ++started;
  }
  if (ramp_.next >= ramp_.total) {
    return;
  }
  if (started == ramp_batch) {
    asio::post(io_, [this] { ramp(); });
    return;
  }
  ramp_timer_.expires_at(
      asio::steady_timer::time_point(std::chrono::nanoseconds(due_ns(ramp_.next))));
  ramp_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      ramp();
    }
  });
}

void load_worker::start_client(load_role role, std::uint32_t ordinal) {
  auto& c = clients_.emplace_back();
  c.role = role;
  c.index = o_.start_number + ordinal + 1;
  const std::string id = load_client_id(o_.id_prefix, role, c.index);
  if (role == load_role::publisher) {
    c.topic = expand_topic(plan_.setup->topic, c.index, id);
    c.fanout = ordinal < plan_.fanout.size() ? plan_.fanout[ordinal] : 0;
  } else if (role == load_role::subscriber) {
    c.topic = expand_topic(plan_.setup->filter, c.index, id);
  }
  auto session = plan_.setup->session;
  session.connect_packet.client_id = id;
  auto options = plan_.setup->client;
  options.profile = role == load_role::publisher    ? client_profile::publisher
                    : role == load_role::subscriber ? client_profile::subscriber
                                                    : client_profile::both;
  c.mqtt =
      std::make_unique<braid::client>(io_.get_executor(), std::move(session), std::move(options));
  if (role == load_role::subscriber) {
    c.mqtt->set_message_handler([this, &c](const bp::publish& m) { on_message(c, m); });
  }
  c.mqtt->set_state_handler([this, &c](const connection_event& e) { on_state(c, e); });
  const auto started_ns = steady_now_ns();
  if (first_attempt_ns_ == 0) {
    first_attempt_ns_ = started_ns;
  }
  ++connecting_;
  counters_.attempted.fetch_add(1, relaxed);
  c.mqtt->async_connect(plan_.setup->url,
                        [this, &c, started_ns](const error_code& ec, const bp::connack&) {
                          --connecting_;
                          if (ec) {
                            on_connect_failed(c, "connect: " + ec.message());
                          } else {
                            on_connected(c, started_ns);
                          }
                          ramp();
                        });
}

void load_worker::on_connected(load_client& c, std::uint64_t started_ns) {
  const auto now = steady_now_ns();
  connect_ns_.record(now - started_ns);
  last_connack_ns_ = std::max(last_connack_ns_, now);
  c.up = true;
  counters_.connected.fetch_add(1, relaxed);
  counters_.up.fetch_add(1, relaxed);
  if (closing_) {
    return;
  }
  if (c.role == load_role::subscriber) {
    subscribe(c);
  } else if (c.role == load_role::publisher) {
    c.start_ns = now;
    if (first_publish_ns_ == 0) {
      first_publish_ns_ = now;
    }
    if (interval_ns_ > 0) {
      c.pace = std::make_unique<asio::steady_timer>(io_);
      pace(c);
    } else {
      fill(c);
    }
  }
}

void load_worker::on_connect_failed(load_client& c, const std::string& reason) {
  counters_.connect_failed.fetch_add(1, relaxed);
  note(reason);
  finish(c);
  // Freed once this handler has returned: a failed client holds nothing.
  asio::post(io_, [&c] { c.mqtt.reset(); });
}

void load_worker::on_state(load_client& c, const connection_event& e) {
  if (e.what != connection_event::kind::disconnected || !c.up) {
    return;
  }
  c.up = false;
  counters_.up.fetch_sub(1, relaxed);
  if (closing_) {
    counters_.closed.fetch_add(1, relaxed);
    return;
  }
  counters_.lost.fetch_add(1, relaxed);
  note("connection lost: " + e.reason.message());
  finish(c);
}

void load_worker::subscribe(load_client& c) {
  c.mqtt->async_subscribe({{c.topic, {static_cast<bp::qos>(o_.qos)}}},
                          [this, &c](const error_code& ec, const subscribe_result& granted) {
                            if (!ec && granted.size() == 1 && static_cast<int>(granted[0]) < 0x80) {
                              counters_.subscribed.fetch_add(1, relaxed);
                              return;
                            }
                            counters_.subscribe_failed.fetch_add(1, relaxed);
                            note("subscribe: " +
                                 (ec ? ec.message() : std::string("refused by the broker")));
                            finish(c);
                          });
}

void load_worker::on_message(load_client& c, const bp::publish& m) {
  const auto now = steady_now_ns();
  ++c.received;
  counters_.received.fetch_add(1, relaxed);
  last_arrival_ns_ = now;
  if (first_arrival_ns_ == 0) {
    first_arrival_ns_ = now;
  }
  // A payload from elsewhere (no header, or a time that cannot be one of
  // ours) is counted without a latency.
  const auto sent = read_load_sent_ns(m.payload.data(), m.payload.size());
  if (sent != 0 && sent <= now && now - sent < 3'600'000'000'000ull) {
    latency_ns_.record(now - sent);
  }
  if (o_.mode == load_mode::sub && o_.count > 0 && c.received == o_.count) {
    finish(c);
  }
}

bool load_worker::may_send(const load_client& c) const {
  return !stopping_ && !closing_ && c.up && c.mqtt && (o_.count == 0 || c.sent < o_.count);
}

// Unpaced: keep the window full.
void load_worker::fill(load_client& c) {
  while (may_send(c) && c.outstanding < static_cast<std::uint32_t>(o_.window)) {
    publish_one(c, steady_now_ns());
  }
}

// Paced: message k (from 0) is due at start + k * interval, and carries that
// time as its send time even when the window made it wait: the wait is part
// of the latency (no coordinated omission).
void load_worker::pace(load_client& c) {
  const auto now = steady_now_ns();
  const auto due_by_now = (now - c.start_ns) / interval_ns_ + 1;
  while (may_send(c) && c.sent < due_by_now &&
         c.outstanding < static_cast<std::uint32_t>(o_.window)) {
    publish_one(c, c.start_ns + c.sent * interval_ns_);
  }
  if (!may_send(c) || c.pace_armed || c.sent < due_by_now) {
    return; // done, already waiting, or the window is full: a completion calls again
  }
  c.pace_armed = true;
  c.pace->expires_at(
      asio::steady_timer::time_point(std::chrono::nanoseconds(c.start_ns + c.sent * interval_ns_)));
  c.pace->async_wait([this, &c](const boost::system::error_code& ec) {
    c.pace_armed = false;
    if (!ec && c.mqtt) {
      pace(c);
    }
  });
}

void load_worker::publish_one(load_client& c, std::uint64_t stamp_ns) {
  ++c.sent;
  ++c.outstanding;
  counters_.sent.fetch_add(1, relaxed);
  write_load_header(payload_.data(), stamp_ns, c.sent);
  const auto started_ns = steady_now_ns();
  // The buffer is copied before async_publish returns: one buffer serves all.
  c.mqtt->async_publish(c.topic, asio::buffer(payload_), static_cast<bp::qos>(o_.qos), o_.retain,
                        [this, &c, started_ns](const error_code& ec, const publish_result&) {
                          on_published(c, ec, started_ns);
                        });
}

void load_worker::on_published(load_client& c, const error_code& ec, std::uint64_t started_ns) {
  const auto now = steady_now_ns();
  --c.outstanding;
  ++c.completed;
  last_completion_ns_ = now;
  if (ec) {
    counters_.publish_errors.fetch_add(1, relaxed);
    note("publish: " + ec.message());
  } else {
    counters_.published.fetch_add(1, relaxed);
    counters_.expected.fetch_add(c.fanout, relaxed);
    if (o_.qos > 0) {
      ack_ns_.record(now - started_ns);
    }
  }
  if (o_.count > 0 && c.completed >= o_.count) {
    finish(c);
    return;
  }
  if (!c.mqtt) {
    return;
  }
  if (interval_ns_ > 0) {
    pace(c);
  } else {
    fill(c);
  }
}

// Only the role whose end ends the run is counted: publishers (pub, pubsub)
// or subscribers (sub).
void load_worker::finish(load_client& c) {
  const auto ending = o_.mode == load_mode::sub ? load_role::subscriber : load_role::publisher;
  if (c.role == ending && !c.finished) {
    c.finished = true;
    counters_.finished.fetch_add(1, relaxed);
  }
}

void load_worker::note(const std::string& reason) {
  // A few distinct reasons are expected; a flood of distinct ones is cut.
  if (reasons_.size() < 20 || reasons_.count(reason) > 0) {
    ++reasons_[reason];
  } else {
    ++reasons_["other errors"];
  }
}

void load_worker::stop_publishing() {
  asio::post(io_, [this] {
    stopping_ = true;
    for (auto& c : clients_) {
      if (c.pace) {
        c.pace->cancel();
      }
    }
  });
}

void load_worker::disconnect_all() {
  asio::post(io_, [this] {
    stopping_ = closing_ = true;
    ramp_timer_.cancel();
    for (auto& c : clients_) {
      if (c.pace) {
        c.pace->cancel();
      }
      if (c.up && c.mqtt) {
        c.mqtt->async_disconnect([](const error_code&) {});
      }
    }
  });
}

void load_worker::shutdown() {
  if (!thread_.joinable()) {
    return;
  }
  asio::post(io_, [this] {
    stopping_ = closing_ = true;
    ramp_timer_.cancel();
    for (auto& c : clients_) {
      c.pace.reset();
      c.mqtt.reset(); // closes the connection; pending handlers see no client
    }
    guard_.reset();
  });
  // What the closed clients still post runs; then run() returns. A client
  // that keeps work queued past a second is not waited for.
  for (int i = 0; i < 100 && !io_.stopped(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  io_.stop();
  thread_.join();
  // Had the thread stopped before destroying them, the clients go now, while
  // their io_context still exists (it is not running: nothing races).
  for (auto& c : clients_) {
    c.pace.reset();
    c.mqtt.reset();
  }
}

} // namespace braid::cli
