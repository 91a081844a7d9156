// `braid bench conn|pub|sub|pubsub`, the load generator: its log-bucket
// histogram against exact percentiles (and merged), its topic templates,
// then runs as a program against a private mosquitto: --json parsed and
// checked (every message received, percentiles in order), the SVG of --plot
// parsed as XML with its curves counted, two threads, a subscriber in
// another process, and the errors (nothing listening, bad flags).
#include "cli_process.hpp"
#include "load_histogram.hpp"
#include "load_topic.hpp"
#include "loopback_port.hpp"
#include "private_mosquitto.hpp"
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace braid {
namespace {

using braid::cli::load_histogram;
using braid::testing::cli_process;
using args = std::vector<std::string>;

const std::string tool = BRAID_TOOL_PATH;

// ------------------------------------------------------------ the histogram

// Nearest rank, as load_histogram defines it.
std::uint64_t exact_percentile(std::vector<std::uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * n - 1e-9)));
  return values[std::min(rank, values.size()) - 1];
}

void expect_close_percentiles(const load_histogram& h, const std::vector<std::uint64_t>& values) {
  for (const double p : {0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0}) {
    const auto exact = static_cast<double>(exact_percentile(values, p));
    const auto got = static_cast<double>(h.percentile(p));
    // Half a bucket: at most 1/256 of the value (exact below 256).
    EXPECT_LE(std::abs(got - exact), exact / 256 + 1e-9)
        << "p" << p << ": " << got << " vs " << exact;
  }
}

TEST(LoadHistogram, BucketsHoldTheirValuesWithinOnePercent) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t v = random() >> (random() % 64);
    const auto b = load_histogram::bucket_of(v);
    ASSERT_LT(b, load_histogram::bucket_count);
    EXPECT_LE(load_histogram::bucket_low(b), v);
    EXPECT_GE(load_histogram::bucket_high(b), v);
    // The spread of a bucket against its values: 0 below 256, then under 1/128.
    const auto spread =
        static_cast<double>(load_histogram::bucket_high(b) - load_histogram::bucket_low(b));
    EXPECT_LE(spread / static_cast<double>(std::max<std::uint64_t>(v, 1)), 1.0 / 128) << v;
  }
  EXPECT_EQ(load_histogram::bucket_of(0), 0u);
  EXPECT_EQ(load_histogram::bucket_of(255), 255u);
  EXPECT_EQ(load_histogram::bucket_of(UINT64_MAX), load_histogram::bucket_count - 1);
  EXPECT_EQ(load_histogram::bucket_high(load_histogram::bucket_count - 1), UINT64_MAX);
  // Consecutive buckets tile the numbers: no gap, no overlap.
  for (std::size_t b = 1; b < load_histogram::bucket_count; ++b) {
    ASSERT_EQ(load_histogram::bucket_low(b), load_histogram::bucket_high(b - 1) + 1) << b;
  }
}

TEST(LoadHistogram, PercentilesMatchExactOnesOnKnownData) {
  // 1..100000 µs in ns: p50 is 50,000 µs, p99 99,000 µs.
  std::vector<std::uint64_t> uniform;
  load_histogram h;
  for (std::uint64_t us = 1; us <= 100000; ++us) {
    uniform.push_back(us * 1000);
    h.record(us * 1000);
  }
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 100000000u);
  EXPECT_NEAR(h.mean(), 50000.5e3, 1);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 50e6, 50e6 / 256);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 99e6, 99e6 / 256);
  expect_close_percentiles(h, uniform);

  // A long tail (log-normal latencies) and small exact values.
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(12.0, 1.5);
  std::vector<std::uint64_t> tail;
  load_histogram t;
  for (int i = 0; i < 50000; ++i) {
    const auto v = static_cast<std::uint64_t>(latency(random));
    tail.push_back(v);
    t.record(v);
  }
  expect_close_percentiles(t, tail);
  load_histogram small;
  for (std::uint64_t v : {3u, 1u, 2u, 200u, 7u}) {
    small.record(v);
  }
  EXPECT_EQ(small.percentile(0.5), 3u); // exact below 256
  EXPECT_EQ(small.percentile(0.8), 7u);
  EXPECT_EQ(small.percentile(1.0), 200u);
}

