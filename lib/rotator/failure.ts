/**
 * What an upstream failure means for the credential that caused it, and when the upstream said the
 * credential may be used again. Pure functions: the clock comes in as `nowMs`, randomness as `random`.
 */
import type { UpstreamError } from "../errors.ts";

/** What kind of failure an upstream call had, from the rotator's point of view. */
export type FailureClass =
  | "client_error"
  | "context_length"
  | "auth"
  | "rate_limit"
  | "quota_exhausted"
  | "server_error"
  | "connection"
  | "timeout";

/**
 * What the call does after a failure: answer the client with it now, try another credential of the same
 * target, or go on to the next target of an alias.
 */
export type NextStep = "answer" | "other_key" | "next_target";

/**
 * What happens to the credential that failed, for the model (or quota group) it was called for:
 * - `none`: nothing (the client's mistake says nothing about the key);
 * - `until_reset`: rest until `resetAtMs`;
 * - `ladder`: rest on the escalating ladder (10 s, 30 s, 60 s, 120 s, 300 s by consecutive failures);
 * - `ladder_when_repeated`: the same, but only from the second failure in a row (one 5xx is noise);
 * - `until_window_end`: rest until the usage window resets (a spent daily quota without reset time);
 * - `disable`: out of use for every model until `AUTH_FAILURE_COOLDOWN` passes.
 */
export type Cooldown =
  | "none"
  | "until_reset"
  | "ladder"
  | "ladder_when_repeated"
  | "until_window_end"
  | "disable";

/** The rotator's reading of one upstream failure, and the decision it carries: the only place that decides. */
export interface FailureVerdict {
  failureClass: FailureClass;
  /** Absolute epoch ms until which the credential should rest, when the upstream said (null if unknown). */
  resetAtMs: number | null;
  /** Short human summary, e.g. "429 rate limit (reset in 2s)". No secrets. */
  summary: string;
  /** What the call does next. */
  next: NextStep;
  /** What happens to the credential. */
  cooldown: Cooldown;
  /** Wait a growing, jittered pause before the next attempt (the upstream may be struggling). */
  backoff: boolean;
  /**
   * The credential may serve this same call again once its rest ends (a short rate limit); otherwise the
   * call does not come back to it.
   */
  sameKeyAgain: boolean;
  /** Seen on every key of a provider within seconds, this failure rests the whole provider. */
  providerWide: boolean;
}

