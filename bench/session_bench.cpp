// The session state machine alone, with no I/O: publish QoS 0/1/2 through a
// session whose broker side is bytes prepared in memory (PUBACK, PUBREC,
// PUBCOMP). Counters: items_per_second (messages), and heap allocations per
// message made inside the session calls (`session_allocs`) and in all
// (`all_allocs`, including building each message the application hands over).
// BM_SessionReceive: the other way, QoS 1 and 2 messages from the broker
// delivered and answered, with the replay guard off and on.
//
//   build/release/bench/braid_session_bench

#include <braid/protocol/encoder.hpp>
#include <braid/protocol/session/memory_store.hpp>
#include <braid/protocol/session/session.hpp>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<std::uint64_t> allocations{0};
} // namespace

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc{};
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

namespace bp = braid::protocol;

constexpr std::size_t batch = 32; // the window: publish a batch, then acknowledge it

struct fixture {
  bp::memory_store store;
  bp::session session;
  bp::output_buffer sink;
  std::uint64_t now = 1;
  std::uint32_t next_id = 0; // ids are handed out 1, 2, ... 65535, 1, ...

  explicit fixture(bp::protocol_version v) : session(config(v), store) {
    session.connection_opened(now);
    const std::uint8_t connack_v3[] = {0x20, 0x02, 0x00, 0x00};
    const std::uint8_t connack_v5[] = {0x20, 0x03, 0x00, 0x00, 0x00};
    if (v == bp::protocol_version::v5) {
      session.bytes_received(connack_v5, now);
    } else {
      session.bytes_received(connack_v3, now);
    }
    drain();
  }

  static bp::session_config config(bp::protocol_version v) {
    bp::session_config c;
    c.connect_packet.version = v;
    c.connect_packet.client_id = "bench";
    c.connect_packet.keep_alive = 0;
    c.window = static_cast<std::uint16_t>(batch);
    return c;
  }

  void drain() {
    sink.clear();
    session.swap_output(sink);
    session.clear_actions();
  }

  std::uint16_t take_id() {
    next_id = next_id == 65535 ? 1 : next_id + 1;
    return static_cast<std::uint16_t>(next_id);
  }

  // Acknowledgements of type `first` (0x40 PUBACK, 0x50 PUBREC, 0x70 PUBCOMP)
  // for ids [from, from + n).
  static void acks(std::vector<std::uint8_t>& out, std::uint8_t first,
                   const std::vector<std::uint16_t>& ids) {
    out.clear();
    for (auto id : ids) {
      out.insert(out.end(), {first, 0x02, static_cast<std::uint8_t>(id >> 8),
                             static_cast<std::uint8_t>(id & 0xFF)});
    }
  }
};

