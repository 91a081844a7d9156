// Prints what braid::client allocates per message in steady state and the
// memory an idle connected client holds, against the ack-only sink:
//
//   braid_alloc_bench [--count N] [--clients N] [--only qos0|qos1|qos2|receive...]
//
// Allocations are heap allocations (operator new) made by the library on the
// client's thread while N messages (default 10,000) are published, after
// 20,000 unmeasured ones; "+ receive": each message also comes back from the
// sink and is received. Idle: N clients (default 10,000) connected on one
// io_context, heap in use and resident memory per client (0: skipped).
// --only runs the lines whose name ends with the word given ("qos1", or
// "receive-qos1" for "publish + receive qos1"). With BRAID_ALLOC_TRACE=N in
// the environment, the first N allocations counted print their call stacks.
#include "alloc_probe.hpp"
#include "sink.hpp"
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

namespace bp = braid::protocol;

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

} // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 10'000;
  std::size_t clients = 10'000;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--count") == 0) {
      count = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--clients") == 0) {
      clients = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--only") == 0) {
      only = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--count N] [--clients N] [--only NAME]\n", argv[0]);
      return 2;
    }
  }
  raise_file_limit();
  braid::loadgen::sink_process sink; // before any thread: it forks
  if (!sink.running()) {
    std::fprintf(stderr, "sink: %s\n", sink.error().c_str());
    return 1;
  }
  std::printf("%-28s %12s\n", "allocations per message", "");
  int status = 0;
  for (const bool receive : {false, true}) {
    for (const auto q : {bp::qos::at_most_once, bp::qos::at_least_once, bp::qos::exactly_once}) {
      const std::string key =
          std::string(receive ? "receive-" : "") + "qos" + std::to_string(static_cast<int>(q));
      if (!only.empty() && only != key) {
        continue;
      }
      braid::bench::probe_options o;
      o.sink_port = sink.port();
      o.qos = q;
      o.count = count;
      o.receive = receive;
      const auto r = braid::bench::count_allocations(o);
      const std::string name = std::string(receive ? "publish + receive" : "publish") + " qos" +
                               std::to_string(static_cast<int>(q));
      if (!r.ok) {
        std::printf("%-28s failed: %s\n", name.c_str(), r.error.c_str());
        status = 1;
        continue;
      }
      std::printf("%-28s %12.3f\n", name.c_str(),
                  static_cast<double>(r.allocations) / static_cast<double>(r.messages));
    }
  }
  if (clients == 0) {
    return status;
  }
  const auto idle = braid::bench::measure_idle_connections(sink.port(), clients);
  if (!idle.ok) {
    std::printf("idle connections: failed: %s\n", idle.error.c_str());
    return 1;
  }
  std::printf("idle connection (%zu clients): heap %.0f bytes, resident %.0f bytes, %.0f "
              "allocations per client\n",
              idle.clients, idle.heap_bytes_per_client, idle.rss_bytes_per_client,
              idle.allocations_per_client);
  return status;
}
