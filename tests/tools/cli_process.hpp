#pragma once
// Runs a command-line program for a test: arguments, optional stdin, stdout
// and stderr captured, a wait for a line on stderr (e.g. SUBACK under -d) or
// for what stdout says, a kill, and the exit code, all with time limits.
// Stopped by PID if it overstays.

#include <fcntl.h>
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
              bool keep_stdin_open = false) {
    int in[2], out[2], err[2];
    // Close-on-exec: a process the test starts later (a broker) must not
    // inherit these ends, or this child would never see the end of its stdin.
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe failed");
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
        close(fd);
      }
      std::vector<char*> argv;
      for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
      }
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(126);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    in_fd_ = in[1];
    write_input(input);
    if (!keep_stdin_open) {
      close_input();
    }
  }

  void write_input(const std::string& input) {
    std::size_t written = 0;
    while (in_fd_ >= 0 && written < input.size()) {
      const auto n = write(in_fd_, input.data() + written, input.size() - written);
      if (n <= 0) {
        break;
      }
      written += static_cast<std::size_t>(n);
    }
  }

  void close_input() {
    if (in_fd_ >= 0) {
      close(in_fd_);
      in_fd_ = -1;
    }
  }

  ~cli_process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close_input();
    close(out_fd_);
    close(err_fd_);
  }
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
  void kill_now(int signal = SIGKILL) {
    if (pid_ > 0) {
      kill(pid_, signal);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  /// Waits for the exit (killing the process after `limit`); the exit code,
  /// or -1 when it had to be killed.
  int finish(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    close_input();
    const auto end = std::chrono::steady_clock::now() + limit;
    while (pump(end)) {
    }
    int status = 0;
    // The pipes close as the process exits, a moment before it can be reaped.
    pid_t reaped = 0;
    while ((reaped = waitpid(pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < end) {
      usleep(1000);
    }
    if (reaped == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

private:
  // Reads what is available; false once both pipes are closed or at `end`.
  bool pump(std::chrono::steady_clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (out_closed_ && err_closed_)) {
      return false;
    }
    // poll() skips negative descriptors: a closed pipe is not polled again.
    pollfd fds[2] = {{out_closed_ ? -1 : out_fd_, POLLIN, 0},
                     {err_closed_ ? -1 : err_fd_, POLLIN, 0}};
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

  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool out_closed_ = false;
  bool err_closed_ = false;
  std::string out_;
  std::string err_;
};

} // namespace braid::testing
