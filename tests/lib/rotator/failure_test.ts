import assert from "node:assert/strict";
import { UpstreamError } from "../../../lib/errors.ts";
import {
  backoffMs,
  classifyFailure,
  escalatingCooldownMs,
  type FailureVerdict,
  parseDurationMs,
  parseResetFromBody,
  parseRetryAfter,
} from "../../../lib/rotator/failure.ts";

const NOW_MS = Date.UTC(2026, 0, 1);
const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

function httpError(status: number, body = "", headers: Record<string, string> = {}): UpstreamError {
  return new UpstreamError(`upstream answered ${status}`, {
    kind: "http",
    provider: "test",
    status,
    body,
    headers: new Headers(headers),
  });
}

function googleError(
  code: number,
  details: Record<string, unknown>[],
  message = "You exceeded your current quota, please check your plan and billing details.",
): string {
  return JSON.stringify({ error: { code, message, status: "RESOURCE_EXHAUSTED", details } });
}

function quotaFailure(quotaId: string): Record<string, unknown> {
  return {
    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
    violations: [{
      quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
      quotaId,
    }],
  };
}

function retryInfo(retryDelay: string): Record<string, unknown> {
  return { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay };
}

function errorInfo(metadata: Record<string, string>): Record<string, unknown> {
  return { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMIT_EXCEEDED", metadata };
}

/** The reading of a failure; `retryable` means another key may be tried (the verdict's next step). */
interface Reading extends Pick<FailureVerdict, "failureClass" | "resetAtMs" | "summary"> {
  retryable: boolean;
}

function expectVerdict(error: UpstreamError, expected: Reading): void {
  const { failureClass, resetAtMs, summary, next } = classifyFailure(error, NOW_MS);
  assert.deepEqual({ failureClass, retryable: next === "other_key", resetAtMs, summary }, expected);
}

// classifyFailure(): one test per row of the classification table.

Deno.test("classifyFailure() reads a connection failure as retryable connection without leaking the message", () => {
  const error = new UpstreamError("connect ECONNREFUSED https://api.example/v1?key=secret-key", {
    kind: "connection",
    provider: "test",
  });
  expectVerdict(error, {
    failureClass: "connection",
    retryable: true,
    resetAtMs: null,
    summary: "connection failed",
  });
});

Deno.test("classifyFailure() reads a missing first byte as retryable timeout", () => {
  const error = new UpstreamError("no first byte", { kind: "timeout", provider: "test" });
  expectVerdict(error, { failureClass: "timeout", retryable: true, resetAtMs: null, summary: "timeout" });
});

Deno.test("classifyFailure() reads 408 as retryable timeout", () => {
  expectVerdict(httpError(408, "Request Timeout"), {
    failureClass: "timeout",
    retryable: true,
    resetAtMs: null,
    summary: "408 timeout",
  });
});

for (const status of [400, 404, 405, 409, 413, 415, 418, 422]) {
  Deno.test(`classifyFailure() reads a plain ${status} as client_error that no other key may retry`, () => {
    const body = JSON.stringify({
      error: { message: "Invalid value for 'model'", type: "invalid_request_error" },
    });
    expectVerdict(httpError(status, body, { "retry-after": "5" }), {
      failureClass: "client_error",
      retryable: false,
      resetAtMs: null,
      summary: `${status} client error`,
    });
  });
}

Deno.test("classifyFailure() reads Anthropic's 413 request_too_large (bytes, not tokens) as client_error", () => {
  const body = JSON.stringify({
    type: "error",
    error: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." },
  });
  assert.equal(classifyFailure(httpError(413, body), NOW_MS).failureClass, "client_error");
});

const CONTEXT_LENGTH_BODIES: [string, number, string][] = [
  [
    "OpenAI",
    400,
    JSON.stringify({
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
    }),
  ],
  [
    "OpenAI (code only)",
    400,
    JSON.stringify({ error: { message: "Invalid request.", code: "context_length_exceeded" } }),
  ],
  [
    "Anthropic",
    400,
    JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "prompt is too long: 208000 tokens > 200000 maximum" },
    }),
  ],
  [
    "Anthropic (max_tokens)",
    400,
    JSON.stringify({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000",
      },
    }),
  ],
  [
    "Gemini",
    400,
    JSON.stringify({
      error: {
        code: 400,
        message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
        status: "INVALID_ARGUMENT",
      },
    }),
  ],
  [
    "OpenRouter",
    400,
    JSON.stringify({
      error: {
        message:
          "This endpoint's maximum context length is 163840 tokens. However, you requested about 200000.",
        code: 400,
      },
    }),
  ],
  [
    "Groq",
    400,
    JSON.stringify({
      error: {
        message: "Please reduce the length of the messages or completion.",
        type: "invalid_request_error",
        param: "messages",
      },
    }),
  ],
  [
    "Mistral",
    400,
    JSON.stringify({
      object: "error",
      message: "Prompt contains 40000 tokens, too large for model with 32768 maximum context length",
      type: "invalid_request_error",
    }),
  ],
  [
    "DeepSeek",
    400,
    JSON.stringify({
      error: {
        message: "This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.",
        type: "invalid_request_error",
      },
    }),
  ],
  ["Bedrock", 400, JSON.stringify({ message: "Input is too long for requested model." })],
  ["Cohere", 400, JSON.stringify({ message: "too many tokens: total number of tokens exceeds 4081" })],
  ["a window wording", 413, "Request exceeds the context window of this model"],
  ["xAI", 400, "This model's maximum prompt length is 131072 but the request contains 140000 tokens."],
];

