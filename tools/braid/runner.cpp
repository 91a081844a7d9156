#include "runner.hpp"

#include <braid/url.hpp>

#include "packet_text.hpp"

#include <iostream>

namespace braid::cli {

runner::runner(std::string program, const connection_options& options, client_profile profile)
    : program_(std::move(program)), url_(options.broker_url()), reconnect_(!options.no_reconnect) {
  std::string problem;
  broker_url parsed;
  if (auto ec = parse_url(url_, parsed)) {
    error_line("bad broker URL '" + url_ + "': " + ec.message());
    return;
  }
  if (!options.make_session_config(config_, problem)) {
    error_line(problem);
    return;
  }
  auto client_opts = options.make_client_options(profile);
  if (options.debug) {
    client_opts.packet_trace = [](packet_direction d, const protocol::packet& p) {
      std::cerr << (d == packet_direction::sent ? "sent " : "received ") << describe(p) << "\n";
    };
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
  signals_.async_wait([this](error_code ec, int) {
    if (!ec) {
      finish(exit_ok, false);
    }
  });
  client_->set_state_handler([this](const connection_event& e) {
    switch (e.what) {
    case connection_event::kind::connected:
      connected_once_ = true;
      break;
    case connection_event::kind::reconnecting:
      if (!connected_once_) {
        fail("cannot connect to " + url_ + ": " + e.reason.message());
      }
      break;
    case connection_event::kind::gave_up:
      fail("connection refused for good by " + url_ + ": " + e.reason.message());
      break;
    case connection_event::kind::disconnected:
      if (!reconnect_ && connected_once_ && !done_) {
        fail("connection lost: " + e.reason.message());
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
          fail("cannot connect to " + url_ + ": " + ec.message());
          return;
        }
        on_connected(ack);
      });
  io_.run();
  return exit_;
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
  done_ = true;
  exit_ = code;
  signals_.cancel();
  client_->async_disconnect([this](error_code) {
    client_->close();
    io_.stop();
  });
}

void runner::fail(const std::string& message, int code) {
  if (done_) {
    return;
  }
  done_ = true;
  exit_ = code;
  error_line(message);
  signals_.cancel();
  client_->close();
  io_.stop();
}

} // namespace braid::cli
