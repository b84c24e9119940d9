// Tests for Tokenize (after NormalizeText, as the feature extractor uses it): words,
// apostrophes, digits, punctuation, emoji sequences and scripts with and without spaces.
#include "text/tokenize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/char_class.h"
#include "text/features.h"
#include "common/utf8.h"

namespace trainops {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct TokenizeCase {
  const char* name;
  std::string raw;  // normalized before tokenizing
  std::vector<std::string> expected;
};

void PrintTo(const TokenizeCase& c, std::ostream* os) { *os << c.name; }

class TokenizeTableTest : public ::testing::TestWithParam<TokenizeCase> {};

TEST_P(TokenizeTableTest, GivesExpectedTokens) {
  const TokenizeCase& c = GetParam();
  EXPECT_EQ(Tokenize(NormalizeText(c.raw)), c.expected) << c.name;
}

const std::string kFamily = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466";
const std::string kThumbsUpMedium = "\U0001F44D\U0001F3FD";
const std::string kWomanTechnologist = "\U0001F469\U0001F3FD\u200D\U0001F4BB";
const std::string kEnglandFlag =
    "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F";

INSTANTIATE_TEST_SUITE_P(
    Cases, TokenizeTableTest,
    ::testing::Values(
        // Words and punctuation.
        TokenizeCase{"simple_words", "Hello  World", {"hello", "world"}},
        TokenizeCase{
            "punctuation_each_own_token", "Where is it?!", {"where", "is", "it", "?", "!"}},
        TokenizeCase{"ellipsis_three_dots", "wait...", {"wait", ".", ".", "."}},
        TokenizeCase{"hyphen_splits", "t-shirt", {"t", "-", "shirt"}},
        TokenizeCase{"email_like", "e-mail@x.com", {"e", "-", "mail", "@", "x", ".", "com"}},
        TokenizeCase{"underscore_splits", "order_id", {"order", "_", "id"}},
        TokenizeCase{"symbols",
                     "50% (approx) $5 & more",
                     {"50", "%", "(", "approx", ")", "$", "5", "&", "more"}},
        TokenizeCase{"sentence_end_dot", "end.Next", {"end", ".", "next"}},
        // Apostrophes.
        TokenizeCase{"dont", "don't", {"don't"}},
        TokenizeCase{"possessive", "the customer's order", {"the", "customer's", "order"}},
        TokenizeCase{"curly_apostrophe_normalized", "Don\u2019t", {"don't"}},
        TokenizeCase{"quoted_word", "'quoted'", {"'", "quoted", "'"}},
        TokenizeCase{"curly_quotes", "\u2018quoted\u2019", {"'", "quoted", "'"}},
        TokenizeCase{"plural_possessive", "customers' orders", {"customers", "'", "orders"}},
        TokenizeCase{"leading_apostrophe", "'90s", {"'", "90s"}},
        TokenizeCase{"several_apostrophes", "rock'n'roll o'neil", {"rock'n'roll", "o'neil"}},
        TokenizeCase{"double_apostrophe_splits", "it''s", {"it", "'", "'", "s"}},
        TokenizeCase{"apostrophe_before_space", "dogs' toys", {"dogs", "'", "toys"}},
        // Digits.
        TokenizeCase{"decimal", "3.5", {"3.5"}}, TokenizeCase{"thousands", "1,000", {"1,000"}},
        TokenizeCase{"currency_amount", "$1,000.50", {"$", "1,000.50"}},
        TokenizeCase{"number_with_unit", "10.5cm", {"10.5cm"}},
        TokenizeCase{"letters_and_digits", "size10 v2.0", {"size10", "v2.0"}},
        TokenizeCase{"version_like", "1.2.3", {"1.2.3"}},
        TokenizeCase{"trailing_dot_after_number", "size 10.", {"size", "10", "."}},
        TokenizeCase{"trailing_comma_after_number", "10, 11", {"10", ",", "11"}},
        TokenizeCase{"comma_between_letters", "a,b", {"a", ",", "b"}},
        TokenizeCase{"order_number", "#12345", {"#", "12345"}},
        TokenizeCase{"fullwidth_digits", "\uFF11\uFF10.\uFF15", {"10.5"}},
        TokenizeCase{"arabic_indic_digits_decimal", "\u0663.\u0665", {"\u0663.\u0665"}},
        // Emoji.
        TokenizeCase{"emoji_after_word", "great \U0001F44D", {"great", "\U0001F44D"}},
        TokenizeCase{
            "emoji_between_words_no_space", "ok\U0001F44Cthanks", {"ok", "\U0001F44C", "thanks"}},
        TokenizeCase{"repeated_emoji_split", "\U0001F600\U0001F600", {"\U0001F600", "\U0001F600"}},
        TokenizeCase{"skin_tone_attached", kThumbsUpMedium, {kThumbsUpMedium}},
        TokenizeCase{"zwj_family_one_token", kFamily + "!", {kFamily, "!"}},
        TokenizeCase{"zwj_profession_with_skin_tone", kWomanTechnologist, {kWomanTechnologist}},
        TokenizeCase{"variation_selector_attached",
                     "\u2764\uFE0F\u2764\uFE0F",
                     {"\u2764\uFE0F", "\u2764\uFE0F"}},
        TokenizeCase{"flags_pair_up",
                     "\U0001F1FA\U0001F1F8\U0001F1EB\U0001F1F7",
                     {"\U0001F1FA\U0001F1F8", "\U0001F1EB\U0001F1F7"}},
        TokenizeCase{"odd_regional_indicator_alone",
                     "\U0001F1FA\U0001F1F8\U0001F1EB",
                     {"\U0001F1FA\U0001F1F8", "\U0001F1EB"}},
        TokenizeCase{"subdivision_flag_tags", kEnglandFlag, {kEnglandFlag}},
        TokenizeCase{"keycap_hash", "#\uFE0F\u20E3", {"#\uFE0F\u20E3"}},
        TokenizeCase{"keycap_digit", "1\uFE0F\u20E3", {"1\uFE0F\u20E3"}},
        TokenizeCase{"lone_skin_tone", "\U0001F3FD", {"\U0001F3FD"}},
        TokenizeCase{"lone_zwj_dropped", "a \u200D b", {"a", "b"}},
        TokenizeCase{"trailing_zwj_attached", "\U0001F44D\u200Dx", {"\U0001F44D\u200D", "x"}},
        TokenizeCase{"other_symbols", "\u00A9 \u2605 \u00B0", {"\u00A9", "\u2605", "\u00B0"}},
        TokenizeCase{"replacement_char_symbol",
                     "a\xFF"
                     "b",
                     {"a", "\uFFFD", "b"}},
        // Scripts without spaces: one token per character.
        TokenizeCase{
            "chinese", "\u6211\u60F3\u9000\u8D27", {"\u6211", "\u60F3", "\u9000", "\u8D27"}},
        TokenizeCase{"latin_then_han", "iPhone\u624B\u673A", {"iphone", "\u624B", "\u673A"}},
        TokenizeCase{
            "han_digits_han", "\u6CE8\u6587123\u756A", {"\u6CE8", "\u6587", "123", "\u756A"}},
        TokenizeCase{"cjk_punctuation", "\u597D\u3002", {"\u597D", "\u3002"}},
        TokenizeCase{"katakana", "\u30B5\u30A4\u30BA", {"\u30B5", "\u30A4", "\u30BA"}},
        TokenizeCase{"halfwidth_kana_voiced_mark_composed", "\uFF76\uFF9E", {"\u30AC"}},
        TokenizeCase{"thai_marks_stay_with_base",
                     "\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35",
                     {"\u0E2A", "\u0E27\u0E31", "\u0E2A", "\u0E14\u0E35"}},
        TokenizeCase{"thai_sara_am_nfkc", "\u0E17\u0E33", {"\u0E17\u0E4D", "\u0E32"}},
        TokenizeCase{"khmer", "\u1780\u17B6", {"\u1780\u17B6"}},
        // Scripts with spaces: normal words, marks attached.
        TokenizeCase{"arabic_question",
                     "\u0623\u064A\u0646 \u0637\u0644\u0628\u064A\u061F",
                     {"\u0623\u064A\u0646", "\u0637\u0644\u0628\u064A", "\u061F"}},
        TokenizeCase{"arabic_harakat_attached",
                     "\u0645\u064E\u0631\u0652\u062D\u064E\u0628\u064B\u0627",
                     {"\u0645\u064E\u0631\u0652\u062D\u064E\u0628\u064B\u0627"}},
        TokenizeCase{"hebrew_gershayim_inside",
                     "\u05E9\u05DC\u05D5\u05DD \u05E6\u05D4\u05F4\u05DC",
                     {"\u05E9\u05DC\u05D5\u05DD", "\u05E6\u05D4\u05F4\u05DC"}},
        TokenizeCase{"cyrillic",
                     "\u0413\u0434\u0435 \u0437\u0430\u043A\u0430\u0437?",
                     {"\u0433\u0434\u0435", "\u0437\u0430\u043A\u0430\u0437", "?"}},
        TokenizeCase{"greek_question_mark_is_semicolon",
                     "\u03A0\u03BF\u03CD\u037E",
                     {"\u03C0\u03BF\u03CD", ";"}},
        TokenizeCase{
            "devanagari_virama_and_vowel_signs",
            "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E",
            {"\u0928\u092E\u0938\u094D\u0924\u0947", "\u0926\u0941\u0928\u093F\u092F\u093E"}},
        TokenizeCase{"korean_words", "\uC8FC\uBB38 \uCDE8\uC18C", {"\uC8FC\uBB38", "\uCDE8\uC18C"}},
        TokenizeCase{"mixed_scripts_and_emoji",
                     "My order \u6CE8\u6587 \u0437\u0430\u043A\u0430\u0437 didn\u2019t arrive "
                     "\U0001F622!!",
                     {"my", "order", "\u6CE8", "\u6587", "\u0437\u0430\u043A\u0430\u0437", "didn't",
                      "arrive", "\U0001F622", "!", "!"}},
        // Degenerate input.
        TokenizeCase{"empty", "", {}}, TokenizeCase{"spaces_only", " \t\n ", {}},
        TokenizeCase{"punctuation_only", "?!", {"?", "!"}}),
    [](const ::testing::TestParamInfo<TokenizeCase>& info) { return info.param.name; });

TEST(TokenizeTest, WorksOnUnnormalizedText) {
  // Callers should normalize first, but raw text must still tokenize without surprises.
  EXPECT_THAT(Tokenize("Don\u2019t\tSTOP\u00A0now"), ElementsAre("Don\u2019t", "STOP", "now"));
  // Tokens are views into the input, so an invisible character cannot be cut out of a
  // word: un-normalized, a soft hyphen splits it (NormalizeText removes it instead).
  EXPECT_THAT(Tokenize("a\u00ADb"), ElementsAre("a", "b"));
  EXPECT_THAT(Tokenize(NormalizeText("a\u00ADb")), ElementsAre("ab"));
}

TEST(TokenizeTest, InvalidBytesAreSkippedNotSplit) {
  EXPECT_THAT(Tokenize("ab\xFF"
                       "cd"),
              ElementsAre("ab", "cd"));
  EXPECT_THAT(Tokenize("\xE2\x82"), IsEmpty());
}

TEST(TokenizeTest, StrayCombiningMarkStartsAWord) {
  EXPECT_THAT(Tokenize("\u0301a b"), ElementsAre("\u0301a", "b"));
  EXPECT_THAT(Tokenize("\uFE0F ok"), ElementsAre("ok"));
}

TEST(TokenizeTest, KindsDecideWhichTokensGetCharNgrams) {
  std::vector<text_internal::Token> tokens;
  text_internal::TokenizeInto(NormalizeText("Hi! \U0001F44D \u6211 3.5"), tokens);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].kind, text_internal::TokenKind::kWord);
  EXPECT_EQ(tokens[1].kind, text_internal::TokenKind::kSymbol);
  EXPECT_EQ(tokens[2].kind, text_internal::TokenKind::kEmoji);
  EXPECT_EQ(tokens[3].kind, text_internal::TokenKind::kChar);
  EXPECT_EQ(tokens[4].kind, text_internal::TokenKind::kWord);
}

