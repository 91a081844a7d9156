// The braid command-line tool against a private mosquitto: pub → sub for each
// QoS and protocol version, the message sources, retained messages, --json,
// one clear line and the right exit code for each kind of user error, and
// interoperation with mosquitto_pub / mosquitto_sub byte for byte.
#include <braid/store/sqlite_store.hpp>

#include "../integration/mosquitto_broker.hpp"
#include "../integration/test_certificates.hpp"
#include "cli_process.hpp"
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace braid {
namespace {

using braid::testing::cli_process;
using braid::testing::mosquitto_broker;
using args = std::vector<std::string>;

const std::string tool = BRAID_TOOL_PATH;

args with(args base, const args& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// A `braid sub` that is subscribed (its -d trace showed the SUBACK) when
// the constructor returns.
struct subscribed_sub {
  explicit subscribed_sub(const args& a) : process(with(with({tool, "sub", "-d"}, a), {})) {
    EXPECT_TRUE(process.wait_for_stderr("received SUBACK")) << process.err();
  }
  cli_process process;
};

int run(const args& a, std::string* out = nullptr, std::string* err = nullptr,
        const std::string& input = {}) {
  cli_process p(a, input);
  const int code = p.finish();
  if (out != nullptr) {
    *out = p.out();
  }
  if (err != nullptr) {
    *err = p.err();
  }
  return code;
}

class PubSub : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(PubSub, MessageArrivesAtTheQoSAndVersion) {
  const auto& [version, qos] = GetParam();
  mosquitto_broker broker;
  const auto port = broker.port_string();
  subscribed_sub sub({"-p", port, "-V", version, "-q", qos, "-t", "cli/#", "-v", "-C", "1"});
  std::string err;
  EXPECT_EQ(run({tool, "pub", "-p", port, "-V", version, "-q", qos, "-t", "cli/x", "-m",
                 "hello " + version + " " + qos},
                nullptr, &err),
            0)
      << err;
  EXPECT_EQ(sub.process.finish(), 0) << sub.process.err();
  EXPECT_EQ(sub.process.out(), "cli/x hello " + version + " " + qos + "\n");
}

INSTANTIATE_TEST_SUITE_P(VersionsAndQoS, PubSub,
                         ::testing::Combine(::testing::Values("31", "311", "5"),
                                            ::testing::Values("0", "1", "2")),
                         [](const auto& p) {
                           return "v" + std::get<0>(p.param) + "_qos" + std::get<1>(p.param);
                         });

TEST(Pub, LinesFileAndNullMessage) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  const char* tmp = std::getenv("TMPDIR");
  const std::string file = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-cli-payload.bin";
  const std::string binary("\x00\x01\xff\n\x7f", 5);
  std::ofstream(file, std::ios::binary) << binary;
  subscribed_sub sub({"-p", port, "-q", "1", "-t", "src/#", "-F", "%t %x", "-C", "5"});
  EXPECT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-t", "src/l", "-l"}, nullptr, nullptr,
                "one\ntwo\nthree\n"),
            0);
  EXPECT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-t", "src/f", "-f", file}), 0);
  EXPECT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-t", "src/n", "-n"}), 0);
  EXPECT_EQ(sub.process.finish(), 0);
  EXPECT_EQ(sub.process.out(),
            "src/l 6f6e65\nsrc/l 74776f\nsrc/l 7468726565\nsrc/f 0001ff0a7f\nsrc/n \n");
  std::remove(file.c_str());
}

TEST(Sub, RetainedOnlyPrintsTheRetainedMessageAndExits) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  ASSERT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-r", "-t", "ret/a", "-m", "kept"}), 0);
  cli_process sub({tool, "sub", "-d", "-p", port, "-t", "ret/#", "--retained-only", "-v"});
  ASSERT_TRUE(sub.wait_for_stderr("received SUBACK"));
  ASSERT_EQ(run({tool, "pub", "-p", port, "-t", "ret/a", "-m", "live"}), 0);
  EXPECT_EQ(sub.finish(), 0);
  EXPECT_EQ(sub.out(), "ret/a kept\n");
}

