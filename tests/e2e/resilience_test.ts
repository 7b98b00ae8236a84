/**
 * End to end: stalled bodies, clients that leave and streams cut short never hold a key, punish a key
 * for the client's departure, or end as an empty success.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  anthropicStreamEvents,
  jsonResponse,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { eventually } from "../helpers/wait.ts";

/** A response whose headers arrive but whose body never does (until the connection is dropped). */
function stalled(status: number): Response {
  return new Response(new ReadableStream({ start() {} }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function keyState(url: string, provider: string) {
  const response = await fetch(`${url}/v1/quota-stats?provider=${provider}`, {
    headers: { "x-api-key": TEST_PROXY_KEY },
  });
  const credential = (await response.json()).providers[provider].credentials[0];
  return { inFlight: credential.in_flight, modelState: credential.models?.m?.state ?? "available" };
}

Deno.test("resilience: stalled bodies, departed clients and cut streams", async (t) => {
  let mode: "stall-error" | "stall-ok" | "ok" = "ok";
  const openaiUpstream = startFakeUpstream(() =>
    mode === "stall-error" ? stalled(500) : mode === "stall-ok" ? stalled(200) : jsonResponse({
      id: "x",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "fine" }, finish_reason: "stop" }],
    })
  );
  // An Anthropic-native upstream that closes its stream before message_delta / message_stop.
  const cut = anthropicStreamEvents("claude-x", ["partial"]).slice(0, 4);
  const anthropicUpstream = startFakeUpstream(() => sseResponse(cut));
  const proxy = await startProxy({
    env: {
      SLOW_API_BASE: openaiUpstream.baseUrl,
      SLOW_API_KEY: "sk-slow-aaaaaaaaaaaaaaaa",
      TIMEOUT_READ_NON_STREAMING: "1",
      ANTHROPIC_API_BASE: anthropicUpstream.origin,
      ANTHROPIC_API_KEY: "sk-ant-bbbbbbbbbbbbbbbb",
    },
  });
  const post = (signal?: AbortSignal) =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      signal,
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ model: "slow/m", messages: [{ role: "user", content: "x" }] }),
    });
  try {
    await t.step("an error answer whose body stalls times out and frees the key", async () => {
      mode = "stall-error";
      const started = Date.now();
      const response = await post();
      assert.ok(response.status >= 500, String(response.status));
      await response.body?.cancel();
      assert.ok(Date.now() - started < 10_000);
      assert.deepEqual((await keyState(proxy.url, "slow")).inFlight, {});
    });

    await t.step("a client that leaves during a JSON answer frees the key without cooling it", async () => {
      mode = "stall-ok";
      const controller = new AbortController();
      const pending = post(controller.signal).catch(() => null);
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await pending;
      // The proxy notices the departure on its own time; a loaded machine may take a while.
      const state = await eventually(async () => {
        const state = await keyState(proxy.url, "slow");
        return Object.keys(state.inFlight).length === 0 ? state : undefined;
      }, { what: "the key's release" });
      assert.equal(state.modelState, "available", "the key was cooled for the client's departure");
      mode = "ok";
    });

    await t.step(
      "a translated stream cut short is an error for OpenAI clients, not an empty success",
      async () => {
        const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
        const stream = await client.chat.completions.create({
          model: "anthropic/claude-x",
          messages: [{ role: "user", content: "x" }],
          stream: true,
        });
        let text = "";
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        }, /ended before the response was complete/);
        assert.equal(text, "partial");
      },
    );

    await t.step("a malformed model id is a 400, not a 500", async () => {
      const response = await fetch(`${proxy.url}/v1/models/openai%2`, {
        headers: { "x-api-key": TEST_PROXY_KEY },
      });
      assert.equal(response.status, 400);
      await response.body?.cancel();
    });
  } finally {
    await proxy.stop();
    await openaiUpstream.close().catch(() => {});
    await anthropicUpstream.close();
  }
});
