#include "sink.hpp"

#include <braid/protocol/topic.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace braid::loadgen {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// One client connection: reads whole packets, queues the answers, writes them
// in one go while the next read runs.
class sink_connection : public std::enable_shared_from_this<sink_connection> {
public:
  explicit sink_connection(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
  }

private:
  static constexpr std::size_t kReadSize = 64 * 1024;

  void read() {
    if (in_.size() - end_ < kReadSize) {
      // Keep the unprocessed bytes at the front, then make room. (An empty
      // buffer has no data() to move: memmove of null is undefined.)
      if (begin_ != 0) {
        std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      in_.resize(std::max(in_.size(), end_ + kReadSize));
    }
    socket_.async_read_some(
        asio::buffer(in_.data() + end_, in_.size() - end_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec) {
            return self->close();
          }
          self->end_ += n;
          if (!self->process()) {
            return self->close();
          }
          self->write();
          if (!self->closing_) {
            self->read();
          }
        });
  }

  void write() {
    if (writing_ || out_.empty()) {
      if (closing_ && !writing_ && out_.empty()) {
        close();
      }
      return;
    }
    writing_ = true;
    std::swap(out_, sending_);
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->sending_.clear();
                        if (ec) {
                          return self->close();
                        }
                        self->write();
                      });
  }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  // Handles every whole packet in in_[begin_, end_); false on bytes that are
  // not MQTT.
  bool process() {
    while (!closing_) {
      const std::uint8_t* p = in_.data() + begin_;
      const std::size_t avail = end_ - begin_;
      if (avail < 2) {
        return true;
      }
      std::size_t length = 0, header = 1;
      for (std::size_t shift = 0;; shift += 7, ++header) {
        if (header > 4) {
          return false;
        }
        if (header >= avail) {
          return true; // the length is not complete yet
        }
        length |= static_cast<std::size_t>(p[header] & 0x7f) << shift;
        if ((p[header] & 0x80) == 0) {
          ++header;
          break;
        }
      }
      if (avail < header + length) {
        return true;
      }
      if (!handle(p[0], p + header, length)) {
        return false;
      }
      begin_ += header + length;
    }
    return true;
  }

  static std::uint16_t u16(const std::uint8_t* b) {
    return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
  }

  // A variable byte integer at b[0..n) (MQTT 5 property lengths): its value
  // and size, or size 0 when malformed.
  static std::pair<std::size_t, std::size_t> varint(const std::uint8_t* b, std::size_t n) {
    std::size_t value = 0;
    for (std::size_t i = 0; i < 4 && i < n; ++i) {
      value |= static_cast<std::size_t>(b[i] & 0x7f) << (7 * i);
      if ((b[i] & 0x80) == 0) {
        return {value, i + 1};
      }
    }
    return {0, 0};
  }

  void put(std::initializer_list<std::uint8_t> bytes) { out_.insert(out_.end(), bytes); }

  void put_header(std::uint8_t first, std::size_t length) {
    out_.push_back(first);
    do {
      auto b = static_cast<std::uint8_t>(length & 0x7f);
      length >>= 7;
      out_.push_back(length > 0 ? static_cast<std::uint8_t>(b | 0x80) : b);
    } while (length > 0);
  }

  void ack(std::uint8_t first, std::uint16_t id) {
    put({first, 2, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)});
  }

  bool handle(std::uint8_t first, const std::uint8_t* b, std::size_t n) {
    const int type = first >> 4;
    if (version_ == 0 && type != 1) {
      return false;
    }
    switch (type) {
    case 1: // CONNECT
      return connect(b, n);
    case 3: // PUBLISH
      return publish(first, b, n);
    case 4: // PUBACK of an echo
    case 7: // PUBCOMP of an echo
      return true;
    case 5: // PUBREC of an echo
      if (n < 2) {
        return false;
      }
      ack(0x62, u16(b));
      return true;
    case 6: // PUBREL
      if (n < 2) {
        return false;
      }
      ack(0x70, u16(b));
      return true;
    case 8:  // SUBSCRIBE
    case 10: // UNSUBSCRIBE
      return subscribe(b, n, type == 10);
    case 12: // PINGREQ
      put({0xd0, 0});
      return true;
    case 14: // DISCONNECT
      closing_ = true;
      return true;
    default:
      return false;
    }
  }

  bool connect(const std::uint8_t* b, std::size_t n) {
    if (version_ != 0 || n < 2) {
      return false;
    }
    const std::size_t at = 2 + u16(b); // after the protocol name
    if (at >= n) {
      return false;
    }
    version_ = b[at];
    if (version_ == 5) {
      put({0x20, 3, 0, 0, 0});
    } else if (version_ == 3 || version_ == 4) {
      put({0x20, 2, 0, 0});
    } else {
      put({0x20, 2, 0, 1}); // unacceptable protocol version
      closing_ = true;
    }
    return true;
  }

  bool publish(std::uint8_t first, const std::uint8_t* b, std::size_t n) {
    const int qos = (first >> 1) & 3;
    if (qos == 3 || n < 2) {
      return false;
    }
    const std::size_t topic_size = u16(b);
    std::size_t at = 2 + topic_size;
    std::uint16_t id = 0;
    if (qos > 0) {
      if (at + 2 > n) {
        return false;
      }
      id = u16(b + at);
      at += 2;
    }
    if (qos == 1) {
      ack(0x40, id);
    } else if (qos == 2) {
      ack(0x50, id);
    }
    if (filters_.empty()) {
      return at <= n;
    }
    if (version_ == 5) {
      const auto [size, used] = varint(b + at, n - std::min(at, n));
      if (used == 0) {
        return false;
      }
      at += used + size;
    }
    if (at > n) {
      return false;
    }
    const std::string_view topic(reinterpret_cast<const char*>(b + 2), topic_size);
    for (const auto& [filter, granted] : filters_) {
      if (protocol::topic_matches(filter, topic)) {
        echo(std::min(qos, granted), b, topic_size, b + at, n - at);
        break;
      }
    }
    return true;
  }

  // Sends a PUBLISH of `topic_size` topic bytes at b + 2 and `payload` back
  // at `qos`, without properties.
  void echo(int qos, const std::uint8_t* b, std::size_t topic_size, const std::uint8_t* payload,
            std::size_t payload_size) {
    const std::size_t length =
        2 + topic_size + (qos > 0 ? 2 : 0) + (version_ == 5 ? 1 : 0) + payload_size;
    put_header(static_cast<std::uint8_t>(0x30 | (qos << 1)), length);
    out_.insert(out_.end(), b, b + 2 + topic_size);
    if (qos > 0) {
      next_id_ = static_cast<std::uint16_t>(next_id_ == 0xffff ? 1 : next_id_ + 1);
      put({static_cast<std::uint8_t>(next_id_ >> 8), static_cast<std::uint8_t>(next_id_)});
    }
    if (version_ == 5) {
      out_.push_back(0); // no properties
    }
    out_.insert(out_.end(), payload, payload + payload_size);
  }

  bool subscribe(const std::uint8_t* b, std::size_t n, bool unsubscribe) {
    if (n < 2) {
      return false;
    }
    const std::uint16_t id = u16(b);
    std::size_t at = 2;
    if (version_ == 5) {
      const auto [size, used] = varint(b + at, n - at);
      if (used == 0) {
        return false;
      }
      at += used + size;
    }
    std::vector<std::uint8_t> codes;
    while (at < n) {
      if (at + 2 > n) {
        return false;
      }
      const std::size_t size = u16(b + at);
      at += 2;
      if (at + size + (unsubscribe ? 0 : 1) > n) {
        return false;
      }
      std::string filter(reinterpret_cast<const char*>(b + at), size);
      at += size;
      if (unsubscribe) {
        std::erase_if(filters_, [&](const auto& f) { return f.first == filter; });
        codes.push_back(0);
      } else {
        const int qos = b[at++] & 3;
        filters_.emplace_back(std::move(filter), qos);
        codes.push_back(static_cast<std::uint8_t>(qos));
      }
    }
    if (unsubscribe && version_ != 5) {
      ack(0xb0, id);
      return true;
    }
    put_header(unsubscribe ? 0xb0 : 0x90, 2 + (version_ == 5 ? 1 : 0) + codes.size());
    put({static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)});
    if (version_ == 5) {
      out_.push_back(0);
    }
    out_.insert(out_.end(), codes.begin(), codes.end());
    return true;
  }

  tcp::socket socket_;
  std::vector<std::uint8_t> in_;
  std::size_t begin_ = 0, end_ = 0;
  std::vector<std::uint8_t> out_, sending_;
  bool writing_ = false;
  bool closing_ = false;
  int version_ = 0;
  std::vector<std::pair<std::string, int>> filters_;
  std::uint16_t next_id_ = 0;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](boost::system::error_code ec, tcp::socket socket) {
    if (!ec) {
      std::make_shared<sink_connection>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

} // namespace

void run_sink(std::uint16_t port, const std::function<void(std::uint16_t)>& on_listening) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), port));
  accept(acceptor);
  on_listening(acceptor.local_endpoint().port());
  io.run();
}