for (const [vendor, status, body] of CONTEXT_LENGTH_BODIES) {
  Deno.test(`classifyFailure() reads a ${vendor} context overflow as context_length`, () => {
    expectVerdict(httpError(status, body), {
      failureClass: "context_length",
      retryable: false,
      resetAtMs: null,
      summary: `${status} context length exceeded`,
    });
  });
}

Deno.test("classifyFailure() reads 401 as auth, retryable on another key, without a reset", () => {
  const body = JSON.stringify({
    error: { message: "Incorrect API key provided: sk-abc***xyz", code: "invalid_api_key" },
  });
  expectVerdict(httpError(401, body, { "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:30Z" }), {
    failureClass: "auth",
    retryable: true,
    resetAtMs: null,
    summary: "401 auth rejected",
  });
});

Deno.test("classifyFailure() reads a plain 403 as auth", () => {
  const body = JSON.stringify({
    error: { code: 403, message: "Method doesn't allow unregistered callers.", status: "PERMISSION_DENIED" },
  });
  expectVerdict(httpError(403, body), {
    failureClass: "auth",
    retryable: true,
    resetAtMs: null,
    summary: "403 auth rejected",
  });
});

Deno.test("classifyFailure() reads a 403 whose body says the quota is exceeded as quota_exhausted", () => {
  const body = JSON.stringify({
    error: { code: 403, message: "Daily Limit Exceeded", errors: [{ reason: "dailyLimitExceeded" }] },
  });
  expectVerdict(httpError(403, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: null,
    summary: "403 quota exhausted",
  });
});

Deno.test("classifyFailure() reads a 403 Google RESOURCE_EXHAUSTED as quota_exhausted with its reset", () => {
  const body = googleError(403, [retryInfo("30s")], "Resource has been exhausted.");
  expectVerdict(httpError(403, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: NOW_MS + 30 * SECOND_MS,
    summary: "403 quota exhausted (reset in 30s)",
  });
});

Deno.test("classifyFailure() reads a 400 Google RESOURCE_EXHAUSTED as quota_exhausted", () => {
  const body = googleError(400, [], "Resource has been exhausted (e.g. check quota).");
  assert.equal(classifyFailure(httpError(400, body), NOW_MS).failureClass, "quota_exhausted");
});

Deno.test("classifyFailure() reads a 400 insufficient_quota as quota_exhausted", () => {
  const body = JSON.stringify({
    error: { message: "You exceeded your current quota.", code: "insufficient_quota" },
  });
  expectVerdict(httpError(400, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: null,
    summary: "400 quota exhausted",
  });
});

Deno.test("classifyFailure() reads Anthropic's 400 'credit balance is too low' as quota_exhausted", () => {
  const body = JSON.stringify({
    type: "error",
    error: {
      type: "invalid_request_error",
      message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.",
    },
  });
  assert.equal(classifyFailure(httpError(400, body), NOW_MS).failureClass, "quota_exhausted");
});

Deno.test("classifyFailure() reads 402 as quota_exhausted with no reset", () => {
  const body = JSON.stringify({ error: { message: "Insufficient Balance" } });
  expectVerdict(httpError(402, body, { "retry-after": "60" }), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: null,
    summary: "402 quota exhausted",
  });
});