TEST(Sub, NoStaleRetainedSkipsTheRetainedMessage) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  ASSERT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-r", "-t", "ret/a", "-m", "old"}), 0);
  subscribed_sub sub({"-p", port, "-t", "ret/#", "-R", "-C", "1"});
  ASSERT_EQ(run({tool, "pub", "-p", port, "-t", "ret/a", "-m", "new"}), 0);
  EXPECT_EQ(sub.process.finish(), 0);
  EXPECT_EQ(sub.process.out(), "new\n");
}

TEST(Sub, JsonCarriesEveryField) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  subscribed_sub sub({"-p", port, "-V", "5", "-q", "2", "-t", "j/#", "--json", "-C", "2"});
  ASSERT_EQ(run({tool, "pub", "-p", port, "-V", "5", "-q", "2", "-t", "j/a", "-m", "say \"hi\"\n",
                 "-D", "publish", "user-property", "k", "v"}),
            0);
  ASSERT_EQ(run({tool, "pub", "-p", port, "-q", "1", "-t", "j/b", "-s"}, nullptr, nullptr,
                std::string("\xff\xfe", 2)),
            0);
  EXPECT_EQ(sub.process.finish(), 0);
  const auto& out = sub.process.out();
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const auto first = out.substr(0, newline);
  const auto second = out.substr(newline + 1);
  EXPECT_NE(first.find("\"topic\":\"j/a\",\"qos\":2,\"retain\":false,\"dup\":false"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\"payloadlen\":9,\"payload\":\"say \\\"hi\\\"\\n\""), std::string::npos)
      << first;
  EXPECT_NE(first.find("\"user_properties\":[[\"k\",\"v\"]]"), std::string::npos) << first;
  EXPECT_NE(second.find("\"topic\":\"j/b\",\"qos\":1"), std::string::npos) << second;
  EXPECT_NE(second.find("\"payload_hex\":\"fffe\""), std::string::npos) << second;
}

// Each user error: one line on stderr naming the problem, the right exit code.
TEST(Errors, OneLineAndAnExitCodeForEachUserError) {
  mosquitto_broker broker("allow_anonymous false\n");
  const auto port = broker.port_string();
  struct error_case {
    args arguments;
    int code;
    std::string says;
  };
  const std::vector<error_case> cases{
      {{tool, "pub", "-L", "foo://x", "-t", "a", "-m", "x"}, 2, "bad broker URL"},
      {{tool, "pub", "-t", "a", "-m", "x", "--no-such-flag"}, 2, "--no-such-flag"},
      {{tool, "pub", "-p", port, "-t", "a/#", "-m", "x"}, 2, "wildcard"},
      {{tool, "pub", "-p", port, "-t", "a"}, 2, "give exactly one of"},
      {{tool, "pub", "-p", port, "-t", "a", "-m", "x", "-q", "3"}, 2, "-q"},
      {{tool, "pub", "-p", "1", "-t", "a", "-m", "x"}, 1, "cannot connect"},
      {{tool, "pub", "-p", port, "-t", "a", "-m", "x"}, 1, "Not authorized"},
      {{tool, "sub", "-p", port, "-t", "a/#/b"}, 2, "topic filter"},
      {{tool, "pub", "-p", port, "-t", "a", "-m", "x", "-D", "publish", "nonsense", "1"},
       2,
       "unknown property"},
  };
  for (const auto& c : cases) {
    std::string err;
    const int code = run(c.arguments, nullptr, &err);
    std::string shown;
    for (const auto& a : c.arguments) {
      shown += a + " ";
    }
    EXPECT_EQ(code, c.code) << shown << "\n" << err;
    EXPECT_NE(err.find(c.says), std::string::npos) << shown << "\n" << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << shown << "\n" << err;
  }
}

TEST(Errors, TlsFailureIsOneLine) {
  braid::testing::test_certificates certs;
  mosquitto_broker broker(certs.listener_config());
  std::string err;
  // No --cafile: the system store does not know the test CA.
  EXPECT_EQ(
      run({tool, "pub", "-L", "mqtts://localhost:" + broker.port_string(), "-t", "a", "-m", "x"},
          nullptr, &err),
      1);
  EXPECT_NE(err.find("certificate verify failed"), std::string::npos) << err;
  EXPECT_EQ(run({tool, "pub", "-L", "mqtts://localhost:" + broker.port_string(), "--cafile",
                 certs.file("ca.crt"), "-t", "a", "-m", "x"},
                nullptr, &err),
            0)
      << err;
}