TEST(LoadHistogram, MergedEqualsOneHistogramOfEverything) {
  std::mt19937_64 random(3);
  std::vector<std::uint64_t> all;
  load_histogram a, b, whole;
  for (int i = 0; i < 30000; ++i) {
    const std::uint64_t v = random() % 5'000'000 + (i % 2 == 0 ? 0 : 20'000'000);
    all.push_back(v);
    whole.record(v);
    (i % 3 == 0 ? a : b).record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), whole.count());
  EXPECT_EQ(a.min(), whole.min());
  EXPECT_EQ(a.max(), whole.max());
  EXPECT_DOUBLE_EQ(a.mean(), whole.mean());
  for (const double p : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    EXPECT_EQ(a.percentile(p), whole.percentile(p)) << p;
  }
  expect_close_percentiles(a, all);
  load_histogram empty;
  EXPECT_EQ(empty.percentile(0.5), 0u);
  EXPECT_EQ(empty.max(), 0u);
  a.merge(empty);
  EXPECT_EQ(a.count(), whole.count());
}

// ---------------------------------------------------------- topic templates

TEST(LoadTopic, TemplatesExpandPerClient) {
  using namespace braid::cli;
  EXPECT_EQ(expand_topic("bench/%i", 7, "braid-1-pub-7"), "bench/7");
  EXPECT_EQ(expand_topic("%c/t/%i", 12, "x-pub-12"), "x-pub-12/t/12");
  EXPECT_EQ(expand_topic("100%%/%i%%", 3, "id"), "100%/3%");
  EXPECT_EQ(expand_topic("plain/topic", 3, "id"), "plain/topic");
  EXPECT_TRUE(topic_template_varies("a/%i"));
  EXPECT_TRUE(topic_template_varies("%c"));
  EXPECT_FALSE(topic_template_varies("a/%%i"));
  EXPECT_EQ(filter_for_template("bench/%i"), "bench/+");
  EXPECT_EQ(filter_for_template("a/%c/x/%i-y"), "a/+/x/+");
  EXPECT_EQ(filter_for_template("p%%/q"), "p%/q");
  std::string error;
  EXPECT_TRUE(check_topic_template("a/%i/%c/%%", error)) << error;
  EXPECT_FALSE(check_topic_template("a/%x", error));
  EXPECT_NE(error.find("'%x'"), std::string::npos) << error;
  EXPECT_FALSE(check_topic_template("a/%", error));
}

// ------------------------------------------------------------ a JSON parser

struct json;
using json_object = std::map<std::string, json>;
using json_array = std::vector<json>;
struct json {
  std::variant<std::nullptr_t, bool, double, std::string, json_array, json_object> value;
  bool is_null() const { return std::holds_alternative<std::nullptr_t>(value); }
  double number() const { return std::get<double>(value); }
  const std::string& string() const { return std::get<std::string>(value); }
  const json_array& array() const { return std::get<json_array>(value); }
  const json& operator[](const std::string& key) const {
    return std::get<json_object>(value).at(key);
  }
  bool has(const std::string& key) const { return std::get<json_object>(value).count(key) > 0; }
};

