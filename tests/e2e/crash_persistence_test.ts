/**
 * End to end: a cooldown survives `kill -9`. State changes are written at once (usage counts may wait
 * for the ≤5 s debounce), so a proxy killed right after a key was cooled still knows it on restart.
 */
import assert from "node:assert/strict";
import { jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { chatCompletion } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { eventually } from "../helpers/wait.ts";

const LIMITED = "sk-crash-aaaaaaaaaaaaaaaa-1";
const SPARE = "sk-crash-bbbbbbbbbbbbbbbb-2";

Deno.test("a 30 s cooldown is on disk within the debounce window and survives kill -9", async () => {
  const upstream = startFakeUpstream((request) =>
    request.headers.get("authorization") === `Bearer ${LIMITED}`
      ? jsonResponse({ error: { message: "Rate limit reached", type: "requests" } }, 429, {
        "retry-after": "30",
      })
      : jsonResponse(chatCompletion("m", "fine"))
  );
  const env = {
    CRASH_API_BASE: upstream.baseUrl,
    CRASH_API_KEY_1: LIMITED,
    CRASH_API_KEY_1_PRIORITY: "1",
    CRASH_API_KEY_2: SPARE,
    CRASH_API_KEY_2_PRIORITY: "2",
  };
  let proxy = await startProxy({ env });
  const { dataDir } = proxy;
  try {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ model: "crash/m", messages: [{ role: "user", content: "x" }] }),
    });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    const answeredAt = Date.now();
    // Written at once: well before the 5 s usage debounce would have written it.
    await eventually(async () => {
      const text = await Deno.readTextFile(`${dataDir}/usage/usage_crash.json`).catch(() => "");
      return text.includes('"rate_limit"') ? true : undefined;
    }, { timeoutMs: 4_000, what: "the cooldown's write" });
    assert.ok(Date.now() - answeredAt < 4_000);
    const status = await proxy.stop("SIGKILL");
    assert.notEqual(status.code, 0);

    proxy = await startProxy({ env, dataDir });
    const stats = await (await fetch(`${proxy.url}/v1/quota-stats?provider=crash`, {
      headers: { "x-api-key": TEST_PROXY_KEY },
    })).json();
    const limited = stats.providers.crash.credentials.find((credential: { key: string }) =>
      credential.key.endsWith(LIMITED.slice(-4))
    );
    assert.equal(limited.models.m.state, "cooling", JSON.stringify(limited));
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