/** Options of `backoffMs()`. */
export interface BackoffOptions {
  /** Delay ceiling of the first attempt. @default 250 */
  baseMs?: number;
  /** Largest delay ceiling. @default 5000 */
  maxMs?: number;
  /** Source of randomness in [0, 1). @default Math.random */
  random?: () => number;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
/** Resets further away than a week are garbage, not advice. */
const MAX_RESET_MS = 7 * 24 * HOUR_MS;
/** A 429 that lasts at least this long is a spent quota, not a burst limit. */
const QUOTA_RESET_MS = 10 * MINUTE_MS;
const ESCALATING_COOLDOWNS_MS = [10, 30, 60, 120, 300].map((seconds) => seconds * SECOND_MS);

const LABELS: Record<FailureClass, string> = {
  client_error: "client error",
  context_length: "context length exceeded",
  auth: "auth rejected",
  rate_limit: "rate limit",
  quota_exhausted: "quota exhausted",
  server_error: "server error",
  connection: "connection failed",
  timeout: "timeout",
};

// OpenAI/Groq send Go durations ("6m0s"), Anthropic RFC 3339 times, others seconds or epochs:
// https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
// https://docs.anthropic.com/en/api/rate-limits#response-headers
const VENDOR_RESET_HEADERS = [
  "x-ratelimit-reset-requests",
  "x-ratelimit-reset-tokens",
  "x-ratelimit-reset",
  "anthropic-ratelimit-requests-reset",
  "anthropic-ratelimit-tokens-reset",
  "anthropic-ratelimit-input-tokens-reset",
  "anthropic-ratelimit-output-tokens-reset",
];

/** Context overflow wording of OpenAI, Anthropic, Gemini, OpenRouter, Groq, Mistral, DeepSeek, xAI, Cohere */
const CONTEXT_LENGTH_WORDING = new RegExp(
  [
    String.raw`context[\s_-]?length[\s_-]?exceeded`,
    "maximum context length",
    "maximum prompt length",
    "exceeds? (?:the )?(?:model's |available |maximum )?context (?:window|length|limit|size)",
    "prompt is too long",
    "input is too long",
    "too many tokens",
    "reduce the length",
    "input token count.*exceeds the maximum",
  ].join("|"),
  "i",
);
/** Wording of a 429 that will not pass within minutes (OpenAI RPD, Groq TPD, OpenRouter per-day). */
const QUOTA_WORDING = /quota|exhausted|billing|daily limit|per[\s_-]?day|credits/i;
/**
 * Wording of a per-second or per-minute limit. It wins over {@link QUOTA_WORDING}: Groq's and OpenAI's TPM/RPM
 * messages end with a link to a billing page, yet pass within seconds.
 */
const SHORT_WINDOW_WORDING =
  /per[\s_-]?(?:second|minute|min)\b|\((?:TPM|RPM|TPS|RPS|ITPM|OTPM)\)|\b(?:tokens|requests) per min/i;
/** Wording of a 403 that means "spent", not "forbidden" (Google `dailyLimitExceeded`). */
const FORBIDDEN_QUOTA_WORDING = /quota|exhausted|rate[\s_-]?limit|limit[\s_-]?exceeded/i;
/** Wording of a 400 that rejects the key itself (Google's `API_KEY_INVALID`, "API key not valid"). */
const INVALID_KEY_WORDING = /API_KEY_INVALID|API key not valid|API key expired/i;
/** Wording of a 400/403 that says this key has no money left; another key may have some. */
const SPENT_KEY_WORDING = /insufficient_quota|credit balance is too low/i;

const DECIMAL = /^\d+(?:\.\d+)?$/;
/** IMF-fixdate, RFC 850 and asctime all start with a day name (RFC 9110 §5.6.7). */
const HTTP_DATE = /^[a-z]{3,9},?\s/i;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})$/i;
const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const GO_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: SECOND_MS,
  m: MINUTE_MS,
  h: HOUR_MS,
};
const TEXT_UNIT = "(?:milliseconds?|msecs?|ms|minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)(?![a-z])";
const TEXT_AMOUNT = String.raw`\d+(?:\.\d+)?\s*${TEXT_UNIT}`;
/** "Please retry in 2.5s", "try again in 1m30s", "reset after 2s", "retry after 20 seconds". */
const TEXT_RESET = new RegExp(
  String.raw`\b(?:retry|try again|resets?)\s+(?:in|after)\s+((?:${TEXT_AMOUNT}[\s,]*(?:and\s+)?)+)`,
  "i",
);
const TEXT_AMOUNT_PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gi;

/** Reads an upstream failure: its class, whether another credential may help, and its reset time. */
export function classifyFailure(error: UpstreamError, nowMs: number): FailureVerdict {
  if (error.kind !== "http") {
    // The message may hold a URL with a `?key=`; the summary never repeats it.
    return verdict(error.kind, 0, null, nowMs);
  }
  const { status, headers, body } = error;
  const explicitResetAtMs = explicitRetryAfter(headers, nowMs);
  // Vendor reset headers ride on every response and describe the rate window, so they only mean
  // "rest until" when the failure is a limit; a 503's Retry-After is advice on its own.
  const limitResetAtMs = explicitResetAtMs ?? vendorReset(headers, nowMs) ?? parseResetFromBody(body, nowMs);
  const failureClass = classifyHttp(status, body, limitResetAtMs, nowMs);
  const resetAtMs = failureClass === "rate_limit" || (failureClass === "quota_exhausted" && status !== 402)
    ? limitResetAtMs
    : failureClass === "server_error" || failureClass === "timeout"
    ? explicitResetAtMs ?? parseResetFromBody(body, nowMs)
    : null;
  return verdict(failureClass, status, resetAtMs, nowMs);
}

