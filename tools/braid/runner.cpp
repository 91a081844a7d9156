#include "runner.hpp"

#include <braid/protocol/error.hpp>
#include <braid/protocol/session/errors.hpp>
#include <braid/url.hpp>

#include "packet_text.hpp"
#include "shown.hpp"
#include "stats_line.hpp"

#include <cstdio>
#include <iostream>

namespace braid::cli {

runner::runner(std::string program, const connection_options& options, client_profile profile,
               std::function<void(const protocol::publish&)> on_arrival,
               std::function<bool(const protocol::publish&)> take_message)
    : program_(std::move(program)), url_(options.broker_url()), reconnect_(!options.no_reconnect),
      quiet_(options.quiet), max_violations_(options.max_violations) {
  std::string problem;
  broker_url parsed;
  if (auto ec = parse_url(url_, parsed)) {
    error_line("bad broker URL '" + shown(without_password(url_)) + "': " + ec.message());
    return;
  }
  if (!options.make_session_config(config_, problem)) {
    error_line(problem);
    return;
  }
  config_.take_message = std::move(take_message);
  auto client_opts = options.make_client_options(profile);
  client_opts.on_arrival = std::move(on_arrival);
  if (options.debug) {
    client_opts.packet_trace = [](packet_direction d, const protocol::packet& p) {
      std::cerr << (d == packet_direction::sent ? "sent " : "received ") << describe(p) << "\n";
    };
    client_opts.logger = [](const log_record& r) {
      std::cerr << r.step << " (" << to_string(r.level) << "): " << r.message << "\n";
    };
    client_opts.log_verbosity = log_level::debug;
  }
  if (options.stats || options.stats_interval_s > 0) {
    stats_interval_ = std::chrono::duration<double>(
        options.stats_interval_s > 0 ? options.stats_interval_s : 1.0);
  }
  if (!options.store_path.empty()) {
    std::error_code ec;
    std::string message;
    sqlite_store_options so;
    so.path = options.store_path;
    so.broker = options.broker_id;
    so.client_id = config_.connect_packet.client_id;
    so.sync = options.store_sync == "disk" ? sync_policy::every_commit : sync_policy::os_buffered;
    store_ = sqlite_store::open(std::move(so), ec, message);
    if (!store_) {
      error_line(message);
      setup_failure_ = exit_failure;
      return;
    }
    client_opts.store = store_;
  }
  client_ = std::make_unique<client>(io_.get_executor(), config_, std::move(client_opts));
}

void runner::error_line(const std::string& message) const {
  std::cerr << program_ << ": " << message << "\n";
}

int runner::run(std::function<void(const protocol::connack&)> on_connected) {
  if (stats_interval_.count() > 0) {
    print_stats_later();
  }
  signals_.async_wait([this](error_code ec, int) {
    if (!ec) {
      finish(exit_ok, false);
    }
  });
  client_->set_state_handler([this](const connection_event& e) {
    switch (e.what) {
    case connection_event::kind::connected:
      connected_once_ = true;
      was_connected_ = true;
      break;
    case connection_event::kind::redirected:
      if (e.followed) {
        redirecting_ = true;
        if (!quiet_) {
          error_line(std::string(e.permanent ? "server moved" : "use another server") +
                     ": following the broker to " + e.server_reference);
        }
      }
      break;
    case connection_event::kind::reconnecting:
      if (redirecting_) {
        redirecting_ = false; // at once, to where the broker said
      } else if (!connected_once_) {
        fail("cannot connect to " + shown(url_) + ": " + e.reason.message());
      } else if (!quiet_ && !done_) {
        char delay[32];
        std::snprintf(delay, sizeof delay, "%.1f s", static_cast<double>(e.delay.count()) / 1000.0);
        const auto reason = lost_reason_.empty() ? e.reason.message() : lost_reason_;
        error_line(was_connected_ ? "connection lost (" + reason + "); reconnecting in " + delay
                                  : "reconnect failed (" + reason + "); retrying in " + delay);
      }
      was_connected_ = false;
      lost_reason_.clear();
      break;
    case connection_event::kind::gave_up:
      fail("connection refused for good by " + shown(url_) + ": " + e.reason.message());
      break;
    case connection_event::kind::disconnected:
      if (done_ || !connected_once_) {
        break;
      }
      lost_reason_ = violation(e.reason);
      if (lost_reason_.empty()) {
        violations_ = 0;
        lost_reason_ = e.reason.message();
        if (e.server_disconnect) {
          lost_reason_ = "the broker sent DISCONNECT: " +
                         std::string(protocol::to_string(e.server_disconnect->reason,
                                                         protocol::packet_type::disconnect));
        }
      } else if (max_violations_ > 0 && ++violations_ >= max_violations_) {
        fail("giving up: " + std::to_string(violations_) + " connection" +
             (violations_ == 1 ? "" : "s") +
             " in a row ended by the broker breaking the protocol (the last: " + lost_reason_ +
             ")");
        break;
      }
      if (!reconnect_) {
        fail("connection lost: " + lost_reason_);
      }
      break;
    }
  });
  client_->async_connect(
      url_, [this, on_connected = std::move(on_connected)](error_code ec, protocol::connack ack) {
        if (done_) {
          return;
        }
        if (ec) {
          fail("cannot connect to " + shown(url_) + ": " + ec.message());
          return;
        }
        on_connected(ack);
      });
  io_.run();
  return exit_;
}

std::string runner::violation(const std::error_code& reason) {
  namespace bp = protocol;
  if (reason.category() == bp::protocol_category()) {
    switch (bp::kind_of(static_cast<bp::errc>(reason.value()))) {
    case bp::error_kind::malformed_packet:
      return "malformed packet from the broker: " + reason.message();
    case bp::error_kind::protocol_error:
      return "protocol error by the broker: " + reason.message();
    case bp::error_kind::invalid_argument:
      return {};
    }
  }
  if (bp::is_broker_violation(reason)) {
    return "protocol error by the broker: " + reason.message();
  }
  return {};
}

void runner::finish(int code, bool drain) {
  if (done_) {
    return;
  }
  // Every message of the store acknowledged first (the client runs on this
  // thread, so the store may be read here).
  if (drain && code == exit_ok && store_ && store_->size() > 0) {
    drain_timer_.expires_after(std::chrono::milliseconds(10));
    drain_timer_.async_wait([this, code](error_code ec) {
      if (!ec) {
        finish(code, true);
      }
    });
    return;
  }
  drain_timer_.cancel();
  stats_timer_.cancel();
  done_ = true;
  exit_ = code;
  signals_.cancel();
  client_->async_disconnect([this](error_code) {
    client_->close();
    io_.stop();
  });
}

// --stats: one line every interval, rates since the last one.
void runner::print_stats_later() {
  stats_timer_.expires_after(
      std::chrono::duration_cast<std::chrono::milliseconds>(stats_interval_));
  stats_timer_.async_wait([this](error_code ec) {
    if (ec || done_) {
      return;
    }
    const auto now = client_->stats();
    error_line("stats: " + stats_line(now, last_stats_, stats_interval_.count()));
    last_stats_ = now;
    print_stats_later();
  });
}

void runner::fail(const std::string& message, int code) {
  if (done_) {
    return;
  }
  done_ = true;
  exit_ = code;
  stats_timer_.cancel();
  error_line(message);
  signals_.cancel();
  client_->close();
  io_.stop();
}

} // namespace braid::cli
