/**
 * Session affinity behind a load balancer: two proxy processes share a real redis-server, and a
 * conversation whose turns alternate between them stays on the key that served its first turn.
 */
import assert from "node:assert/strict";
import { chatCompletion, jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { type ProxyProcess, startProxy } from "../helpers/proxy_process.ts";
import { startRedis } from "../helpers/redis_server.ts";

const KEYS = ["sk-sess-aaaaaaaaaaaaaaaa1111", "sk-sess-bbbbbbbbbbbbbbbb2222", "sk-sess-cccccccccccccccc3333"];

async function turn(proxy: ProxyProcess, session: string | null): Promise<void> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "pool/m",
      messages: [{ role: "user", content: "Hi" }],
      ...(session === null ? {} : { prompt_cache_key: session }),
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  await response.body?.cancel();
}

Deno.test("shared sessions: a conversation alternating between two instances stays on one key", async () => {
  const redis = await startRedis();
  const upstream = startFakeUpstream();
  upstream.setHandler(() => jsonResponse(chatCompletion("m", "ok")));
  const env = {
    STATE_STORE: redis.url,
    STATE_STORE_PREFIX: `s${crypto.randomUUID().slice(0, 6)}`,
    PROXY_LOG_LEVEL: "warn",
    POOL_API_BASE: upstream.baseUrl,
    POOL_API_KEY_1: KEYS[0],
    POOL_API_KEY_2: KEYS[1],
    POOL_API_KEY_3: KEYS[2],
  };
  const a = await startProxy({ env });
  const b = await startProxy({ env });
  const keyOfLastCall = () => upstream.requests.at(-1)!.headers.get("authorization")!.replace("Bearer ", "");
  try {
    const keysOf = new Map<string, Set<string>>();
    for (let round = 0; round < 4; round++) {
      for (let session = 0; session < 6; session++) {
        const name = `conversation-${session}`;
        // The balancer sends turns of a conversation to either instance; calls without a hint in between
        // move each instance's own preference around.
        await turn((round + session) % 2 === 0 ? a : b, name);
        keysOf.set(name, (keysOf.get(name) ?? new Set()).add(keyOfLastCall()));
        await turn(session % 2 === 0 ? b : a, null);
      }
    }
    for (const [name, keys] of keysOf) assert.equal(keys.size, 1, `${name} used ${[...keys].join(", ")}`);
    const firstKeys = new Set([...keysOf.values()].map((keys) => [...keys][0]));
    assert.ok(firstKeys.size > 1, "different conversations are spread over the pool");
    for (const proxy of [a, b]) {
      assert.ok(!proxy.output().includes("conversation-"), "hints are never logged");
    }
  } finally {
    await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
    await upstream.close();
    await redis.stop();
  }
});
