#include "soak_run.hpp"

#include <braid/client.hpp>

#include "fault_proxy.hpp"
#include "private_mosquitto.hpp"
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <chrono>
#include <future>
#include <memory>
#include <ostream>
#include <thread>

namespace braid::soak {
namespace {

namespace bp = braid::protocol;
using clock_type = std::chrono::steady_clock;

// The message number a payload carries ("17" then padding), 0 for none.
std::uint64_t number_of(bp::byte_view payload) {
  std::uint64_t n = 0;
  const auto* first = reinterpret_cast<const char*>(payload.data());
  std::from_chars(first, first + payload.size(), n);
  return n;
}

bp::shared_bytes payload_of(std::uint64_t n, std::size_t size) {
  auto text = std::to_string(n);
  text.resize(std::max(size, text.size() + 1), ' ');
  return bp::bytes(text.begin(), text.end());
}

std::string broker_config(const soak_options& o) {
  // Persistence saved every second (and on SIGTERM): a SIGKILL loses at most
  // the last second's changes. No limit on queued messages, so that the
  // broker drops nothing while the subscriber is away.
  return "allow_anonymous true\n"
         "persistence true\n"
         "persistence_location %DIR%/\n"
         "autosave_interval 1\n"
         "max_queued_messages 0\n"
         "max_inflight_messages " +
         std::to_string(o.max_inflight) + "\n";
}

class soak {
public:
  soak(const soak_options& o, std::ostream& out) : o_(o), out_(out) {}

  soak_outcome run() {
    soak_outcome result;
    std::uint16_t upstream_port = 0;
    std::string upstream_host = "127.0.0.1";
    if (o_.broker.empty()) {
      mosquitto::private_mosquitto_options mo;
      mo.config = broker_config(o_);
      mo.dir_prefix = "braid-soak";
      broker_ = std::make_unique<mosquitto::private_mosquitto>(mo);
      if (!broker_->running()) {
        result.setup_error = broker_->found()
                                 ? "the private mosquitto did not start: " + broker_->error()
                                 : "mosquitto is not installed (scripts/install-deps)";
        return result;
      }
      upstream_port = broker_->port();
    } else {
      // mqtt://host[:port], or host[:port]: the proxy forwards plain TCP.
      broker_url url;
      const auto text =
          o_.broker.find("://") == std::string::npos ? "mqtt://" + o_.broker : o_.broker;
      if (const auto ec = parse_url(text, url)) {
        result.setup_error = "bad broker URL " + o_.broker + ": " + ec.message();
        return result;
      }
      if (url.kind != transport_kind::tcp) {
        result.setup_error = "the soak's proxy forwards plain MQTT over TCP: give mqtt://HOST:PORT";
        return result;
      }
      upstream_host = url.host;
      upstream_port = static_cast<std::uint16_t>(std::stoi(url.port));
    }
    try {
      proxy_ = std::make_unique<braid::fault::fault_proxy>(upstream_port, upstream_host);
    } catch (const std::exception& e) {
      result.setup_error = "cannot reach " + upstream_host + ": " + e.what();
      return result;
    }
    start_clients();
    io_thread_ = std::thread([this] { io_.run(); });

    const auto start = clock_type::now();
    strike_faults(start, result);
    heal();
    call([this] {
      for (auto& s : streams_) {
        s.stopping = true;
      }
    });
    result.drained = drain();
    result.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    call([&] {
      result.qos1 = streams_[0].ledger.report();
      result.qos2 = streams_[1].ledger.report();
      result.replays_not_delivered = subscriber_->stats().replays;
      for (auto& s : streams_) {
        s.publisher->close();
      }
      subscriber_->close();
    });
    result.connections = static_cast<std::uint64_t>(proxy_->connections());
    for (auto kind : {fault_kind::cut, fault_kind::stall, fault_kind::slice, fault_kind::kill,
                      fault_kind::term}) {
      result.faults.emplace_back(kind, struck_[static_cast<std::size_t>(kind)]);
    }
    work_.reset();
    io_.stop();
    io_thread_.join();
    return result;
  }

private:
  struct stream {
    bp::qos q = bp::qos::at_least_once;
    std::string topic;
    soak_ledger ledger;
    std::unique_ptr<client> publisher;
    std::unique_ptr<asio::steady_timer> pacer; // --rate
    std::uint64_t next = 1;
    bool stopping = false;
    bool in_flight = false;
    std::uint64_t errors = 0;
  };

