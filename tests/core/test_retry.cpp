#include <catch2/catch.hpp>

#include "imagegate/retry.hpp"

using namespace imagegate;

static RetryDecision decide(int status, int done = 0, std::string_view should = "", std::string_view ms = "",
                            std::string_view after = "", double jitter = 0, double now = 0) {
  RetryInput in;
  in.status = status;
  in.retries_done = done;
  in.should_retry = should;
  in.retry_after_ms = ms;
  in.retry_after = after;
  in.jitter = jitter;
  in.now_ms = now;
  return decide_retry(in);
}

TEST_CASE("retryable statuses and connection errors are retried, others are not", "[retry]") {
  for (int s : {0, 408, 409, 429, 500, 502, 503, 504, 599}) CHECK(decide(s).retry);
  for (int s : {200, 400, 401, 403, 404, 422, 424}) CHECK_FALSE(decide(s).retry);
}

TEST_CASE("max_retries bounds the attempts", "[retry]") {
  CHECK(decide(500, 0).retry);
  CHECK(decide(500, 1).retry);
  CHECK_FALSE(decide(500, 2).retry);
  RetryInput in;
  in.status = 500;
  in.max_retries = 0;
  CHECK_FALSE(decide_retry(in).retry);
}

TEST_CASE("x-should-retry overrides the status", "[retry]") {
  CHECK(decide(400, 0, "true").retry);
  CHECK_FALSE(decide(503, 0, "false").retry);
  CHECK_FALSE(decide(400, 2, "true").retry);  // still bounded
}

TEST_CASE("retry-after-ms wins over retry-after, both bounded to 0..60 s", "[retry]") {
  CHECK(decide(429, 0, "", "250", "7").delay_ms == Approx(250));
  CHECK(decide(429, 0, "", "12.5").delay_ms == Approx(12.5));
  CHECK(decide(429, 0, "", "", "2").delay_ms == Approx(2000));
  CHECK(decide(429, 0, "", "", "0.5").delay_ms == Approx(500));
  CHECK(decide(429, 0, "", "", "0").delay_ms == Approx(0));
  // Out of range or malformed values fall back to exponential backoff (k = 0: 500 ms, no jitter).
  CHECK(decide(429, 0, "", "", "61").delay_ms == Approx(500));
  CHECK(decide(429, 0, "", "-5").delay_ms == Approx(500));
  CHECK(decide(429, 0, "", "abc", "soon").delay_ms == Approx(500));
  CHECK(decide(429, 0, "", "nan").delay_ms == Approx(500));
}

TEST_CASE("retry-after as an HTTP-date is relative to now", "[retry]") {
  double t = 0;
  REQUIRE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", t));
  CHECK(t == Approx(784111777000.0));
  CHECK(decide(503, 0, "", "", "Sun, 06 Nov 1994 08:49:40 GMT", 0, 784111777000.0).delay_ms == Approx(3000));
  // In the past: backoff instead.
  CHECK(decide(503, 0, "", "", "Sun, 06 Nov 1994 08:49:30 GMT", 0, 784111777000.0).delay_ms == Approx(500));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37", t));
  CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", t));
  CHECK_FALSE(parse_http_date("Sun, 36 Nov 1994 08:49:37 GMT", t));
}

TEST_CASE("exponential backoff doubles, caps at 8 s and jitters down by at most 25 %", "[retry]") {
  RetryInput in;
  in.status = 500;
  in.max_retries = 10;
  const double expected[] = {500, 1000, 2000, 4000, 8000, 8000};
  for (int k = 0; k < 6; ++k) {
    in.retries_done = k;
    in.jitter = 0;
    CHECK(decide_retry(in).delay_ms == Approx(expected[k]));
    in.jitter = 0.999999;
    CHECK(decide_retry(in).delay_ms == Approx(expected[k] * 0.75).epsilon(1e-4));
  }
}

TEST_CASE("server_retry_delay: what the server asked for, uncapped, in decide_retry's order", "[retry]") {
  double ms = -1;
  CHECK(server_retry_delay("250", "9", 0, ms));
  CHECK(ms == Approx(250));
  CHECK(server_retry_delay("", " 1.5 ", 0, ms));
  CHECK(ms == Approx(1500));
  CHECK(server_retry_delay("", "120", 0, ms));  // over decide_retry's 60 s: reported as sent
  CHECK(ms == Approx(120000));
  CHECK(decide(429, 0, "", "", "120").delay_ms == Approx(500));
  CHECK(server_retry_delay("", "Sun, 06 Nov 1994 08:49:30 GMT", 784111777000.0, ms));
  CHECK(ms == Approx(-7000));  // a date in the past is negative; decide_retry then backs off
  CHECK(server_retry_delay("-5", "9", 0, ms));  // a number is a number, as openai-node reads it
  CHECK(ms == Approx(-5));
  for (auto bad : {"", "2500abc", "abc", "1e999", "Tuesday, 06-Nov-94 08:49:37 GMT"}) {
    CHECK_FALSE(server_retry_delay(bad, "", 0, ms));
    CHECK_FALSE(server_retry_delay("", bad, 0, ms));
  }
}
