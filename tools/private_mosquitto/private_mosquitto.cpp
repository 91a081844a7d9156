#include "private_mosquitto.hpp"

#include "loopback_port.hpp"
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace braid::mosquitto {

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
  for (const char* candidate : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto",
                                "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto"}) {
    if (access(candidate, X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

private_mosquitto::private_mosquitto(private_mosquitto_options options) {
  executable_ = find_mosquitto();
  if (executable_.empty()) {
    error_ = "mosquitto not found on PATH or in /usr/sbin: install it (apt-get install mosquitto)";
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  const std::string pattern =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/" + options.dir_prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    error_ = "cannot create a temporary directory under " + pattern;
    return;
  }
  dir_ = buffer.data();
  auto& extra = options.config;
  for (auto at = extra.find("%DIR%"); at != std::string::npos; at = extra.find("%DIR%")) {
    extra.replace(at, 5, dir_);
  }
  // Started as root, mosquitto drops to its own user: let it write here.
  std::filesystem::permissions(dir_, std::filesystem::perms::all);
  // Another process may take the port between the probe and mosquitto's
  // bind: try a few ports.
  for (int attempt = 0; attempt < 5 && !running(); ++attempt) {
    port_ = free_loopback_port();
    if (port_ == 0) {
      error_ = "no free loopback port";
      return;
    }
    std::ofstream(dir_ + "/mosquitto.conf")
        << "listener " << port_ << " 127.0.0.1\n"
        << extra << "log_dest file " << dir_
        << "/mosquitto.log\n"
        // Keep root (when run as root) so that the parent-death signal
        // survives: a crashed parent leaves no broker behind.
        << "user root\n";
    start();
  }
  if (!running()) {
    error_ = "mosquitto (" + executable_ + ") did not start; see " + dir_ + "/mosquitto.log";
  }
}

private_mosquitto::~private_mosquitto() {
  child_.stop(SIGTERM);
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

bool private_mosquitto::start() {
  // Its own output (e.g. the warning about running as root) goes to a file,
  // not into the output of the program that started it.
  process::spawn_options options;
  options.out = process::stream::append_to(dir_ + "/mosquitto.out");
  options.err = options.out;
  options.parent_death_signal = SIGTERM;
  child_ = process::child_process::spawn({executable_, "-c", dir_ + "/mosquitto.conf"}, options);
  if (!child_.running() || !wait_until_listening()) {
    child_.stop(SIGTERM);
    return false;
  }
  return true;
}

bool private_mosquitto::wait_until_listening() {
  for (int i = 0; i < 100; ++i) {
    if (child_.try_wait()) {
      return false; // exited: the port was taken, or the configuration is wrong
    }
    if (accepts_connections(port_)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

bool private_mosquitto::restart(int signal) {
  child_.stop(signal);
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (start()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the port may linger
  }
  error_ = "mosquitto did not come back on port " + std::to_string(port_);
  return false;
}

} // namespace braid::mosquitto
