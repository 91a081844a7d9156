#pragma once
// Runs a command-line program for a test: arguments, optional stdin, stdout
// and stderr captured, a wait for a line on stderr (e.g. SUBACK under -d) or
// for what stdout says, a kill, and the exit code, all with time limits.
// Stopped by PID if it overstays.

#include "child_process.hpp"
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace braid::testing {

class cli_process {
public:
  /// Starts `args`; `input` is written to its stdin, which is then closed
  /// unless `keep_stdin_open` (then see write_input and close_input).
  cli_process(const std::vector<std::string>& args, const std::string& input = {},
              bool keep_stdin_open = false)
      : child_(process::child_process::spawn(args, piped())) {
    if (!child_.running()) {
      throw std::runtime_error("cannot start " + args.at(0) + ": " + child_.error());
    }
    write_input(input);
    if (!keep_stdin_open) {
      close_input();
    }
  }

  void write_input(const std::string& input) {
    std::size_t written = 0;
    while (child_.stdin_fd() >= 0 && written < input.size()) {
      const auto n = write(child_.stdin_fd(), input.data() + written, input.size() - written);
      if (n <= 0) {
        break;
      }
      written += static_cast<std::size_t>(n);
    }
  }

  void close_input() { child_.close_stdin(); }

  /// Kills (SIGKILL) and reaps the process if it still runs.
  ~cli_process() = default;
  cli_process(const cli_process&) = delete;
  cli_process& operator=(const cli_process&) = delete;

  /// Reads until `text` shows on stderr; false after `limit`.
  bool wait_for_stderr(const std::string& text,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (err_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > end || !pump(end)) {
        return err_.find(text) != std::string::npos;
      }
    }
    return true;
  }

  /// Reads until `done(stdout so far)` holds; false after `limit` or once
  /// the process closed its output.
  template <class Predicate>
  bool wait_for_stdout(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done(out_)) {
      if (std::chrono::steady_clock::now() > end || !pump(end)) {
        return done(out_);
      }
    }
    return true;
  }

  /// Sends `signal` (SIGKILL: a crash) and reaps the process.
  void kill_now(int signal = SIGKILL) { child_.stop(signal); }

  /// Waits for the exit (killing the process after `limit`); the exit code,
  /// or -1 when it had to be killed.
  int finish(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    close_input();
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pump(end)) {
    }
    // The pipes close as the process exits, a moment before it can be reaped.
    const auto status = child_.wait_until(end);
    if (!status) {
      child_.stop(SIGKILL);
      return -1;
    }
    return WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

private:
  static process::spawn_options piped() {
    process::spawn_options options;
    options.in = options.out = options.err = process::stream::pipe();
    return options;
  }

  // Reads what is available; false once both pipes are closed or at `end`.
  bool pump(std::chrono::steady_clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (out_closed_ && err_closed_)) {
      return false;
    }
    // poll() skips negative descriptors: a closed pipe is not polled again.
    pollfd fds[2] = {{out_closed_ ? -1 : child_.stdout_fd(), POLLIN, 0},
                     {err_closed_ ? -1 : child_.stderr_fd(), POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    char buffer[65536];
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const auto n = read(fds[i].fd, buffer, sizeof buffer);
        if (n > 0) {
          (i == 0 ? out_ : err_).append(buffer, static_cast<std::size_t>(n));
        } else {
          (i == 0 ? out_closed_ : err_closed_) = true;
        }
      }
    }
    return true;
  }

  process::child_process child_;
  bool out_closed_ = false;
  bool err_closed_ = false;
  std::string out_;
  std::string err_;
};

} // namespace braid::testing