// RFC 8259, strictly enough for these tests (no inf, nan or bare control
// characters); nullopt for anything else.
class json_parser {
public:
  explicit json_parser(const std::string& s) : s_(s) {}
  std::optional<json> parse() {
    auto v = value();
    space();
    return v && at_ == s_.size() ? v : std::nullopt;
  }

private:
  void space() {
    while (at_ < s_.size() && std::string(" \n\r\t").find(s_[at_]) != std::string::npos) {
      ++at_;
    }
  }
  bool take(char c) {
    space();
    if (at_ < s_.size() && s_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  std::optional<json> value() {
    space();
    if (at_ >= s_.size()) {
      return std::nullopt;
    }
    for (const auto& [word, v] : {std::pair{"null", json{nullptr}}, std::pair{"true", json{true}},
                                  std::pair{"false", json{false}}}) {
      if (s_.compare(at_, std::string(word).size(), word) == 0) {
        at_ += std::string(word).size();
        return v;
      }
    }
    if (s_[at_] == '"') {
      auto text = string();
      return text ? std::optional<json>(json{*text}) : std::nullopt;
    }
    if (take('[')) {
      json_array out;
      if (take(']')) {
        return json{out};
      }
      do {
        auto v = value();
        if (!v) {
          return std::nullopt;
        }
        out.push_back(std::move(*v));
      } while (take(','));
      return take(']') ? std::optional<json>(json{out}) : std::nullopt;
    }
    if (take('{')) {
      json_object out;
      if (take('}')) {
        return json{out};
      }
      do {
        space();
        auto key = at_ < s_.size() && s_[at_] == '"' ? string() : std::nullopt;
        if (!key || !take(':')) {
          return std::nullopt;
        }
        auto v = value();
        if (!v) {
          return std::nullopt;
        }
        out[*key] = std::move(*v);
      } while (take(','));
      return take('}') ? std::optional<json>(json{out}) : std::nullopt;
    }
    return number();
  }
  std::optional<json> number() {
    const std::size_t start = at_;
    const auto digits = [&] {
      const std::size_t from = at_;
      while (at_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[at_]))) {
        ++at_;
      }
      return at_ > from;
    };
    if (at_ < s_.size() && s_[at_] == '-') {
      ++at_;
    }
    if (!digits()) {
      return std::nullopt;
    }
    if (at_ < s_.size() && s_[at_] == '.' && (++at_, !digits())) {
      return std::nullopt;
    }
    if (at_ < s_.size() && (s_[at_] == 'e' || s_[at_] == 'E')) {
      ++at_;
      if (at_ < s_.size() && (s_[at_] == '+' || s_[at_] == '-')) {
        ++at_;
      }
      if (!digits()) {
        return std::nullopt;
      }
    }
    return json{std::strtod(s_.substr(start, at_ - start).c_str(), nullptr)};
  }
  std::optional<std::string> string() {
    ++at_;
    std::string out;
    while (at_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[at_++]);
      if (c == '"') {
        return out;
      }
      if (c < 0x20) {
        return std::nullopt;
      }
      if (c == '\\') {
        if (at_ >= s_.size()) {
          return std::nullopt;
        }
        const char e = s_[at_++];
        if (e == 'u') {
          at_ += 4;
          out += '?';
        } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
          out += e;
        } else {
          return std::nullopt;
        }
        continue;
      }
      out += static_cast<char>(c);
    }
    return std::nullopt;
  }

  const std::string& s_;
  std::size_t at_ = 0;
};

json parse_json(const std::string& text) {
  auto v = json_parser(text).parse();
  if (!v) {
    ADD_FAILURE() << "not JSON:\n" << text;
    return json{json_object{}};
  }
  return *v;
}

// --------------------------------------------------------- an XML checker

struct xml_element {
  std::string name;
  std::map<std::string, std::string> attributes;
};

// Well-formed XML as SVG needs it: a declaration, elements that nest and
// close, quoted attributes, entities in text. The elements in document order;
// nullopt with `error` otherwise.
std::optional<std::vector<xml_element>> parse_xml(const std::string& s, std::string& error) {
  std::vector<xml_element> elements;
  std::vector<std::string> open;
  std::size_t at = 0;
  int roots = 0;
  const auto fail = [&](const std::string& why) {
    error = why + " at offset " + std::to_string(at);
    return std::nullopt;
  };
  while (at < s.size()) {
    if (s[at] != '<') {
      const auto end = s.find('<', at);
      const auto text = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
      for (std::size_t amp = text.find('&'); amp != std::string::npos;
           amp = text.find('&', amp + 1)) {
        const auto semi = text.find(';', amp);
        const auto entity = text.substr(amp, semi == std::string::npos ? 0 : semi - amp + 1);
        if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" &&
            entity != "&apos;") {
          return fail("bad entity");
        }
      }
      if (open.empty() && text.find_first_not_of(" \n\r\t") != std::string::npos) {
        return fail("text outside the root");
      }
      at = end == std::string::npos ? s.size() : end;
      continue;
    }
    const auto end = s.find('>', at);
    if (end == std::string::npos) {
      return fail("unclosed tag");
    }
    std::string tag = s.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.starts_with("?")) {
      if (!tag.ends_with("?") || !elements.empty()) {
        return fail("misplaced declaration");
      }
      continue;
    }
    if (tag.starts_with("/")) {
      if (open.empty() || open.back() != tag.substr(1)) {
        return fail("closing " + tag + " does not match");
      }
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.ends_with("/");
    if (self_closing) {
      tag.pop_back();
    }
    std::istringstream in(tag);
    xml_element e;
    in >> e.name;
    if (e.name.empty() || !std::isalpha(static_cast<unsigned char>(e.name[0]))) {
      return fail("bad element name '" + e.name + "'");
    }
    std::size_t pos = e.name.size();
    for (;;) {
      pos = tag.find_first_not_of(" \n\t", pos);
      if (pos == std::string::npos) {
        break;
      }
      const auto eq = tag.find('=', pos);
      if (eq == std::string::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"') {
        return fail("unquoted attribute in <" + e.name + ">");
      }
      const auto close = tag.find('"', eq + 2);
      if (close == std::string::npos) {
        return fail("unclosed attribute in <" + e.name + ">");
      }
      const auto name = tag.substr(pos, eq - pos);
      if (e.attributes.count(name) > 0) {
        return fail("repeated attribute " + name);
      }
      e.attributes[name] = tag.substr(eq + 2, close - eq - 2);
      pos = close + 1;
    }
    if (open.empty() && ++roots > 1) {
      return fail("a second root element");
    }
    if (!self_closing) {
      open.push_back(e.name);
    }
    elements.push_back(std::move(e));
  }
  if (!open.empty()) {
    return fail("<" + open.back() + "> is not closed");
  }
  return elements;
}

