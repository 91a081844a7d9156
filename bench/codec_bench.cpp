// Encode and decode of a PUBLISH with a 64-byte and a 16 KiB payload.
//
// Names read BM_<what>/<qos>_<version>/<payload bytes>, e.g.
// BM_EncodePublish/qos1_v5/16384. "items" are packets, "bytes" are bytes on
// the wire. Run the release build:
//   build/release/bench/braid_codec_bench --benchmark_filter=Publish
//
//   BM_EncodePublish        encode_publish (header and payload copy) into a
//                           reused output_buffer: the steady state, no allocation
//   BM_EncodePublishHeader  encode_publish_header only: the scatter/gather path
//                           where the payload is written from the caller's buffer
//   BM_DecodePublish        decoder::feed over a buffer of back-to-back packets,
//                           each packet handed over whole (parsed in place)
//   BM_DecodePublishSegmented  the same stream fed in 1460-byte segments (a TCP
//                           MSS), so packets that straddle segments are gathered

#include <braid/protocol/decoder.hpp>
#include <braid/protocol/encoder.hpp>
#include <braid/protocol/output_buffer.hpp>
#include <braid/protocol/packets.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

namespace bp = braid::protocol;

constexpr auto qos0 = bp::qos::at_most_once;
constexpr auto qos1 = bp::qos::at_least_once;
constexpr auto v311 = bp::protocol_version::v3_1_1;
constexpr auto v5 = bp::protocol_version::v5;

struct publish_fixture {
  std::string topic = "braid/bench/sensors/temperature";
  bp::bytes payload;
  bp::properties props; // empty: the common case

  explicit publish_fixture(std::size_t size) : payload(size) {
    for (std::size_t i = 0; i < size; ++i) {
      payload[i] = static_cast<std::uint8_t>('a' + i % 26);
    }
  }

  bp::publish_view view(bp::qos q, std::uint16_t id = 1) const {
    bp::publish_view v;
    v.topic = topic;
    v.payload = payload;
    v.qos = q;
    v.packet_id = q == qos0 ? std::uint16_t{0} : id;
    v.props = &props;
    return v;
  }
};

[[noreturn]] void abort_with(const char* what, std::error_code ec) {
  std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
  std::abort();
}

void BM_EncodePublish(benchmark::State& state, bp::qos q, bp::protocol_version version) {
  const publish_fixture f(static_cast<std::size_t>(state.range(0)));
  bp::output_buffer out;
  std::uint16_t id = 1;
  for (auto _ : state) {
    out.clear();
    if (auto ec = bp::encode_publish(f.view(q, id), version, out)) {
      abort_with("encode_publish", ec);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}

void BM_EncodePublishHeader(benchmark::State& state, bp::qos q, bp::protocol_version version) {
  const publish_fixture f(static_cast<std::size_t>(state.range(0)));
  bp::output_buffer out;
  std::uint16_t id = 1;
  for (auto _ : state) {
    out.clear();
    if (auto ec = bp::encode_publish_header(f.view(q, id), version, out)) {
      abort_with("encode_publish_header", ec);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  }
  state.SetItemsProcessed(state.iterations());
  // Bytes of the whole packet: the payload goes out by scatter/gather.
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(out.size() + f.payload.size()));
}

// About 1 MiB of back-to-back PUBLISH packets (at least 16 of them).
struct stream_fixture {
  bp::output_buffer stream;
  std::size_t packets = 0;

  stream_fixture(std::size_t payload_size, bp::qos q, bp::protocol_version version) {
    const publish_fixture f(payload_size);
    const std::size_t count =
        std::max<std::size_t>(16, (std::size_t{1} << 20) / (payload_size + 40));
    for (std::size_t i = 0; i < count; ++i) {
      const auto id = static_cast<std::uint16_t>(i % 65535 + 1);
      if (auto ec = bp::encode_publish(f.view(q, id), version, stream)) {
        abort_with("encode_publish", ec);
      }
    }
    packets = count;
  }
};

void decode_stream(benchmark::State& state, bp::qos q, bp::protocol_version version,
                   std::size_t segment) {
  const stream_fixture s(static_cast<std::size_t>(state.range(0)), q, version);
  bp::decoder d({.version = version, .max_packet_size = std::size_t{1} << 20});
  bp::packet p;
  for (auto _ : state) {
    bp::byte_view input = s.stream.view();
    std::size_t decoded = 0;
    while (!input.empty()) {
      bp::byte_view piece = input.first(std::min(segment, input.size()));
      input = input.subspan(piece.size());
      while (!piece.empty()) {
        const auto r = d.feed(piece, p);
        piece = piece.subspan(r.consumed);
        if (r.status == bp::decode_status::error) {
          abort_with("decoder::feed", r.error);
        }
        if (r.status != bp::decode_status::need_more) { // a packet
          ++decoded;
          benchmark::DoNotOptimize(p);
        }
      }
    }
    if (decoded != s.packets) {
      std::fprintf(stderr, "decoded %zu packets of %zu\n", decoded, s.packets);
      std::abort();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(s.packets));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(s.stream.size()));
}

void BM_DecodePublish(benchmark::State& state, bp::qos q, bp::protocol_version version) {
  decode_stream(state, q, version, SIZE_MAX);
}

void BM_DecodePublishSegmented(benchmark::State& state, bp::qos q, bp::protocol_version version) {
  decode_stream(state, q, version, 1460);
}

} // namespace

// NOLINTBEGIN(cert-err58-cpp)
BENCHMARK_CAPTURE(BM_EncodePublish, qos0_v311, qos0, v311)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_EncodePublish, qos1_v311, qos1, v311)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_EncodePublish, qos0_v5, qos0, v5)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_EncodePublish, qos1_v5, qos1, v5)->Arg(64)->Arg(16384);

BENCHMARK_CAPTURE(BM_EncodePublishHeader, qos0_v311, qos0, v311)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_EncodePublishHeader, qos1_v5, qos1, v5)->Arg(64)->Arg(16384);

BENCHMARK_CAPTURE(BM_DecodePublish, qos0_v311, qos0, v311)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_DecodePublish, qos1_v311, qos1, v311)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_DecodePublish, qos0_v5, qos0, v5)->Arg(64)->Arg(16384);
BENCHMARK_CAPTURE(BM_DecodePublish, qos1_v5, qos1, v5)->Arg(64)->Arg(16384);

BENCHMARK_CAPTURE(BM_DecodePublishSegmented, qos0_v311, qos0, v311)->Arg(64)->Arg(16384);
// NOLINTEND(cert-err58-cpp)
