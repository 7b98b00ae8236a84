/** Handing a draining Worker's counts over: what it counted since the baseline, added to another pool. */
import assert from "node:assert/strict";
import type { PoolSnapshot } from "../../../../lib/rotator/pool_snapshot.ts";
import { emptyCounters, type UsageCounters } from "../../../../lib/rotator/usage.ts";
import { usageSince, withUsage } from "../../../../lib/server/sandbox/usage_handover.ts";
import type { KeyState } from "../../../../lib/rotator/key_state.ts";

const AVAILABLE: KeyState = { status: "available" };

function counters(requests: number, promptTokens = 0): UsageCounters {
  return { ...emptyCounters(), requests, successes: requests, promptTokens };
}

function snapshot(
  scopes: Record<string, { requests: number; windowId?: number; window?: number; state?: KeyState }>,
): PoolSnapshot {
  const built: PoolSnapshot["credentials"][string]["scopes"] = {};
  for (
    const [scope, { requests, windowId = 7, window = requests, state = AVAILABLE }] of Object.entries(scopes)
  ) {
    built[scope] = {
      state,
      strikes: 0,
      usage: { windowId, window: counters(window, window * 10), totals: counters(requests, requests * 10) },
    };
  }
  return {
    version: 1,
    provider: "openai",
    savedAtMs: 0,
    providerState: AVAILABLE,
    credentials: { key1: { label: "…0001", disabled: AVAILABLE, scopes: built } },
  };
}

Deno.test("usageSince() keeps only what was counted after the baseline; nothing counted is null", () => {
  const baseline = snapshot({ "gpt-4o": { requests: 5 } });
  assert.equal(usageSince(baseline, snapshot({ "gpt-4o": { requests: 5 } })), null);
  const delta = usageSince(baseline, snapshot({ "gpt-4o": { requests: 7 }, "o3": { requests: 1 } }));
  assert.deepEqual(delta?.credentials.key1["gpt-4o"].totals, counters(2, 20));
  assert.deepEqual(delta?.credentials.key1["gpt-4o"].window, counters(2, 20));
  assert.deepEqual(delta?.credentials.key1.o3.totals, counters(1, 10));
});

Deno.test("usageSince() carries a rest taken while draining; a new window counts from zero", () => {
  const cooling: KeyState = { status: "cooling", untilMs: 9_000, reason: "rate_limit" };
  const delta = usageSince(
    snapshot({ "gpt-4o": { requests: 5 } }),
    snapshot({ "gpt-4o": { requests: 6, windowId: 8, window: 1, state: cooling } }),
  );
  assert.deepEqual(delta?.credentials.key1["gpt-4o"], {
    windowId: 8,
    window: counters(1, 10),
    totals: counters(1, 10),
    state: cooling,
  });
});

Deno.test("withUsage() adds the counts to the other pool and keeps the longer rest", () => {
  const cooling: KeyState = { status: "cooling", untilMs: 9_000, reason: "rate_limit" };
  const delta = usageSince(
    snapshot({ "gpt-4o": { requests: 5 } }),
    snapshot({ "gpt-4o": { requests: 7, state: cooling } }),
  )!;
  const merged = withUsage(snapshot({ "gpt-4o": { requests: 9 } }), delta);
  const scope = merged.credentials.key1.scopes["gpt-4o"];
  assert.deepEqual(scope.usage?.totals, counters(11, 110));
  assert.deepEqual(scope.usage?.window, counters(11, 110));
  assert.deepEqual(scope.state, cooling);
  // A credential the other pool no longer has is left out.
  const other = withUsage({ ...snapshot({}), credentials: {} }, delta);
  assert.deepEqual(other.credentials, {});
});
