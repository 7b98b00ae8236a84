/**
 * End to end: the real proxy process with a pool of three keys in front of a fake upstream that records
 * which key each call used. A conversation's session hint (OpenAI's `prompt_cache_key` or `user`,
 * Anthropic's `metadata.user_id`) keeps it on one key, where the provider's prompt cache is; calls without
 * one are spread over the pool as before.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { startRedis } from "../helpers/redis_server.ts";

const KEYS = ["sk-pool-aaaaaaaaaaaaaaaa1111", "sk-pool-bbbbbbbbbbbbbbbb2222", "sk-pool-cccccccccccccccc3333"];

async function withProxy(
  env: Record<string, string>,
  run: (clients: { openai: OpenAI; anthropic: Anthropic; keyOfLastCall: () => string }) => Promise<void>,
) {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: {
      ROTATION_TOLERANCE: "0",
      POOL_API_BASE: upstream.baseUrl,
      POOL_API_KEY_1: KEYS[0],
      POOL_API_KEY_2: KEYS[1],
      POOL_API_KEY_3: KEYS[2],
      ...env,
    },
  });
  try {
    await run({
      openai: new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }),
      anthropic: new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 }),
      keyOfLastCall: () => upstream.requests.at(-1)!.headers.get("authorization")!.replace("Bearer ", ""),
    });
  } finally {
    await proxy.stop();
    await upstream.close();
  }
}

const messages = [{ role: "user" as const, content: "Hi" }];

Deno.test("session affinity: each client's session hint keeps its conversation on one key", async () => {
  await withProxy({}, async ({ openai, anthropic, keyOfLastCall }) => {
    const chat = (hint: { prompt_cache_key?: string; user?: string } = {}) =>
      openai.chat.completions.create({ model: "pool/m", messages, ...hint });
    const responses = () =>
      openai.responses.create({ model: "pool/m", input: "Hi", prompt_cache_key: "resp-1" });
    const claude = () =>
      anthropic.messages.create({
        model: "pool/m",
        max_tokens: 50,
        messages,
        metadata: { user_id: "user_abc_account_def_session_0123" },
      });
    const sessions: Record<string, () => Promise<unknown>> = {
      "chat prompt_cache_key": () => chat({ prompt_cache_key: "chat-1" }),
      "chat user": () => chat({ user: "someone@example.com" }),
      "responses prompt_cache_key": responses,
      "anthropic metadata.user_id": claude,
    };
    const keyOf: Record<string, string> = {};
    const unhinted = new Set<string>();
    for (let round = 0; round < 3; round++) {
      for (const [name, send] of Object.entries(sessions)) {
        await send();
        keyOf[name] ??= keyOfLastCall();
        assert.equal(keyOfLastCall(), keyOf[name], `${name}, round ${round + 1}`);
        // A call without a hint in between moves the least used key around the pool.
        await chat();
        unhinted.add(keyOfLastCall());
      }
    }
    assert.equal(unhinted.size, 3, "calls without a session hint are spread over every key");
  });
});

Deno.test("session affinity: SESSION_AFFINITY=false spreads a session's calls as any others", async () => {
  await withProxy({ SESSION_AFFINITY: "false" }, async ({ openai, keyOfLastCall }) => {
    const used = new Set<string>();
    for (let turn = 0; turn < 3; turn++) {
      await openai.chat.completions.create({ model: "pool/m", messages, prompt_cache_key: "chat-1" });
      used.add(keyOfLastCall());
    }
    assert.equal(used.size, 3);
  });
});

Deno.test("session affinity: with STATE_STORE=redis the session's key is leased first through the store", async () => {
  const redis = await startRedis();
  try {
    const env = { STATE_STORE: redis.url, STATE_STORE_PREFIX: `s${crypto.randomUUID().slice(0, 6)}` };
    await withProxy(env, async ({ openai, keyOfLastCall }) => {
      const sessionKeys = new Set<string>();
      const others = new Set<string>();
      for (let turn = 0; turn < 3; turn++) {
        await openai.chat.completions.create({ model: "pool/m", messages, prompt_cache_key: "chat-1" });
        sessionKeys.add(keyOfLastCall());
        await openai.chat.completions.create({ model: "pool/m", messages });
        others.add(keyOfLastCall());
      }
      assert.equal(sessionKeys.size, 1);
      assert.ok(others.size > 1, "calls without a hint still move around the pool");
    });
  } finally {
    await redis.stop();
  }
});