TEST(Errors, SubTimeoutExitsWith27) {
  mosquitto_broker broker;
  std::string err;
  EXPECT_EQ(run({tool, "sub", "-p", broker.port_string(), "-t", "quiet", "-W", "1"}, nullptr, &err),
            27);
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
}

// mosquitto's own tools and braid understand each other byte for byte.
TEST(Interop, WithMosquittoPubAndSub) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  const std::string binary("\x00\x01\x02\xfe\xff text\n", 11);
  const char* tmp = std::getenv("TMPDIR");
  const std::string file = std::string(tmp != nullptr ? tmp : "/tmp") + "/braid-cli-interop.bin";
  std::ofstream(file, std::ios::binary) << binary;
  {
    subscribed_sub sub({"-p", port, "-q", "2", "-t", "io/1", "-N", "-C", "1"});
    ASSERT_EQ(run({"mosquitto_pub", "-p", port, "-q", "2", "-t", "io/1", "-f", file}), 0);
    EXPECT_EQ(sub.process.finish(), 0);
    EXPECT_EQ(sub.process.out(), binary);
  }
  {
    // mosquitto_sub -d traces on stdout, so the subscription is made first
    // in a persistent session (-E: exit once subscribed), then collected.
    const args session{"mosquitto_sub", "-c", "-i", "braid-interop", "-p", port, "-q", "2", "-t",
                       "io/2"};
    ASSERT_EQ(run(with(session, {"-E"})), 0);
    ASSERT_EQ(run({tool, "pub", "-p", port, "-q", "2", "-t", "io/2", "-f", file}), 0);
    std::string out;
    EXPECT_EQ(run(with(session, {"-N", "-C", "1"}), &out), 0);
    EXPECT_EQ(out, binary);
  }
  std::remove(file.c_str());
}

// braid demo: its own mosquitto, a restart half-way, nothing lost at QoS 1
// and 2, no QoS 2 duplicate; for both protocol versions.
TEST(Demo, SurvivesTheBrokerRestartWithNothingLost) {
  for (const std::string version : {"311", "5"}) {
    std::string out, err;
    EXPECT_EQ(run({tool, "demo", "-n", "300", "-V", version}, &out, &err), 0) << out << err;
    EXPECT_NE(out.find("restarting the broker"), std::string::npos) << out;
    EXPECT_NE(out.find("session present: yes"), std::string::npos) << out;
    EXPECT_NE(out.find("result: nothing lost at QoS 1 and 2, no QoS 2 duplicate"),
              std::string::npos)
        << out;
  }
}

// braid bench: the peer benchmark's RESULT lines, the latency chart, --json;
// its own mosquitto when no broker is given.
TEST(Bench, PrintsResultLinesAndTheLatencyChart) {
  std::string out, err;
  EXPECT_EQ(run({tool, "bench", "-w", "qos1", "-w", "latency", "--count", "300", "--warmup", "10"},
                &out, &err),
            0)
      << out << err;
  EXPECT_NE(out.find("RESULT client=braid workload=qos1 target=broker msgs=300 "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("RESULT client=braid workload=latency target=broker msgs=300 "),
            std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), 'R'), 2) << out; // two RESULT lines, both ok
  EXPECT_EQ(out.find("status=FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("round trip (µs): p50 "), std::string::npos) << out;
  EXPECT_NE(out.find("p99.9 "), std::string::npos) << out;
  EXPECT_EQ(run({tool, "bench", "-w", "qos2", "--count", "300", "--json"}, &out, &err), 0) << err;
  EXPECT_EQ(out.rfind("[{\"client\":\"braid\",\"workload\":\"qos2\"", 0), 0u) << out;
  EXPECT_NE(out.find("\"status\":\"ok\",\"done\":300}]"), std::string::npos) << out;
  EXPECT_EQ(run({tool, "bench", "-w", "nonsense"}, &out, &err), 2);
  EXPECT_NE(err.find("unknown workload"), std::string::npos) << err;
}

// What a subscriber printed through a broker restart, told apart by cause.
struct restart_outcome {
  std::set<int> lost;       // never printed
  int broker_replays = 0;   // printed again: the broker resent a completed QoS 2 exchange
  int braid_duplicates = 0; // printed again for any other reason
};

// `out` holds "<packet id> <dup> <number>" per message (sub -F '%m %d %p');
// `trace` is the subscriber's -d trace. A second printing of a number is the
// broker's replay when it came as a resend (DUP 1) of the same packet id
// after Braid had sent PUBCOMP for that id: the exchange was complete, and a
// receiver that has released an id cannot tell a replay from a new message
// (mosquitto replays after a restart: see docs/broker-restarts.md).
restart_outcome classify_restart(const std::string& out, const std::string& trace, int count) {
  restart_outcome r;
  std::map<int, std::pair<int, int>> first; // number -> (packet id, dup)
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    int id = 0, dup = 0, number = 0;
    if (!(fields >> id >> dup >> number)) {
      ++r.braid_duplicates; // a line that is not a message: count it against Braid
      continue;
    }
    auto [it, fresh] = first.emplace(number, std::pair{id, dup});
    if (fresh) {
      continue;
    }
    const auto completed = trace.find("sent PUBCOMP (m" + std::to_string(id) + ",");
    const auto resent = trace.find("received PUBLISH (d1, q2, r0, m" + std::to_string(id) + ",",
                                   completed == std::string::npos ? 0 : completed);
    const bool replay = dup == 1 && it->second.first == id && completed != std::string::npos &&
                        resent != std::string::npos;
    ++(replay ? r.broker_replays : r.braid_duplicates);
  }
  for (int i = 0; i < count; ++i) {
    if (!first.contains(i)) {
      r.lost.insert(i);
    }
  }
  return r;
}

