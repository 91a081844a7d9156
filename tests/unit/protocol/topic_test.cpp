#include <braid/protocol/topic.hpp>

#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace braid::protocol {
namespace {

using namespace std::string_literals;

// --- matching

struct match_case {
  std::string filter;
  std::string name;
  bool expected;
};

std::ostream& operator<<(std::ostream& os, const match_case& c) {
  return os << "filter \"" << c.filter << "\" name \"" << c.name << "\" -> "
            << (c.expected ? "match" : "no match");
}

const match_case match_cases[] = {
    // exact
    {"a", "a", true},
    {"a", "b", false},
    {"a", "A", false},
    {"sport/tennis", "sport/tennis", true},
    {"sport/tennis", "sport/tennis/player1", false},
    {"sport/tennis/player1", "sport/tennis", false},
    {"sport", "sport/", false},
    {"sport/", "sport", false},
    {"sport/", "sport/", true},
    {"/", "/", true},
    {"//", "//", true},
    {"/", "//", false},
    {"a/b", "ab", false},
    {"ab", "a/b", false},
    {"caf\xC3\xA9", "caf\xC3\xA9", true},
    {"caf\xC3\xA9", "cafe", false},
    // multi-level wildcard (MQTT 3.1.1 §4.7.1.2)
    {"#", "a", true},
    {"#", "a/b/c", true},
    {"#", "/", true},
    {"#", "/a", true},
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/tennis/player1/#", "sport/tennis", false},
    {"sport/#", "sport", true},
    {"sport/#", "sport/", true},
    {"sport/#", "sport/tennis", true},
    {"sport/#", "sports", false},
    {"sport/#", "sportx/tennis", false},
    {"sport/#", "other/sport", false},
    {"/#", "/", true},
    {"/#", "/a/b", true},
    {"/#", "a", false},
    // single-level wildcard (§4.7.1.3)
    {"+", "a", true},
    {"+", "a/b", false},
    {"+", "/a", false},
    {"+", "a/", false},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player2", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/tennis/+", "sport/tennis", false},
    {"sport/tennis/+", "sport/tennis/", true},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+/tennis/#", "sport/tennis", true},
    {"+/tennis/#", "sport/tennis/player1", true},
    {"+/tennis/#", "sport/golf/player1", false},
    {"sport/+/player1", "sport/tennis/player1", true},
    {"sport/+/player1", "sport//player1", true},
    {"sport/+/player1", "sport/tennis/player2", false},
    {"+/+", "a/b", true},
    {"+/+", "a/b/c", false},
    {"+/+/+", "a/b", false},
    {"+/#", "a", true},
    {"+/#", "a/b/c", true},
    {"a/+/c/#", "a/b/c", true},
    {"a/+/c/#", "a/b/d/e", false},
    // empty levels
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"/finance", "/finance", true},
    {"finance", "/finance", false},
    {"+/+", "/", true},
    {"+/+", "a/", true},
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/+/+/b", "a//b", false},
    {"a/#", "a//", true},
    // topics starting with '$' (§4.7.2)
    {"#", "$SYS/x", false},
    {"#", "$SYS", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"+", "$SYS", false},
    {"+/#", "$SYS/x", false},
    {"$SYS/#", "$SYS/x", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/#", "$SYS/broker/load/bytes", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"$SYS/+/Clients", "$SYS/monitor/Clients", true},
    {"$SYS/+", "$SYS", false},
    {"$SYS", "$SYS", true},
    {"$SYS/#", "$OTHER/x", false},
    {"#", "a/$SYS", true},
    {"a/+", "a/$SYS", true},
    {"#", "x$", true},
    // shared subscriptions match as their filter
    {"$share/g/sport/#", "sport/tennis", true},
    {"$share/g/sport/#", "sport", true},
    {"$share/g/sport/+", "sport/tennis", true},
    {"$share/g/sport/+", "news/tennis", false},
    {"$share/group1/a/b", "a/b", true},
    {"$share/group1/a/b", "$share/group1/a/b", false},
    {"$share/g/#", "anything/at/all", true},
    {"$share/g/#", "$SYS/x", false},
    {"$share/g/+", "$SYS", false},
    {"$share/g/$SYS/#", "$SYS/x", true},
    {"$share/g//a", "/a", true},
    {"$share/g/#", "g/x", true},
    {"$share/g/x", "g/x", false},
    // not a shared subscription: "$share" without a group is an ordinary filter
    {"$share", "$share", true},
    {"$sharex/#", "$sharex/a", true},
};