// Tokens are the normalized text minus its spaces, in order: nothing is lost, reordered
// or cut inside a code point, and no token starts with a combining mark or other
// extender unless nothing but a space precedes it, whatever the input. (Lone ZWJ and
// variation selectors are left out of the alphabet: after a space they are dropped.)
TEST(TokenizeTest, TokensConcatenateToTextWithoutSpacesAndKeepGraphemes) {
  const std::vector<std::string> pieces = {
      "a",      "Z",      "7",          " ",          "'",          ".",      ",",
      "-",      "\u0301", "\u00E9",     "\u2019",     "\u6211",     "\u0E31", "\u0E2A",
      "\u0645", "\u064E", "\U0001F44D", "\U0001F3FD", "\U0001F1FA", "\u05F4", "\xFF",
      "\u3002", "\u20E3", "\u0E33",     "\u093F"};
  std::mt19937 rng(99);
  std::vector<text_internal::Token> tokens;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string raw;
    const int count = static_cast<int>(rng() % 14);
    for (int k = 0; k < count; ++k) raw += pieces[rng() % pieces.size()];
    const std::string normalized = NormalizeText(raw);
    text_internal::TokenizeInto(normalized, tokens);
    std::string joined;
    for (const text_internal::Token& token : tokens) {
      ASSERT_FALSE(token.text.empty()) << ::testing::PrintToString(raw);
      joined += token.text;
      const size_t offset = static_cast<size_t>(token.text.data() - normalized.data());
      const bool after_space = offset == 0 || normalized[offset - 1] == ' ';
      const auto first = utf8::DecodeUtf8(token.text, 0);
      if (text_internal::ClassifyCodePoint(first.cp) == text_internal::CharClass::kExtend) {
        EXPECT_TRUE(after_space) << "token split from its base in "
                                 << ::testing::PrintToString(raw);
      }
    }
    std::string without_spaces;
    for (char ch : normalized) {
      if (ch != ' ') without_spaces.push_back(ch);
    }
    EXPECT_EQ(joined, without_spaces) << ::testing::PrintToString(raw);
  }
}

}  // namespace
}  // namespace trainops
