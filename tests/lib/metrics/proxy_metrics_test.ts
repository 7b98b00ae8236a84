import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ProxyMetrics } from "../../../lib/metrics/mod.ts";
import { type AttemptFacts, EventHub } from "../../../lib/rotator/events.ts";

interface ParsedFamily {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}

/**
 * The value of `name` with exactly `labels`. Counters and gauges are read through the npm text-format
 * parser; it flattens labelled histograms away, so a histogram's observation count is read from its
 * `_count` line (its family and type still come from the parser).
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const families = parsePrometheusTextFormat(text) as ParsedFamily[];
  const family = families.find((candidate) => candidate.name === name);
  if (!family) return undefined;
  const sameLabels = (own: Record<string, string>) =>
    Object.keys(own).length === Object.keys(labels).length &&
    Object.entries(labels).every(([key, value]) => own[key] === value);
  if (family.type === "HISTOGRAM") {
    for (const line of text.split("\n")) {
      const match = new RegExp(`^${name}_count\\{(.*)\\} (\\S+)$`).exec(line);
      if (!match) continue;
      const own = Object.fromEntries(
        [...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]),
      );
      if (sameLabels(own)) return Number(match[2]);
    }
    return undefined;
  }
  const metric = family.metrics.find((candidate) => sameLabels(candidate.labels ?? {}));
  return metric ? Number(metric.value) : undefined;
}

const facts = (requestId: string, provider: string, attempt: number): AttemptFacts => ({
  requestId,
  frontDoor: "openai",
  provider,
  model: provider === "openai" ? "gpt-4o" : "llama",
  credentialId: `${provider}-key`,
  credentialLabel: "…abcd",
  attempt,
  stream: false,
});

Deno.test("ProxyMetrics counts a known sequence of calls and renders parseable Prometheus text", async () => {
  const hub = new EventHub({ schedule: () => {} });
  const metrics = new ProxyMetrics({
    census: () => [
      {
        provider: "openai",
        credentials: { available: 1, cooling: 1, disabled: 0, needs_relogin: 0 },
        waiting: 2,
      },
    ],
    costOf: (name, tokens) => name === "groq/llama" ? tokens.promptTokens / 1_000_000 : null,
  });
  hub.subscribe(metrics.observe);

  // Request a: 429 on openai, then served by groq (a failover); request b: openai at once.
  hub.emit({ type: "attempt-start", atMs: 0, ...facts("a", "openai", 1), queuedMs: 250 });
  hub.emit({
    type: "attempt-end",
    atMs: 100,
    ...facts("a", "openai", 1),
    outcome: "failure",
    status: 429,
    failureClass: "rate_limit",
    ttfbMs: 100,
    durationMs: 100,
  });
  hub.emit({
    type: "credential-state",
    atMs: 100,
    provider: "openai",
    credentialId: "openai-key",
    credentialLabel: "…abcd",
    scope: "gpt-4o",
    state: "cooling",
    reason: "rate_limit",
    untilMs: 10_100,
  });
  hub.emit({ type: "attempt-start", atMs: 100, ...facts("a", "groq", 2) });
  const tokens = { promptTokens: 1000, completionTokens: 50, cachedTokens: 200, reasoningTokens: 10 };
  hub.emit({
    type: "attempt-end",
    atMs: 400,
    ...facts("a", "groq", 2),
    outcome: "success",
    status: 200,
    ttfbMs: 200,
    durationMs: 300,
    tokens,
  });
  hub.emit({ type: "attempt-start", atMs: 500, ...facts("b", "openai", 1) });
  const withCacheWrite = { ...tokens, cacheCreationTokens: 300 };
  hub.emit({
    type: "attempt-end",
    atMs: 700,
    ...facts("b", "openai", 1),
    outcome: "success",
    status: 200,
    ttfbMs: 50,
    durationMs: 200,
    tokens: withCacheWrite,
    costUsd: 0.25,
  });
  hub.flush();
  metrics.recordRequest({
    frontDoor: "openai",
    provider: "groq",
    model: "llama",
    status: 200,
    durationMs: 420,
  });
  metrics.recordRequest({
    frontDoor: "openai",
    provider: "openai",
    model: "gpt-4o",
    status: 200,
    durationMs: 210,
  });
  metrics.recordRequest({
    frontDoor: "anthropic",
    provider: "openai",
    model: "gpt-4o",
    status: 400,
    durationMs: 1,
  });
  metrics.recordQueueWait("openai", 1500);

  const text = await metrics.render();
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  assert.equal(
    sample(text, "proxy_requests_total", {
      front_door: "openai",
      provider: "groq",
      model: "llama",
      status: "200",
    }),
    1,
  );
  assert.equal(
    sample(text, "proxy_requests_total", {
      front_door: "anthropic",
      provider: "openai",
      model: "gpt-4o",
      status: "400",
    }),
    1,
  );
  assert.equal(sample(text, "proxy_request_duration_seconds", { front_door: "openai", provider: "groq" }), 1);
  assert.equal(
    sample(text, "proxy_upstream_attempts_total", {
      provider: "openai",
      model: "gpt-4o",
      outcome: "failure",
    }),
    1,
  );
  assert.equal(
    sample(text, "proxy_upstream_attempts_total", {
      provider: "openai",
      model: "gpt-4o",
      outcome: "success",
    }),
    1,
  );
  assert.equal(
    sample(text, "proxy_upstream_failures_total", { provider: "openai", failure_class: "rate_limit" }),
    1,
  );
  assert.equal(sample(text, "proxy_retries_total", { provider: "groq" }), 1);
  assert.equal(sample(text, "proxy_failovers_total", { from_provider: "openai", to_provider: "groq" }), 1);
  assert.equal(sample(text, "proxy_tokens_total", { provider: "groq", model: "llama", kind: "input" }), 1000);
  assert.equal(sample(text, "proxy_tokens_total", { provider: "groq", model: "llama", kind: "cached" }), 200);
  assert.equal(
    sample(text, "proxy_tokens_total", { provider: "openai", model: "gpt-4o", kind: "reasoning" }),
    10,
  );
  // The event's own cost wins; a missing one comes from the catalog prices.
  assert.equal(sample(text, "proxy_cost_usd_total", { provider: "openai", model: "gpt-4o" }), 0.25);
  assert.equal(sample(text, "proxy_cost_usd_total", { provider: "groq", model: "llama" }), 0.001);
  assert.equal(sample(text, "proxy_time_to_first_token_seconds", { provider: "openai", stream: "false" }), 2);
  assert.equal(sample(text, "proxy_upstream_duration_seconds", { provider: "groq", outcome: "success" }), 1);
  assert.equal(sample(text, "proxy_credentials", { provider: "openai", state: "cooling" }), 1);
  assert.equal(sample(text, "proxy_credentials", { provider: "openai", state: "disabled" }), 0);
  assert.equal(sample(text, "proxy_queue_depth", { provider: "openai" }), 2);
  // One wait from the attempt-start event, one reported directly.
  assert.equal(sample(text, "proxy_queue_wait_seconds", { provider: "openai" }), 2);
  assert.equal(
    sample(text, "proxy_credential_state_changes_total", {
      provider: "openai",
      state: "cooling",
      reason: "rate_limit",
    }),
    1,
  );
});

Deno.test("ProxyMetrics: two instances keep separate registries", async () => {
  const first = new ProxyMetrics();
  const second = new ProxyMetrics();
  first.recordRequest({ frontDoor: "openai", provider: "x", model: "y", status: 200, durationMs: 1 });
  assert.match(await first.render(), /proxy_requests_total\{[^}]*\} 1/);
  assert.doesNotMatch(await second.render(), /proxy_requests_total\{/);
});