Deno.test("classifyFailure() reads a 429 with retry-after as rate_limit with its reset", () => {
  const body = JSON.stringify({
    type: "error",
    error: { type: "rate_limit_error", message: "Rate limited" },
  });
  expectVerdict(httpError(429, body, { "retry-after": "2" }), {
    failureClass: "rate_limit",
    retryable: true,
    resetAtMs: NOW_MS + 2 * SECOND_MS,
    summary: "429 rate limit (reset in 2s)",
  });
});

Deno.test("classifyFailure() reads a 429 without reset as rate_limit with a null reset", () => {
  expectVerdict(httpError(429, "Too Many Requests"), {
    failureClass: "rate_limit",
    retryable: true,
    resetAtMs: null,
    summary: "429 rate limit",
  });
});

Deno.test("classifyFailure() takes the reset of a 429 from vendor headers before the body", () => {
  const body = "Rate limit reached for gpt-4o on requests per min (RPM). Please try again in 20s.";
  const headers = { "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s" };
  expectVerdict(httpError(429, body, headers), {
    failureClass: "rate_limit",
    retryable: true,
    resetAtMs: NOW_MS + 6 * MINUTE_MS,
    summary: "429 rate limit (reset in 6m)",
  });
});

Deno.test("classifyFailure() takes the reset of a 429 from the body when headers have none", () => {
  const body = "Rate limit reached for gpt-4o on requests per min (RPM). Please try again in 1.5s.";
  const verdict = classifyFailure(httpError(429, body), NOW_MS);
  assert.equal(verdict.resetAtMs, NOW_MS + 1_500);
  assert.equal(verdict.summary, "429 rate limit (reset in 1.5s)");
});

Deno.test("classifyFailure() reads a 429 whose reset is 10 minutes away as quota_exhausted", () => {
  expectVerdict(httpError(429, "slow down", { "retry-after": "600" }), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: NOW_MS + 10 * MINUTE_MS,
    summary: "429 quota exhausted (reset in 10m)",
  });
});

Deno.test("classifyFailure() reads a 429 whose reset is just under 10 minutes away as rate_limit", () => {
  assert.equal(
    classifyFailure(httpError(429, "slow down", { "retry-after": "599" }), NOW_MS).failureClass,
    "rate_limit",
  );
});

Deno.test("classifyFailure() reads OpenAI's 429 insufficient_quota as quota_exhausted", () => {
  const body = JSON.stringify({
    error: {
      message: "You exceeded your current quota, please check your plan and billing details.",
      type: "insufficient_quota",
      code: "insufficient_quota",
    },
  });
  expectVerdict(httpError(429, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: null,
    summary: "429 quota exhausted",
  });
});

Deno.test("classifyFailure() reads Groq's per-day 429 as quota_exhausted with its reset", () => {
  const body = JSON.stringify({
    error: {
      message:
        "Rate limit reached for model `llama-3.3-70b-versatile` on tokens per day (TPD): Limit 100000, Used 99000. Please try again in 1m30s.",
      type: "tokens",
      code: "rate_limit_exceeded",
    },
  });
  expectVerdict(httpError(429, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: NOW_MS + 90 * SECOND_MS,
    summary: "429 quota exhausted (reset in 1m30s)",
  });
});

Deno.test("classifyFailure() reads a Gemini per-minute 429 as rate_limit despite its quota wording", () => {
  const body = googleError(429, [
    quotaFailure("GenerateRequestsPerMinutePerProjectPerModel-FreeTier"),
    retryInfo("34s"),
  ]);
  expectVerdict(httpError(429, body), {
    failureClass: "rate_limit",
    retryable: true,
    resetAtMs: NOW_MS + 34 * SECOND_MS,
    summary: "429 rate limit (reset in 34s)",
  });
});

Deno.test("classifyFailure() reads a Gemini per-day 429 as quota_exhausted", () => {
  const body = googleError(429, [
    quotaFailure("GenerateRequestsPerDayPerProjectPerModel-FreeTier"),
    retryInfo("34s"),
  ]);
  expectVerdict(httpError(429, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs: NOW_MS + 34 * SECOND_MS,
    summary: "429 quota exhausted (reset in 34s)",
  });
});

