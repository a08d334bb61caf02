#include "control/console/grammar.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace sluice::console {
namespace {

std::optional<Arguments> match(std::string_view form, std::string_view line) {
  const Words words = split_words(line);
  return match_form(form, words);
}

TEST(Grammar, SplitsOnSpacesAndTabs) {
  EXPECT_EQ(split_words(" show\t stats  json "), (Words{"show", "stats", "json"}));
  EXPECT_TRUE(split_words(" \t ").empty());
}

TEST(Grammar, LiteralsAndChoicesTakeOnlyTheirWords) {
  EXPECT_TRUE(match("", ""));
  EXPECT_FALSE(match("", "extra"));
  EXPECT_TRUE(match("weight", "weight"));
  EXPECT_FALSE(match("weight", "weigh"));
  const auto arguments = match("enable|disable", "disable");
  ASSERT_TRUE(arguments);
  EXPECT_EQ(arguments->get("enable|disable"), "disable");
  EXPECT_FALSE(match("enable|disable", "able"));
  EXPECT_FALSE(match("enable|disable", "enable|disable"));
}

TEST(Grammar, PlaceholdersTakeAnyOneWord) {
  const auto arguments = match("enable|disable SERVICE ADDR:PORT", "enable web 10.0.0.1:80");
  ASSERT_TRUE(arguments);
  EXPECT_EQ(arguments->get("SERVICE"), "web");
  EXPECT_EQ(arguments->get("ADDR:PORT"), "10.0.0.1:80");
  EXPECT_FALSE(arguments->has("N"));
  EXPECT_FALSE(match("enable|disable SERVICE ADDR:PORT", "enable web"));
  EXPECT_FALSE(match("enable|disable SERVICE ADDR:PORT", "enable web 10.0.0.1:80 more"));
  // A required placeholder takes a keyword of its form too: a service may be named "enable".
  EXPECT_EQ(match("enable|disable SERVICE ADDR:PORT", "enable enable a:1")->get("SERVICE"),
            "enable");
}

TEST(Grammar, OptionalGroupsAreAllOrNothing) {
  constexpr std::string_view kForm = "[SERVICE] [limit N] [json]";
  EXPECT_TRUE(match(kForm, ""));
  const auto all = match(kForm, "web limit 5 json");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->get("SERVICE"), "web");
  EXPECT_EQ(all->get("N"), "5");
  EXPECT_TRUE(all->has("json"));
  const auto limit_only = match(kForm, "limit 7");
  ASSERT_TRUE(limit_only);
  EXPECT_FALSE(limit_only->has("SERVICE"));
  EXPECT_EQ(limit_only->get("N"), "7");
  EXPECT_FALSE(limit_only->has("json"));
  EXPECT_FALSE(match(kForm, "web limit"));       // `limit` without its N
  EXPECT_FALSE(match(kForm, "web extra words"));
  EXPECT_FALSE(match(kForm, "json web"));        // in the form's order only
}

TEST(Grammar, AnOptionalPlaceholderLeavesTheFormsKeywordsAlone) {
  constexpr std::string_view kForm = "[SERVICE] [limit N] [json]";
  const auto json = match(kForm, "json");
  ASSERT_TRUE(json);
  EXPECT_FALSE(json->has("SERVICE"));
  EXPECT_TRUE(json->has("json"));
  EXPECT_FALSE(match(kForm, "limit"));  // not a service named "limit"
  EXPECT_FALSE(match(kForm, "limit json"));
  // A word that is no keyword of this form is a service, even one another form knows.
  EXPECT_EQ(match("[SERVICE] [json]", "limit")->get("SERVICE"), "limit");
}

TEST(Grammar, ARestPlaceholderTakesEveryRemainingWord) {
  const Words words = split_words("help show   stats");
  const auto arguments = match_form("[COMMAND...]", std::span(words).subspan(1));
  ASSERT_TRUE(arguments);
  EXPECT_EQ(arguments->get("COMMAND"), "show   stats");
  const auto none = match("[COMMAND...]", "");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has("COMMAND"));
}

TEST(Grammar, FailedAlternativesLeaveNoBindings) {
  // "limit" is tried as the group's literal; the group fails for want of N and is dropped.
  const auto arguments = match("[limit N] [SERVICE...]", "limit");
  ASSERT_TRUE(arguments);
  EXPECT_FALSE(arguments->has("limit"));
  EXPECT_FALSE(arguments->has("N"));
  EXPECT_EQ(arguments->get("SERVICE"), "limit");
}

TEST(Grammar, ParsesDecimalNumbersUpToAMaximum) {
  EXPECT_EQ(parse_unsigned("0", 10), 0U);
  EXPECT_EQ(parse_unsigned("1000", 1000), 1000U);
  EXPECT_FALSE(parse_unsigned("1001", 1000));
  EXPECT_FALSE(parse_unsigned("-1", 1000));
  EXPECT_FALSE(parse_unsigned("1x", 1000));
  EXPECT_FALSE(parse_unsigned("", 1000));
  EXPECT_FALSE(parse_unsigned("99999999999999999999999", UINT64_MAX));
}

}  // namespace
}  // namespace sluice::console
