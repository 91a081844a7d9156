#include "pub_command.hpp"

#include <braid/protocol/topic.hpp>

#include "connection_options.hpp"
#include "runner.hpp"
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <condition_variable>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace braid::cli {
namespace {

namespace bp = braid::protocol;

struct pub_options {
  connection_options connection;
  std::string topic;
  std::optional<std::string> message;
  std::string file;
  bool stdin_whole = false;
  bool stdin_lines = false;
  bool null_message = false;
  int qos = 0;
  bool retain = false;
  int repeat = 1;
  double repeat_delay_s = 0;
  bp::properties publish_props; // from -D publish ...
};

bp::publish make_message(const pub_options& o, bp::bytes payload) {
  bp::publish m;
  m.topic = o.topic;
  m.payload = std::move(payload);
  m.qos = static_cast<bp::qos>(o.qos);
  m.retain = o.retain;
  m.props = o.publish_props;
  return m;
}

// Reads the payload of a single-message run; false with a message on error.
bool read_payload(const pub_options& o, bp::bytes& payload, std::string& error) {
  if (o.message) {
    payload.assign(o.message->begin(), o.message->end());
  } else if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      error = "cannot read file '" + o.file + "'";
      return false;
    }
    payload.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else if (o.stdin_whole) {
    payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return true;
}

// Publishes the same payload `repeat` times, `delay` apart, then finishes.
class repeat_publisher : public std::enable_shared_from_this<repeat_publisher> {
public:
  repeat_publisher(runner& r, const pub_options& o, bp::bytes payload)
      : runner_(r), options_(o), payload_(std::move(payload)), timer_(r.io()) {}

  void start() { next(); }

private:
  void next() {
    ++sent_;
    runner_.get().async_publish(
        make_message(options_, payload_),
        [self = shared_from_this()](error_code ec, bp::reason_code) { self->done(ec); });
    if (sent_ < options_.repeat) {
      if (options_.repeat_delay_s > 0) {
        timer_.expires_after(
            std::chrono::microseconds(static_cast<long long>(options_.repeat_delay_s * 1e6)));
        timer_.async_wait([self = shared_from_this()](error_code ec) {
          if (!ec) {
            self->next();
          }
        });
      } else {
        next();
      }
    }
  }

  void done(error_code ec) {
    if (ec) {
      runner_.fail("publish failed: " + ec.message());
      return;
    }
    if (++completed_ == options_.repeat) {
      runner_.finish(exit_ok);
    }
  }

  runner& runner_;
  const pub_options& options_;
  bp::bytes payload_;
  asio::steady_timer timer_;
  int sent_ = 0;
  int completed_ = 0;
};

// -l: a thread reads stdin and hands each line to the client (which any
// thread may call); at most `kOutstanding` lines wait for completion.
class line_publisher {
public:
  static constexpr int kOutstanding = 1024;

  line_publisher(runner& r, const pub_options& o) : runner_(r), options_(o) {}
  ~line_publisher() {
    if (reader_.joinable()) {
      reader_.detach(); // blocked in a read of stdin; the process is ending
    }
  }

  void start() {
    reader_ = std::thread([this] { read_lines(); });
  }

private:
  void read_lines() {
    std::string line;
    while (std::getline(std::cin, line)) {
      {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return outstanding_ < kOutstanding || failed_; });
        if (failed_) {
          return;
        }
        ++outstanding_;
      }
      runner_.get().async_publish(make_message(options_, bp::bytes(line.begin(), line.end())),
                                  [this](error_code ec, bp::reason_code) { done(ec); });
    }
    // End of input: finish once every line is out (on the client's strand).
    asio::post(runner_.get().get_executor(), [this] {
      std::lock_guard lock(mutex_);
      input_ended_ = true;
      if (outstanding_ == 0) {
        runner_.finish(exit_ok);
      }
    });
  }

  void done(error_code ec) {
    std::lock_guard lock(mutex_);
    --outstanding_;
    if (ec) {
      failed_ = true;
      runner_.fail("publish failed: " + ec.message());
    } else if (input_ended_ && outstanding_ == 0) {
      runner_.finish(exit_ok);
    }
    room_.notify_one();
  }

  runner& runner_;
  const pub_options& options_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable room_;
  int outstanding_ = 0;
  bool input_ended_ = false;
  bool failed_ = false;
};

int run_pub(pub_options& o) {
  runner r("braid pub", o.connection, client_profile::publisher);
  if (!r.ready()) {
    return r.setup_failure();
  }
  const int sources = (o.message ? 1 : 0) + (o.file.empty() ? 0 : 1) + (o.stdin_whole ? 1 : 0) +
                      (o.stdin_lines ? 1 : 0) + (o.null_message ? 1 : 0);
  if (sources != 1) {
    r.error_line("give exactly one of -m, -f, -s, -l, -n");
    return exit_usage;
  }
  if (auto ec = bp::validate_topic_name(o.topic)) {
    r.error_line("topic '" + o.topic + "': " + ec.message());
    return exit_usage;
  }
  bp::bytes payload;
  std::string problem;
  if (!read_payload(o, payload, problem)) {
    r.error_line(problem);
    return exit_usage;
  }
  if (!o.connection.properties.apply("publish", o.publish_props, problem)) {
    r.error_line(problem);
    return exit_usage;
  }
  std::shared_ptr<repeat_publisher> repeat;
  std::unique_ptr<line_publisher> lines;
  return r.run([&](const bp::connack&) {
    if (o.stdin_lines) {
      lines = std::make_unique<line_publisher>(r, o);
      lines->start();
    } else {
      repeat = std::make_shared<repeat_publisher>(r, o, std::move(payload));
      repeat->start();
    }
  });
}

} // namespace

void add_pub_command(CLI::App& app, int& exit) {
  auto options = std::make_shared<pub_options>();
  auto* cmd = app.add_subcommand("pub", "publish messages (flags as mosquitto_pub)");
  cmd->set_help_flag("--help", "print this help");
  options->connection.add_to(*cmd);
  cmd->add_option("-t,--topic", options->topic, "topic to publish to")->required();
  cmd->add_option("-m,--message", options->message, "the message");
  cmd->add_option("-f,--file", options->file, "send the contents of a file as the message");
  cmd->add_flag("-s,--stdin-file", options->stdin_whole, "send all of stdin as one message");
  cmd->add_flag("-l,--stdin-line", options->stdin_lines, "send each line of stdin as a message");
  cmd->add_flag("-n,--null-message", options->null_message, "send an empty message");
  cmd->add_option("-q,--qos", options->qos, "QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
  cmd->add_flag("-r,--retain", options->retain, "retain the message");
  cmd->add_option("--repeat", options->repeat, "publish the message N times")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--repeat-delay", options->repeat_delay_s, "seconds between repeats")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([options, &exit] { exit = run_pub(*options); });
}

} // namespace braid::cli
