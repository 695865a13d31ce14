#include "imagegate/retry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace imagegate {

namespace {

bool parse_number(std::string_view s, double& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.size() > 32) return false;
  const std::string tmp(s);
  char* end = nullptr;
  out = std::strtod(tmp.c_str(), &end);
  return end == tmp.c_str() + tmp.size() && std::isfinite(out);
}

bool parse_digits(std::string_view s, int& out) {
  if (s.empty()) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

bool retryable_status(int status) {
  return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500;
}

}  // namespace

bool parse_http_date(std::string_view s, double& ms_out) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": exactly 29 characters.
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s.substr(25) != " GMT")
    return false;
  int day, year, hh, mm, ss;
  if (!parse_digits(s.substr(5, 2), day) || !parse_digits(s.substr(12, 4), year) || !parse_digits(s.substr(17, 2), hh) ||
      !parse_digits(s.substr(20, 2), mm) || !parse_digits(s.substr(23, 2), ss))
    return false;
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) month = i + 1;
  if (!month || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return false;
  const double days = static_cast<double>(days_from_civil(year, month, static_cast<unsigned>(day)));
  ms_out = ((days * 24 + hh) * 60 + mm) * 60000.0 + ss * 1000.0;
  return true;
}

bool server_retry_delay(std::string_view retry_after_ms, std::string_view retry_after, double now_ms, double& ms_out) {
  double v;
  if (parse_number(retry_after_ms, v)) ms_out = v;
  else if (parse_number(retry_after, v)) ms_out = v * 1000;
  else if (parse_http_date(retry_after, v)) ms_out = v - now_ms;
  else return false;
  return true;
}

RetryDecision decide_retry(const RetryInput& in) {
  RetryDecision d;
  if (in.retries_done >= in.max_retries) return d;
  if (in.should_retry == "false") return d;
  if (in.should_retry != "true" && !retryable_status(in.status)) return d;
  d.retry = true;

  double ms;
  if (server_retry_delay(in.retry_after_ms, in.retry_after, in.now_ms, ms) && ms >= 0 && ms <= 60000) {
    d.delay_ms = ms;
    return d;
  }
  const double base = std::min(500.0 * std::pow(2.0, in.retries_done), 8000.0);
  d.delay_ms = base * (1.0 - 0.25 * std::clamp(in.jitter, 0.0, 1.0));
  return d;
}

}  // namespace imagegate
