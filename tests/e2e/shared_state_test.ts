/**
 * Two proxy processes spending one pool through a real redis-server (`STATE_STORE=redis://…`): shared
 * concurrency caps, shared cooldowns, summed usage, slots of a killed instance coming back, and both
 * instances serving through a Redis outage.
 */
import assert from "node:assert/strict";
import { chatCompletion, jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { type ProxyProcess, startProxy } from "../helpers/proxy_process.ts";
import { startRedis } from "../helpers/redis_server.ts";
import { eventually } from "../helpers/wait.ts";

const KEYS = ["sk-shared-key-one-0123456789", "sk-shared-key-two-0123456789"];

function chat(proxy: ProxyProcess, content = "hi"): Promise<Response> {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }] }),
  });
}

/** Two instances on one Redis and one fake upstream. */
async function twoInstances(env: Record<string, string>, keys: readonly string[] = KEYS) {
  const redis = await startRedis();
  const upstream = startFakeUpstream();
  const shared: Record<string, string> = {
    STATE_STORE: redis.url,
    STATE_STORE_PREFIX: `t${crypto.randomUUID().slice(0, 6)}`,
    OPENAI_API_BASE: upstream.baseUrl,
    PROXY_LOG_LEVEL: "warn",
    ...Object.fromEntries(keys.map((key, index) => [`OPENAI_API_KEY_${index + 1}`, key])),
    ...env,
  };
  const a = await startProxy({ env: shared });
  const b = await startProxy({ env: shared });
  return {
    redis,
    upstream,
    a,
    b,
    async close() {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      await upstream.close();
      await redis.stop();
    },
  };
}

Deno.test("two instances never exceed a cap of 2 calls per key together", async () => {
  const setup = await twoInstances({ MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI: "2", GLOBAL_TIMEOUT: "60" });
  const inFlight = new Map<string, number>();
  const highest = new Map<string, number>();
  setup.upstream.setHandler(async (request) => {
    const key = request.headers.get("authorization") ?? "";
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    highest.set(key, Math.max(highest.get(key) ?? 0, inFlight.get(key)!));
    await new Promise((resolve) => setTimeout(resolve, 40));
    inFlight.set(key, inFlight.get(key)! - 1);
    return jsonResponse(chatCompletion("gpt-4o-mini", "ok"));
  });
  try {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, index) => chat(index % 2 === 0 ? setup.a : setup.b, `call ${index}`)),
    );
    const statuses = await Promise.all(responses.map(async (response) => {
      await response.body?.cancel();
      return response.status;
    }));
    assert.deepEqual(statuses.filter((status) => status !== 200), []);
    assert.equal(highest.size, 2, "both keys served");
    for (const [key, most] of highest) assert.ok(most <= 2, `${key.slice(-6)} carried ${most} calls at once`);
    assert.ok(
      [...highest.values()].some((most) => most === 2),
      "the cap was reached (the test had contention)",
    );
  } finally {
    await setup.close();
  }
});

