#include "pub_command.hpp"

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/topic.hpp>

#include "connection_options.hpp"
#include "runner.hpp"
#include "shown.hpp"
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <new>
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

// Bytes of a remaining length on the wire (a variable byte integer).
std::size_t length_bytes(std::size_t remaining) {
  return remaining < 128 ? 1 : remaining < 16'384 ? 2 : remaining < 2'097'152 ? 3 : 4;
}

// The largest payload a PUBLISH of `o` can carry: MQTT's remaining length
// (268,435,455 bytes) less the topic and the other fields, or less when the
// broker announced a smaller Maximum Packet Size (`broker_max`, whole packet).
std::size_t max_payload(const pub_options& o, bp::protocol_version version,
                        std::size_t broker_max) {
  auto probe = make_message(o, {});
  probe.packet_id = 1;   // as the session will give it one at QoS 1 and 2
  std::size_t empty = 0; // the whole packet without payload
  if (bp::encoded_size(bp::packet{probe}, version, empty)) {
    return bp::max_remaining_length; // the session reports what is wrong with it
  }
  // Fixed header: one byte, then the remaining length.
  std::size_t fields = empty - 2;
  while (1 + length_bytes(fields) + fields != empty) {
    --fields;
  }
  std::size_t limit = bp::max_remaining_length - fields;
  if (broker_max != 0) {
    std::size_t fit = 0;
    for (std::size_t bytes = 4; bytes >= 1 && fit == 0; --bytes) {
      if (broker_max > 1 + bytes + fields) {
        const std::size_t payload = broker_max - 1 - bytes - fields;
        fit = length_bytes(fields + payload) == bytes ? payload : 0;
      }
    }
    limit = std::min(limit, fit);
  }
  return limit;
}

// Reads `fd` to its end into `payload`, at most `limit` bytes; false with a
// message (naming `what`) when there is more or it cannot be read.
bool read_bounded(int fd, const std::string& what, std::size_t limit, bp::bytes& payload,
                  std::string& error) {
  constexpr std::size_t chunk = 1 << 16;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      error = what + " is a directory";
      return false;
    }
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > limit) {
      error = what + " holds " + std::to_string(st.st_size) +
              " bytes, more than the largest message (" + std::to_string(limit) + " bytes)";
      return false;
    }
    if (S_ISREG(st.st_mode)) {
      payload.reserve(static_cast<std::size_t>(st.st_size));
    }
  }
  if (payload.capacity() == 0) {
    // A pipe or device of unknown length: address space for the largest
    // message, which costs memory only as it fills (no copies as it grows).
    try {
      payload.reserve(limit + chunk);
    } catch (const std::bad_alloc&) {
    }
  }
  for (;;) {
    const std::size_t size = payload.size();
    if (payload.capacity() < size + chunk) {
      payload.reserve(std::min(std::max(payload.capacity() * 2, size + chunk), limit + chunk));
    }
    payload.resize(size + chunk);
    const auto n = ::read(fd, payload.data() + size, chunk);
    payload.resize(size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error = "cannot read " + what + ": " + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      return true;
    }
    if (payload.size() > limit) {
      error = what + " holds more than the largest message (" + std::to_string(limit) +
              " bytes); stopped reading";
      return false;
    }
  }
}