/** Parse a reset time from headers; returns absolute epoch ms or null. */
export function parseRetryAfter(headers: Headers, nowMs: number): number | null {
  return explicitRetryAfter(headers, nowMs) ?? vendorReset(headers, nowMs);
}

/** Parse a reset time from an error body (JSON or text); absolute epoch ms or null. */
export function parseResetFromBody(body: string, nowMs: number): number | null {
  const structured = errorObjects(body).flatMap((error) => [
    ...googleResets(error, nowMs),
    ...embeddedHeaderResets(error, nowMs),
  ]);
  return latest(structured) ?? parseResetFromText(body, nowMs);
}

/** Cooldown for a 429 without reset time: strikes 0 -> 10 s, 1 -> 30 s, 2 -> 60 s, 3 -> 120 s, 4+ -> 300 s */
export function escalatingCooldownMs(strikes: number): number {
  const index = Math.max(0, Math.floor(strikes)) || 0;
  return ESCALATING_COOLDOWNS_MS[Math.min(index, ESCALATING_COOLDOWNS_MS.length - 1)];
}

/** Exponential backoff with jitter in [0.5x, 1x] of `min(maxMs, baseMs * 2^attempt)`, in whole ms. */
export function backoffMs(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 250, maxMs = 5_000, random = Math.random } = options;
  const exponent = Math.max(0, Math.floor(attempt)) || 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/** Milliseconds of a Go or protobuf duration ("34s", "1h2m3.5s", "373.801628ms"), or null. */
export function parseDurationMs(text: string): number | null {
  const trimmed = text.trim();
  if (!GO_DURATION.test(trimmed)) return null;
  let totalMs = 0;
  for (const [, amount, unit] of trimmed.matchAll(GO_DURATION_PART)) {
    totalMs += Number(amount) * GO_UNIT_MS[unit];
  }
  return totalMs;
}

/** `retry-after-ms` (honoured first by the OpenAI SDKs), then `retry-after` (RFC 9110 §10.2.3). */
function explicitRetryAfter(headers: Headers, nowMs: number): number | null {
  const retryAfterMs = headers.get("retry-after-ms")?.trim();
  if (retryAfterMs && DECIMAL.test(retryAfterMs)) {
    const resetAtMs = fromDelay(Number(retryAfterMs), nowMs);
    if (resetAtMs !== null) return resetAtMs;
  }
  const retryAfter = headers.get("retry-after")?.trim();
  if (!retryAfter) return null;
  if (DECIMAL.test(retryAfter)) return fromDelay(Number(retryAfter) * SECOND_MS, nowMs);
  return HTTP_DATE.test(retryAfter) ? fromTime(Date.parse(retryAfter), nowMs) : null;
}

/** The latest of the vendor reset headers present. */
function vendorReset(headers: Headers, nowMs: number): number | null {
  return latest(VENDOR_RESET_HEADERS.map((name) => {
    const value = headers.get(name)?.trim();
    return value ? parseResetValue(value, nowMs) : null;
  }));
}

function classifyHttp(status: number, body: string, resetAtMs: number | null, nowMs: number): FailureClass {
  if (status === 408) return "timeout";
  if (status === 402) return "quota_exhausted";
  if (status === 429) {
    const longReset = resetAtMs !== null && resetAtMs - nowMs >= QUOTA_RESET_MS;
    return longReset || rateLimitIsQuota(body) ? "quota_exhausted" : "rate_limit";
  }
  if ((status === 400 || status === 403) && isSpentKey(body)) return "quota_exhausted";
  if (status === 403 && FORBIDDEN_QUOTA_WORDING.test(body)) return "quota_exhausted";
  if (status === 401 || status === 403) return "auth";
  // Google answers a bad or revoked key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
  if (status === 400 && INVALID_KEY_WORDING.test(body)) return "auth";
  if (status >= 400 && status < 500) {
    return CONTEXT_LENGTH_WORDING.test(body) ? "context_length" : "client_error";
  }
  return "server_error";
}

