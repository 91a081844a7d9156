#pragma once
// A private RabbitMQ cluster for one test: 1 to 3 nodes of the Debian
// rabbitmq-server (3.10) with its MQTT plugin, in a temporary directory of
// their own, on free loopback ports, with an epmd of their own, stopped by PID.
//
// The nodes boot together, each on its own (~12 s, the bulk of the time),
// then join the first one by one, each with a single rabbitmqctl eval of what
// stop_app, join_cluster and start_app do (one rabbitmqctl VM instead of
// three: ~2 s a node). Forming the cluster at boot instead (classic-config
// peer discovery) is faster but hung now and then: a node joining while the
// first was still booting left the first stuck in its "cluster_name" step.
//
// Everything runs from /usr/lib/rabbitmq/bin, not the /usr/sbin wrappers,
// which switch to the rabbitmq user and the system's directories and cookie.
// Each Erlang VM is the fixture's own child (RABBITMQ_ALLOW_INPUT makes the
// start script exec the VM instead of running it under a shell that forwards
// signals), so that kill() is a real crash and a crashed test leaves no VM
// behind (parent-death signal). Throws std::runtime_error, with the node's
// log tail, when a node does not start. Set BRAID_KEEP_RABBITMQ_DIR to keep
// the directory (the nodes' logs) after the test.

#include "child_process.hpp"
#include "loopback_port.hpp"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace braid::testing {

struct rabbitmq_cluster_options {
  /// 1 (a single node), 2 or 3.
  std::size_t nodes = 2;
  /// MQTT sessions in quorum queues (mqtt.durable_queue_type = quorum), which
  /// survive the loss of a minority of the nodes; they need 3 nodes.
  bool quorum_queues = false;
  /// Longest wait for all nodes to be up, clustered and listening for MQTT.
  std::chrono::seconds start_timeout{90};
};

class rabbitmq_cluster {
public:
  static constexpr const char* server_script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
  static constexpr const char* ctl_script = "/usr/lib/rabbitmq/bin/rabbitmqctl";

  /// Whether the Debian package is installed (scripts/install-deps installs it).
  static bool installed() { return access(server_script, X_OK) == 0; }

  explicit rabbitmq_cluster(rabbitmq_cluster_options options = {}) : options_(options) {
    if (options_.nodes < 1 || options_.nodes > 3) {
      throw std::runtime_error("rabbitmq_cluster: 1 to 3 nodes");
    }
    try {
      prepare_directory();
      start_epmd();
      for (std::size_t i = 0; i < options_.nodes; ++i) {
        add_node(i);
      }
      // All at once: a node takes ~12 s to boot, mostly on one core.
      for (auto& n : nodes_) {
        start_node(n);
      }
      wait_until_ready();
    } catch (...) {
      stop_all();
      throw;
    }
  }

  ~rabbitmq_cluster() { stop_all(); }

