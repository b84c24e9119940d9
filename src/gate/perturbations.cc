#include "gate/perturbations.h"

#include <algorithm>
#include <array>
#include <utility>

#include "common/hash.h"
#include "common/splitmix64.h"

namespace trainops {
namespace {

// Draws by modulo, not SplitMix64::Below: the perturbation sets of released models were
// drawn this way, and a gate must regenerate exactly the same variants.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // Uniform in [0, n), n > 0 (the modulo bias is far below anything that matters here).
  size_t Below(size_t n) { return static_cast<size_t>(gen_() % n); }

 private:
  SplitMix64 gen_;
};

bool IsAsciiLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(unsigned char c) { return IsAsciiLetter(c) || IsAsciiDigit(c); }
char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

struct Span {
  size_t begin, end;
};

// Maximal runs of ASCII letters with at least 4 letters that are whole words: not glued
// to a digit or a non-ASCII byte (so "café" or "AS12ab" are left alone).
std::vector<Span> TypoWords(std::string_view text) {
  std::vector<Span> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!IsAsciiLetter(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsAsciiLetter(static_cast<unsigned char>(text[j]))) ++j;
    auto glued = [&](size_t k) {
      unsigned char c = static_cast<unsigned char>(text[k]);
      return IsAsciiDigit(c) || c >= 0x80;
    };
    bool whole = (i == 0 || !glued(i - 1)) && (j == text.size() || !glued(j));
    if (whole && j - i >= 4) words.push_back({i, j});
    i = j;
  }
  return words;
}

std::string MakeTypo(std::string_view text, const std::vector<Span>& words, Rng& rng) {
  const Span w = words[rng.Below(words.size())];
  const size_t len = w.end - w.begin;
  std::string out(text);
  switch (rng.Below(3)) {
    case 0: {  // swap two adjacent letters, not the first
      size_t p = w.begin + 1 + rng.Below(len - 2);
      std::swap(out[p], out[p + 1]);
      break;
    }
    case 1: {  // drop a letter, not the first
      size_t p = w.begin + 1 + rng.Below(len - 1);
      out.erase(p, 1);
      break;
    }
    default: {  // double a letter, not the first
      size_t p = w.begin + 1 + rng.Below(len - 1);
      out.insert(p, 1, out[p]);
      break;
    }
  }
  return out;
}

// A word starts at an ASCII letter that follows the start, white space or punctuation
// (not a letter, digit, apostrophe or non-ASCII byte: "don't" stays "Don't").
std::string TitleCase(std::string_view text) {
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(out[i]);
    if (!IsAsciiLetter(c)) continue;
    bool starts = true;
    if (i > 0) {
      unsigned char p = static_cast<unsigned char>(out[i - 1]);
      starts = !(IsAsciiAlnum(p) || p == '\'' || p >= 0x80);
    }
    out[i] = starts ? ToUpper(out[i]) : ToLower(out[i]);
  }
  return out;
}

std::vector<std::string> CaseCandidates(std::string_view text, Rng&) {
  std::string upper(text), lower(text);
  for (char& c : upper) c = ToUpper(c);
  for (char& c : lower) c = ToLower(c);
  return {upper, lower, TitleCase(text)};
}

bool IsTrailingMark(char c) { return c == '?' || c == '!' || c == '.'; }

std::vector<std::string> PunctuationCandidates(std::string_view text, Rng& rng) {
  std::vector<std::string> out;
  // Trailing ?/!/. (looking past trailing white space and closing emoji-free text only).
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\t')) --end;
  size_t marks = end;
  while (marks > 0 && IsTrailingMark(text[marks - 1])) --marks;
  static constexpr std::array<const char*, 4> kMarks = {"?", "!", ".", "!!"};
  if (marks < end) {
    // Remove the trailing marks, or replace them with another.
    if (marks > 0) out.push_back(std::string(text.substr(0, marks)) + std::string(text.substr(end)));
    std::string other = kMarks[rng.Below(kMarks.size())];
    out.push_back(std::string(text.substr(0, marks)) + other + std::string(text.substr(end)));
  } else if (end > 0) {
    out.push_back(std::string(text.substr(0, end)) + kMarks[rng.Below(3)] + std::string(text.substr(end)));
  }
  // Remove commas.
  if (text.find(',') != std::string_view::npos) {
    std::string s(text);
    s.erase(std::remove(s.begin(), s.end(), ','), s.end());
    out.push_back(s);
  }
  // Remove apostrophes (ASCII ' and the typographic U+2019, a whole 3-byte sequence).
  {
    std::string s;
    s.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\'') continue;
      if (text.compare(i, 3, "\xE2\x80\x99") == 0) {
        i += 2;
        continue;
      }
      s += text[i];
    }
    if (s.size() != text.size()) out.push_back(s);
  }
  // Add a comma after a word followed by a space (not at a word already punctuated).
  std::vector<size_t> spots;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ' ' && IsAsciiLetter(static_cast<unsigned char>(text[i - 1])) && text[i + 1] != ' ') {
      spots.push_back(i);
    }
  }
  if (!spots.empty()) {
    std::string s(text);
    s.insert(spots[rng.Below(spots.size())], 1, ',');
    out.push_back(s);
  }
  return out;
}