std::size_t vertices(const std::string& points) {
  std::istringstream in(points);
  std::string pair;
  std::size_t n = 0;
  while (in >> pair) {
    double x = 0, y = 0;
    char comma = 0;
    std::istringstream p(pair);
    if (p >> x >> comma >> y && comma == ',' && std::isfinite(x) && std::isfinite(y)) {
      ++n;
    }
  }
  return n;
}

// ------------------------------------------------------------ the runs

struct run_result {
  int code = -1;
  std::string out, err;
};

run_result run(const args& a) {
  cli_process p(a);
  run_result r;
  r.code = p.finish(std::chrono::seconds(60));
  r.out = p.out();
  r.err = p.err();
  return r;
}

// One mosquitto for the runs that give -h/-p (the others start their own).
class Load : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    mosquitto::private_mosquitto_options options;
    options.config = "allow_anonymous true\nmax_queued_messages 1000000\n";
    options.dir_prefix = "braid-load-test";
    broker_ = std::make_unique<mosquitto::private_mosquitto>(std::move(options));
  }
  static void TearDownTestSuite() { broker_.reset(); }
  void SetUp() override {
    if (!broker_->running()) {
      GTEST_SKIP() << broker_->error();
    }
  }
  static args at_broker(args a) {
    a.insert(a.end(), {"-h", "127.0.0.1", "-p", std::to_string(broker_->port())});
    return a;
  }
  static std::unique_ptr<mosquitto::private_mosquitto> broker_;
};

std::unique_ptr<mosquitto::private_mosquitto> Load::broker_;

void expect_ordered_percentiles(const json& p, const std::string& what) {
  ASSERT_FALSE(p.is_null()) << what;
  double last = 0;
  for (const char* key : {"min", "p50", "p90", "p99", "p99_9", "max"}) {
    EXPECT_GE(p[key].number(), last) << what << " " << key;
    last = p[key].number();
  }
  EXPECT_GT(p["max"].number(), 0) << what;
}

// The self-measuring run: every message of 10 publishers reaches both
// subscribers, with a latency each.
TEST_F(Load, PubSubJsonCountsEveryMessage) {
  const auto r = run(at_broker({tool, "bench", "pubsub", "-c", "10", "--subscribers", "2",
                                "--count", "200", "-q", "1", "--json"}));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["mode"].string(), "pubsub");
  EXPECT_EQ(j["publishers"].number(), 10);
  EXPECT_EQ(j["subscribers"].number(), 2);
  EXPECT_EQ(j["connections"]["connected"].number(), 12);
  EXPECT_EQ(j["connections"]["failed"].number(), 0);
  EXPECT_EQ(j["connections"]["connect_ms"]["count"].number(), 12);
  expect_ordered_percentiles(j["connections"]["connect_ms"], "connect_ms");
  EXPECT_EQ(j["subscriptions"]["granted"].number(), 2);
  EXPECT_EQ(j["published"]["sent"].number(), 2000);
  EXPECT_EQ(j["published"]["acknowledged"].number(), 2000);
  EXPECT_EQ(j["published"]["errors"].number(), 0);
  expect_ordered_percentiles(j["published"]["ack_ms"], "ack_ms");
  EXPECT_EQ(j["received"]["expected"].number(), 4000);
  EXPECT_EQ(j["received"]["count"].number(), 4000);
  EXPECT_EQ(j["received"]["missing"].number(), 0);
  EXPECT_GT(j["received"]["msgs_per_s"].number(), 0);
  EXPECT_EQ(j["latency_ms"]["count"].number(), 4000);
  expect_ordered_percentiles(j["latency_ms"], "latency_ms");
  EXPECT_EQ(j["errors"]["total"].number(), 0);
  EXPECT_FALSE(j["timeline"].array().empty());
  EXPECT_EQ(j["exit_code"].number(), 0);
  EXPECT_FALSE(r.out.find('\n') < r.out.size() - 1) << "one line of JSON:\n" << r.out;
}