  bp::session_config session(const std::string& client_id) const {
    bp::session_config c;
    c.connect_packet.client_id = client_id;
    c.connect_packet.clean_start = false;
    c.connect_packet.keep_alive = static_cast<std::uint16_t>(std::max(1.0, o_.keep_alive_s));
    c.connect_packet.version = o_.version == "5"    ? bp::protocol_version::v5
                               : o_.version == "31" ? bp::protocol_version::v3_1
                                                    : bp::protocol_version::v3_1_1;
    if (c.connect_packet.version == bp::protocol_version::v5) {
      // The session outlives a connection: MQTT 5 ends it at once otherwise.
      c.connect_packet.props.add(bp::property_id::session_expiry_interval, 3600u);
    }
    c.window = 1; // one message at a time: order is kept
    return c;
  }

  client_options options() const {
    client_options co;
    co.reconnect.enabled = true;
    co.reconnect.policy.initial_delay = std::chrono::milliseconds(50);
    co.reconnect.policy.max_delay = std::chrono::milliseconds(1000);
    co.reconnect.random_seed = o_.seed + 1;
    co.connect_timeout = std::chrono::milliseconds(3000);
    return co;
  }

  std::string url() const { return "mqtt://127.0.0.1:" + proxy_->port_string(); }

  void start_clients() {
    const auto prefix = "braid-soak-" + std::to_string(o_.seed) + "-" + std::to_string(::getpid());
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      auto& s = streams_[i];
      s.q = i == 0 ? bp::qos::at_least_once : bp::qos::exactly_once;
      s.topic = prefix + "/q" + std::to_string(i + 1);
      if (o_.verbose) {
        s.ledger.on_event = [this, i](const std::string& what) {
          out_ << "soak: QoS " << i + 1 << " " << what << "\n";
        };
      }
      auto co = options();
      co.profile = client_profile::publisher;
      co.packet_trace = [&s](packet_direction d, const bp::packet& p) {
        if (d == packet_direction::sent) {
          if (const auto* m = std::get_if<bp::publish>(&p)) {
            s.ledger.publish_sent(m->packet_id, number_of(m->payload), m->dup);
          }
        } else if (const auto* a = std::get_if<bp::puback>(&p);
                   a && s.q == bp::qos::at_least_once) {
          s.ledger.broker_acknowledged(a->packet_id);
        } else if (const auto* r = std::get_if<bp::pubrec>(&p); r && s.q == bp::qos::exactly_once) {
          s.ledger.broker_acknowledged(r->packet_id);
        }
      };
      s.pacer = std::make_unique<asio::steady_timer>(io_);
      s.publisher = std::make_unique<client>(
          io_.get_executor(), session(prefix + "-pub" + std::to_string(i + 1)), std::move(co));
    }
    auto config = session(prefix + "-sub");
    config.replay_guard = o_.replay_guard;
    auto co = options();
    co.profile = client_profile::subscriber;
    co.packet_trace = [this](packet_direction d, const bp::packet& p) {
      if (d == packet_direction::received) {
        if (const auto* m = std::get_if<bp::publish>(&p)) {
          if (auto* s = stream_of(m->topic)) {
            s->ledger.publish_read(m->packet_id, number_of(m->payload), m->dup);
          }
        }
      } else if (const auto* a = std::get_if<bp::puback>(&p)) {
        streams_[0].ledger.exchange_completed(a->packet_id);
      } else if (const auto* c = std::get_if<bp::pubcomp>(&p)) {
        streams_[1].ledger.exchange_completed(c->packet_id);
      }
    };
    subscriber_ = std::make_unique<client>(io_.get_executor(), std::move(config), std::move(co));
    subscriber_->set_message_handler([this](const bp::publish& m) {
      if (auto* s = stream_of(m.topic)) {
        s->ledger.delivered(number_of(m.payload), m.dup, m.packet_id);
      }
    });
    // The subscriber first: the publishers start once it has subscribed.
    subscriber_->async_connect(url(), [this](error_code ec, const bp::connack& ack) {
      if (ec) {
        out_ << "soak: the subscriber could not connect: " << ec.message() << "\n";
        return;
      }
      std::vector<bp::subscription> subs;
      for (auto& s : streams_) {
        subs.push_back({s.topic, {s.q}});
      }
      if (ack.session_present) {
        start_publishers();
        return;
      }
      subscriber_->async_subscribe(std::move(subs), [this](error_code e, const auto&) {
        if (e) {
          out_ << "soak: the subscription failed: " << e.message() << "\n";
          return;
        }
        start_publishers();
      });
    });
  }