std::string PoliteVariant(std::string_view text, Rng& rng) {
  static constexpr std::array<const char*, 7> kPrefixes = {
      "Hi, ", "Hello there! ", "Hey, ", "Good morning, ", "Hi team, ", "please ", "Hello, "};
  static constexpr std::array<const char*, 7> kSuffixes = {
      " thanks", " Thank you so much!", " Thanks in advance.", " Cheers!", " thx",
      " Have a nice day.", " Thank you!"};
  size_t how = rng.Below(3);  // 0 prefix, 1 suffix, 2 both
  std::string out;
  if (how != 1) out += kPrefixes[rng.Below(kPrefixes.size())];
  out += text;
  if (how != 0) out += kSuffixes[rng.Below(kSuffixes.size())];
  return out;
}

std::string NumberVariant(std::string_view text, Rng& rng) {
  std::string out(text);
  size_t i = 0;
  while (i < out.size()) {
    if (!IsAsciiDigit(static_cast<unsigned char>(out[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && IsAsciiDigit(static_cast<unsigned char>(out[j]))) ++j;
    const bool nonzero_first = out[i] != '0';
    for (size_t k = i; k < j; ++k) {
      out[k] = (k == i && nonzero_first) ? static_cast<char>('1' + rng.Below(9))
                                         : static_cast<char>('0' + rng.Below(10));
    }
    i = j;
  }
  return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

struct ProductMention {
  size_t begin, end;
  size_t product;  // index into the product list
};

// Whole-word, ASCII case-insensitive mentions of listed products; longest match first,
// non-overlapping.
std::vector<ProductMention> FindProducts(std::string_view text, const std::vector<std::string>& products) {
  std::vector<size_t> order(products.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return products[a].size() > products[b].size(); });
  std::vector<ProductMention> found;
  size_t i = 0;
  while (i < text.size()) {
    bool boundary_before = i == 0 || !IsAsciiAlnum(static_cast<unsigned char>(text[i - 1]));
    bool matched = false;
    if (boundary_before) {
      for (size_t p : order) {
        const std::string& name = products[p];
        if (name.empty() || i + name.size() > text.size()) continue;
        if (!EqualsIgnoreAsciiCase(text.substr(i, name.size()), name)) continue;
        size_t end = i + name.size();
        if (end < text.size() && IsAsciiAlnum(static_cast<unsigned char>(text[end])) &&
            IsAsciiAlnum(static_cast<unsigned char>(name.back()))) {
          continue;
        }
        found.push_back({i, end, p});
        i = end;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  return found;
}

// Indices of products that are a different name from `product` (ignoring ASCII case).
std::vector<size_t> OtherProducts(size_t product, const std::vector<std::string>& products) {
  std::vector<size_t> others;
  for (size_t i = 0; i < products.size(); ++i) {
    if (!products[i].empty() && !EqualsIgnoreAsciiCase(products[i], products[product])) {
      others.push_back(i);
    }
  }
  return others;
}

std::string ProductVariant(std::string_view text, const std::vector<ProductMention>& mentions,
                           const std::vector<std::string>& products, Rng& rng) {
  // Pick one mentioned product; replace every mention of it by one other product.
  const ProductMention& pick = mentions[rng.Below(mentions.size())];
  std::vector<size_t> others = OtherProducts(pick.product, products);
  if (others.empty()) return std::string(text);
  const std::string& replacement = products[others[rng.Below(others.size())]];
  std::string out;
  size_t last = 0;
  for (const ProductMention& m : mentions) {
    if (!EqualsIgnoreAsciiCase(products[m.product], products[pick.product])) continue;
    out.append(text.substr(last, m.begin - last));
    out += replacement;
    last = m.end;
  }
  out.append(text.substr(last));
  return out;
}

bool HasDigit(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return IsAsciiDigit(static_cast<unsigned char>(c)); });
}

bool HasSwappableProduct(std::string_view text, const std::vector<std::string>& products) {
  for (const ProductMention& m : FindProducts(text, products)) {
    if (!OtherProducts(m.product, products).empty()) return true;
  }
  return false;
}

void AddDistinct(std::vector<std::string>& out, std::string variant, std::string_view original, int count) {
  if (static_cast<int>(out.size()) >= count || variant == original) return;
  if (std::find(out.begin(), out.end(), variant) != out.end()) return;
  out.push_back(std::move(variant));
}

}  // namespace

uint64_t PerturbationSeed(uint64_t seed, std::string_view case_text, PerturbationKind kind) {
  return Hash64(case_text, seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(kind) + 1);
}

bool PerturbationApplies(std::string_view text, PerturbationKind kind, const std::vector<std::string>& products) {
  switch (kind) {
    case PerturbationKind::kTypo:
      return !TypoWords(text).empty();
    case PerturbationKind::kNumber:
      return HasDigit(text);
    case PerturbationKind::kProduct:
      return HasSwappableProduct(text, products);
    case PerturbationKind::kCase: {
      Rng unused(0);
      for (const std::string& v : CaseCandidates(text, unused)) {
        if (v != text) return true;
      }
      return false;
    }
    case PerturbationKind::kPunctuation:
    case PerturbationKind::kPolite:
      return true;
  }
  return false;
}

std::vector<std::string> Perturb(std::string_view text, PerturbationKind kind, int count, uint64_t seed,
                                 const std::vector<std::string>& products) {
  std::vector<std::string> out;
  if (count <= 0) return out;
  Rng rng(seed);
  // Random generators get several tries per wanted variant; duplicates are skipped.
  const int tries = 20 * count + 20;
  switch (kind) {
    case PerturbationKind::kTypo: {
      std::vector<Span> words = TypoWords(text);
      if (words.empty()) break;
      for (int t = 0; t < tries && static_cast<int>(out.size()) < count; ++t) {
        AddDistinct(out, MakeTypo(text, words, rng), text, count);
      }
      break;
    }
    case PerturbationKind::kCase:
    case PerturbationKind::kPunctuation: {
      // A fixed set of candidates (each drawn once), taken in a seeded order.
      std::vector<std::string> candidates =
          kind == PerturbationKind::kCase ? CaseCandidates(text, rng) : PunctuationCandidates(text, rng);
      for (size_t i = candidates.size(); i > 1; --i) std::swap(candidates[i - 1], candidates[rng.Below(i)]);
      for (std::string& c : candidates) AddDistinct(out, std::move(c), text, count);
      break;
    }
    case PerturbationKind::kPolite:
      for (int t = 0; t < tries && static_cast<int>(out.size()) < count; ++t) {
        AddDistinct(out, PoliteVariant(text, rng), text, count);
      }
      break;
    case PerturbationKind::kNumber:
      if (!HasDigit(text)) break;
      for (int t = 0; t < tries && static_cast<int>(out.size()) < count; ++t) {
        AddDistinct(out, NumberVariant(text, rng), text, count);
      }
      break;
    case PerturbationKind::kProduct: {
      std::vector<ProductMention> mentions = FindProducts(text, products);
      // Only mentions that have another product to become.
      std::erase_if(mentions, [&](const ProductMention& m) { return OtherProducts(m.product, products).empty(); });
      if (mentions.empty()) break;
      std::vector<ProductMention> all = FindProducts(text, products);
      for (int t = 0; t < tries && static_cast<int>(out.size()) < count; ++t) {
        // Choose among swappable mentions, replace using every mention of that name.
        const ProductMention& pick = mentions[rng.Below(mentions.size())];
        std::vector<ProductMention> same;
        for (const ProductMention& m : all) {
          if (EqualsIgnoreAsciiCase(products[m.product], products[pick.product])) same.push_back(m);
        }
        AddDistinct(out, ProductVariant(text, same, products, rng), text, count);
      }
      break;
    }
  }
  return out;
}

}  // namespace trainops