// Reads the payload of a single-message run; false with a message and an
// exit code on error.
bool read_payload(const pub_options& o, std::size_t limit, bp::bytes& payload, std::string& error,
                  int& code) {
  code = exit_failure;
  if (o.message) {
    payload.assign(o.message->begin(), o.message->end());
  } else if (!o.file.empty()) {
    const int fd = ::open(o.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = "cannot read file '" + shown(o.file) + "': " + std::strerror(errno);
      code = exit_usage;
      return false;
    }
    const bool ok = read_bounded(fd, "file '" + shown(o.file) + "'", limit, payload, error);
    ::close(fd);
    if (!ok && error.ends_with("is a directory")) {
      code = exit_usage;
    }
    return ok;
  } else if (o.stdin_whole) {
    return read_bounded(0, "stdin", limit, payload, error);
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
// thread may call); at most `kOutstanding` lines wait for completion. A line
// longer than `limit` ends the run.
class line_publisher {
public:
  static constexpr int kOutstanding = 1024;

  line_publisher(runner& r, const pub_options& o, std::size_t limit)
      : runner_(r), options_(o), limit_(limit) {}
  // Waits until the reader is back in a read of stdin (or gone): it must not
  // be using the client, even an executor's copy, while the client and its
  // io_context are destroyed. A reader blocked in read() is left there; it
  // sees `closing_` when the read returns and touches nothing.
  ~line_publisher() {
    std::unique_lock lock(mutex_);
    closing_ = true;
    room_.notify_all();
    idle_.wait(lock, [&] { return !busy_; });
    lock.unlock();
    if (reader_.joinable()) {
      reader_.detach(); // blocked in a read of stdin; the process is ending
    }
  }

  void start() {
    reader_ = std::thread([this] { read_lines(); });
  }

private:
  // Marks the reader busy (using the client) until destroyed; false when the
  // publisher is being destroyed, and then the reader must return at once.
  class busy_guard {
  public:
    explicit busy_guard(line_publisher& p) : p_(p) {
      std::lock_guard lock(p_.mutex_);
      entered_ = !p_.closing_;
      p_.busy_ = entered_;
    }
    ~busy_guard() {
      std::lock_guard lock(p_.mutex_);
      p_.busy_ = false;
      p_.idle_.notify_all();
    }
    busy_guard(const busy_guard&) = delete;
    busy_guard& operator=(const busy_guard&) = delete;
    explicit operator bool() const { return entered_; }

  private:
    line_publisher& p_;
    bool entered_;
  };

  void read_lines() {
    std::string line;
    std::size_t count = 0;
    char buffer[1 << 16];
    for (;;) {
      const auto n = ::read(0, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      const busy_guard busy(*this);
      if (!busy) {
        return;
      }
      if (n < 0) {
        stop("cannot read stdin: " + std::string(std::strerror(errno)));
        return;
      }
      if (n == 0) {
        if (!line.empty() && !publish(line)) {
          return;
        }
        // End of input: finish once every line is out (on the client's strand).
        asio::post(runner_.get().get_executor(), [this] {
          std::lock_guard lock(mutex_);
          input_ended_ = true;
          if (outstanding_ == 0) {
            runner_.finish(exit_ok);
          }
        });
        return;
      }
      if (!publish_lines(buffer, buffer + n, line, count)) {
        return;
      }
    }
  }

  // Publishes each complete line of [p, end), keeping an unfinished one in
  // `line`; false when the run is over.
  bool publish_lines(const char* p, const char* const end, std::string& line, std::size_t& count) {
    while (p != end) {
      const char* newline =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      line.append(p, newline == nullptr ? end : newline);
      if (line.size() > limit_) {
        stop("line " + std::to_string(count + 1) +
             " of stdin is longer than the largest message (" + std::to_string(limit_) + " bytes)");
        return false;
      }
      if (newline == nullptr) {
        return true;
      }
      ++count;
      if (!publish(line)) {
        return false;
      }
      line.clear();
      p = newline + 1;
    }
    return true;
  }

  bool publish(const std::string& line) {
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return outstanding_ < kOutstanding || failed_ || closing_; });
      if (failed_ || closing_) {
        return false;
      }
      ++outstanding_;
    }
    runner_.get().async_publish(make_message(options_, bp::bytes(line.begin(), line.end())),
                                [this](error_code ec, bp::reason_code) { done(ec); });
    return true;
  }

  void stop(std::string message) {
    {
      std::lock_guard lock(mutex_);
      failed_ = true;
    }
    asio::post(runner_.get().get_executor(),
               [this, message = std::move(message)] { runner_.fail(message); });
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
  std::size_t limit_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::condition_variable idle_;
  int outstanding_ = 0;
  bool input_ended_ = false;
  bool failed_ = false;
  bool busy_ = false;    // the reader is using the client
  bool closing_ = false; // the publisher is being destroyed
};

int run_pub(pub_options& o) {
  std::string problem;
  if (!o.connection.resolve_url(problem)) {
    std::cerr << "braid pub: " << problem << "\n";
    return exit_usage;
  }
  if (!o.connection.url_topic.empty()) {
    if (!o.topic.empty()) {
      std::cerr << "braid pub: give the topic once: in -L or with -t\n";
      return exit_usage;
    }
    o.topic = o.connection.url_topic;
  }
  runner r("braid pub", o.connection, client_profile::publisher);
  if (!r.ready()) {
    return r.setup_failure();
  }
  if (o.topic.empty()) {
    r.error_line("give a topic: -t TOPIC, or -L mqtt://host/TOPIC");
    return exit_usage;
  }
  const int sources = (o.message ? 1 : 0) + (o.file.empty() ? 0 : 1) + (o.stdin_whole ? 1 : 0) +
                      (o.stdin_lines ? 1 : 0) + (o.null_message ? 1 : 0);
  if (sources != 1) {
    r.error_line("give exactly one of -m, -f, -s, -l, -n");
    return exit_usage;
  }
  if (auto ec = bp::validate_topic_name(o.topic)) {
    r.error_line("topic '" + shown(o.topic) + "': " + ec.message());
    return exit_usage;
  }
  if (!o.connection.properties.apply("publish", o.publish_props, problem)) {
    r.error_line(problem);
    return exit_usage;
  }
  const auto version = r.config().connect_packet.version;
  bp::bytes payload;
  int code = exit_ok;
  if (!read_payload(o, max_payload(o, version, 0), payload, problem, code)) {
    r.error_line(problem);
    return code;
  }
  std::shared_ptr<repeat_publisher> repeat;
  std::unique_ptr<line_publisher> lines;
  return r.run([&](const bp::connack& ack) {
    const auto broker_max = ack.props.integer(bp::property_id::maximum_packet_size).value_or(0);
    const auto limit = max_payload(o, version, broker_max);
    if (o.stdin_lines) {
      lines = std::make_unique<line_publisher>(r, o, limit);
      lines->start();
    } else if (payload.size() > limit) {
      r.fail("the message of " + std::to_string(payload.size()) +
             " bytes is over the broker's Maximum Packet Size (" + std::to_string(broker_max) +
             " bytes)");
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
  cmd->add_option("-t,--topic", options->topic, "topic to publish to (or the path of -L)");
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
  options->connection.add_to(*cmd);
  cmd->callback([options, &exit] { exit = run_pub(*options); });
}

} // namespace braid::cli
