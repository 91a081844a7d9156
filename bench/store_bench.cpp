// The durable store alone, on a file in $TMPDIR (default /tmp):
//   BM_CommitCycle/N   the QoS 1 steady state: N messages added (sent) and N
//                      acknowledged messages removed per commit, as the
//                      client does with a window of N; items are messages.
//   BM_Load            opening a store that holds 100,000 messages (topic
//                      16 B, payload 64 B), i.e. what a restart costs.
//
//   build/release/bench/braid_store_bench

#include <braid/store/sqlite_store.hpp>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace bp = braid::protocol;

std::string fresh_path(const char* name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-store-bench-" + name +
                     "-" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  return path;
}

bp::stored_publish message(std::uint64_t sequence) {
  bp::stored_publish r;
  r.sequence = sequence;
  r.message.topic = "bench/store/0001";
  r.message.payload = braid::protocol::bytes(64, 0x5a);
  r.message.qos = bp::qos::at_least_once;
  r.message.packet_id = static_cast<std::uint16_t>(1 + sequence % 65535);
  r.state = bp::publish_state::sent;
  return r;
}

void BM_CommitCycle(benchmark::State& state) {
  const auto path = fresh_path("cycle");
  const auto n = static_cast<std::uint64_t>(state.range(0));
  {
    braid::sqlite_store store({.path = path, .client_id = "bench"});
    std::uint64_t next = 1;
    for (std::uint64_t i = 0; i < n; ++i) {
      store.add(message(next++));
    }
    (void)store.flush();
    for (auto _ : state) {
      for (std::uint64_t i = 0; i < n; ++i) {
        store.remove(next - n);
        store.add(message(next++));
      }
      if (store.flush()) {
        state.SkipWithError("commit failed");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  }
  std::filesystem::remove(path);
}
BENCHMARK(BM_CommitCycle)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

void BM_Load(benchmark::State& state) {
  const auto path = fresh_path("load");
  const std::uint64_t count = 100'000;
  {
    braid::sqlite_store store({.path = path, .client_id = "bench"});
    for (std::uint64_t i = 1; i <= count; ++i) {
      store.add(message(i));
    }
    (void)store.flush();
  }
  for (auto _ : state) {
    braid::sqlite_store store({.path = path, .client_id = "bench"});
    if (store.size() != count) {
      state.SkipWithError("not every message loaded");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));
  std::filesystem::remove(path);
}
BENCHMARK(BM_Load)->Unit(benchmark::kMillisecond);

} // namespace
