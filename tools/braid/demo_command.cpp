#include "demo_command.hpp"

#include <braid/client.hpp>

#include "private_broker.hpp"
#include "runner.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

namespace braid::cli {
namespace {

namespace bp = braid::protocol;

struct demo_options {
  std::string host;
  int port = 0;
  std::string url;
  int messages = 1000;
  std::string version = "311";
  bool no_restart = false;
};

struct qos_count {
  int attempted = 0;           // publishes started (async_publish called)
  int sent = 0;                // publishes that completed without error
  int failed = 0;              // publishes that completed with an error
  std::vector<int> deliveries; // per message number: copies that arrived
  std::vector<int> sends;      // per message number: PUBLISH packets the publisher wrote
  // Copies beyond the first, by where they came from (see on_message).
  int resent_by_publisher = 0;
  int replayed_by_broker = 0;
  int unexplained = 0;
};

class demo {
public:
  demo(const demo_options& o, std::string url, private_broker* broker)
      : options_(o), url_(std::move(url)), broker_(broker), pace_(io_), grace_(io_),
        deadline_(io_) {
    const auto tag = std::to_string(::getpid());
    for (std::size_t q = 0; q < 3; ++q) {
      topics_[q] = "braid/demo/" + tag + "/qos" + std::to_string(q);
      counts_[q].deliveries.assign(static_cast<std::size_t>(o.messages), 0);
      counts_[q].sends.assign(static_cast<std::size_t>(o.messages), 0);
    }
    subscriber_.emplace(io_.get_executor(), config("braid-demo-sub-" + tag),
                        options(client_profile::subscriber));
    auto publisher_options = options(client_profile::publisher);
    // Counts every PUBLISH the publisher writes, first attempts and resends.
    publisher_options.packet_trace = [this](packet_direction d, const bp::packet& p) {
      if (const auto* m = std::get_if<bp::publish>(&p); m && d == packet_direction::sent) {
        if (auto* n = sends_of(*m)) {
          ++*n;
        }
      }
    };
    publisher_.emplace(io_.get_executor(), config("braid-demo-pub-" + tag),
                       std::move(publisher_options));
  }

  ~demo() { end_restarter(); }
  demo(const demo&) = delete;
  demo& operator=(const demo&) = delete;

  int run() {
    // Never hang: a run that cannot finish (a broker that does not come back)
    // ends with an error.
    const auto limit = std::chrono::seconds(60 + options_.messages / 200);
    deadline_.expires_after(limit);
    deadline_.async_wait([this, limit](error_code ec) {
      if (!ec) {
        fail("not finished after " + std::to_string(limit.count()) + " s");
      }
    });
    watch(*subscriber_, "subscriber");
    watch(*publisher_, "publisher");
    subscriber_->set_message_handler([this](const bp::publish& m) { on_message(m); });
    std::vector<bp::subscription> subs;
    for (std::size_t q = 0; q < 3; ++q) {
      subs.push_back({topics_[q], {static_cast<bp::qos>(q)}});
    }
    subscriber_->async_connect(url_, [this, subs](error_code ec, bp::connack) {
      if (ec) {
        return fail("cannot connect to " + url_ + ": " + ec.message());
      }
      subscriber_->async_subscribe(subs, [this](error_code e, std::vector<bp::reason_code>) {
        if (e) {
          return fail("subscribe failed: " + e.message());
        }
        publisher_->async_connect(url_, [this](error_code pe, bp::connack) {
          if (pe) {
            return fail("cannot connect to " + url_ + ": " + pe.message());
          }
          publish_batch();
        });
      });
    });
    io_.run();
    end_restarter();
    return failed_ ? exit_failure : summary();
  }

private:
  static constexpr int kBatch = 10; // per QoS, every 10 ms

  bp::session_config config(std::string id) const {
    bp::session_config c;
    c.connect_packet.client_id = std::move(id);
    c.connect_packet.clean_start = false; // persistent: nothing is lost while away
    c.connect_packet.keep_alive = 10;
    if (options_.version == "5") {
      c.connect_packet.version = bp::protocol_version::v5;
      c.connect_packet.props.add(bp::property_id::session_expiry_interval, std::uint32_t{300});
    }
    return c;
  }

