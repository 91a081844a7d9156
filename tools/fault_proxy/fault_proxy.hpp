#pragma once
// A TCP proxy on loopback between MQTT clients and a broker that injects the
// faults of a bad network: it cuts every connection, stalls (stops
// forwarding while the connections stay open), and slices (forwards one byte
// per write). It runs on a thread of its own; the calls may come from any
// thread. Used by the integration tests and by braid_soak.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace braid::fault {

class fault_proxy {
public:
  /// Listens on a free loopback port and forwards each connection to
  /// `upstream_host`:`upstream_port` (resolved once, here); a connection the
  /// broker refuses is closed.
  explicit fault_proxy(std::uint16_t upstream_port, const std::string& upstream_host = "127.0.0.1");
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::string port_string() const { return std::to_string(port_); }

  /// Closes every open connection (new ones are accepted).
  void cut();
  /// Stops (true) or resumes (false) forwarding bytes; connections stay open.
  void stall(bool on);
  /// Forwards one byte per write (true) or whole reads (false).
  void slice(bool on);
  int cuts() const { return cuts_; }
  /// Connections forwarded so far.
  int connections() const { return connections_; }

private:
  struct link;
  void accept();
  void run_on_proxy(std::function<void()> f);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::endpoint upstream_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::weak_ptr<link>> links_;
  bool stalled_ = false;
  bool sliced_ = false;
  std::atomic<int> cuts_{0};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

} // namespace braid::fault
