// Tests for NormalizeText: NFKC, case folding, white space and control characters,
// apostrophes, invalid UTF-8, and agreement of the ASCII fast path with utf8proc.
#include "text/normalize.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/features.h"
#include "common/utf8.h"

namespace trainops {
namespace {

struct NormalizeCase {
  const char* name;
  std::string input;
  std::string expected;
};

void PrintTo(const NormalizeCase& c, std::ostream* os) { *os << c.name; }

class NormalizeTableTest : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeTableTest, GivesExpectedText) {
  const NormalizeCase& c = GetParam();
  EXPECT_EQ(NormalizeText(c.input), c.expected) << c.name;
}

TEST_P(NormalizeTableTest, IsIdempotent) {
  const NormalizeCase& c = GetParam();
  EXPECT_EQ(NormalizeText(c.expected), c.expected) << c.name;
}

TEST_P(NormalizeTableTest, FastPathAgreesWithUtf8procPath) {
  const NormalizeCase& c = GetParam();
  EXPECT_EQ(text_internal::NormalizeWithoutAsciiFastPath(c.input), c.expected) << c.name;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kFffd = "\xEF\xBF\xBD";

INSTANTIATE_TEST_SUITE_P(
    Cases, NormalizeTableTest,
    ::testing::Values(
        NormalizeCase{"ascii_lowercased", "Hello World", "hello world"},
        NormalizeCase{"ascii_punctuation_kept", "Order #123: ok?!", "order #123: ok?!"},
        NormalizeCase{"ligature_fi", "\uFB01le", "file"},
        NormalizeCase{"fullwidth_latin_and_digits", "\uFF21\uFF22\uFF23\uFF11\uFF12", "abc12"},
        NormalizeCase{"sharp_s_casefolds_to_ss", "Stra\u00DFe", "strasse"},
        NormalizeCase{"capital_sharp_s", "\u1E9E", "ss"},
        NormalizeCase{"greek_sigmas_fold_together", "\u039F\u0394\u039F\u03A3 \u03C2",
                      "\u03BF\u03B4\u03BF\u03C3 \u03C3"},
        NormalizeCase{"cyrillic_lowercased", "\u041F\u0420\u0418\u0412\u0415\u0422",
                      "\u043F\u0440\u0438\u0432\u0435\u0442"},
        NormalizeCase{"decomposed_accent_composes", "Cafe\u0301", "caf\u00E9"},
        NormalizeCase{"ascii_base_composes_with_mark", "a =\u0338 b", "a \u2260 b"},
        NormalizeCase{"uppercase_with_mark", "E\u0301T\u00C9", "\u00E9t\u00E9"},
        NormalizeCase{"superscript_two", "m\u00B2", "m2"},
        NormalizeCase{"ellipsis", "wait\u2026", "wait..."},
        NormalizeCase{"circled_digit", "\u2460", "1"},
        NormalizeCase{"roman_numeral", "\u216B", "xii"},
        NormalizeCase{"arabic_ligature_lam_alef", "\uFEFB", "\u0644\u0627"},
        NormalizeCase{"arabic_unchanged", "\u0645\u0631\u062D\u0628\u0627",
                      "\u0645\u0631\u062D\u0628\u0627"},
        NormalizeCase{"hangul_jamo_compose", "\u1100\u1161", "\uAC00"},
        NormalizeCase{"halfwidth_katakana_voiced", "\uFF76\uFF9E", "\u30AC"},
        NormalizeCase{"turkish_dotted_capital_i", "\u0130", "i\u0307"},
        NormalizeCase{"no_break_space", "a\u00A0b", "a b"},
        NormalizeCase{"ideographic_space", "a\u3000b", "a b"},
        NormalizeCase{"zero_width_space_separates", "a\u200Bb", "a b"},
        NormalizeCase{"line_separator", "a\u2028b", "a b"},
        NormalizeCase{"next_line", "a\u0085b", "a b"},
        NormalizeCase{"whitespace_collapsed_and_trimmed", "  a\t\tb\r\nc \v\f ", "a b c"},
        NormalizeCase{"information_separator_is_space",
                      "a\x1F"
                      "b",
                      "a b"},
        NormalizeCase{"soft_hyphen_removed", "co\u00ADoperate", "cooperate"},
        NormalizeCase{"bom_removed", "\uFEFFhello", "hello"},
        NormalizeCase{"bidi_marks_removed", "\u200Ehello\u200F", "hello"},
        NormalizeCase{"word_joiner_removed", "a\u2060b", "ab"},
        NormalizeCase{"ascii_controls_dropped",
                      "a\x01"
                      "b\x7F"
                      "c\x1B",
                      "abc"},
        NormalizeCase{"nul_dropped", std::string("a\0b", 3), "ab"},
        NormalizeCase{"c1_control_dropped", "a\u0080b", "ab"},
        NormalizeCase{"dropped_control_keeps_composition", "e\u200E\u0301", "\u00E9"},
        NormalizeCase{"curly_apostrophe", "Don\u2019t", "don't"},
        NormalizeCase{"left_single_quote", "\u2018quoted\u2019", "'quoted'"},
        NormalizeCase{"modifier_letter_apostrophe", "don\u02BCt", "don't"},
        NormalizeCase{"fullwidth_apostrophe", "don\uFF07t", "don't"},
        NormalizeCase{"emoji_zwj_family_kept", "\U0001F468\u200D\U0001F469\u200D\U0001F467",
                      "\U0001F468\u200D\U0001F469\u200D\U0001F467"},
        NormalizeCase{"skin_tone_kept", "\U0001F44D\U0001F3FD", "\U0001F44D\U0001F3FD"},
        NormalizeCase{"variation_selector_kept", "\u2764\uFE0F", "\u2764\uFE0F"},
        NormalizeCase{"flag_tags_kept",
                      "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
                      "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"},
        NormalizeCase{"cjk_unchanged", "\u6211\u60F3\u9000\u8D27", "\u6211\u60F3\u9000\u8D27"},
        NormalizeCase{"thai_sara_am_decomposes", "\u0E17\u0E33", "\u0E17\u0E4D\u0E32"},
        NormalizeCase{"empty", "", ""},
        NormalizeCase{"whitespace_only", " \t\r\n \u3000\u00A0 ", ""},
        NormalizeCase{"controls_only", "\x01\x02\u200E", ""},
        // Invalid UTF-8: each maximal ill-formed subsequence becomes one U+FFFD.
        NormalizeCase{"invalid_lone_ff", Bytes({0xFF}), kFffd},
        NormalizeCase{"invalid_then_ascii_lowercased", Bytes({0xFF, 'A', 'B'}), kFffd + "ab"},
        NormalizeCase{"invalid_truncated_two_byte_at_end", Bytes({'a', 0xC3}), "a" + kFffd},
        NormalizeCase{"invalid_truncated_three_byte_is_one_fffd", Bytes({0xE2, 0x82, 'x'}),
                      kFffd + "x"},
        NormalizeCase{"invalid_truncated_emoji", Bytes({0xF0, 0x9F, 0x98, 'o', 'k'}), kFffd + "ok"},
        NormalizeCase{"invalid_overlong_slash", Bytes({0xC0, 0xAF}), kFffd + kFffd},
        NormalizeCase{"invalid_surrogate", Bytes({0xED, 0xA0, 0x80}), kFffd + kFffd + kFffd},
        NormalizeCase{"invalid_above_max", Bytes({0xF4, 0x90, 0x80, 0x80}),
                      kFffd + kFffd + kFffd + kFffd},
        NormalizeCase{"invalid_latin1_e_acute", Bytes({'C', 'a', 'f', 0xE9}), "caf" + kFffd},
        NormalizeCase{"invalid_between_valid", "\u00C9" + Bytes({0x80}) + "\u00C9",
                      "\u00E9" + kFffd + "\u00E9"}),
    [](const ::testing::TestParamInfo<NormalizeCase>& info) { return info.param.name; });

bool IsValidUtf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    const auto c = utf8::DecodeUtf8(s, pos);
    if (!c.valid) return false;
    pos += c.bytes;
  }
  return true;
}