Deno.test("classifyFailure() reads a Vertex RESOURCE_EXHAUSTED 429 without QuotaFailure as rate_limit", () => {
  const body = googleError(429, [], "Resource exhausted. Please try again later.");
  assert.equal(classifyFailure(httpError(429, body), NOW_MS).failureClass, "rate_limit");
});

Deno.test("classifyFailure() reads OpenRouter's per-day 429 as quota_exhausted with the forwarded reset", () => {
  const resetAtMs = NOW_MS + 5 * HOUR_MS;
  const body = JSON.stringify({
    error: {
      message:
        "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
      code: 429,
      metadata: { headers: { "X-RateLimit-Limit": "50", "X-RateLimit-Reset": String(resetAtMs) } },
    },
  });
  expectVerdict(httpError(429, body), {
    failureClass: "quota_exhausted",
    retryable: true,
    resetAtMs,
    summary: "429 quota exhausted (reset in 5h)",
  });
});

for (const status of [500, 502, 503, 504, 520, 524, 529]) {
  Deno.test(`classifyFailure() reads ${status} as retryable server_error`, () => {
    expectVerdict(httpError(status, "upstream trouble"), {
      failureClass: "server_error",
      retryable: true,
      resetAtMs: null,
      summary: `${status} server error`,
    });
  });
}

Deno.test("classifyFailure() keeps the retry-after of a 503 as its reset", () => {
  const verdict = classifyFailure(httpError(503, "Service Unavailable", { "retry-after": "120" }), NOW_MS);
  assert.equal(verdict.failureClass, "server_error");
  assert.equal(verdict.resetAtMs, NOW_MS + 2 * MINUTE_MS);
  assert.equal(verdict.summary, "503 server error (reset in 2m)");
});

Deno.test("classifyFailure() ignores rate-window headers on a 5xx", () => {
  const headers = {
    "x-ratelimit-reset-requests": "8.64s",
    "anthropic-ratelimit-tokens-reset": "2026-01-01T00:00:05Z",
  };
  const body = JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  assert.equal(classifyFailure(httpError(529, body, headers), NOW_MS).resetAtMs, null);
});

// parseRetryAfter(): one test per header format.

function resetFromHeaders(headers: Record<string, string>): number | null {
  return parseRetryAfter(new Headers(headers), NOW_MS);
}

Deno.test("parseRetryAfter() returns null without reset headers", () => {
  assert.equal(resetFromHeaders({ "content-type": "application/json" }), null);
});

Deno.test("parseRetryAfter() reads retry-after delta-seconds", () => {
  assert.equal(resetFromHeaders({ "retry-after": "2" }), NOW_MS + 2_000);
  assert.equal(resetFromHeaders({ "retry-after": "0" }), NOW_MS);
});

Deno.test("parseRetryAfter() reads fractional retry-after seconds", () => {
  assert.equal(resetFromHeaders({ "retry-after": "1.5" }), NOW_MS + 1_500);
});

Deno.test("parseRetryAfter() reads a retry-after HTTP-date", () => {
  assert.equal(resetFromHeaders({ "retry-after": "Thu, 01 Jan 2026 00:01:30 GMT" }), NOW_MS + 90 * SECOND_MS);
});

Deno.test("parseRetryAfter() reads a retry-after HTTP-date already past as now", () => {
  assert.equal(resetFromHeaders({ "retry-after": "Wed, 31 Dec 2025 23:59:59 GMT" }), NOW_MS);
});

Deno.test("parseRetryAfter() ignores negative, garbage and absurd retry-after values", () => {
  assert.equal(resetFromHeaders({ "retry-after": "-5" }), null);
  assert.equal(resetFromHeaders({ "retry-after": "soon" }), null);
  assert.equal(resetFromHeaders({ "retry-after": "NaN" }), null);
  assert.equal(resetFromHeaders({ "retry-after": String(8 * 24 * 3600) }), null);
  assert.equal(resetFromHeaders({ "retry-after": "Fri, 01 Jan 2027 00:00:00 GMT" }), null);
});

Deno.test("parseRetryAfter() reads retry-after-ms", () => {
  assert.equal(resetFromHeaders({ "retry-after-ms": "250" }), NOW_MS + 250);
  assert.equal(resetFromHeaders({ "retry-after-ms": "0.4" }), NOW_MS + 1);
});

Deno.test("parseRetryAfter() prefers retry-after-ms over retry-after", () => {
  assert.equal(resetFromHeaders({ "retry-after-ms": "250", "retry-after": "30" }), NOW_MS + 250);
});

