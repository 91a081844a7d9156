// `braid bench` and `braid demo` as programs: bench --json is JSON (parsed
// here by a strict parser: no inf, nan or bare control characters), bench
// --target sink starts its own ack-only sink, and the demo's table adds up
// (sent + failed = attempted, received + lost = attempted, the duplicates by
// origin make the duplicated column) with its events in time order.
#include "cli_process.hpp"
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace braid {
namespace {

using braid::testing::cli_process;
using args = std::vector<std::string>;

const std::string tool = BRAID_TOOL_PATH;

int run(const args& a, std::string& out, std::string& err) {
  cli_process p(a);
  const int code = p.finish(std::chrono::seconds(120));
  out = p.out();
  err = p.err();
  return code;
}

// ------------------------------------------------------------ a JSON parser
// RFC 8259, strict: what it accepts is JSON.

struct json;
using json_object = std::map<std::string, json>;
using json_array = std::vector<json>;
struct json {
  std::variant<std::nullptr_t, bool, double, std::string, json_array, json_object> value;
  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value); }
  bool is_number() const { return std::holds_alternative<double>(value); }
  double number() const { return std::get<double>(value); }
  const std::string& string() const { return std::get<std::string>(value); }
  const json_array& array() const { return std::get<json_array>(value); }
  const json_object& object() const { return std::get<json_object>(value); }
  const json& operator[](const std::string& key) const { return object().at(key); }
  bool has(const std::string& key) const { return object().count(key) > 0; }
};

class json_parser {
public:
  explicit json_parser(const std::string& text) : s_(text) {}