TEST(NormalizeTextTest, RandomBytesNeverThrowAndGiveValidUtf8) {
  std::mt19937 rng(20240611);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string input(rng() % 40, '\0');
    for (char& ch : input) ch = static_cast<char>(rng() & 0xFF);
    std::string out;
    ASSERT_NO_THROW(out = NormalizeText(input)) << ::testing::PrintToString(input);
    EXPECT_TRUE(IsValidUtf8(out)) << ::testing::PrintToString(input);
    EXPECT_EQ(text_internal::NormalizeWithoutAsciiFastPath(input), out)
        << ::testing::PrintToString(input);
  }
}

TEST(NormalizeTextTest, EveryAsciiCharacterAgreesWithUtf8proc) {
  for (int c = 0; c < 128; ++c) {
    const std::string input = std::string("x") + static_cast<char>(c) + "Y";
    EXPECT_EQ(NormalizeText(input), text_internal::NormalizeWithoutAsciiFastPath(input))
        << "byte " << c;
  }
}

// The fast path splits text into ASCII runs and utf8proc segments; mixing pieces at
// random checks that the boundaries never change the result (e.g. "e" + combining mark).
TEST(NormalizeTextTest, MixedAsciiAndNonAsciiAgreeWithUtf8procOnly) {
  const std::vector<std::string> pieces = {
      "a",      "E",      " ",      "\t",     "'",      "=",          "\u0301", "\u0338", "\u00E9",
      "\u2019", "\u00A0", "\u200E", "\uFB01", "\u00DF", "\U0001F44D", "\u200D", "\uFE0F", "\u6211",
      "\uFF21", "\x01",   "\xFF",   "\xC3",   "\u0645", "\u3000",     "\u0E33", "\uFF9E", "\u1161"};
  std::mt19937 rng(7);
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string input;
    const int count = static_cast<int>(rng() % 12);
    for (int k = 0; k < count; ++k) input += pieces[rng() % pieces.size()];
    EXPECT_EQ(NormalizeText(input), text_internal::NormalizeWithoutAsciiFastPath(input))
        << ::testing::PrintToString(input);
  }
}

TEST(NormalizeTextTest, LongInputGrowsBeyondInitialBuffer) {
  // U+FDFA expands to 18 code points under NFKC, beyond the buffer sized from the input.
  std::string input;
  for (int k = 0; k < 50; ++k) input += "\uFDFA";
  const std::string out = NormalizeText(input);
  EXPECT_GT(out.size(), input.size());
  EXPECT_EQ(out, NormalizeText(out));
}

}  // namespace
}  // namespace trainops
