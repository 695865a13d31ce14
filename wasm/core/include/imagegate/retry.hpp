#pragma once
// Whether and when to retry a failed request (API.md §7.3, after openai-node): connection errors and
// timeouts, 408, 409, 429 and >= 500 are retried; `x-should-retry` overrides; `retry-after-ms` then
// `retry-after` (seconds or an HTTP-date) are honoured when 0..60 s; otherwise 0.5 s * 2^k, capped at 8 s,
// minus up to 25 % jitter.
#include <string_view>

namespace imagegate {

struct RetryInput {
  int status = 0;                    // HTTP status; 0 for a connection error or a timeout
  std::string_view should_retry;     // value of x-should-retry ("" when absent)
  std::string_view retry_after_ms;   // value of retry-after-ms
  std::string_view retry_after;      // value of retry-after
  int retries_done = 0;              // retries already made for this request
  int max_retries = 2;
  double now_ms = 0;                 // wall clock (ms since the Unix epoch), for HTTP-date values
  double jitter = 0;                 // uniform random in [0, 1)
};

struct RetryDecision {
  bool retry = false;
  double delay_ms = 0;
};

RetryDecision decide_retry(const RetryInput& in);

// The delay the server asked for, as decide_retry reads it: `retry-after-ms` if it is a number, else `retry-after`
// as seconds or an IMF-fixdate (minus now_ms; negative for a date in the past). False when neither is usable.
// Not capped: decide_retry honours it only within 0..60 s; APIError.retryAfterMs reports it as sent.
bool server_retry_delay(std::string_view retry_after_ms, std::string_view retry_after, double now_ms, double& ms_out);

// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into ms since the epoch; false if malformed.
bool parse_http_date(std::string_view s, double& ms_out);

}  // namespace imagegate