TEST(Reconnect, RestartOutcomesAreToldApartByCause) {
  const std::string trace = "received PUBLISH (d0, q2, r0, m7, 'r/t', ... (1 bytes))\n"
                            "sent PUBCOMP (m7, rc0)\n"
                            "received PUBLISH (d1, q2, r0, m7, 'r/t', ... (1 bytes))\n";
  // Printed again as a DUP 1 resend of the completed id 7: the broker's replay.
  auto r = classify_restart("7 0 0\n8 0 1\n7 1 0\n", trace, 3);
  EXPECT_EQ(r.lost, std::set<int>{2});
  EXPECT_EQ(r.broker_replays, 1);
  EXPECT_EQ(r.braid_duplicates, 0);
  // Printed again without DUP, under another id, or before any PUBCOMP: Braid's.
  EXPECT_EQ(classify_restart("7 0 0\n7 0 0\n", trace, 1).braid_duplicates, 1);
  EXPECT_EQ(classify_restart("7 0 0\n9 1 0\n", trace, 1).braid_duplicates, 1);
  EXPECT_EQ(classify_restart("7 0 0\n7 1 0\n", "", 1).braid_duplicates, 1);
}

// pub -l and sub with persistent sessions through a broker restart: the
// reconnecting service restores both; Braid loses and doubles nothing at
// QoS 2. mosquitto sometimes replays a QoS 2 exchange the subscriber had
// completed just before the SIGTERM: that is reported, not failed.
// (max_inflight_messages 0: mosquitto 2.0.11 drops, across a restart, QoS 2
// messages it still queued for a connected subscriber beyond its 20 in flight;
// see docs/broker-restarts.md.)
TEST(Reconnect, PubAndSubSurviveABrokerRestart) {
  mosquitto_broker broker("allow_anonymous true\npersistence true\n"
                          "persistence_location %DIR%/\nautosave_interval 1\n"
                          "max_inflight_messages 0\n");
  const auto port = broker.port_string();
  constexpr int count = 60;
  subscribed_sub sub(
      {"-p", port, "-c", "-i", "braid-cli-restart-sub", "-q", "2", "-t", "r/t", "-F", "%m %d %p"});
  cli_process pub({tool, "pub", "-d", "-p", port, "-c", "-i", "braid-cli-restart-pub", "-q", "2",
                   "-t", "r/t", "-l"},
                  {}, true);
  std::string first, second;
  for (int i = 0; i < count / 2; ++i) {
    first += std::to_string(i) + "\n";
    second += std::to_string(count / 2 + i) + "\n";
  }
  pub.write_input(first);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  broker.restart(); // SIGTERM: mosquitto saves its sessions on the way out
  pub.write_input(second);
  pub.close_input();
  EXPECT_EQ(pub.finish(), 0) << pub.err();
  // Every number printed (a replay would make a count of lines wrong), then a
  // moment for late replays.
  EXPECT_TRUE(sub.process.wait_for_stdout(
      [&](const std::string& out) { return classify_restart(out, "", count).lost.empty(); },
      std::chrono::seconds(30)))
      << sub.process.out();
  sub.process.wait_for_stdout([](const std::string&) { return false; },
                              std::chrono::milliseconds(500));
  sub.process.kill_now(SIGTERM); // what it printed was read above
  const auto outcome = classify_restart(sub.process.out(), sub.process.err(), count);
  EXPECT_TRUE(outcome.lost.empty()) << sub.process.out();
  EXPECT_EQ(outcome.braid_duplicates, 0) << sub.process.out() << sub.process.err();
  RecordProperty("qos2_replayed_by_broker", outcome.broker_replays);
  if (outcome.broker_replays > 0) {
    std::cout << "mosquitto replayed " << outcome.broker_replays
              << " completed QoS 2 exchange(s) after the restart\n";
  }
}

