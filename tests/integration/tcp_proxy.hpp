#pragma once
// A test-only TCP proxy between a client and a broker that can cut every
// connection, stall (stop forwarding while keeping connections open), and
// slice (forward one byte per write). It runs on its own thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace braid::testing {

class tcp_proxy {
  using tcp = boost::asio::ip::tcp;

public:
  explicit tcp_proxy(std::uint16_t upstream_port) : upstream_port_(upstream_port), acceptor_(io_) {
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~tcp_proxy() {
    io_.stop();
    thread_.join();
    for (auto& weak : links_) { // a stalled link holds itself in its waiting writes
      if (auto l = weak.lock()) {
        l->close();
      }
    }
  }
  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  std::string port_string() const { return std::to_string(port_); }

  /// Closes every open connection (new ones are accepted).
  void cut() {
    run_on_proxy([this] {
      for (auto& weak : links_) {
        if (auto l = weak.lock()) {
          l->close();
        }
      }
      links_.clear();
      ++cuts_;
    });
  }
  /// Stops (true) or resumes (false) forwarding bytes; connections stay open.
  void stall(bool on) {
    run_on_proxy([this, on] {
      stalled_ = on;
      if (!on) {
        for (auto& weak : links_) {
          if (auto l = weak.lock()) {
            l->resume();
          }
        }
      }
    });
  }
  /// Forwards one byte per write (true) or whole reads (false).
  void slice(bool on) {
    run_on_proxy([this, on] { sliced_ = on; });
  }
  int cuts() const { return cuts_; }

private:
  // Both directions of one client connection.
  struct link : std::enable_shared_from_this<link> {
    link(tcp_proxy& p, tcp::socket client, tcp::socket broker)
        : proxy(p), sides{std::move(client), std::move(broker)} {}

    void start() {
      pump(0, 1);
      pump(1, 0);
    }
    void pump(int from, int to) {
      auto& buffer = buffers[static_cast<std::size_t>(from)];
      sides[static_cast<std::size_t>(from)].async_read_some(
          boost::asio::buffer(buffer),
          [self = shared_from_this(), from, to](boost::system::error_code ec, std::size_t n) {
            if (ec) {
              self->close();
              return;
            }
            self->forward(from, to, 0, n);
          });
    }
    void forward(int from, int to, std::size_t offset, std::size_t end) {
      if (closed) {
        return;
      }
      if (proxy.stalled_) {
        waiting.push_back([self = shared_from_this(), from, to, offset, end] {
          self->forward(from, to, offset, end);
        });
        return;
      }
      if (offset == end) {
        pump(from, to);
        return;
      }
      const std::size_t n = proxy.sliced_ ? 1 : end - offset;
      boost::asio::async_write(
          sides[static_cast<std::size_t>(to)],
          boost::asio::buffer(buffers[static_cast<std::size_t>(from)].data() + offset, n),
          [self = shared_from_this(), from, to, offset, n, end](boost::system::error_code ec,
                                                                std::size_t) {
            if (ec) {
              self->close();
              return;
            }
            self->forward(from, to, offset + n, end);
          });
    }
    void resume() {
      auto pending = std::move(waiting);
      waiting.clear();
      for (auto& f : pending) {
        f();
      }
    }
    void close() {
      closed = true;
      waiting.clear(); // they hold this link: kept, they would never let it go
      boost::system::error_code ignored;
      for (auto& s : sides) {
        s.close(ignored);
      }
    }

    tcp_proxy& proxy;
    std::array<tcp::socket, 2> sides;
    std::array<std::array<char, 16384>, 2> buffers{};
    std::vector<std::function<void()>> waiting;
    bool closed = false;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket client) {
      if (ec) {
        return;
      }
      tcp::socket broker(io_);
      boost::system::error_code e;
      broker.connect({boost::asio::ip::make_address("127.0.0.1"), upstream_port_}, e);
      if (!e) {
        auto l = std::make_shared<link>(*this, std::move(client), std::move(broker));
        links_.push_back(l);
        l->start();
      }
      accept();
    });
  }

  template <class F>
  void run_on_proxy(F f) {
    std::promise<void> done;
    boost::asio::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  std::uint16_t upstream_port_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::weak_ptr<link>> links_;
  bool stalled_ = false;
  bool sliced_ = false;
  std::atomic<int> cuts_{0};
  std::thread thread_;
};

} // namespace braid::testing