// --plot against the tool's own private mosquitto: one SVG, well-formed,
// self-contained, with the percentile curve and one vertex per second of
// the timeline in each rate line.
TEST_F(Load, PlotIsWellFormedSvgWithBothCharts) {
  char dir[] = "/tmp/braid-load-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/run.svg";
  const auto r = run({tool, "bench", "pubsub", "-c", "4", "--subscribers", "1", "--count", "150",
                      "--rate", "200", "--plot", file, "--json"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = parse_json(r.out);
  EXPECT_TRUE(std::get<bool>(j["private_broker"].value));
  const auto samples = j["timeline"].array().size();
  EXPECT_GE(samples, 2u); // the origin, then each second (the last one may be shorter)
  EXPECT_EQ(j["timeline"].array()[0]["t"].number(), 0);
  std::ifstream in(file);
  std::stringstream svg;
  svg << in.rdbuf();
  std::remove(file.c_str());
  rmdir(dir);
  std::string error;
  const auto elements = parse_xml(svg.str(), error);
  ASSERT_TRUE(elements) << error << "\n" << svg.str();
  ASSERT_FALSE(elements->empty());
  EXPECT_EQ(elements->front().name, "svg");
  EXPECT_EQ(elements->front().attributes.at("xmlns"), "http://www.w3.org/2000/svg");
  std::map<std::string, std::size_t> lines;
  std::size_t labels = 0;
  for (const auto& e : *elements) {
    EXPECT_NE(e.name, "script");
    EXPECT_NE(e.name, "image");
    for (const auto& [name, value] : e.attributes) {
      EXPECT_EQ(name.find("href"), std::string::npos) << "an external resource: " << value;
      EXPECT_FALSE(name.starts_with("on")) << "a script: " << name;
    }
    if (e.name == "polyline") {
      lines[e.attributes.at("id")] = vertices(e.attributes.at("points"));
    }
    labels += e.name == "text" ? 1u : 0u;
  }
  EXPECT_EQ(lines["percentiles"], 101u) << svg.str();
  EXPECT_EQ(lines["rate-out"], samples);
  EXPECT_EQ(lines["rate-in"], samples);
  EXPECT_GT(labels, 10u);
  for (const char* label : {">50%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<", ">percentile<",
                            "latency (", "msg/s", ">seconds<", "4 publishers, 1 subscriber"}) {
    EXPECT_NE(svg.str().find(label), std::string::npos) << label;
  }
}

// Two threads share the clients; the counts add up as with one.
TEST_F(Load, TwoThreadsDeliverEveryMessage) {
  const auto r = run(at_broker({tool, "bench", "pubsub", "-c", "6", "--subscribers", "3", "-j", "2",
                                "--count", "100", "-q", "2", "--json"}));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["threads"].number(), 2);
  EXPECT_EQ(j["connections"]["connected"].number(), 9);
  EXPECT_EQ(j["received"]["expected"].number(), 1800);
  EXPECT_EQ(j["received"]["count"].number(), 1800);
  EXPECT_EQ(j["latency_ms"]["count"].number(), 1800);
  expect_ordered_percentiles(j["latency_ms"], "latency_ms");
}

// conn holds its clients for -d; pub paced by --rate sends about rate x time.
TEST_F(Load, ConnHoldsAndPubKeepsItsRate) {
  auto r = run(at_broker({tool, "bench", "conn", "-c", "50", "-R", "500", "-d", "0.5", "--json"}));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = parse_json(r.out);
  EXPECT_EQ(j["connections"]["connected"].number(), 50);
  EXPECT_EQ(j["connections"]["connect_ms"]["count"].number(), 50);
  EXPECT_GE(j["seconds"].number(), 0.5);
  EXPECT_GT(j["memory"]["kb_per_connection"].number(), 0);
  EXPECT_EQ(j["memory"]["fds_per_connection"].number(), 1); // its socket, nothing else

  r = run(at_broker({tool, "bench", "pub", "-c", "2", "--rate", "50", "-d", "1", "-q", "1", "-t",
                     "load/%c", "--json"}));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  j = parse_json(r.out);
  // Paced from each client's CONNACK to the end of -d: about 2 x 50 x 1.
  EXPECT_GE(j["published"]["acknowledged"].number(), 90);
  EXPECT_LE(j["published"]["acknowledged"].number(), 130);
  EXPECT_EQ(j["rate_per_client"].number(), 50);
}

// A subscriber in another process measures the latency of `bench pub`'s
// messages (same machine, same steady clock).
TEST_F(Load, SubMeasuresAnotherProcessesPublishers) {
  cli_process sub(at_broker({tool, "bench", "sub", "-c", "2", "-t", "cross/#", "-q", "1", "--count",
                             "100", "--json", "--no-progress"}));
  // Subscribed once its clients show in the broker's count: give it a moment.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const auto pub = run(at_broker(
      {tool, "bench", "pub", "-c", "1", "-t", "cross/%i", "--count", "100", "-q", "1", "--json"}));
  ASSERT_EQ(pub.code, 0) << pub.out << pub.err;
  ASSERT_EQ(sub.finish(std::chrono::seconds(20)), 0) << sub.out() << sub.err();
  const auto j = parse_json(sub.out());
  EXPECT_EQ(j["mode"].string(), "sub");
  EXPECT_EQ(j["received"]["count"].number(), 200);
  EXPECT_TRUE(j["received"]["expected"].is_null());
  EXPECT_EQ(j["latency_ms"]["count"].number(), 200);
  expect_ordered_percentiles(j["latency_ms"], "latency_ms");
}