  static client_options options(client_profile profile) {
    client_options o;
    o.profile = profile;
    o.reconnect.enabled = true;
    o.reconnect.policy = {std::chrono::milliseconds(100), std::chrono::milliseconds(2000), 2.0,
                          0.5};
    return o;
  }

  // One event line, stamped with the time since the start. Every line comes
  // from the io_context's thread, as the event happens, so the lines are in
  // the order of the events.
  [[gnu::format(printf, 2, 3)]] void say(const char* format, ...) {
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - started_;
    std::printf("[%7.3f s] ", t.count());
    va_list args;
    va_start(args, format);
    std::vprintf(format, args);
    va_end(args);
    std::printf("\n");
    std::fflush(stdout);
  }

  void watch(client& c, std::string who) {
    c.set_state_handler([this, who](const connection_event& e) {
      switch (e.what) {
      case connection_event::kind::connected: {
        if (restarting_) {
          broker_back(); // this connection shows that the broker listens again
        }
        std::string extra;
        if (e.resent + e.republished + e.resubscribed > 0) {
          extra = "; resent " + std::to_string(e.resent) + ", sent again as new " +
                  std::to_string(e.republished) + ", resubscribed " +
                  std::to_string(e.resubscribed);
        }
        say("%-10s connected (session present: %s%s)", who.c_str(),
            e.session_present ? "yes" : "no", extra.c_str());
        break;
      }
      case connection_event::kind::disconnected:
        if (!finished_) {
          say("%-10s disconnected: %s", who.c_str(), e.reason.message().c_str());
        }
        break;
      case connection_event::kind::reconnecting:
        say("%-10s reconnecting in %lld ms (attempt %u)", who.c_str(),
            static_cast<long long>(e.delay.count()), e.attempt);
        break;
      case connection_event::kind::gave_up:
        fail(who + " gave up: " + e.reason.message());
        break;
      case connection_event::kind::redirected:
        say("%-10s redirected to %s%s", who.c_str(), e.server_reference.c_str(),
            e.followed ? "" : " (not followed)");
        break;
      }
    });
  }

  // The message number of `m` (its payload), or -1.
  int number_of(const bp::publish& m) const {
    int n = 0;
    if (m.payload.empty() || m.payload.size() > 9) {
      return -1;
    }
    for (const auto b : m.payload) {
      if (b < '0' || b > '9') {
        return -1;
      }
      n = n * 10 + (b - '0');
    }
    return n < options_.messages ? n : -1;
  }

  int* sends_of(const bp::publish& m) {
    const int n = number_of(m);
    const auto q = static_cast<std::size_t>(m.qos);
    return n < 0 || q > 2 ? nullptr : &counts_[q].sends[static_cast<std::size_t>(n)];
  }

  void publish_batch() {
    for (int i = 0; i < kBatch && next_ < options_.messages; ++i, ++next_) {
      for (std::size_t q = 0; q < 3; ++q) {
        ++counts_[q].attempted;
        publisher_->async_publish(topics_[q], bp::to_bytes(std::to_string(next_)),
                                  static_cast<bp::qos>(q), false,
                                  [this, q](error_code ec, bp::reason_code) {
                                    (ec ? counts_[q].failed : counts_[q].sent) += 1;
                                    ++completed_;
                                    check_done();
                                  });
      }
    }
    if (next_ < options_.messages) {
      pace_.expires_after(std::chrono::milliseconds(10));
      pace_.async_wait([this](error_code ec) {
        if (!ec) {
          publish_batch();
        }
      });
    }
  }

