#include "demo_command.hpp"

#include <braid/client.hpp>

#include "private_broker.hpp"
#include "runner.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
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
  int sent = 0;                // publishes that completed without error
  int failed = 0;              // publishes that completed with an error
  std::vector<int> deliveries; // per message number
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
    }
    subscriber_.emplace(io_.get_executor(), config("braid-demo-sub-" + tag),
                        options(client_profile::subscriber));
    publisher_.emplace(io_.get_executor(), config("braid-demo-pub-" + tag),
                       options(client_profile::publisher));
  }

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
                          std::chrono::milliseconds(100)};
    return o;
  }

  void watch(client& c, std::string who) {
    c.set_state_handler([this, who](const connection_event& e) {
      switch (e.what) {
      case connection_event::kind::connected:
        std::printf("%-10s connected (session present: %s", who.c_str(),
                    e.session_present ? "yes" : "no");
        if (e.resent + e.republished + e.resubscribed > 0) {
          std::printf("; resent %zu, sent again as new %zu, resubscribed %zu", e.resent,
                      e.republished, e.resubscribed);
        }
        std::printf(")\n");
        break;
      case connection_event::kind::disconnected:
        if (!finished_) {
          std::printf("%-10s disconnected: %s\n", who.c_str(), e.reason.message().c_str());
        }
        break;
      case connection_event::kind::reconnecting:
        std::printf("%-10s reconnecting in %lld ms (attempt %u)\n", who.c_str(),
                    static_cast<long long>(e.delay.count()), e.attempt);
        break;
      case connection_event::kind::gave_up:
        fail(who + " gave up: " + e.reason.message());
        break;
      }
      std::fflush(stdout);
    });
  }

  void publish_batch() {
    for (int i = 0; i < kBatch && next_ < options_.messages; ++i, ++next_) {
      for (std::size_t q = 0; q < 3; ++q) {
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

  void on_message(const bp::publish& m) {
    const auto q = static_cast<std::size_t>(m.qos);
    const auto n = std::stoul(std::string(m.payload.begin(), m.payload.end()));
    auto& d = counts_.at(q).deliveries.at(n);
    if (d++ == 0 && q > 0) {
      ++fresh_reliable_;
    }
    if (broker_ != nullptr && !options_.no_restart && !restarted_ &&
        fresh_reliable_ == options_.messages) {
      restarted_ = true;
      std::printf("-- restarting the broker (SIGTERM) after %d of %d QoS 1/2 messages arrived\n",
                  fresh_reliable_, 2 * options_.messages);
      std::fflush(stdout);
      if (!broker_->restart()) {
        return fail(broker_->error());
      }
      std::printf("-- broker is back on port %u\n", broker_->port());
    }
    check_done();
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
    std::cerr << "braid demo: " << message << "\n";
    subscriber_->close();
    publisher_->close();
    io_.stop();
  }

  int summary() const {
    std::printf("\n QoS |   sent | received |   lost | duplicated\n");
    bool ok = true;
    for (std::size_t q = 0; q < 3; ++q) {
      int received = 0, lost = 0, duplicated = 0;
      for (int d : counts_[q].deliveries) {
        received += d > 0 ? 1 : 0;
        lost += d == 0 ? 1 : 0;
        duplicated += d > 1 ? d - 1 : 0;
      }
      std::printf("   %zu | %6d | %8d | %6d | %10d%s\n", q, counts_[q].sent, received, lost,
                  duplicated, q == 0 ? "   (QoS 0 may lose messages across a restart)" : "");
      if (q > 0 && (lost > 0 || counts_[q].failed > 0)) {
        ok = false;
      }
      if (q == 2 && duplicated > 0) {
        ok = false;
      }
    }
    std::printf("%s\n", ok ? "result: nothing lost at QoS 1 and 2, no QoS 2 duplicate"
                           : "result: FAILED: messages lost at QoS 1/2 or duplicated at QoS 2");
    return ok ? exit_ok : exit_failure;
  }

  const demo_options& options_;
  std::string url_;
  private_broker* broker_;
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
  bool restarted_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

int run_demo(const demo_options& o) {
  std::unique_ptr<private_broker> broker;
  std::string url = o.url;
  if (url.empty() && o.host.empty() && o.port == 0) {
    broker = std::make_unique<private_broker>();
    if (!broker->running()) {
      std::cerr << "braid demo: " << broker->error() << "\n";
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
