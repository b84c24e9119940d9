#include "check/timestamp.h"

namespace trainops {
namespace {

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool LeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

class Cursor {
 public:
  explicit Cursor(std::string_view t) : t_(t) {}
  bool Digits(size_t n, int& out) {
    if (pos_ + n > t_.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = t_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    out = v;
    return true;
  }
  bool Eat(char c) {
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char Peek() const { return pos_ < t_.size() ? t_[pos_] : '\0'; }
  bool Done() const { return pos_ == t_.size(); }
  void Skip() { ++pos_; }

 private:
  std::string_view t_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  Cursor c(text);
  int year, month, day;
  if (!c.Digits(4, year) || !c.Eat('-') || !c.Digits(2, month) || !c.Eat('-') || !c.Digits(2, day)) {
    return std::nullopt;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > kDays[month - 1] + (month == 2 && LeapYear(year))) return std::nullopt;
  int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  if (c.Done()) return seconds;
  if (!c.Eat('T') && !c.Eat('t') && !c.Eat(' ')) return std::nullopt;
  int hour, minute, second = 0;
  if (!c.Digits(2, hour) || !c.Eat(':') || !c.Digits(2, minute)) return std::nullopt;
  if (c.Eat(':')) {
    if (!c.Digits(2, second)) return std::nullopt;
    if (c.Eat('.') || c.Eat(',')) {
      int digit;
      bool any = false;
      while (c.Digits(1, digit)) any = true;
      if (!any) return std::nullopt;
    }
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  seconds += hour * 3600 + minute * 60 + second;
  if (c.Done() || c.Eat('Z') || c.Eat('z')) return c.Done() ? std::optional<int64_t>(seconds) : std::nullopt;
  const char sign = c.Peek();
  if (sign != '+' && sign != '-') return std::nullopt;
  c.Skip();
  int off_h, off_m = 0;
  if (!c.Digits(2, off_h)) return std::nullopt;
  if (c.Eat(':')) {
    if (!c.Digits(2, off_m)) return std::nullopt;
  } else if (!c.Done() && !c.Digits(2, off_m)) {
    return std::nullopt;
  }
  if (!c.Done() || off_h > 14 || off_m > 59) return std::nullopt;
  const int64_t offset = off_h * 3600 + off_m * 60;
  return sign == '+' ? seconds - offset : seconds + offset;
}

}  // namespace trainops
