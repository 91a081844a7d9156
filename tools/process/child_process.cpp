#include "child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace braid::process {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) {
    close(fd);
    fd = -1;
  }
}

// In the child, first thing: the parent-death signal, and an exit if the
// parent is already gone (it died before the signal was set).
void follow_parent(int signal, pid_t parent) {
  if (signal != 0) {
    prctl(PR_SET_PDEATHSIG, signal);
    if (getppid() != parent) {
      _exit(0);
    }
  }
}

// A pipe for one standard stream: {read end, write end}, close-on-exec so
// that a process started later does not inherit them (or this child would
// never see the end of its stdin).
bool make_pipe(const stream& s, int (&fds)[2], std::string& error) {
  if (s.how == stream::kind::pipe && pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// In the child: makes `target` (0, 1 or 2) what `s` says. A file that
// cannot be opened leaves the stream inherited.
void redirect(const stream& s, int target, int child_end) {
  if (s.how == stream::kind::pipe) {
    dup2(child_end, target);
  } else if (s.how == stream::kind::file) {
    const int fd = open(s.path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, target);
      close(fd);
    }
  }
}

} // namespace

child_process::~child_process() {
  if (pid_ > 0) {
    stop(SIGKILL);
  }
  close_pipes();
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), in_fd_(std::exchange(other.in_fd_, -1)),
      out_fd_(std::exchange(other.out_fd_, -1)), err_fd_(std::exchange(other.err_fd_, -1)),
      error_(std::move(other.error_)) {
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) {
      stop(SIGKILL);
    }
    close_pipes();
    pid_ = std::exchange(other.pid_, -1);
    in_fd_ = std::exchange(other.in_fd_, -1);
    out_fd_ = std::exchange(other.out_fd_, -1);
    err_fd_ = std::exchange(other.err_fd_, -1);
    error_ = std::move(other.error_);
  }
  return *this;
}

child_process child_process::spawn(const std::vector<std::string>& argv,
                                   const spawn_options& options) {
  child_process child;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (!make_pipe(options.in, in, child.error_) || !make_pipe(options.out, out, child.error_) ||
      !make_pipe(options.err, err, child.error_)) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      close_fd(fd);
    }
    return child;
  }
  // Everything the child needs is made before the fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    follow_parent(options.parent_death_signal, parent);
    redirect(options.in, 0, in[0]);
    redirect(options.out, 1, out[1]);
    redirect(options.err, 2, err[1]);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) {
        close(fd);
      }
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  if (pid < 0) {
    child.error_ = std::string("fork: ") + std::strerror(errno);
  }
  // The child's ends.
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  child.pid_ = pid < 0 ? -1 : pid;
  child.in_fd_ = in[1];
  child.out_fd_ = out[0];
  child.err_fd_ = err[0];
  if (pid < 0) {
    child.close_pipes();
  }
  return child;
}

child_process child_process::run(const std::function<int()>& body, int parent_death_signal) {
  child_process child;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    follow_parent(parent_death_signal, parent);
    _exit(body());
  }
  if (pid < 0) {
    child.error_ = std::string("fork: ") + std::strerror(errno);
  } else {
    child.pid_ = pid;
  }
  return child;
}

void child_process::close_stdin() {
  close_fd(in_fd_);
}

void child_process::close_pipes() {
  close_fd(in_fd_);
  close_fd(out_fd_);
  close_fd(err_fd_);
}

void child_process::stop(int signal) {
  if (pid_ > 0) {
    kill(pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::optional<int> child_process::try_wait() {
  int status = 0;
  if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return status;
  }
  return std::nullopt;
}

std::optional<int> child_process::wait_until(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (auto status = try_wait()) {
      return status;
    }
    if (pid_ <= 0 || std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

} // namespace braid::process