class TopicMatches : public ::testing::TestWithParam<match_case> {};

TEST_P(TopicMatches, Table) {
  const match_case& c = GetParam();
  EXPECT_EQ(topic_matches(c.filter, c.name), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, TopicMatches, ::testing::ValuesIn(match_cases));

TEST(TopicMatchesTable, IsLargeEnough) {
  EXPECT_GE(std::size(match_cases), 60U);
}

// Every table case whose filter and name are valid keeps its result when both are copied
// into buffers of exactly their size (no reads past the end; checked under sanitizers).
TEST(TopicMatchesMemory, ExactSizeBuffers) {
  for (const auto& c : match_cases) {
    SCOPED_TRACE(::testing::PrintToString(c));
    const auto filter = std::make_unique<char[]>(c.filter.size());
    const auto name = std::make_unique<char[]>(c.name.size());
    c.filter.copy(filter.get(), c.filter.size());
    c.name.copy(name.get(), c.name.size());
    EXPECT_EQ(topic_matches({filter.get(), c.filter.size()}, {name.get(), c.name.size()}),
              c.expected);
  }
}

// Outside the precondition the result is unspecified, but nothing may crash.
TEST(TopicMatchesMemory, InvalidInputsDoNotCrash) {
  const std::string inputs[] = {
      "",    "/",     "#",       "+",        "##",         "a#",        "#/a",
      "+a",  "a/#/b", "$share/", "$share/g", "$share//",   "$share/g/", "$",
      "\0"s, "\xFF",  "a\0/b"s,  "$share/#", "$share/+/a", "//#/+//",
  };
  for (const auto& f : inputs) {
    for (const auto& n : inputs) {
      (void)topic_matches(f, n);
    }
  }
  SUCCEED();
}

// --- validation

struct validation_case {
  std::string input;
  std::error_code expected;
};

std::ostream& operator<<(std::ostream& os, const validation_case& c) {
  return os << "\"" << c.input << "\" -> "
            << (c.expected ? c.expected.message() : std::string("ok"));
}

void expect_code(std::error_code got, std::error_code want) {
  EXPECT_EQ(got, want) << "got: " << (got ? got.message() : "ok")
                       << ", want: " << (want ? want.message() : "ok");
}

const std::error_code ok{};

const validation_case topic_name_cases[] = {
    {"a", ok},
    {"sport/tennis/player1", ok},
    {"/", ok},
    {"//", ok},
    {"/finance", ok},
    {"finance/", ok},
    {"$SYS/broker/uptime", ok},
    {"$share/g/a", ok}, // only filters are shared subscriptions
    {" ", ok},
    {"caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x98\x80", ok},
    {"\xEF\xBF\xBF", ok},
    {std::string(65535, 'a'), ok},
    {"", errc::topic_name_empty},
    {"+", errc::topic_name_wildcard},
    {"#", errc::topic_name_wildcard},
    {"sport/+", errc::topic_name_wildcard},
    {"sport/#", errc::topic_name_wildcard},
    {"sport/tennis#", errc::topic_name_wildcard},
    {"a+b", errc::topic_name_wildcard},
    {std::string(65536, 'a'), errc::string_too_long},
    {"a\0b"s, errc::utf8_contains_null},
    {"\0"s, errc::utf8_contains_null},
    {"a/\xFF", errc::invalid_utf8},
    {"\xC0\xAF", errc::invalid_utf8},
    {"\xED\xA0\x80", errc::invalid_utf8},
    {"a/\xE2\x82", errc::invalid_utf8},
    // UTF-8 is checked before wildcards
    {"+/\xFF", errc::invalid_utf8},
    {"#\0"s, errc::utf8_contains_null},
};

class ValidateTopicName : public ::testing::TestWithParam<validation_case> {};

TEST_P(ValidateTopicName, Table) {
  expect_code(validate_topic_name(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidateTopicName, ::testing::ValuesIn(topic_name_cases));

const validation_case topic_filter_cases[] = {
    {"a", ok},
    {"sport/tennis/player1", ok},
    {"#", ok},
    {"+", ok},
    {"/", ok},
    {"/#", ok},
    {"/+", ok},
    {"+/", ok},
    {"sport/#", ok},
    {"sport/tennis/#", ok},
    {"sport/+", ok},
    {"sport/+/player1", ok},
    {"+/tennis/#", ok},
    {"+/+", ok},
    {"+/+/+", ok},
    {"+//+", ok},
    {"//#", ok},
    {"$SYS/#", ok},
    {"$SYS/+/clients", ok},
    {"$share", ok},       // no '/' after it: an ordinary filter
    {"$sharex/g/a", ok},  // not the "$share/" prefix
    {"a/$share/g/a", ok}, // "$share/" only counts at the start
    {"caf\xC3\xA9/+/\xE2\x82\xAC", ok},
    {std::string(65535, '+').replace(1, 65533, std::string(65533, '/')), ok},
    {"", errc::topic_filter_empty},
    {"sport/tennis#", errc::topic_filter_invalid},
    {"sport/tennis/#/ranking", errc::topic_filter_invalid},
    {"#/", errc::topic_filter_invalid},
    {"#/a", errc::topic_filter_invalid},
    {"##", errc::topic_filter_invalid},
    {"a#", errc::topic_filter_invalid},
    {"#a", errc::topic_filter_invalid},
    {"sport+", errc::topic_filter_invalid},
    {"sport/+tennis", errc::topic_filter_invalid},
    {"sport/ten+nis", errc::topic_filter_invalid},
    {"++", errc::topic_filter_invalid},
    {"+#", errc::topic_filter_invalid},
    {"+/#/+", errc::topic_filter_invalid},
    {"a/b+", errc::topic_filter_invalid},
    {"$SYS#", errc::topic_filter_invalid},
    {std::string(65536, 'a'), errc::string_too_long},
    {"a/\0"s, errc::utf8_contains_null},
    {"a/\x80", errc::invalid_utf8},
    {"\xF4\x90\x80\x80/#", errc::invalid_utf8},
    {"a#/\xFF", errc::invalid_utf8}, // UTF-8 is checked before wildcards
    // shared subscriptions
    {"$share/g/a", ok},
    {"$share/g/#", ok},
    {"$share/g/+", ok},
    {"$share/g/sport/+/player1", ok},
    {"$share/g//", ok},
    {"$share/g//a", ok},
    {"$share/group-1.x/a", ok},
    {"$share/$SYS/#", ok},
    {"$share/g/$share/h/a", ok},
    {"$share/caf\xC3\xA9/a", ok},
    {"$share/", errc::shared_subscription_invalid},
    {"$share/g", errc::shared_subscription_invalid},
    {"$share//a", errc::shared_subscription_invalid},
    {"$share//", errc::shared_subscription_invalid},
    {"$share/g/", errc::shared_subscription_invalid},
    {"$share/+/a", errc::shared_subscription_invalid},
    {"$share/#/a", errc::shared_subscription_invalid},
    {"$share/g+/a", errc::shared_subscription_invalid},
    {"$share/g#h/a", errc::shared_subscription_invalid},
    {"$share/#", errc::shared_subscription_invalid},
    {"$share/+", errc::shared_subscription_invalid},
    {"$share/g/a#", errc::topic_filter_invalid},
    {"$share/g/#/a", errc::topic_filter_invalid},
    {"$share/g/a+", errc::topic_filter_invalid},
    {"$share/g/\xFF", errc::invalid_utf8},
    {"$share/\0/a"s, errc::utf8_contains_null},
};

class ValidateTopicFilter : public ::testing::TestWithParam<validation_case> {};

TEST_P(ValidateTopicFilter, Table) {
  expect_code(validate_topic_filter(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidateTopicFilter, ::testing::ValuesIn(topic_filter_cases));

// --- shared subscriptions

struct shared_case {
  std::string input;
  std::optional<std::pair<std::string, std::string>> expected; // group, filter
};

std::ostream& operator<<(std::ostream& os, const shared_case& c) {
  os << "\"" << c.input << "\" -> ";
  if (!c.expected) {
    return os << "nullopt";
  }
  return os << "group \"" << c.expected->first << "\" filter \"" << c.expected->second << "\"";
}

using parts = std::pair<std::string, std::string>;

const shared_case shared_cases[] = {
    {"$share/g/a", parts{"g", "a"}},
    {"$share/group1/sport/tennis/+", parts{"group1", "sport/tennis/+"}},
    {"$share/g/#", parts{"g", "#"}},
    {"$share/g//", parts{"g", "/"}},
    {"$share/g//a", parts{"g", "/a"}},
    {"$share/$SYS/#", parts{"$SYS", "#"}},
    {"$share/g/$share/h/a", parts{"g", "$share/h/a"}},
    {"$share/g/a#", parts{"g", "a#"}}, // the filter part is not validated here
    {"a", std::nullopt},
    {"", std::nullopt},
    {"$share", std::nullopt},
    {"$SHARE/g/a", std::nullopt},
    {"$sharex/g/a", std::nullopt},
    {"/$share/g/a", std::nullopt},
    {"$share/", std::nullopt},
    {"$share/g", std::nullopt},
    {"$share//a", std::nullopt},
    {"$share/g/", std::nullopt},
    {"$share/+/a", std::nullopt},
    {"$share/#/a", std::nullopt},
    {"$share/g+/a", std::nullopt},
    {"$share/g#/a", std::nullopt},
};

class ParseSharedSubscription : public ::testing::TestWithParam<shared_case> {};

TEST_P(ParseSharedSubscription, Table) {
  const shared_case& c = GetParam();
  const auto got = parse_shared_subscription(c.input);
  ASSERT_EQ(got.has_value(), c.expected.has_value());
  if (got) {
    EXPECT_EQ(got->group, c.expected->first);
    EXPECT_EQ(got->filter, c.expected->second);
    // The views point into the input.
    const std::string_view in = c.input;
    EXPECT_GE(got->group.data(), in.data());
    EXPECT_EQ(got->filter.data() + got->filter.size(), in.data() + in.size());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ParseSharedSubscription, ::testing::ValuesIn(shared_cases));

// parse_shared_subscription and validate_topic_filter agree on what a well-formed share is.
TEST(SharedSubscription, ParseAgreesWithValidate) {
  for (const auto& c : topic_filter_cases) {
    SCOPED_TRACE(::testing::PrintToString(c));
    const bool shared_prefix = c.input.starts_with("$share/");
    const bool parsed = parse_shared_subscription(c.input).has_value();
    if (!shared_prefix) {
      EXPECT_FALSE(parsed);
    } else if (c.expected == errc::shared_subscription_invalid) {
      EXPECT_FALSE(parsed);
    } else if (c.expected != errc::invalid_utf8 && c.expected != errc::utf8_contains_null) {
      EXPECT_TRUE(parsed);
    }
  }
}

// The wildcard scan of topic names works eight bytes at a time: a wildcard must
// be found at every position, before and after multibyte characters.
TEST(TopicNameWildcardScan, FindsAWildcardAtEveryPosition) {
  for (const std::string filler : {"a", "\xC3\xA9"}) {
    for (std::size_t length = 1; length <= 21; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        for (char wildcard : {'+', '#'}) {
          std::string name;
          for (std::size_t i = 0; i < length; ++i) {
            name += i == at ? std::string(1, wildcard) : filler;
          }
          SCOPED_TRACE(name);
          EXPECT_EQ(validate_topic_name(name), errc::topic_name_wildcard);
        }
      }
      std::string clean;
      for (std::size_t i = 0; i < length; ++i) {
        clean += filler;
      }
      EXPECT_FALSE(validate_topic_name(clean)) << clean;
    }
  }
}

} // namespace
} // namespace braid::protocol
