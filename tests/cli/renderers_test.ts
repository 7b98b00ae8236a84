/** Pure state and rendering of the command line and launcher, without a terminal. */
import assert from "node:assert/strict";
import { nextKeyVariable, variableHoldingKey } from "../../cli/credentials/key_variables.ts";
import { credentialStatus, describeStatus } from "../../cli/credential_status.ts";
import { renderHeader, renderWarnings } from "../../cli/launcher/header.ts";
import { previewFilters, renderFilterPreview } from "../../cli/launcher/filter_preview.ts";
import { parseSavedPool } from "../../cli/saved_pools.ts";
import { formatDuration, renderTable } from "../../cli/table.ts";
import { renderUsageRows, usageRowsFromPools } from "../../cli/usage_rows.ts";
import type { CredentialRow } from "../../cli/credentials/credential_rows.ts";

const NOW = 1_800_000_000_000;

function pool(credentials: Record<string, unknown>, providerState: unknown = { status: "available" }) {
  return parseSavedPool({ version: 1, provider: "openai", savedAtMs: NOW, providerState, credentials })!;
}

Deno.test("credentialStatus() reads disabled, provider cooldowns, the longest model cooldown, and expiry", () => {
  const saved = pool({
    a: {
      label: "…aaaa",
      disabled: { status: "available" },
      scopes: {
        "m1": { state: { status: "cooling", untilMs: NOW + 5_000, reason: "rate_limit" } },
        "m2": { state: { status: "cooling", untilMs: NOW + 65_000, reason: "quota_exhausted" } },
      },
    },
    b: { label: "…bbbb", disabled: { status: "disabled", reason: "auth", untilMs: NOW + 1_000 }, scopes: {} },
    c: { label: "…cccc", disabled: { status: "needs_relogin", reason: "refresh token revoked" }, scopes: {} },
  });
  const a = credentialStatus(saved.credentials.get("a"), saved, NOW);
  assert.equal(describeStatus(a, NOW), "cooling 1m 05s (quota_exhausted, m2)");
  assert.equal(describeStatus(a, NOW + 60_000), "cooling 5s (quota_exhausted, m2)", "counts down");
  assert.equal(credentialStatus(saved.credentials.get("a"), saved, NOW + 65_000).status, "available");
  assert.equal(
    describeStatus(credentialStatus(saved.credentials.get("b"), saved, NOW), NOW),
    "disabled 1s (auth)",
  );
  assert.equal(credentialStatus(saved.credentials.get("b"), saved, NOW + 1_000).status, "available");
  assert.equal(
    describeStatus(credentialStatus(saved.credentials.get("c"), saved, NOW), NOW),
    "needs re-login (refresh token revoked)",
  );
  const cooled = pool({ a: { label: "…aaaa", scopes: {} } }, {
    status: "cooling",
    untilMs: NOW + 10_000,
    reason: "provider_cooldown",
  });
  assert.equal(
    describeStatus(credentialStatus(cooled.credentials.get("a"), cooled, NOW), NOW),
    "cooling 10s (provider_cooldown)",
  );
  assert.equal(credentialStatus(undefined, undefined, NOW).status, "available");
});

Deno.test("usageRowsFromPools() counts today's window only and renders a countdown table", () => {
  const day = Math.floor(NOW / 86_400_000);
  const counters = {
    requests: 2,
    successes: 2,
    failures: 0,
    promptTokens: 50,
    completionTokens: 5,
    costUsd: 0.25,
  };
  const saved = pool({
    id1: {
      label: "…aaaa",
      scopes: {
        m1: {
          state: { status: "cooling", untilMs: NOW + 3_000, reason: "rate_limit" },
          usage: { windowId: day, window: counters, totals: counters },
        },
        m2: {
          state: { status: "available" },
          usage: { windowId: day - 1, window: counters, totals: counters },
        },
      },
    },
  });
  const rows = usageRowsFromPools(new Map([["openai", saved]]), { nowMs: NOW, usageResetUtcHour: 0 });
  assert.equal(rows[0].today.requests, 2);
  assert.equal(rows[0].totals.requests, 4);
  assert.deepEqual(renderUsageRows(rows, NOW), [
    "PROVIDER  KEY    STATE                        REQ TODAY  TOKENS TODAY  COST TODAY  REQ TOTAL",
    "openai    …aaaa  cooling 3s (rate_limit, m1)  2          55            $0.2500     4",
  ]);
  assert.match(renderUsageRows(rows, NOW + 2_000)[1], /cooling 1s/);
});

