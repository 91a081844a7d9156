#include "fault_proxy.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <future>

namespace braid::fault {

using tcp = boost::asio::ip::tcp;

// Both directions of one client connection.
struct fault_proxy::link : std::enable_shared_from_this<link> {
  link(fault_proxy& p, tcp::socket client, tcp::socket broker)
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

  fault_proxy& proxy;
  std::array<tcp::socket, 2> sides;
  std::array<std::array<char, 16384>, 2> buffers{};
  std::vector<std::function<void()>> waiting;
  bool closed = false;
};

fault_proxy::fault_proxy(std::uint16_t upstream_port, const std::string& upstream_host)
    : acceptor_(io_) {
  tcp::resolver resolver(io_);
  upstream_ = *resolver.resolve(upstream_host, std::to_string(upstream_port)).begin();
  tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(ep.protocol());
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

fault_proxy::~fault_proxy() {
  io_.stop();
  thread_.join();
  for (auto& weak : links_) { // a stalled link holds itself in its waiting writes
    if (auto l = weak.lock()) {
      l->close();
    }
  }
}

void fault_proxy::cut() {
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

void fault_proxy::stall(bool on) {
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

void fault_proxy::slice(bool on) {
  run_on_proxy([this, on] { sliced_ = on; });
}

void fault_proxy::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket client) {
    if (ec) {
      return;
    }
    tcp::socket broker(io_);
    boost::system::error_code e;
    broker.connect(upstream_, e);
    if (!e) {
      auto l = std::make_shared<link>(*this, std::move(client), std::move(broker));
      std::erase_if(links_, [](const std::weak_ptr<link>& w) { return w.expired(); });
      links_.push_back(l);
      ++connections_;
      l->start();
    }
    accept();
  });
}

void fault_proxy::run_on_proxy(std::function<void()> f) {
  std::promise<void> done;
  boost::asio::post(io_, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

} // namespace braid::fault