Deno.test("a 429 with Retry-After seen by instance A keeps instance B off that key until the reset", async () => {
  const setup = await twoInstances({});
  const [first] = KEYS;
  setup.upstream.setHandler((request) => {
    if (request.headers.get("authorization") === `Bearer ${first}`) {
      return jsonResponse({ error: { message: "rate limited", type: "rate_limit_error" } }, 429, {
        "retry-after": "120",
      });
    }
    return jsonResponse(chatCompletion("gpt-4o-mini", "ok"));
  });
  try {
    // A meets the 429 on the first key (balanced selection may need a few calls to try it).
    await eventually(async () => {
      const response = await chat(setup.a);
      await response.body?.cancel();
      return setup.upstream.requests.some((request) =>
          request.headers.get("authorization") === `Bearer ${first}`
        )
        ? true
        : undefined;
    }, { what: "instance A trying the first key", timeoutMs: 10_000 });
    const seen = setup.upstream.requests.length;
    for (let index = 0; index < 6; index++) {
      const response = await chat(setup.b);
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const usedByB = setup.upstream.requests.slice(seen).map((request) =>
      request.headers.get("authorization")
    );
    assert.equal(usedByB.length, 6);
    assert.ok(usedByB.every((key) => key === `Bearer ${KEYS[1]}`), `B used ${usedByB.join(", ")}`);
    // B shows the rest it learned from A.
    const stats = await (await fetch(`${setup.b.url}/v1/quota-stats?provider=openai`, {
      headers: { authorization: `Bearer ${setup.b.apiKey}` },
    })).json();
    const cooled = stats.providers.openai.credentials.find((credential: { key: string }) =>
      credential.key.endsWith(first.slice(-4))
    );
    assert.equal(cooled.models["gpt-4o-mini"].state, "cooling");
  } finally {
    await setup.close();
  }
});

Deno.test("/v1/quota-stats on either instance shows the usage of both", async () => {
  const setup = await twoInstances({}, [KEYS[0]]);
  try {
    for (const proxy of [setup.a, setup.a, setup.a, setup.b, setup.b]) {
      const response = await chat(proxy);
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    for (const proxy of [setup.a, setup.b]) {
      const requests = await eventually(async () => {
        const stats = await (await fetch(`${proxy.url}/v1/quota-stats?provider=openai`, {
          headers: { authorization: `Bearer ${proxy.apiKey}` },
        })).json();
        const count = stats.providers.openai.credentials[0].totals.requests;
        return count === 5 ? count : undefined;
      }, { what: "five requests counted" });
      assert.equal(requests, 5);
    }
  } finally {
    await setup.close();
  }
});

Deno.test("the slots of an instance killed with -9 come back to the other after the lease expiry", async () => {
  const setup = await twoInstances({
    MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI: "1",
    STATE_STORE_LEASE_TTL: "2",
    GLOBAL_TIMEOUT: "20",
    TIMEOUT_CONNECT: "20",
  }, [KEYS[0]]);
  let hang = true;
  let letGo = () => {};
  const gate = new Promise<void>((resolve) => letGo = resolve);
  setup.upstream.setHandler(async () => {
    if (hang) await gate;
    return jsonResponse(chatCompletion("gpt-4o-mini", "ok"));
  });
  try {
    // A takes the only slot and its call hangs upstream.
    const held = chat(setup.a).catch(() => null);
    await eventually(() => setup.upstream.requests.length === 1 ? true : undefined, { what: "A's call" });
    await setup.a.stop("SIGKILL");
    await held;
    hang = false;
    const startedAt = Date.now();
    const response = await chat(setup.b);
    assert.equal(response.status, 200, await response.clone().text());
    await response.body?.cancel();
    // B waited for the lease to expire (2 s), not for the global timeout.
    assert.ok(Date.now() - startedAt < 15_000);
  } finally {
    letGo();
    await setup.close();
  }
});

Deno.test("both instances keep serving while Redis is down, and share rests again once it is back", async () => {
  const setup = await twoInstances({}, [KEYS[0], KEYS[1]]);
  try {
    await setup.redis.stop();
    for (const proxy of [setup.a, setup.b, setup.a, setup.b]) {
      const response = await chat(proxy);
      assert.equal(response.status, 200, await response.clone().text());
      await response.body?.cancel();
    }
    // While it is away, A learns a long rest of the first key on its own.
    setup.upstream.setHandler((request) =>
      request.headers.get("authorization") === `Bearer ${KEYS[0]}`
        ? jsonResponse({ error: { message: "rate limited" } }, 429, { "retry-after": "300" })
        : jsonResponse(chatCompletion("gpt-4o-mini", "ok"))
    );
    await eventually(async () => {
      const response = await chat(setup.a);
      await response.body?.cancel();
      return setup.upstream.requests.some((request, index) =>
          index >= 4 && request.headers.get("authorization") === `Bearer ${KEYS[0]}`
        )
        ? true
        : undefined;
    }, { what: "A resting the first key", timeoutMs: 10_000 });
    await setup.redis.restart();
    // A writes its rest back when Redis returns; B then stays off that key.
    await eventually(async () => {
      const stats = await (await fetch(`${setup.b.url}/v1/quota-stats?provider=openai`, {
        headers: { authorization: `Bearer ${setup.b.apiKey}` },
      })).json();
      const first = stats.providers.openai.credentials.find((credential: { key: string }) =>
        credential.key.endsWith(KEYS[0].slice(-4))
      );
      return first.models["gpt-4o-mini"]?.state === "cooling" ? true : undefined;
    }, { what: "B learning A's rest after the outage", timeoutMs: 15_000 });
    assert.equal(setup.a.output().match(/state store is unreachable/g)?.length, 1, setup.a.output());
  } finally {
    await setup.close();
  }
});

Deno.test("an unreachable Redis at start is refused unless STATE_STORE_FALLBACK=local", async () => {
  const redis = await startRedis();
  await redis.stop();
  await assert.rejects(
    startProxy({ env: { STATE_STORE: redis.url, OPENAI_API_KEY: KEYS[0] } }),
    /STATE_STORE: cannot reach the state store/,
  );
  const proxy = await startProxy({
    env: { STATE_STORE: redis.url, STATE_STORE_FALLBACK: "local", OPENAI_API_KEY: KEYS[0] },
  });
  await proxy.stop();
});

Deno.test("a response stored through instance A is followed up through instance B (previous_response_id)", async () => {
  const setup = await twoInstances({}, [KEYS[0]]);
  try {
    const post = (proxy: ProxyProcess, body: Record<string, unknown>) =>
      fetch(`${proxy.url}/v1/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", ...body }),
      });
    const first = await post(setup.a, { input: "My name is Ada." });
    assert.equal(first.status, 200, await first.clone().text());
    const { id } = await first.json();
    const second = await post(setup.b, { input: "What is my name?", previous_response_id: id });
    assert.equal(second.status, 200, await second.clone().text());
    await second.body?.cancel();
    // B sent the whole conversation upstream: A's turn included.
    const last = setup.upstream.requests.at(-1)!.json as { messages: Array<{ content: unknown }> };
    assert.match(JSON.stringify(last.messages), /My name is Ada/);
    const read = await fetch(`${setup.b.url}/v1/responses/${id}`, {
      headers: { authorization: `Bearer ${setup.b.apiKey}` },
    });
    assert.equal(read.status, 200);
    await read.body?.cancel();
  } finally {
    await setup.close();
  }
});
