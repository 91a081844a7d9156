#pragma once
// A scripted broker for CLI tests: listens on a free loopback port, answers
// each connection's first bytes (the CONNECT) with a CONNACK followed by
// `after_connack` (e.g. bytes no MQTT packet starts with), then closes the
// connection or keeps it open. Runs on its own thread until destroyed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace braid::testing {

class fake_broker {
public:
  explicit fake_broker(std::string after_connack, bool close_after = false)
      : reply_(std::string("\x20\x02\x00\x00", 4) + std::move(after_connack)),
        close_after_(close_after) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("fake_broker: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_broker() {
    stop_ = true;
    thread_.join();
    for (int fd : open_) {
      ::close(fd);
    }
    ::close(listener_);
  }
  fake_broker(const fake_broker&) = delete;
  fake_broker& operator=(const fake_broker&) = delete;

  std::string port_string() const { return std::to_string(port_); }

  int connections() const { return connections_; }

private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      ++connections_;
      pollfd in{fd, POLLIN, 0};
      char connect[4096];
      if (::poll(&in, 1, 2000) > 0 && ::read(fd, connect, sizeof connect) > 0) {
        (void)::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      }
      if (close_after_) {
        ::close(fd);
      } else {
        open_.push_back(fd);
      }
    }
  }

  std::string reply_;
  bool close_after_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::vector<int> open_;
  std::thread thread_;
};

} // namespace braid::testing