Deno.test("parseRetryAfter() falls back to retry-after when retry-after-ms is unusable", () => {
  assert.equal(resetFromHeaders({ "retry-after-ms": "-1", "retry-after": "3" }), NOW_MS + 3_000);
});

Deno.test("parseRetryAfter() prefers retry-after over vendor reset headers", () => {
  const headers = { "retry-after": "3", "x-ratelimit-reset-tokens": "6m0s", "x-ratelimit-reset": "90" };
  assert.equal(resetFromHeaders(headers), NOW_MS + 3_000);
});

for (
  const [value, delayMs] of [
    ["1s", 1_000],
    ["6m0s", 6 * MINUTE_MS],
    ["1h2m3.5s", HOUR_MS + 2 * MINUTE_MS + 3_500],
    ["20ms", 20],
    ["0.5s", 500],
    ["2m59.56s", 2 * MINUTE_MS + 59_560],
  ] as const
) {
  Deno.test(`parseRetryAfter() reads x-ratelimit-reset-requests "${value}"`, () => {
    assert.equal(resetFromHeaders({ "x-ratelimit-reset-requests": value }), NOW_MS + delayMs);
  });
}

Deno.test("parseRetryAfter() reads x-ratelimit-reset-tokens", () => {
  assert.equal(resetFromHeaders({ "x-ratelimit-reset-tokens": "7.66s" }), NOW_MS + 7_660);
});

Deno.test("parseRetryAfter() takes the latest of the requests and tokens resets", () => {
  const headers = { "x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s" };
  assert.equal(resetFromHeaders(headers), NOW_MS + 6 * MINUTE_MS);
});

Deno.test("parseRetryAfter() reads x-ratelimit-reset as seconds from now", () => {
  assert.equal(resetFromHeaders({ "x-ratelimit-reset": "30" }), NOW_MS + 30 * SECOND_MS);
});

Deno.test("parseRetryAfter() reads x-ratelimit-reset as an epoch in seconds", () => {
  assert.equal(
    resetFromHeaders({ "x-ratelimit-reset": String(NOW_MS / 1_000 + 45) }),
    NOW_MS + 45 * SECOND_MS,
  );
});

Deno.test("parseRetryAfter() reads x-ratelimit-reset as an epoch in milliseconds", () => {
  assert.equal(resetFromHeaders({ "x-ratelimit-reset": String(NOW_MS + 1_234) }), NOW_MS + 1_234);
});

for (
  const name of [
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-reset",
  ]
) {
  Deno.test(`parseRetryAfter() reads the RFC 3339 time of ${name}`, () => {
    assert.equal(resetFromHeaders({ [name]: "2026-01-01T00:00:12Z" }), NOW_MS + 12 * SECOND_MS);
  });
}

Deno.test("parseRetryAfter() takes the latest Anthropic reset and honours offsets", () => {
  const headers = {
    "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:05Z",
    "anthropic-ratelimit-input-tokens-reset": "2026-01-01T01:00:40+01:00",
    "anthropic-ratelimit-output-tokens-reset": "2025-12-31T23:59:00Z",
  };
  assert.equal(resetFromHeaders(headers), NOW_MS + 40 * SECOND_MS);
});

// parseResetFromBody(): one test per body format.

Deno.test("parseResetFromBody() returns null when the body says nothing about time", () => {
  assert.equal(parseResetFromBody("", NOW_MS), null);
  assert.equal(parseResetFromBody(JSON.stringify({ error: { message: "Rate limited" } }), NOW_MS), null);
});

for (
  const [retryDelay, delayMs] of [["34s", 34_000], ["0.5s", 500], ["1.234567s", 1_235]] as const
) {
  Deno.test(`parseResetFromBody() reads Google RetryInfo retryDelay "${retryDelay}"`, () => {
    assert.equal(parseResetFromBody(googleError(429, [retryInfo(retryDelay)]), NOW_MS), NOW_MS + delayMs);
  });
}

Deno.test("parseResetFromBody() reads Google ErrorInfo quotaResetDelay", () => {
  const long = googleError(429, [errorInfo({ quotaResetDelay: "1h2m3.5s" })]);
  assert.equal(parseResetFromBody(long, NOW_MS), NOW_MS + HOUR_MS + 2 * MINUTE_MS + 3_500);
  const short = googleError(429, [errorInfo({ quotaResetDelay: "373.801628ms" })]);
  assert.equal(parseResetFromBody(short, NOW_MS), NOW_MS + 374);
});