Deno.test("renderHeader() shows the address, whether the client key is set, and providers with states", () => {
  const row = (provider: string, status: CredentialRow["status"]): CredentialRow => ({
    provider,
    id: "x",
    variable: "V",
    label: "…",
    priority: 1,
    source: ".env",
    status,
  });
  const summary = {
    host: "0.0.0.0",
    port: "9000",
    clientKeySet: true,
    rows: [
      row("groq", { status: "available" }),
      row("groq", { status: "cooling", untilMs: NOW, reason: "rate_limit", scope: null }),
      row("openai", { status: "available" }),
    ],
    problems: [],
  };
  assert.deepEqual(renderHeader(summary), [
    "Listen       http://0.0.0.0:9000",
    "Client key   set",
    "Providers    groq: 2 credentials (1 available, 1 cooling)",
    "             openai: 1 credential (1 available)",
  ]);
  assert.equal(renderWarnings(summary), null);
  const empty = { ...summary, clientKeySet: false, rows: [] };
  assert.match(renderHeader(empty)[1], /not set/);
  assert.match(renderWarnings(empty)!.join("\n"), /Start here/);
  assert.match(renderWarnings({ ...empty, problems: ["PROXY_PORT: bad"] })!.join("\n"), /PROXY_PORT: bad/);
});

Deno.test("previewFilters() shows which listed models the patterns keep; the whitelist wins", () => {
  const models = ["gpt-4o", "gpt-4o-mini", "dall-e-3", "tts-1"];
  const preview = previewFilters(models, { ignore: "dall-e-*, tts-*, gpt-4o-mini", whitelist: "" });
  assert.deepEqual(preview, { kept: ["gpt-4o"], dropped: ["gpt-4o-mini", "dall-e-3", "tts-1"] });
  assert.deepEqual(previewFilters(models, { ignore: "*", whitelist: "gpt-4o*" }).kept, [
    "gpt-4o",
    "gpt-4o-mini",
  ]);
  assert.deepEqual(renderFilterPreview(preview, 2), ["keeps 1: gpt-4o", "hides 3: gpt-4o-mini, dall-e-3, …"]);
});

Deno.test("nextKeyVariable() takes one past the highest index; variableHoldingKey() finds duplicates", () => {
  assert.equal(nextKeyVariable("openai", {}), "OPENAI_API_KEY_1");
  assert.equal(
    nextKeyVariable("nvidia_nim", { NVIDIA_NIM_API_KEY: "a", NVIDIA_NIM_API_KEY_3: "b" }),
    "NVIDIA_NIM_API_KEY_4",
  );
  assert.equal(nextKeyVariable("openai", { OPENAI_API_KEY_2_PRIORITY: "1" }), "OPENAI_API_KEY_1");
  assert.equal(variableHoldingKey("openai", "k1", { OPENAI_API_KEY_7: "k1" }), "OPENAI_API_KEY_7");
  assert.equal(variableHoldingKey("openai", "k1", { GROQ_API_KEY: "k1" }), null);
});

Deno.test("renderTable() aligns columns; formatDuration() reads like people write", () => {
  assert.deepEqual(renderTable(["A", "LONG"], [["xyz", "1"], ["q", "22"]]), [
    "A    LONG",
    "xyz  1",
    "q    22",
  ]);
  assert.deepEqual([
    formatDuration(400),
    formatDuration(59_000),
    formatDuration(61_000),
    formatDuration(7_260_000),
  ], [
    "1s",
    "59s",
    "1m 01s",
    "2h 01m",
  ]);
});