  stream* stream_of(const std::string& topic) {
    for (auto& s : streams_) {
      if (s.topic == topic) {
        return &s;
      }
    }
    return nullptr;
  }

  void start_publishers() {
    publishing_since_ = clock_type::now();
    for (auto& s : streams_) {
      s.publisher->async_connect(url(), [this, &s](error_code ec, const bp::connack&) {
        if (ec) {
          out_ << "soak: a publisher could not connect: " << ec.message() << "\n";
          return;
        }
        publish_next(s);
      });
    }
  }

  void publish_next(stream& s) {
    if (s.stopping || s.in_flight || (o_.messages != 0 && s.next > o_.messages)) {
      return;
    }
    if (o_.rate > 0) {
      // Message n is due (n - 1) / rate seconds after the start.
      const auto due =
          publishing_since_ +
          std::chrono::duration_cast<clock_type::duration>(
              std::chrono::duration<double>(static_cast<double>(s.next - 1) / o_.rate));
      if (due > clock_type::now()) {
        s.pacer->expires_at(due);
        s.pacer->async_wait([this, &s](error_code ec) {
          if (!ec) {
            publish_now(s);
          }
        });
        return;
      }
    }
    publish_now(s);
  }

  void publish_now(stream& s) {
    if (s.stopping || (o_.messages != 0 && s.next > o_.messages)) {
      return;
    }
    const auto n = s.next++;
    s.in_flight = true;
    s.ledger.published(n);
    s.publisher->async_publish(s.topic, payload_of(n, o_.payload_size), s.q, false,
                               [this, &s, n](error_code ec, const publish_result&) {
                                 s.in_flight = false;
                                 s.ledger.publish_completed(n, !ec);
                                 if (ec && s.errors++ < 5) {
                                   out_ << "soak: publish " << n << " at QoS "
                                        << static_cast<int>(s.q) << " failed: " << ec.message()
                                        << "\n";
                                 }
                                 publish_next(s);
                               });
  }

  // Runs f on the clients' thread and waits for it.
  template <class F>
  void call(F f) {
    std::promise<void> done;
    asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  bool published_all() {
    bool all = o_.messages != 0;
    call([&] {
      for (auto& s : streams_) {
        all = all && s.next > o_.messages && !s.in_flight;
      }
    });
    return all;
  }

  void progress(clock_type::time_point start) {
    std::array<std::uint64_t, 4> n{};
    call([&] {
      n = {streams_[0].ledger.published_count(), streams_[0].ledger.delivered_count(),
           streams_[1].ledger.published_count(), streams_[1].ledger.delivered_count()};
    });
    const auto t = std::chrono::duration<double>(clock_type::now() - start).count();
    out_ << "soak: " << static_cast<int>(t) << " s: QoS 1 sent " << n[0] << " received " << n[1]
         << ", QoS 2 sent " << n[2] << " received " << n[3] << "; faults so far: cut " << struck_[0]
         << ", stall " << struck_[1] << ", slice " << struck_[2] << ", kill " << struck_[3]
         << ", term " << struck_[4] << "\n";
  }

  // Sleeps `seconds`, a progress line every 10 s.
  void pause(double seconds, clock_type::time_point start) {
    const auto until = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                               std::chrono::duration<double>(seconds));
    while (clock_type::now() < until) {
      std::this_thread::sleep_until(std::min(until, next_progress_));
      if (clock_type::now() >= next_progress_) {
        progress(start);
        next_progress_ += std::chrono::seconds(10);
      }
    }
  }