Deno.test("parseResetFromBody() reads Google ErrorInfo quotaResetTimeStamp", () => {
  const body = googleError(429, [errorInfo({ quotaResetTimeStamp: "2026-01-01T07:00:00Z" })]);
  assert.equal(parseResetFromBody(body, NOW_MS), NOW_MS + 7 * HOUR_MS);
});

Deno.test("parseResetFromBody() takes the latest of RetryInfo and ErrorInfo", () => {
  const body = googleError(429, [retryInfo("34s"), errorInfo({ quotaResetDelay: "1h30m" })]);
  assert.equal(parseResetFromBody(body, NOW_MS), NOW_MS + 90 * MINUTE_MS);
});

Deno.test("parseResetFromBody() reads a Google error wrapped in an array", () => {
  const body = `[${googleError(429, [retryInfo("12s")])}]`;
  assert.equal(parseResetFromBody(body, NOW_MS), NOW_MS + 12 * SECOND_MS);
});

Deno.test("parseResetFromBody() reads rate-limit headers OpenRouter forwards in error.metadata", () => {
  const body = JSON.stringify({
    error: {
      message: "Rate limit exceeded",
      code: 429,
      metadata: { headers: { "X-RateLimit-Reset": "60" } },
    },
  });
  assert.equal(parseResetFromBody(body, NOW_MS), NOW_MS + MINUTE_MS);
});

for (
  const [text, delayMs] of [
    ["Please retry in 2.5s.", 2_500],
    ["Rate limit exceeded, reset after 2s", 2_000],
    ["Please try again in 20s.", 20_000],
    ["Please try again in 1m30s.", 90_000],
    ["Please try again in 6ms.", 6],
    ["Too many requests, retry after 20 seconds", 20_000],
    ["Limit resets in 1 hour and 5 minutes", HOUR_MS + 5 * MINUTE_MS],
  ] as const
) {
  Deno.test(`parseResetFromBody() reads the text "${text}"`, () => {
    assert.equal(parseResetFromBody(text, NOW_MS), NOW_MS + delayMs);
  });
}

Deno.test("parseResetFromBody() reads the wording inside a JSON message", () => {
  const body = JSON.stringify({
    error: { message: "Rate limit reached. Please try again in 7.66s.", code: 429 },
  });
  assert.equal(parseResetFromBody(body, NOW_MS), NOW_MS + 7_660);
});

Deno.test("parseResetFromBody() ignores negative, garbage and absurd delays", () => {
  assert.equal(parseResetFromBody(googleError(429, [retryInfo("-5s")]), NOW_MS), null);
  assert.equal(parseResetFromBody(googleError(429, [retryInfo("soon")]), NOW_MS), null);
  assert.equal(parseResetFromBody(googleError(429, [retryInfo("800000s")]), NOW_MS), null);
  assert.equal(parseResetFromBody("Please try again in 200h.", NOW_MS), null);
  assert.equal(parseResetFromBody("{not json, try again in 3s", NOW_MS), NOW_MS + 3_000);
});

// parseDurationMs(), escalatingCooldownMs(), backoffMs().

Deno.test("parseDurationMs() reads Go and protobuf durations and rejects the rest", () => {
  assert.equal(parseDurationMs("1h2m3.5s"), HOUR_MS + 2 * MINUTE_MS + 3_500);
  assert.equal(parseDurationMs("373.801628ms"), 373.801628);
  assert.equal(parseDurationMs("1500us"), 1.5);
  assert.equal(parseDurationMs("90"), null);
  assert.equal(parseDurationMs("-1s"), null);
  assert.equal(parseDurationMs("1d"), null);
});

Deno.test("escalatingCooldownMs() escalates 10 s, 30 s, 60 s, 120 s, then stays at 300 s", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 50].map((strikes) => escalatingCooldownMs(strikes)),
    [10_000, 30_000, 60_000, 120_000, 300_000, 300_000, 300_000],
  );
});

Deno.test("escalatingCooldownMs() treats negative and NaN strikes as the first", () => {
  assert.equal(escalatingCooldownMs(-3), 10_000);
  assert.equal(escalatingCooldownMs(Number.NaN), 10_000);
});