function isSpentKey(body: string): boolean {
  return SPENT_KEY_WORDING.test(body) ||
    errorObjects(body).some((error) => error.status === "RESOURCE_EXHAUSTED");
}

/**
 * Gemini says "You exceeded your current quota" and RESOURCE_EXHAUSTED even for per-minute limits, so a
 * Google RPC error is judged by its QuotaFailure violations instead of its wording:
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
function rateLimitIsQuota(body: string): boolean {
  const google = errorObjects(body).find((error) => error.status === "RESOURCE_EXHAUSTED");
  if (!google) return QUOTA_WORDING.test(body) && !SHORT_WINDOW_WORDING.test(body);
  const violations = details(google, "google.rpc.QuotaFailure").flatMap((detail) =>
    Array.isArray(detail.violations) ? detail.violations.filter(isRecord) : []
  );
  return violations.some((violation) => {
    const text = [violation.quotaId, violation.quotaMetric, violation.description].join(" ");
    return !/per[\s_-]?(?:second|minute)/i.test(text);
  });
}

function googleResets(error: Record<string, unknown>, nowMs: number): (number | null)[] {
  const retryDelays = details(error, "google.rpc.RetryInfo").map((detail) =>
    delayField(detail.retryDelay, nowMs)
  );
  const quotaResets = details(error, "google.rpc.ErrorInfo").flatMap((detail) => {
    const metadata = isRecord(detail.metadata) ? detail.metadata : {};
    const stamp = metadata.quotaResetTimeStamp;
    return [
      delayField(metadata.quotaResetDelay, nowMs),
      typeof stamp === "string" && RFC_3339.test(stamp) ? fromTime(Date.parse(stamp), nowMs) : null,
    ];
  });
  return [...retryDelays, ...quotaResets];
}

/** OpenRouter forwards the upstream's rate-limit headers in `error.metadata.headers`. */
function embeddedHeaderResets(error: Record<string, unknown>, nowMs: number): (number | null)[] {
  const embedded = isRecord(error.metadata) ? error.metadata.headers : undefined;
  if (!isRecord(embedded)) return [];
  const headers = new Headers();
  for (const [name, value] of Object.entries(embedded)) {
    if (typeof value === "string" || typeof value === "number") headers.set(name, String(value));
  }
  return [parseRetryAfter(headers, nowMs)];
}

function parseResetFromText(body: string, nowMs: number): number | null {
  const phrase = TEXT_RESET.exec(body)?.[1];
  if (!phrase) return null;
  let totalMs = 0;
  for (const [, amount, unit] of phrase.matchAll(TEXT_AMOUNT_PART)) {
    totalMs += Number(amount) * textUnitMs(unit.toLowerCase());
  }
  return fromDelay(totalMs, nowMs);
}

function textUnitMs(unit: string): number {
  if (unit.startsWith("ms") || unit.startsWith("mil")) return 1;
  if (unit.startsWith("m")) return MINUTE_MS;
  if (unit.startsWith("h")) return HOUR_MS;
  return SECOND_MS;
}

/** A vendor header value: seconds, an epoch in seconds or ms, a Go duration, or a timestamp. */
function parseResetValue(value: string, nowMs: number): number | null {
  if (DECIMAL.test(value)) {
    const number = Number(value);
    if (number >= 1e12) return fromTime(number, nowMs);
    if (number >= 1e9) return fromTime(number * SECOND_MS, nowMs);
    return fromDelay(number * SECOND_MS, nowMs);
  }
  if (RFC_3339.test(value) || HTTP_DATE.test(value)) return fromTime(Date.parse(value), nowMs);
  const durationMs = parseDurationMs(value);
  return durationMs === null ? null : fromDelay(durationMs, nowMs);
}

function delayField(value: unknown, nowMs: number): number | null {
  const delayMs = typeof value === "string" ? parseDurationMs(value) : null;
  return delayMs === null ? null : fromDelay(delayMs, nowMs);
}