  // A copy beyond the first is a duplicate. One that came with DUP=1 was
  // replayed by the broker: it sent the message to the subscriber again
  // after a reconnect, not knowing that the first copy had arrived. One with
  // DUP=0 of a message that the publisher wrote more than once was resent by
  // the publisher: it sent the message again (DUP=1) after its reconnect, not
  // knowing that the broker had it, and the broker passed the second one on
  // as a new message.
  void on_message(const bp::publish& m) {
    const auto q = static_cast<std::size_t>(m.qos);
    const int n = number_of(m);
    if (n < 0 || q > 2) {
      return fail("unexpected message on " + m.topic);
    }
    auto& count = counts_[q];
    const auto at = static_cast<std::size_t>(n);
    if (count.deliveries[at]++ == 0) {
      fresh_reliable_ += q > 0 ? 1 : 0;
    } else if (m.dup) {
      ++count.replayed_by_broker;
    } else if (count.sends[at] > 1) {
      ++count.resent_by_publisher;
    } else {
      ++count.unexplained;
    }
    if (broker_ != nullptr && !options_.no_restart && !restart_started_ &&
        fresh_reliable_ == options_.messages) {
      restart_broker();
    }
    check_done();
  }

  // The broker restarts on a thread of its own while the clients go on here,
  // so that their events (disconnected, reconnecting) are printed as they
  // happen. That thread stays until the end: the new mosquitto's parent-death
  // signal belongs to the thread that started it.
  void restart_broker() {
    restart_started_ = true;
    restarting_ = true;
    say("-- restarting the broker (SIGTERM) after %d of %d QoS 1/2 messages arrived",
        fresh_reliable_, 2 * options_.messages);
    restarter_ = std::thread([this] {
      const bool ok = broker_->restart();
      asio::post(io_, [this, ok] {
        if (!ok) {
          return fail(broker_->error());
        }
        if (restarting_) {
          broker_back();
        }
      });
      std::unique_lock lock(over_mutex_);
      over_changed_.wait(lock, [this] { return over_; });
    });
  }

  void broker_back() {
    restarting_ = false;
    say("-- the broker is back on port %u", broker_port_);
  }

  void end_restarter() {
    {
      std::lock_guard lock(over_mutex_);
      over_ = true;
    }
    over_changed_.notify_all();
    if (restarter_.joinable()) {
      restarter_.join();
    }
  }

  void check_done() {
    if (completed_ < 3 * options_.messages) {
      return;
    }
    if (fresh_reliable_ == 2 * options_.messages) {
      return stop();
    }
    // Everything is sent: give stragglers a moment, then count.
    grace_.expires_after(std::chrono::seconds(5));
    grace_.async_wait([this](error_code ec) {
      if (!ec) {
        stop();
      }
    });
  }

  void stop() {
    if (finished_) {
      return;
    }
    finished_ = true;
    grace_.cancel();
    deadline_.cancel();
    subscriber_->async_disconnect(
        [this](error_code) { publisher_->async_disconnect([this](error_code) { io_.stop(); }); });
  }

  void fail(const std::string& message) {
    if (failed_) {
      return;
    }
    failed_ = true;
    finished_ = true;
    std::fflush(stdout);
    std::cerr << "braid demo: " << message << "\n";
    subscriber_->close();
    publisher_->close();
    io_.stop();
  }

  // The table: attempted = sent + failed, attempted = received + lost, and
  // duplicated = resent by the publisher + replayed by the broker (+ any of
  // unknown origin).
  int summary() const {
    std::printf("\n QoS | attempted |   sent | failed | received |   lost | duplicated\n");
    bool ok = true;
    for (std::size_t q = 0; q < 3; ++q) {
      const auto& c = counts_[q];
      int received = 0, duplicated = 0;
      for (int d : c.deliveries) {
        received += d > 0 ? 1 : 0;
        duplicated += d > 1 ? d - 1 : 0;
      }
      const int lost = c.attempted - received;
      std::printf("   %zu | %9d | %6d | %6d | %8d | %6d | %10d%s\n", q, c.attempted, c.sent,
                  c.failed, received, lost, duplicated,
                  q == 0 ? "   (QoS 0 may lose messages across a restart)" : "");
      if (q > 0 && (lost > 0 || c.failed > 0)) {
        ok = false;
      }
      if (q == 2 && duplicated > 0) {
        ok = false;
      }
    }
    std::printf("attempted: publishes started; sent: completed (QoS 0 written, QoS 1 PUBACK, "
                "QoS 2 PUBCOMP);\nfailed: completed with an error; received: distinct messages "
                "that arrived;\nlost = attempted - received; duplicated: copies beyond the "
                "first.\n");
    for (std::size_t q = 1; q < 3; ++q) {
      const auto& c = counts_[q];
      const int duplicated = c.resent_by_publisher + c.replayed_by_broker + c.unexplained;
      if (duplicated == 0) {
        continue;
      }
      std::printf("QoS %zu duplicates: %d resent by the publisher (it sent them again with DUP=1 "
                  "after its reconnect, and the broker passed them on as new messages), %d "
                  "replayed by the broker (it sent them to the subscriber again with DUP=1 after "
                  "a reconnect)",
                  q, c.resent_by_publisher, c.replayed_by_broker);
      if (c.unexplained > 0) {
        std::printf(", %d of unknown origin (DUP=0, sent once by the publisher)", c.unexplained);
      }
      std::printf(".\n%s\n", q == 1 ? "QoS 1 is \"at least once\": it allows duplicates, and "
                                      "these are not failures."
                                    : "QoS 2 is \"exactly once\": these are failures.");
    }
    std::printf("%s\n", ok ? "result: nothing lost at QoS 1 and 2, no QoS 2 duplicate"
                           : "result: FAILED: messages lost at QoS 1/2 or duplicated at QoS 2");
    return ok ? exit_ok : exit_failure;
  }