// Nothing listens: every connect is refused, counted, reported; exit 1.
TEST(LoadErrors, NothingListeningExitsOneWithTheReason) {
  const auto port = std::to_string(mosquitto::free_loopback_port());
  const auto r = run({tool, "bench", "pubsub", "-c", "3", "--subscribers", "1", "-h", "127.0.0.1",
                      "-p", port, "--count", "10", "--json"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("braid bench pubsub: no client connected (connect: Connection refused)"),
            std::string::npos)
      << r.err;
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["connections"]["connected"].number(), 0);
  EXPECT_EQ(j["connections"]["failed"].number(), 4);
  EXPECT_TRUE(j["connections"]["connect_ms"].is_null());
  EXPECT_EQ(j["errors"]["reasons"]["connect: Connection refused"].number(), 4);
  EXPECT_EQ(j["exit_code"].number(), 1);

  // Without --json: the summary names the errors too.
  const auto text = run({tool, "bench", "conn", "-c", "2", "-h", "127.0.0.1", "-p", port});
  EXPECT_EQ(text.code, 1);
  EXPECT_NE(text.out.find("errors       2: connect: Connection refused (2)"), std::string::npos)
      << text.out;
}

TEST(LoadErrors, BadFlagsAreUsageErrors) {
  struct usage_case {
    args a;
    const char* says;
  };
  const usage_case cases[] = {
      {{"pub", "-s", "8"}, "-s"},
      {{"pub", "-t", "a/%x"}, "'%x' is not a code"},
      {{"pub", "-t", "a/#"}, "-t 'a/#'"},
      {{"sub", "-t", "a/#/b"}, "-t 'a/#/b'"},
      {{"pubsub", "--rate", "5", "-I", "10"}, "excludes"},
      {{"conn", "-V", "6"}, "version"},
      {{"conn", "--cafile", "/nonexistent"}, "no TLS listener"},
  };
  for (const auto& c : cases) {
    args a{tool, "bench"};
    a.insert(a.end(), c.a.begin(), c.a.end());
    const auto r = run(a);
    EXPECT_EQ(r.code, 2) << c.a[0] << " " << c.a[1] << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

} // namespace
} // namespace braid