  void strike_faults(clock_type::time_point start, soak_outcome& result) {
    next_progress_ = start + std::chrono::seconds(10);
    auto kinds = o_.faults;
    if (!broker_) {
      std::erase_if(kinds,
                    [](fault_kind k) { return k == fault_kind::kill || k == fault_kind::term; });
    }
    if (kinds.empty()) {
      kinds.push_back(fault_kind::cut);
    }
    fault_plan plan(o_.seed, kinds, o_.keep_alive_s);
    const auto over = [&] {
      return o_.messages != 0
                 ? published_all()
                 : clock_type::now() - start >= std::chrono::duration<double>(o_.seconds);
    };
    while (!over()) {
      const auto f = plan.next();
      const double left =
          o_.messages != 0
              ? f.after_s
              : o_.seconds - std::chrono::duration<double>(clock_type::now() - start).count();
      pause(std::min(f.after_s, left), start);
      if (over()) {
        break;
      }
      ++struck_[static_cast<std::size_t>(f.kind)];
      if (o_.verbose) {
        out_ << "soak: " << to_string(f.kind);
        if (f.duration_s > 0) {
          out_ << " for " << f.duration_s << " s";
        }
        out_ << "\n";
      }
      switch (f.kind) {
      case fault_kind::cut:
        proxy_->cut();
        break;
      case fault_kind::stall:
        proxy_->stall(true);
        pause(f.duration_s, start);
        proxy_->stall(false);
        break;
      case fault_kind::slice:
        proxy_->slice(true);
        pause(f.duration_s, start);
        proxy_->slice(false);
        break;
      case fault_kind::kill:
      case fault_kind::term:
        if (!broker_->restart(f.kind == fault_kind::kill ? SIGKILL : SIGTERM)) {
          result.setup_error = "mosquitto did not come back: " + broker_->error();
          return;
        }
        break;
      }
    }
  }

  void heal() {
    proxy_->stall(false);
    proxy_->slice(false);
  }

  // Until every acknowledged message arrived and every publish completed, or
  // nothing moved for three keep-alives (at least 6 s: what the broker lost
  // in a crash never comes), or drain_s passed.
  bool drain() {
    const auto start = clock_type::now();
    auto last_change = start;
    std::uint64_t last_total = 0;
    for (;;) {
      bool settled = true;
      std::uint64_t total = 0;
      call([&] {
        for (auto& s : streams_) {
          settled = settled && s.ledger.settled();
          total += s.ledger.delivered_count() + s.ledger.published_count();
        }
      });
      if (settled) {
        return true;
      }
      const auto now = clock_type::now();
      if (total != last_total) {
        last_total = total;
        last_change = now;
      }
      if (now - last_change > std::chrono::duration<double>(std::max(6.0, 3 * o_.keep_alive_s)) ||
          now - start > std::chrono::duration<double>(o_.drain_s)) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const soak_options& o_;
  std::ostream& out_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<mosquitto::private_mosquitto> broker_;
  std::unique_ptr<braid::fault::fault_proxy> proxy_;
  std::array<stream, 2> streams_;
  std::unique_ptr<client> subscriber_;
  std::array<int, 5> struck_{};
  clock_type::time_point next_progress_;
  clock_type::time_point publishing_since_;
  std::thread io_thread_;
};

} // namespace

soak_outcome run_soak(const soak_options& options, std::ostream& out) {
  return soak(options, out).run();
}

} // namespace braid::soak
