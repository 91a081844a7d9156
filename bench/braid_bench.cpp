// Braid's client for the MQTT client comparison benchmark (the same workloads,
// command line and RESULT line for every client compared): that command line
// around the workloads of tools/loadgen/workload.hpp, which `braid bench` runs
// too.
//
// Exit status: 0 ok, 1 FAIL, 3 TIMEOUT, 2 bad arguments or connect failure.

#include "workload.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

// ------------------------------------------------------------------ options

void usage(const char* client) {
  std::fprintf(stderr,
               "usage: %s --workload qos0|qos1|qos2|latency|large [options]\n"
               "  --host ADDR          broker address (default 127.0.0.1)\n"
               "  --port N             broker port (default 1883)\n"
               "  --target broker|sink broker: route through a real broker (qos0 uses a\n"
               "                       subscriber); sink: an ack-only sink, which only\n"
               "                       acknowledges (qos0 ends with a QoS1 fence)\n"
               "  --count N            messages (default: per workload)\n"
               "  --size BYTES         payload size (default: per workload)\n"
               "  --window N           max unacknowledged QoS>0 publishes (default 64)\n"
               "  --warmup N           latency: unmeasured round trips first (default 100)\n"
               "  --stall-timeout S    fail when nothing progresses for S seconds (default 10)\n"
               "  --max-seconds S      cap on the measured phase; a run stopped by it reports\n"
               "                       status=TIMEOUT and exits 3 (default 30)\n"
               "  --store PATH         the publisher keeps its session in a durable store\n"
               "                       (SQLite) at PATH instead of memory\n"
               "  --store-sync os|disk os: commits survive a process crash (default); disk:\n"
               "                       fsync every commit\n",
               client);
}

bool parse_long(const char* s, long& out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (s[0] == '\0' || *end != '\0' || v < 0) {
    return false;
  }
  out = v;
  return true;
}

// Same semantics as bench_parse_args() of the C clients.
bool parse_args(int argc, char** argv, braid::loadgen::workload_options& O) {
  long count = -1, size = -1, window = -1, warmup = -1, port = 1883;
  const char* wl = nullptr;
  std::string_view target = "broker";
  for (int i = 1; i < argc; i += 2) {
    const std::string_view a = argv[i];
    const char* v = (i + 1 < argc) ? argv[i + 1] : nullptr;
    bool ok = true;
    if (a == "-h" || a == "--help") {
      usage(O.client.c_str());
      return false;
    }
    if (v == nullptr) {
      std::fprintf(stderr, "%s: option %s needs a value\n", O.client.c_str(), argv[i]);
      return false;
    }
    if (a == "--host") {
      O.host = v;
    } else if (a == "--port") {
      ok = parse_long(v, port);
    } else if (a == "--workload") {
      wl = v;
    } else if (a == "--target") {
      target = v;
    } else if (a == "--count") {
      ok = parse_long(v, count);
    } else if (a == "--size") {
      ok = parse_long(v, size);
    } else if (a == "--window") {
      ok = parse_long(v, window);
    } else if (a == "--warmup") {
      ok = parse_long(v, warmup);
    } else if (a == "--stall-timeout") {
      O.stall_s = std::atof(v);
    } else if (a == "--store") {
      O.store_path = v;
    } else if (a == "--store-sync") {
      ok = std::string_view(v) == "os" || std::string_view(v) == "disk";
      O.store_sync_disk = std::string_view(v) == "disk";
    } else if (a == "--max-seconds") {
      O.max_s = std::atof(v);
    } else {
      std::fprintf(stderr, "%s: unknown option %s\n", O.client.c_str(), argv[i]);
      usage(O.client.c_str());
      return false;
    }
    if (!ok) {
      std::fprintf(stderr, "%s: bad value for %s: %s\n", O.client.c_str(), argv[i], v);
      return false;
    }
  }
  if (wl == nullptr) {
    usage(O.client.c_str());
    return false;
  }
  if (!braid::loadgen::parse_workload(wl, O.kind)) {
    std::fprintf(stderr, "%s: unknown workload %s\n", O.client.c_str(), wl);
    return false;
  }
  if (target == "sink") {
    O.sink = true;
  } else if (target != "broker") {
    std::fprintf(stderr, "%s: --target must be broker or sink\n", O.client.c_str());
    return false;
  }
  if (port < 1 || port > 65535) {
    std::fprintf(stderr, "%s: bad port\n", O.client.c_str());
    return false;
  }
  O.port = static_cast<int>(port);
  std::string error;
  if (!braid::loadgen::apply_defaults(O, count, size, window, warmup, error)) {
    std::fprintf(stderr, "%s: %s\n", O.client.c_str(), error.c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  braid::loadgen::workload_options o;
  if (!parse_args(argc, argv, o)) {
    return 2;
  }
  const auto r = braid::loadgen::run_workload(o);
  if (!r.error.empty()) {
    std::fprintf(stderr, "[%s] %s\n", o.client.c_str(), r.error.c_str());
  }
  if (r.exit_code == 2) {
    return 2; // could not connect or subscribe: no RESULT line
  }
  std::printf("%s\n", braid::loadgen::result_line(o, r).c_str());
  std::fflush(stdout);
  return r.exit_code;
}