Deno.test("backoffMs() jitters between half and all of 250 ms * 2^attempt", () => {
  assert.equal(backoffMs(0, { random: () => 0 }), 125);
  assert.equal(backoffMs(0, { random: () => 1 }), 250);
  assert.equal(backoffMs(2, { random: () => 0 }), 500);
  assert.equal(backoffMs(3, { random: () => 0.5 }), 1_500);
});

Deno.test("backoffMs() caps the delay at maxMs", () => {
  assert.equal(backoffMs(10, { random: () => 1 }), 5_000);
  assert.equal(backoffMs(10_000, { random: () => 0 }), 2_500);
  assert.equal(backoffMs(4, { baseMs: 100, maxMs: 1_000, random: () => 1 }), 1_000);
});

Deno.test("backoffMs() treats a negative attempt as the first", () => {
  assert.equal(backoffMs(-1, { random: () => 0 }), 125);
});

Deno.test("backoffMs() stays within [0.5x, 1x] with the default random", () => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const delayMs = backoffMs(1);
    assert.ok(delayMs >= 250 && delayMs <= 500, `${delayMs} out of range`);
  }
});

Deno.test("classifyFailure() reads Google's 400 API_KEY_INVALID as auth", () => {
  const body = JSON.stringify({
    error: {
      code: 400,
      message: "API key not valid. Please pass a valid API key.",
      status: "INVALID_ARGUMENT",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }],
    },
  });
  const verdict = classifyFailure(
    new UpstreamError("400", { kind: "http", provider: "gemini", status: 400, body }),
    0,
  );
  assert.equal(verdict.failureClass, "auth");
});

Deno.test("classifyFailure() reads per-minute 429s that link to a billing page as rate limits, not quota", () => {
  const groq = JSON.stringify({
    error: {
      message:
        "Rate limit reached for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` on tokens per minute (TPM): Limit 12000, Used 11000, Requested 2000. Please try again in 1.98s. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",
      type: "tokens",
      code: "rate_limit_exceeded",
    },
  });
  assert.equal(classifyFailure(httpError(429, groq), NOW_MS).failureClass, "rate_limit");
  const openai =
    "Rate limit reached for default-gpt-3.5-turbo in organization org-x on requests per min. Limit: 3 / min. Please try again in 20s. Contact us through our help center at help.openai.com if you continue to have issues. Please add a payment method to your account to increase your rate limit. Visit https://platform.openai.com/account/billing to add a payment method.";
  assert.equal(classifyFailure(httpError(429, openai), NOW_MS).failureClass, "rate_limit");
  // The per-day limit is still a spent quota.
  const daily = groq.replace("tokens per minute (TPM)", "tokens per day (TPD)");
  assert.equal(classifyFailure(httpError(429, daily), NOW_MS).failureClass, "quota_exhausted");
});

Deno.test("classifyFailure() carries the decision: next step, cooldown, backoff, same key, provider-wide", () => {
  const decision = (error: UpstreamError) => {
    const { next, cooldown, backoff, sameKeyAgain, providerWide } = classifyFailure(error, NOW_MS);
    return { next, cooldown, backoff, sameKeyAgain, providerWide };
  };
  assert.deepEqual(decision(httpError(400, "{}")), {
    next: "answer",
    cooldown: "none",
    backoff: false,
    sameKeyAgain: false,
    providerWide: false,
  });
  assert.equal(decision(httpError(400, "maximum context length is 8192 tokens")).next, "next_target");
  assert.deepEqual(decision(httpError(401, "{}")), {
    next: "other_key",
    cooldown: "disable",
    backoff: false,
    sameKeyAgain: false,
    providerWide: false,
  });
  assert.deepEqual(decision(httpError(429, "{}")), {
    next: "other_key",
    cooldown: "ladder",
    backoff: false,
    sameKeyAgain: true,
    providerWide: true,
  });
  assert.equal(decision(httpError(429, "{}", { "retry-after": "3" })).cooldown, "until_reset");
  assert.deepEqual(decision(httpError(500, "{}")), {
    next: "other_key",
    cooldown: "ladder_when_repeated",
    backoff: true,
    sameKeyAgain: false,
    providerWide: true,
  });
  assert.equal(decision(new UpstreamError("hung", { kind: "timeout", provider: "test" })).cooldown, "ladder");
  assert.equal(decision(httpError(402, "{}")).cooldown, "until_window_end");
});