sink_process::sink_process() {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    error_ = std::string("cannot start the sink: pipe: ") + std::strerror(errno);
    return;
  }
  // The child never returns into the caller's code and goes when the parent goes.
  auto child = process::child_process::run(
      [&ready] {
        close(ready[0]);
        try {
          run_sink(0, [fd = ready[1]](std::uint16_t port) {
            const auto n = write(fd, &port, sizeof port);
            close(fd);
            if (n != static_cast<ssize_t>(sizeof port)) {
              _exit(1);
            }
          });
        } catch (const std::exception& e) {
          const std::string line = std::string("sink: ") + e.what() + "\n";
          (void)!write(STDERR_FILENO, line.data(), line.size());
        }
        return 1;
      },
      SIGKILL);
  if (!child.running()) {
    error_ = "cannot start the sink: " + child.error();
    close(ready[0]);
    close(ready[1]);
    return;
  }
  close(ready[1]);
  std::uint16_t port = 0;
  ssize_t n = 0;
  do {
    n = read(ready[0], &port, sizeof port);
  } while (n < 0 && errno == EINTR);
  close(ready[0]);
  if (n != static_cast<ssize_t>(sizeof port) || port == 0) {
    error_ = "the sink did not start";
    return; // the child is killed and reaped with `child`
  }
  child_ = std::move(child);
  port_ = port;
}

sink_process::~sink_process() = default; // SIGKILL and reap (child_process)

} // namespace braid::loadgen