  rabbitmq_cluster(const rabbitmq_cluster&) = delete;
  rabbitmq_cluster& operator=(const rabbitmq_cluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  std::uint16_t mqtt_port(std::size_t node) const { return nodes_.at(node).mqtt_port; }
  /// "mqtt://127.0.0.1:PORT", for client::async_connect.
  std::string url(std::size_t node) const {
    return "mqtt://127.0.0.1:" + std::to_string(mqtt_port(node));
  }
  /// The Erlang node name, e.g. "a@localhost".
  const std::string& name(std::size_t node) const { return nodes_.at(node).name; }
  /// The temporary directory: the cookie, then one directory per node.
  const std::string& dir() const { return dir_; }
  bool running(std::size_t node) const { return nodes_.at(node).vm.running(); }

  /// Crashes a node: SIGKILL to its Erlang VM, which is reaped before this
  /// returns. The node's sockets are closed by the kernel, so its clients
  /// see the connection end at once.
  void kill(std::size_t node) { nodes_.at(node).vm.stop(SIGKILL); }

  /// The last `lines` lines of the node's log and of its standard output.
  std::string log_tail(std::size_t node, std::size_t lines = 30) const {
    const auto& n = nodes_.at(node);
    return "--- " + n.dir + "/log/" + n.name + ".log\n" +
           tail(n.dir + "/log/" + n.name + ".log", lines) + "--- " + n.dir + "/out\n" +
           tail(n.dir + "/out", lines);
  }

  /// Runs rabbitmqctl against `node` with `args`; true when it exits with 0
  /// before `limit`. Its output is appended to ctl.out in dir().
  bool ctl(std::size_t node, const std::vector<std::string>& args,
           std::chrono::seconds limit = std::chrono::seconds(30)) {
    // rabbitmqctl is an Erlang node too: loopback only, a port of its own.
    auto argv = environment();
    argv.push_back(std::string("RABBITMQ_CTL_ERL_ARGS=") + loopback_distribution);
    const auto port = std::to_string(free_port());
    argv.push_back("RABBITMQ_CTL_DIST_PORT_MIN=" + port);
    argv.push_back("RABBITMQ_CTL_DIST_PORT_MAX=" + port);
    argv.insert(argv.end(), {ctl_script, "-n", name(node)});
    argv.insert(argv.end(), args.begin(), args.end());
    process::spawn_options o;
    o.out = process::stream::append_to(dir_ + "/ctl.out");
    o.err = o.out;
    o.parent_death_signal = SIGKILL;
    auto child = process::child_process::spawn(argv, o);
    const auto status = child.wait_until(std::chrono::steady_clock::now() + limit);
    if (!status) {
      child.stop(SIGKILL);
      return false;
    }
    return WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  }

private:
  struct node_state {
    std::string name;
    std::string dir;
    std::uint16_t mqtt_port = 0;
    std::uint16_t dist_port = 0;
    std::uint16_t amqp_port = 0;
    process::child_process vm;
  };

  // The Erlang distribution on loopback only: nodes and rabbitmqctl.
  static constexpr const char* loopback_distribution =
      "-kernel inet_dist_use_interface {127,0,0,1}";

  void prepare_directory() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-rabbitmq-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory: " + pattern);
    }
    dir_ = pattern;
    // The nodes and rabbitmqctl find the shared cookie in HOME; Erlang
    // refuses one that others may read.
    std::ofstream(dir_ + "/.erlang.cookie") << random_cookie();
    std::filesystem::permissions(dir_ + "/.erlang.cookie", std::filesystem::perms::owner_read);
    std::ofstream(dir_ + "/enabled_plugins") << "[rabbitmq_mqtt].\n";
  }

  static std::string random_cookie() {
    std::random_device random;
    std::string cookie(24, 'A');
    for (auto& c : cookie) {
      c = static_cast<char>('A' + random() % 26);
    }
    return cookie;
  }

  // A loopback port free a moment ago and not handed out by this fixture yet.
  std::uint16_t free_port() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      const auto port = mosquitto::free_loopback_port();
      if (port != 0 && used_ports_.insert(port).second) {
        return port;
      }
    }
    throw std::runtime_error("no free loopback port");
  }

  // The environment of every Erlang VM started here, as `env` arguments: a
  // clean one, so that nothing of the caller's (or the system's
  // /etc/rabbitmq/rabbitmq-env.conf: RABBITMQ_CONF_ENV_FILE names no file)
  // leaks in.
  std::vector<std::string> environment() const {
    return {"/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8",
            "HOME=" + dir_, "RABBITMQ_CONF_ENV_FILE=" + dir_ + "/no-rabbitmq-env.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins",
            // Our epmd, on loopback; no VM starts one of its own (that one
            // would outlive the test).
            "ERL_EPMD_PORT=" + std::to_string(epmd_port_), "ERL_EPMD_ADDRESS=127.0.0.1",
            "ERL_FLAGS=-start_epmd false"};
  }

  void start_epmd() {
    epmd_port_ = free_port();
    process::spawn_options o;
    o.out = process::stream::append_to(dir_ + "/epmd.out");
    o.err = o.out;
    o.parent_death_signal = SIGKILL;
    epmd_ = process::child_process::spawn(
        {"epmd", "-port", std::to_string(epmd_port_), "-address", "127.0.0.1"}, o);
    for (int i = 0; i < 100 && !mosquitto::accepts_connections(epmd_port_); ++i) {
      if (epmd_.try_wait()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!mosquitto::accepts_connections(epmd_port_)) {
      throw std::runtime_error("epmd did not start on port " + std::to_string(epmd_port_) + ":\n" +
                               tail(dir_ + "/epmd.out", 10));
    }
  }

  void add_node(std::size_t i) {
    node_state n;
    n.name = std::string(1, static_cast<char>('a' + i)) + "@localhost";
    n.dir = dir_ + "/" + n.name;
    n.mqtt_port = free_port();
    n.dist_port = free_port();
    n.amqp_port = free_port();
    std::filesystem::create_directories(n.dir);
    std::ofstream conf(n.dir + "/rabbitmq.conf");
    conf << "listeners.tcp = none\n"
         << "mqtt.listeners.tcp.default = 127.0.0.1:" << n.mqtt_port << "\n"
         << "mqtt.allow_anonymous = true\n";
    if (options_.quorum_queues) {
      conf << "mqtt.durable_queue_type = quorum\n";
    }
    nodes_.push_back(std::move(n));
  }

  void start_node(node_state& n) {
    auto argv = environment();
    argv.insert(argv.end(),
                {"RABBITMQ_NODENAME=" + n.name, "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
                 "RABBITMQ_NODE_PORT=" + std::to_string(n.amqp_port),
                 "RABBITMQ_DIST_PORT=" + std::to_string(n.dist_port),
                 "RABBITMQ_CONFIG_FILE=" + n.dir + "/rabbitmq.conf",
                 "RABBITMQ_MNESIA_BASE=" + n.dir + "/mnesia", "RABBITMQ_LOG_BASE=" + n.dir + "/log",
                 "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=" + std::string(loopback_distribution),
                 // The start script then execs the VM (the PID we hold is the
                 // VM's); -noinput keeps it from reading a shell from stdin.
                 "RABBITMQ_ALLOW_INPUT=1", server_script, "-noinput"});
    process::spawn_options o;
    o.out = process::stream::append_to(n.dir + "/out");
    o.err = o.out;
    o.parent_death_signal = SIGKILL;
    n.vm = process::child_process::spawn(argv, o);
    if (!n.vm.running()) {
      throw std::runtime_error("cannot start " + n.name + ": " + n.vm.error());
    }
  }

  // Every node listening for MQTT (the listener comes last in the boot),
  // then every node but the first joined to the first, in turn.
  void wait_until_ready() {
    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      wait_until_listening(i, deadline);
    }
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      // The node's data is reset by the join; its MQTT listener comes back
      // before rabbit:start() returns.
      const auto join = "ok = rabbit:stop(), ok = rabbit_mnesia:join_cluster('" +
                        nodes_.front().name + "', disc), ok = rabbit:start().";
      if (!ctl(i, {"eval", join})) {
        fail(i, "did not join " + nodes_.front().name + " (see " + dir_ + "/ctl.out)");
      }
      wait_until_listening(i, deadline);
    }
  }

  void wait_until_listening(std::size_t i, std::chrono::steady_clock::time_point deadline) {
    while (!mosquitto::accepts_connections(nodes_[i].mqtt_port)) {
      if (nodes_[i].vm.try_wait()) {
        fail(i, "exited while starting");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        fail(i, "did not listen for MQTT in time");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  [[noreturn]] void fail(std::size_t node, const std::string& what) const {
    throw std::runtime_error("rabbitmq node " + nodes_[node].name + " " + what + "\n" +
                             log_tail(node));
  }

  // SIGTERM (a clean stop) to every VM at once, SIGKILL to those still up
  // after 15 s; then epmd and the directory.
  void stop_all() {
    for (auto& n : nodes_) {
      if (n.vm.running()) {
        ::kill(n.vm.pid(), SIGTERM);
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (auto& n : nodes_) {
      if (!n.vm.wait_until(deadline)) {
        n.vm.stop(SIGKILL);
      }
    }
    epmd_.stop(SIGTERM);
    if (!dir_.empty() && std::getenv("BRAID_KEEP_RABBITMQ_DIR") == nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  static std::string tail(const std::string& path, std::size_t lines) {
    std::ifstream in(path);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
      last.push_back(line);
      if (last.size() > lines) {
        last.pop_front();
      }
    }
    std::string text;
    for (const auto& line : last) {
      text += line + "\n";
    }
    return text;
  }

  rabbitmq_cluster_options options_;
  std::string dir_;
  std::set<std::uint16_t> used_ports_;
  std::uint16_t epmd_port_ = 0;
  process::child_process epmd_;
  std::vector<node_state> nodes_;
};

} // namespace braid::testing