  // The whole text as one value (white space around it), or nullopt with
  // where() telling where it stopped being JSON.
  std::optional<json> parse() {
    auto v = value();
    space();
    if (!v || at_ != s_.size()) {
      return std::nullopt;
    }
    return v;
  }
  std::size_t where() const { return at_; }

private:
  void space() {
    while (at_ < s_.size() &&
           (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\r' || s_[at_] == '\t')) {
      ++at_;
    }
  }
  bool literal(const char* word) {
    const std::string w = word;
    if (s_.compare(at_, w.size(), w) != 0) {
      return false;
    }
    at_ += w.size();
    return true;
  }
  std::optional<json> value() {
    space();
    if (at_ >= s_.size()) {
      return std::nullopt;
    }
    const char c = s_[at_];
    if (c == '{') {
      return object();
    }
    if (c == '[') {
      return array();
    }
    if (c == '"') {
      auto text = string();
      return text ? std::optional<json>(json{*text}) : std::nullopt;
    }
    if (literal("null")) {
      return json{nullptr};
    }
    if (literal("true")) {
      return json{true};
    }
    if (literal("false")) {
      return json{false};
    }
    return number();
  }
  std::optional<json> number() {
    static const std::regex grammar(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
    std::smatch m;
    const std::string rest = s_.substr(at_);
    if (!std::regex_search(rest, m, grammar, std::regex_constants::match_continuous)) {
      return std::nullopt;
    }
    at_ += static_cast<std::size_t>(m.length(0));
    return json{std::strtod(m.str(0).c_str(), nullptr)};
  }
  std::optional<std::string> string() {
    ++at_; // "
    std::string out;
    while (at_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[at_++]);
      if (c == '"') {
        return out;
      }
      if (c < 0x20) {
        return std::nullopt; // control characters must be escaped
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (at_ >= s_.size()) {
        return std::nullopt;
      }
      const char e = s_[at_++];
      const std::string simple = "\"\\/bfnrt", meaning = "\"\\/\b\f\n\r\t";
      if (const auto i = simple.find(e); i != std::string::npos) {
        out += meaning[i];
      } else if (e == 'u' && at_ + 4 <= s_.size() &&
                 std::all_of(s_.begin() + static_cast<std::ptrdiff_t>(at_),
                             s_.begin() + static_cast<std::ptrdiff_t>(at_ + 4),
                             [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
        out += '?'; // the code point itself does not matter here
        at_ += 4;
      } else {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }
  std::optional<json> array() {
    ++at_; // [
    json_array out;
    space();
    if (at_ < s_.size() && s_[at_] == ']') {
      ++at_;
      return json{out};
    }
    for (;;) {
      auto v = value();
      if (!v) {
        return std::nullopt;
      }
      out.push_back(std::move(*v));
      space();
      if (at_ < s_.size() && s_[at_] == ',') {
        ++at_;
      } else if (at_ < s_.size() && s_[at_] == ']') {
        ++at_;
        return json{out};
      } else {
        return std::nullopt;
      }
    }
  }
  std::optional<json> object() {
    ++at_; // {
    json_object out;
    space();
    if (at_ < s_.size() && s_[at_] == '}') {
      ++at_;
      return json{out};
    }
    for (;;) {
      space();
      if (at_ >= s_.size() || s_[at_] != '"') {
        return std::nullopt;
      }
      auto key = string();
      space();
      if (!key || at_ >= s_.size() || s_[at_] != ':') {
        return std::nullopt;
      }
      ++at_;
      auto v = value();
      if (!v) {
        return std::nullopt;
      }
      out[*key] = std::move(*v);
      space();
      if (at_ < s_.size() && s_[at_] == ',') {
        ++at_;
      } else if (at_ < s_.size() && s_[at_] == '}') {
        ++at_;
        return json{out};
      } else {
        return std::nullopt;
      }
    }
  }

  const std::string& s_;
  std::size_t at_ = 0;
};

std::optional<json> parse_json(const std::string& text) {
  json_parser parser(text);
  auto v = parser.parse();
  EXPECT_TRUE(v.has_value()) << "not JSON from offset " << parser.where() << ":\n" << text;
  return v;
}

TEST(JsonParser, AcceptsJsonOnly) {
  EXPECT_TRUE(json_parser(R"([{"a":1.5,"b":null,"c":"x\"\\\n\u0001"}, [], true])").parse());
  for (const char* bad : {"[inf]", "[nan]", "[-nan]", "[1.]", "[\"a\x01\"]", "[1,]", "{\"a\" 1}",
                          "[\"\\x\"]", "[1] [2]"}) {
    EXPECT_FALSE(json_parser(bad).parse()) << bad;
  }
}

// --------------------------------------------------------------- braid bench

// Every workload against the sink the command starts itself (no address
// given), as one JSON array of complete results.
TEST(Bench, JsonAgainstItsOwnSinkIsJson) {
  std::string out, err;
  ASSERT_EQ(run({tool, "bench", "--target", "sink", "--json", "-w", "qos0", "-w", "qos1", "-w",
                 "qos2", "-w", "latency", "-w", "large", "--count", "100", "--warmup", "10"},
                out, err),
            0)
      << out << err;
  const auto results = parse_json(out);
  ASSERT_TRUE(results);
  const auto& list = results->array();
  ASSERT_EQ(list.size(), 5u) << out;
  const char* names[] = {"qos0", "qos1", "qos2", "latency", "large"};
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& r = list[i];
    EXPECT_EQ(r["client"].string(), "braid");
    EXPECT_EQ(r["workload"].string(), names[i]);
    EXPECT_EQ(r["target"].string(), "sink");
    EXPECT_EQ(r["status"].string(), "ok") << out;
    EXPECT_EQ(r["msgs"].number(), 100);
    EXPECT_EQ(r["done"].number(), 100);
    for (const char* key : {"seconds", "msgs_per_s", "mib_per_s", "cpu_s", "cpu_us_per_msg",
                            "peak_rss_kb", "size", "window"}) {
      EXPECT_TRUE(r[key].is_number()) << key << " in " << out;
    }
    EXPECT_GT(r["msgs_per_s"].number(), 0);
    EXPECT_EQ(r.has("latency_us"), std::string(names[i]) == "latency") << out;
  }
  const auto& latency = list[3]["latency_us"];
  for (const char* key : {"p50", "p90", "p99", "p99_9", "max"}) {
    EXPECT_TRUE(latency[key].is_number()) << key;
  }
  EXPECT_LE(latency["p50"].number(), latency["max"].number());
  EXPECT_EQ(list[4]["size"].number(), 1048576);
}

// Without --json, the sink is named on stderr and the RESULT lines say
// target=sink.
TEST(Bench, StartsTheSinkWhenNoAddressIsGiven) {
  std::string out, err;
  ASSERT_EQ(
      run({tool, "bench", "--target", "sink", "-w", "qos1", "--count", "300", "--no-progress"}, out,
          err),
      0)
      << out << err;
  EXPECT_NE(err.find("ack-only sink"), std::string::npos) << err;
  EXPECT_NE(out.find("RESULT client=braid workload=qos1 target=sink msgs=300 "), std::string::npos)
      << out;
  EXPECT_NE(out.find("status=ok done=300"), std::string::npos) << out;
}

// A run stopped at once: no message done, so the figures per message are
// null, not inf or nan; the reason is a JSON string.
TEST(Bench, JsonOfARunWithNothingDoneHasNulls) {
  std::string out, err;
  EXPECT_EQ(run({tool, "bench", "--target", "sink", "--json", "-w", "large", "--count", "100000",
                 "--max-seconds", "0.000001"},
                out, err),
            1)
      << out << err;
  EXPECT_EQ(out.find("inf"), std::string::npos) << out;
  EXPECT_EQ(out.find("nan"), std::string::npos) << out;
  const auto results = parse_json(out);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->array().size(), 1u) << out;
  const auto& r = results->array()[0];
  EXPECT_NE(r["status"].string(), "ok");
  EXPECT_LT(r["done"].number(), 100000);
  if (r["done"].number() == 0) {
    EXPECT_TRUE(r["cpu_us_per_msg"].is_null()) << out;
  }
}

// Nothing listens: nothing measured, an empty array, the reason on stderr.
TEST(Bench, JsonWhenTheBrokerCannotBeReachedIsAnEmptyArray) {
  std::string out, err;
  EXPECT_EQ(run({tool, "bench", "-h", "127.0.0.1", "-p", "1", "--json", "-w", "qos1"}, out, err), 1)
      << out << err;
  const auto results = parse_json(out);
  ASSERT_TRUE(results);
  EXPECT_TRUE(results->array().empty()) << out;
  EXPECT_FALSE(err.empty());
}

// ---------------------------------------------------------------- braid demo

struct demo_row {
  int attempted = -1, sent = -1, failed = -1, received = -1, lost = -1, duplicated = -1;
};

// The demo through its broker restart: each row of the table adds up, the
// duplicates are explained by origin, and the events are in time order with
// the restart where it happened.
TEST(Demo, TableAddsUpAndEventsAreInOrder) {
  std::string out, err;
  ASSERT_EQ(run({tool, "demo", "-n", "400"}, out, err), 0) << out << err;
  std::istringstream lines(out);
  std::string line;
  std::map<int, demo_row> rows;
  std::vector<std::string> events;
  double last_time = -1;
  bool in_order = true;
  const std::regex row_line(
      R"(^ +([0-2]) \| +(\d+) \| +(\d+) \| +(\d+) \| +(\d+) \| +(\d+) \| +(\d+)\b.*)");
  const std::regex event_line(R"(^\[ *([0-9.]+) s\] (.*)$)");
  std::map<int, std::vector<int>> origins; // QoS -> publisher, broker[, unknown]
  const std::regex origin_line(
      R"(^QoS ([12]) duplicates: (\d+) resent by the publisher .*?, (\d+) replayed by the broker)"
      R"((.*?, (\d+) of unknown origin)?.*)");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_match(line, m, row_line)) {
      rows[std::stoi(m[1])] = {std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4]),
                               std::stoi(m[5]), std::stoi(m[6]), std::stoi(m[7])};
    } else if (std::regex_match(line, m, event_line)) {
      const double t = std::stod(m[1]);
      in_order = in_order && t >= last_time;
      last_time = t;
      events.push_back(m[2]);
    } else if (std::regex_match(line, m, origin_line)) {
      origins[std::stoi(m[1])] = {std::stoi(m[2]), std::stoi(m[3]),
                                  m[5].matched ? std::stoi(m[5]) : 0};
    }
  }
  EXPECT_NE(out.find(" QoS | attempted |   sent | failed | received |   lost | duplicated"),
            std::string::npos)
      << out;
  ASSERT_EQ(rows.size(), 3u) << out;
  for (const auto& [q, r] : rows) {
    EXPECT_EQ(r.attempted, 400) << "QoS " << q << "\n" << out;
    EXPECT_EQ(r.sent + r.failed, r.attempted) << "QoS " << q << "\n" << out;
    EXPECT_EQ(r.received + r.lost, r.attempted) << "QoS " << q << "\n" << out;
    if (q > 0) {
      EXPECT_EQ(r.lost, 0) << out;
      EXPECT_EQ(r.failed, 0) << out;
    }
    if (q > 0 && r.duplicated > 0) {
      ASSERT_EQ(origins.count(q), 1u) << "no origin line for QoS " << q << "\n" << out;
      const auto& o = origins[q];
      EXPECT_EQ(o[0] + o[1] + o[2], r.duplicated) << out;
    }
  }
  EXPECT_EQ(rows[2].duplicated, 0) << out;
  if (rows[1].duplicated > 0) {
    EXPECT_NE(out.find("QoS 1 is \"at least once\": it allows duplicates"), std::string::npos)
        << out;
  }
  EXPECT_TRUE(in_order) << out;

  // restart, then at least one client sees it go, then the broker is back,
  // then the clients connect again.
  const auto index_of = [&](const std::string& text, std::size_t from = 0) {
    for (std::size_t i = from; i < events.size(); ++i) {
      if (events[i].find(text) != std::string::npos) {
        return i;
      }
    }
    return events.size();
  };
  const auto restart = index_of("-- restarting the broker");
  const auto back = index_of("-- the broker is back", restart);
  const auto disconnected = index_of("disconnected", restart);
  const auto connected = index_of(" connected (session present: yes", restart);
  ASSERT_LT(restart, events.size()) << out;
  ASSERT_LT(back, events.size()) << out;
  EXPECT_LT(disconnected, back) << out;
  EXPECT_LT(back, connected) << out;
  EXPECT_LT(connected, events.size()) << out;
}

} // namespace
} // namespace braid