function fromDelay(delayMs: number, nowMs: number): number | null {
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_RESET_MS) return null;
  return nowMs + Math.ceil(delayMs);
}

/** A moment already past means "now": the upstream's clock or rounding ran a little ahead of ours. */
function fromTime(epochMs: number, nowMs: number): number | null {
  if (!Number.isFinite(epochMs) || epochMs - nowMs > MAX_RESET_MS) return null;
  return Math.max(nowMs, Math.ceil(epochMs));
}

function latest(resets: (number | null)[]): number | null {
  const known = resets.filter((reset): reset is number => reset !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** The `error` objects of a JSON error body; Gemini sometimes wraps it in an array. */
function errorObjects(body: string): Record<string, unknown>[] {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return [];
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return [];
  }
  const candidates: unknown[] = Array.isArray(json) ? json : [json];
  return candidates.flatMap((candidate) =>
    isRecord(candidate) && isRecord(candidate.error) ? [candidate.error] : []
  );
}

function details(error: Record<string, unknown>, type: string): Record<string, unknown>[] {
  const all = Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  return all.filter((detail) => typeof detail["@type"] === "string" && detail["@type"].endsWith(type));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The failure policy as data: what each class of failure means for the call and for the credential. */
function decide(
  failureClass: FailureClass,
  resetAtMs: number | null,
): Pick<FailureVerdict, "next" | "cooldown" | "backoff" | "sameKeyAgain" | "providerWide"> {
  const reset = resetAtMs !== null;
  switch (failureClass) {
    case "client_error":
      return { next: "answer", cooldown: "none", backoff: false, sameKeyAgain: false, providerWide: false };
    case "context_length":
      return {
        next: "next_target",
        cooldown: "none",
        backoff: false,
        sameKeyAgain: false,
        providerWide: false,
      };
    case "auth":
      return {
        next: "other_key",
        cooldown: "disable",
        backoff: false,
        sameKeyAgain: false,
        providerWide: false,
      };
    case "rate_limit":
      // A limit with a reset time is that key's own; one without it may be the provider's.
      return {
        next: "other_key",
        cooldown: reset ? "until_reset" : "ladder",
        backoff: false,
        sameKeyAgain: true,
        providerWide: !reset,
      };
    case "quota_exhausted":
      return {
        next: "other_key",
        cooldown: reset ? "until_reset" : "until_window_end",
        backoff: false,
        sameKeyAgain: true,
        providerWide: false,
      };
    case "timeout":
      // A key whose upstream hangs must not be tried first on every call: it rests at once.
      return {
        next: "other_key",
        cooldown: reset ? "until_reset" : "ladder",
        backoff: true,
        sameKeyAgain: false,
        providerWide: true,
      };
    case "server_error":
    case "connection":
      return {
        next: "other_key",
        cooldown: reset ? "until_reset" : "ladder_when_repeated",
        backoff: true,
        sameKeyAgain: false,
        providerWide: true,
      };
  }
}

function verdict(
  failureClass: FailureClass,
  status: number,
  resetAtMs: number | null,
  nowMs: number,
): FailureVerdict {
  const prefix = status > 0 ? `${status} ` : "";
  const reset = resetAtMs === null ? "" : ` (reset in ${formatDuration(resetAtMs - nowMs)})`;
  return {
    failureClass,
    resetAtMs,
    summary: `${prefix}${LABELS[failureClass]}${reset}`,
    ...decide(failureClass, resetAtMs),
  };
}

function formatDuration(durationMs: number): string {
  if (durationMs < SECOND_MS) return `${Math.ceil(durationMs)}ms`;
  if (durationMs < MINUTE_MS) return `${Number((durationMs / SECOND_MS).toFixed(1))}s`;
  const totalSeconds = Math.ceil(durationMs / SECOND_MS);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return [[hours, "h"], [minutes, "m"], [seconds, "s"]]
    .filter(([amount]) => amount !== 0)
    .map(([amount, unit]) => `${amount}${unit}`)
    .join("");
}
