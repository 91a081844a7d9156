#pragma once
// A private mosquitto for one test: started on a free loopback port with a
// generated configuration in a temporary directory, stopped by PID.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace braid::testing {

class mosquitto_broker {
public:
  /// `extra` is appended to the configuration (e.g. "allow_anonymous false");
  /// "%DIR%" in it stands for the broker's private directory (for
  /// persistence_location).
  explicit mosquitto_broker(std::string extra = "allow_anonymous true\n") {
    (void)find_mosquitto(); // fail early with a clear message
    const char* tmp = std::getenv("TMPDIR");
    const std::string pattern =
        std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-mosquitto-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (mkdtemp(buffer.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = buffer.data();
    for (auto at = extra.find("%DIR%"); at != std::string::npos; at = extra.find("%DIR%")) {
      extra.replace(at, 5, dir_);
    }
    // Started as root, mosquitto drops to its own user: let it write its log here.
    std::filesystem::permissions(dir_, std::filesystem::perms::all);
    // Another process may take the port between our probe and mosquitto's
    // bind: try a few ports.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      const auto config = dir_ + "/mosquitto.conf";
      std::ofstream(config) << "listener " << port_ << " 127.0.0.1\n"
                            << extra << "log_dest file " << dir_
                            << "/mosquitto.log\n"
                            // Keep root (when run as root) so that the parent-death
                            // signal survives: a crashed test leaves no broker behind.
                            << "user root\n";
      spawn();
      if (wait_until_listening()) {
        return;
      }
      stop();
    }
    throw std::runtime_error("could not start mosquitto (see " + dir_ + "/mosquitto.log)");
  }

  ~mosquitto_broker() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  mosquitto_broker(const mosquitto_broker&) = delete;
  mosquitto_broker& operator=(const mosquitto_broker&) = delete;

  std::uint16_t port() const { return port_; }

  /// Stops the broker with `signal` (SIGTERM: it saves its state and exits;
  /// SIGKILL: a crash) and starts it again on the same port.
  void restart(int signal = SIGTERM) {
    stop(signal);
    for (int attempt = 0; attempt < 50; ++attempt) {
      spawn();
      if (wait_until_listening()) {
        return;
      }
      stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the port may linger
    }
    throw std::runtime_error("could not restart mosquitto on port " + std::to_string(port_));
  }
  std::string port_string() const { return std::to_string(port_); }
  /// The private directory: mosquitto.conf, mosquitto.log, persistence.
  const std::string& dir() const { return dir_; }

private:
  void spawn() {
    const auto exe = find_mosquitto();
    const auto config = dir_ + "/mosquitto.conf";
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM); // a crashed test leaves no broker behind
      // Its own output (e.g. the warning about running as root) goes to a
      // file, not into the test's output or pipes.
      const int out = open((dir_ + "/mosquitto.out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
        close(out);
      }
      execl(exe.c_str(), exe.c_str(), "-c", config.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }

  static std::string find_mosquitto() {
    for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto",
                                  "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto"}) {
      if (access(candidate, X_OK) == 0) {
        return candidate;
      }
    }
    throw std::runtime_error("mosquitto not found: install the Debian package mosquitto");
  }

  static std::uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      close(fd);
      throw std::runtime_error("no free loopback port");
    }
    close(fd);
    return ntohs(addr.sin_port);
  }

  bool wait_until_listening() {
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1; // exited: the port was taken, or the configuration is wrong
        return false;
      }
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(port_);
      const bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      close(fd);
      if (up) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void stop(int signal = SIGTERM) {
    if (pid_ > 0) {
      kill(pid_, signal);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

} // namespace braid::testing