  const demo_options& options_;
  std::string url_;
  private_broker* broker_;
  unsigned broker_port_ = broker_ != nullptr ? broker_->port() : 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  asio::io_context io_;
  asio::steady_timer pace_;
  asio::steady_timer grace_;
  asio::steady_timer deadline_;
  std::optional<client> subscriber_;
  std::optional<client> publisher_;
  std::array<std::string, 3> topics_;
  std::array<qos_count, 3> counts_;
  int next_ = 0;
  int completed_ = 0;
  int fresh_reliable_ = 0;
  bool restart_started_ = false;
  bool restarting_ = false; // until the broker is known to be back
  bool finished_ = false;
  bool failed_ = false;
  std::thread restarter_;
  std::mutex over_mutex_;
  std::condition_variable over_changed_;
  bool over_ = false; // the demo is over: the restarter thread may end
};

int run_demo(const demo_options& o) {
  std::unique_ptr<private_broker> broker;
  std::string url = o.url;
  if (url.empty() && o.host.empty() && o.port == 0) {
    std::string error;
    broker = start_private_broker(error);
    if (!broker) {
      std::cerr << "braid demo: " << error << "\n";
      return exit_failure;
    }
    url = "mqtt://127.0.0.1:" + std::to_string(broker->port());
    std::printf("private mosquitto (%s) on 127.0.0.1:%u\n", broker->executable().c_str(),
                broker->port());
  } else if (url.empty()) {
    url = "mqtt://" + (o.host.empty() ? std::string("localhost") : o.host) +
          (o.port != 0 ? ":" + std::to_string(o.port) : "");
  }
  std::printf("%d messages at each of QoS 0, 1 and 2 through %s, MQTT %s%s\n", o.messages,
              url.c_str(), o.version == "5" ? "5.0" : "3.1.1",
              broker && !o.no_restart ? "; the broker restarts half-way" : "");
  std::fflush(stdout);
  demo d(o, url, broker.get());
  return d.run();
}

} // namespace

void add_demo_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<demo_options>();
  auto* cmd = app.add_subcommand(
      "demo", "publish and subscribe at QoS 0/1/2 through a broker restart, then count");
  cmd->set_help_flag("--help", "print this help");
  cmd->add_option("-h,--host", options->host, "use this broker instead of a private mosquitto");
  cmd->add_option("-p,--port", options->port, "its port")->check(CLI::Range(1, 65535));
  cmd->add_option("-L,--url", options->url, "its URL (mqtt://, mqtts://, ws://, wss://)");
  cmd->add_option("-n,--messages", options->messages, "messages per QoS (default 1000)")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("-V,--protocol-version", options->version, "311 or 5 (default 311)")
      ->check(CLI::IsMember({"311", "5"}));
  cmd->add_flag("--no-restart", options->no_restart, "do not restart the private broker");
  cmd->callback([options, &exit] { exit = run_demo(*options); });
}

} // namespace braid::cli