// --- the durable store (--store) --------------------------------------------------------

TEST(Store, NeedsAClientIdAndAPersistentSession) {
  mosquitto_broker broker;
  const auto store = broker.dir() + "/pub.db";
  std::string err;
  EXPECT_EQ(run({tool, "pub", "-p", broker.port_string(), "--store", store, "-t", "t", "-m", "x"},
                nullptr, &err),
            2);
  EXPECT_NE(err.find("--store keeps a persistent session: give -i and -c"), std::string::npos)
      << err;
}

TEST(Store, ADamagedOrBusyStoreIsOneLineNamingTheFile) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  const auto damaged = broker.dir() + "/damaged.db";
  std::ofstream(damaged) << std::string(4096, 'x');
  std::string err;
  EXPECT_EQ(
      run({tool, "pub", "-p", port, "--store", damaged, "-i", "p", "-c", "-t", "t", "-m", "x"},
          nullptr, &err),
      1);
  EXPECT_NE(err.find("braid pub: braid store " + damaged + " is damaged"), std::string::npos)
      << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;

  // A running subscriber holds its store: a second process is refused.
  const auto held = broker.dir() + "/sub.db";
  subscribed_sub holder({"-p", port, "--store", held, "-i", "s", "-c", "-t", "t"});
  EXPECT_EQ(run({tool, "sub", "-p", port, "--store", held, "-i", "s2", "-c", "-t", "t", "-C", "1"},
                nullptr, &err),
            1);
  EXPECT_NE(err.find(held + " is in use by another process"), std::string::npos) << err;
}

// What an earlier run left in the store (as after a crash) goes out first,
// and pub exits once all of it is acknowledged.
TEST(Store, PubSendsWhatAnEarlierRunLeftThenItsOwn) {
  mosquitto_broker broker;
  const auto port = broker.port_string();
  const auto path = broker.dir() + "/pub.db";
  {
    sqlite_store store({.path = path, .client_id = "left"});
    for (std::uint64_t i = 1; i <= 3; ++i) {
      protocol::stored_publish r;
      r.sequence = i;
      r.message.topic = "store/t";
      const auto text = "earlier " + std::to_string(i);
      r.message.payload.assign(text.begin(), text.end());
      r.message.qos = i == 2 ? protocol::qos::exactly_once : protocol::qos::at_least_once;
      store.add(r);
    }
    ASSERT_FALSE(store.flush());
  }
  subscribed_sub sub({"-p", port, "-q", "2", "-t", "store/#", "-C", "4"});
  std::string err;
  EXPECT_EQ(run({tool, "pub", "-p", port, "--store", path, "-i", "left", "-c", "-q", "1", "-t",
                 "store/t", "-m", "now"},
                nullptr, &err),
            0)
      << err;
  EXPECT_EQ(sub.process.finish(), 0) << sub.process.err();
  // (mosquitto forwards a QoS 2 message at PUBREL: across QoS, order may differ.)
  std::multiset<std::string> lines;
  std::istringstream in(sub.process.out());
  for (std::string line; std::getline(in, line);) {
    lines.insert(line);
  }
  EXPECT_EQ(lines, (std::multiset<std::string>{"earlier 1", "earlier 2", "earlier 3", "now"}))
      << sub.process.out();
  sqlite_store after({.path = path, .client_id = "left"});
  EXPECT_EQ(after.size(), 0u);
  EXPECT_EQ(after.accepted(), 4u);
}

} // namespace
} // namespace braid