void run(benchmark::State& state, bp::qos q, bp::protocol_version v) {
  fixture f(v);
  const std::string topic = "braid/bench/sensors/temperature";
  const std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 'x');
  std::vector<std::uint16_t> ids;
  std::vector<std::uint8_t> wire;
  std::uint64_t session_allocs = 0;
  std::uint64_t all_allocs = 0;
  std::uint64_t messages = 0;
  for (auto _ : state) {
    ids.clear();
    for (std::size_t i = 0; i < batch; ++i) {
      bp::request_id id = 0;
      const auto before_message = allocations.load(std::memory_order_relaxed);
      std::error_code ec;
      if (q == bp::qos::at_most_once) {
        const auto before = allocations.load(std::memory_order_relaxed);
        ec = f.session.publish(bp::publish_view{topic, payload, q}, id, f.now);
        session_allocs += allocations.load(std::memory_order_relaxed) - before;
      } else {
        bp::publish message; // the application's message, handed over
        message.topic = topic;
        message.payload = payload;
        message.qos = q;
        const auto before = allocations.load(std::memory_order_relaxed);
        ec = f.session.publish(std::move(message), id, f.now);
        session_allocs += allocations.load(std::memory_order_relaxed) - before;
        ids.push_back(f.take_id());
      }
      all_allocs += allocations.load(std::memory_order_relaxed) - before_message;
      if (ec) {
        std::fprintf(stderr, "publish: %s\n", ec.message().c_str());
        std::abort();
      }
    }
    messages += batch;
    const auto before = allocations.load(std::memory_order_relaxed);
    f.drain();
    if (q == bp::qos::at_least_once) {
      fixture::acks(wire, 0x40, ids);
      f.session.bytes_received(wire, f.now);
    } else if (q == bp::qos::exactly_once) {
      fixture::acks(wire, 0x50, ids);
      f.session.bytes_received(wire, f.now);
      f.drain();
      fixture::acks(wire, 0x70, ids);
      f.session.bytes_received(wire, f.now);
    }
    f.drain();
    const auto after = allocations.load(std::memory_order_relaxed);
    session_allocs += after - before;
    all_allocs += after - before;
    if (f.session.in_flight() != 0) {
      std::fprintf(stderr, "messages left in flight: %zu\n", f.session.in_flight());
      std::abort();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
  state.counters["session_allocs"] =
      benchmark::Counter(static_cast<double>(session_allocs) / static_cast<double>(messages));
  state.counters["all_allocs"] =
      benchmark::Counter(static_cast<double>(all_allocs) / static_cast<double>(messages));
}

void BM_SessionPublish(benchmark::State& state, bp::qos q, bp::protocol_version v) {
  run(state, q, v);
}

// Receiving: 1,024 PUBLISH packets from the broker (ids 1 to 1,024; at QoS 2
// each followed by its PUBREL) fed in one read, delivered and answered;
// `guard` is session_config::replay_guard (0: off). Every message is new
// (DUP 0), so with the guard on each one pays its digest and its place in
// the memory, and none is held back.
void BM_SessionReceive(benchmark::State& state, bp::qos q, std::size_t guard) {
  constexpr std::uint16_t messages_per_read = 1024;
  bp::memory_store store;
  auto config = fixture::config(bp::protocol_version::v3_1_1);
  config.replay_guard = guard;
  bp::session session(config, store);
  bp::output_buffer sink;
  session.connection_opened(1);
  const std::uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
  session.bytes_received(connack, 1);
  bp::output_buffer wire;
  const std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 'x');
  for (std::uint16_t id = 1; id <= messages_per_read; ++id) {
    bp::publish p;
    p.topic = "braid/bench/sensors/temperature";
    p.payload = payload;
    p.qos = q;
    p.packet_id = id;
    if (bp::encode(p, bp::protocol_version::v3_1_1, wire) ||
        (q == bp::qos::exactly_once &&
         bp::encode(bp::pubrel{id}, bp::protocol_version::v3_1_1, wire))) {
      std::abort();
    }
  }
  const auto bytes = wire.flatten();
  std::uint64_t messages = 0;
  for (auto _ : state) {
    session.bytes_received(bytes, 1);
    sink.clear();
    session.swap_output(sink);
    session.clear_actions();
    messages += messages_per_read;
  }
  if (session.counters().received[static_cast<std::size_t>(q)].messages != messages) {
    std::fprintf(stderr, "not every message was delivered\n");
    std::abort();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}

} // namespace

// NOLINTBEGIN(cert-err58-cpp)
BENCHMARK_CAPTURE(BM_SessionPublish, qos0_v311, bp::qos::at_most_once, bp::protocol_version::v3_1_1)
    ->Arg(64);
BENCHMARK_CAPTURE(BM_SessionPublish, qos1_v311, bp::qos::at_least_once,
                  bp::protocol_version::v3_1_1)
    ->Arg(64);
BENCHMARK_CAPTURE(BM_SessionPublish, qos2_v311, bp::qos::exactly_once, bp::protocol_version::v3_1_1)
    ->Arg(64);
BENCHMARK_CAPTURE(BM_SessionPublish, qos1_v5, bp::qos::at_least_once, bp::protocol_version::v5)
    ->Arg(64);
BENCHMARK_CAPTURE(BM_SessionReceive, qos1_guard_off, bp::qos::at_least_once, 0)->Arg(64);
BENCHMARK_CAPTURE(BM_SessionReceive, qos1_guard_on, bp::qos::at_least_once,
                  bp::session_config::default_replay_guard)
    ->Arg(64);
BENCHMARK_CAPTURE(BM_SessionReceive, qos2_guard_off, bp::qos::exactly_once, 0)->Arg(64);
BENCHMARK_CAPTURE(BM_SessionReceive, qos2_guard_on, bp::qos::exactly_once,
                  bp::session_config::default_replay_guard)
    ->Arg(64);
// NOLINTEND(cert-err58-cpp)
