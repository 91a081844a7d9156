#pragma once
// A child process owned by the process that started it: a program (fork and
// exec) or a function run in a fork, with its standard streams inherited,
// appended to a file or piped to the parent, and optionally a signal for it
// when the parent dies (PR_SET_PDEATHSIG). It is signalled and reaped by PID;
// the destructor kills (SIGKILL) and reaps one still running.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace braid::process {

/// Where one standard stream of the child goes.
struct stream {
  enum class kind { inherit, pipe, file };
  kind how = kind::inherit;
  std::string path; // for kind::file: opened for appending, created 0644

  static stream inherit() { return {}; }
  static stream pipe() { return {kind::pipe, {}}; }
  static stream append_to(std::string path) { return {kind::file, std::move(path)}; }
};

struct spawn_options {
  stream in, out, err;
  /// Sent to the child when the thread that started it ends (0: none).
  int parent_death_signal = 0;
};

class child_process {
public:
  /// No process.
  child_process() = default;
  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Runs `argv` (argv[0] is searched on PATH when it has no '/'); the child
  /// exits with 127 when it cannot be run. Not running, with error(), when
  /// a pipe or the fork fails.
  static child_process spawn(const std::vector<std::string>& argv,
                             const spawn_options& options = {});

  /// Runs `body` in a fork of this process, which exits with what it returns
  /// and never returns into the caller's code. Fork before starting threads.
  static child_process run(const std::function<int()>& body, int parent_death_signal = 0);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  /// Why it did not start.
  const std::string& error() const { return error_; }

  /// The parent's ends of the pipes (-1 when that stream is not a pipe).
  int stdin_fd() const { return in_fd_; }
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  /// Closes the child's stdin (it reads its end).
  void close_stdin();

  /// Sends `signal` and waits for the exit.
  void stop(int signal);
  /// The wait status once it has exited (reaped), without waiting.
  std::optional<int> try_wait();
  /// Waits for the exit until `deadline`; the wait status, or nothing (still
  /// running).
  std::optional<int> wait_until(std::chrono::steady_clock::time_point deadline);

private:
  void close_pipes();

  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string error_;
};

} // namespace braid::process
