// braid_soak: the fault soak (scripts/soak runs it). See soak_run.hpp.
#include <braid/protocol/session/session.hpp>

#include "soak_run.hpp"
#include <CLI/CLI.hpp>

#include <iostream>
#include <random>
#include <sstream>

namespace {

using namespace braid::soak;

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    out += (out.empty() ? "" : ",") + w;
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"braid_soak: a persistent publisher per QoS (1 and 2, window 1, numbered messages) "
               "and a persistent subscriber, through a proxy that cuts, stalls and slices their "
               "connections, to a private mosquitto killed and restarted at random; then a "
               "table of what was sent, received, lost, duplicated and out of order, and whose "
               "doing each loss and duplicate was. Exit 1 on a loss or QoS 2 duplicate of "
               "Braid's."};
  soak_options o;
  std::uint64_t seed = 0;
  std::vector<std::string> faults{"cut", "stall", "slice", "kill", "term"};
  bool guard = false;
  std::size_t guard_size = braid::protocol::session_config::default_replay_guard;
  app.add_option("--seed", seed, "the faults' seed (default: a random one, printed)");
  app.add_option("--seconds", o.seconds, "how long faults strike (default 60)")
      ->check(CLI::PositiveNumber);
  app.add_option("--messages", o.messages,
                 "publish this many messages per QoS instead, faults striking until then");
  app.add_option("--broker", o.broker,
                 "mqtt://HOST[:PORT] (or HOST[:PORT]) of a broker to soak instead of a private "
                 "mosquitto (no kill or term faults then)");
  app.add_option("--faults", faults, "the faults to draw from (default cut,stall,slice,kill,term)")
      ->delimiter(',')
      ->check(CLI::IsMember({"cut", "stall", "slice", "kill", "term"}));
  app.add_flag("--replay-guard", guard,
               "the subscriber's replay guard on (session_config::replay_guard)");
  app.add_option("--replay-guard-size", guard_size,
                 "messages it remembers per QoS (default " + std::to_string(guard_size) + ")")
      ->check(CLI::PositiveNumber);
  app.add_option("--keep-alive", o.keep_alive_s, "the clients' keep-alive in seconds (default 2)")
      ->check(CLI::Range(1.0, 60.0));
  app.add_option("--max-inflight", o.max_inflight,
                 "the private mosquitto's max_inflight_messages (default 20; 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("-V,--mqtt-version", o.version, "31, 311 (default) or 5")
      ->check(CLI::IsMember({"31", "311", "5"}));
  app.add_option("--rate", o.rate,
                 "messages a second per QoS (default: as fast as one in flight allows)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--payload-size", o.payload_size, "bytes per message (default 16)")
      ->check(CLI::Range(8, 1 << 20));
  app.add_option("--drain", o.drain_s,
                 "seconds to wait, once the faults stop, for what is in flight (default 60)");
  app.add_flag("-v,--verbose", o.verbose, "a line for every fault and every duplicate");
  CLI11_PARSE(app, argc, argv);

  o.seed = seed != 0 ? seed : std::random_device{}() | 1u;
  o.replay_guard = guard ? guard_size : 0;
  for (const auto& f : faults) {
    fault_kind k{};
    if (parse_fault_kind(f, k)) {
      o.faults.push_back(k);
    }
  }
  std::ostringstream replay;
  replay << "scripts/soak --seed " << o.seed << " "
         << (o.messages != 0 ? "--messages " + std::to_string(o.messages)
                             : "--seconds " + std::to_string(static_cast<long>(o.seconds)))
         << " --faults " << join(faults) << (guard ? " --replay-guard" : "")
         << (o.rate > 0 ? " --rate " + std::to_string(static_cast<long>(o.rate)) : "")
         << (o.broker.empty() ? "" : " --broker " + o.broker);
  std::cout << "soak: seed " << o.seed << " (again: " << replay.str() << ")\n"
            << "soak: replay guard " << (guard ? "on (" + std::to_string(guard_size) + ")" : "off")
            << ", keep-alive " << o.keep_alive_s << " s, MQTT " << o.version << std::endl;

  const auto r = run_soak(o, std::cout);
  if (!r.setup_error.empty()) {
    std::cerr << "braid_soak: " << r.setup_error << "\n";
    return 3;
  }
  std::cout << "\nsoak: " << static_cast<long>(r.seconds) << " s, " << r.connections
            << " connections through the proxy; faults:";
  for (const auto& [kind, count] : r.faults) {
    std::cout << " " << to_string(kind) << " " << count;
  }
  std::cout << "\nsoak: replays the guard did not deliver: " << r.replays_not_delivered
            << (r.drained ? "" : "\nsoak: not everything settled within the drain time") << "\n\n"
            << format_table({{"QoS 1", r.qos1}, {"QoS 2", r.qos2}});
  if (r.qos1.published == 0 || r.qos2.published == 0) {
    std::cerr << "braid_soak: nothing was published (the clients could not connect?)\n";
    return 3;
  }
  const bool failed = braid_at_fault(r.qos1, false) || braid_at_fault(r.qos2, true);
  std::cout << "\nsoak: "
            << (failed ? "FAILED: a loss or duplicate of Braid's (see the table)"
                       : "no loss or QoS 2 duplicate of Braid's")
            << "; seed " << o.seed << "\n";
  return failed ? 1 : 0;
}
