#include "private_broker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace braid::cli {
namespace {

std::string find_mosquitto() {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      const auto candidate = dir + "/mosquitto";
      if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
  }
  for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"}) {
    if (access(candidate, X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

std::uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

bool accepts_connections(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return up;
}

} // namespace

private_broker::private_broker() {
  executable_ = find_mosquitto();
  if (executable_.empty()) {
    error_ = "mosquitto not found on PATH or in /usr/sbin: install it (apt-get install "
             "mosquitto) or give a broker with -h/-p or -L";
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-broker-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    error_ = "cannot create a temporary directory under " + pattern;
    return;
  }
  dir_ = buffer.data();
  // Started as root, mosquitto drops to its own user unless told to stay.
  std::filesystem::permissions(dir_, std::filesystem::perms::all);
  // Another process may take the port between the probe and the bind: retry.
  for (int attempt = 0; attempt < 5 && !running(); ++attempt) {
    port_ = free_loopback_port();
    std::ofstream(dir_ + "/mosquitto.conf")
        << "listener " << port_ << " 127.0.0.1\n"
        << "allow_anonymous true\n"
        // 0 ("no limit") breaks incoming QoS 2 beyond 20 in flight in mosquitto 2.0.11.
        << "max_queued_messages 1000000\n"
        << "persistence true\n"
        << "persistence_location " << dir_ << "/\n"
        << "log_dest file " << dir_ << "/mosquitto.log\n"
        << "user root\n"; // keeps the parent-death signal (see start)
    start();
  }
  if (!running()) {
    error_ = "mosquitto (" + executable_ + ") did not start; see " + dir_ + "/mosquitto.log";
  }
}

private_broker::~private_broker() {
  stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool private_broker::start() {
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive braid
    const int out = open((dir_ + "/mosquitto.out").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
      close(out);
    }
    const auto config = dir_ + "/mosquitto.conf";
    execl(executable_.c_str(), executable_.c_str(), "-c", config.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  if (pid_ < 0 || !wait_until_listening()) {
    stop();
    return false;
  }
  return true;
}

bool private_broker::wait_until_listening() {
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    if (accepts_connections(port_)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void private_broker::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

bool private_broker::restart() {
  stop();
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (start()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the port may linger
  }
  error_ = "mosquitto did not come back on port " + std::to_string(port_);
  return false;
}

} // namespace braid::cli
