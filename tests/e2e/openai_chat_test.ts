/**
 * End to end: the real proxy process on 127.0.0.1 in front of fake upstreams, driven by the official
 * `openai` client and by raw HTTP.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import OpenAI from "openai";
import {
  chatCompletion,
  chatCompletionChunks,
  defaultOpenAIHandler,
  jsonResponse,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const UPSTREAM_KEY_A = "sk-upstream-aaaaaaaaaaaaaaaa1111";
const UPSTREAM_KEY_B = "sk-upstream-bbbbbbbbbbbbbbbb2222";

Deno.test("proxy serves /v1/chat/completions end to end", async (t) => {
  const upstream = startFakeUpstream();
  const second = startFakeUpstream();
  const failing = startFakeUpstream();
  const proxy = await startProxy({
    env: {
      ROTATION_TOLERANCE: "0",
      SOLO_API_BASE: failing.baseUrl,
      SOLO_API_KEY: "sk-solo-eeeeeeeeeeeeeeee5555",
      MYLOCAL_API_BASE: upstream.baseUrl,
      MYLOCAL_API_KEY_1: UPSTREAM_KEY_A,
      MYLOCAL_API_KEY_2: UPSTREAM_KEY_B,
      OTHER_API_BASE: second.baseUrl,
      OTHER_API_KEY: "sk-other-cccccccccccccccc3333",
      TIMEOUT_READ_NON_STREAMING: "1",
      MAX_REQUEST_BODY_MB: "0.01",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      signal,
      headers: {
        "authorization": `Bearer ${TEST_PROXY_KEY}`,
        "content-type": "application/json",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const userMessage = [{ role: "user" as const, content: "Hi" }];

  try {
    await t.step("openai SDK gets a JSON completion; the body is passed through", async () => {
      upstream.requests.length = 0;
      const completion = await client.chat.completions.create({
        model: "mylocal/gpt-test",
        messages: userMessage,
        temperature: 0.2,
        seed: 7,
        // A field the proxy does not know must reach the upstream untouched.
        ...({ top_k: 40 } as Record<string, unknown>),
      });
      assert.equal(completion.choices[0].message.content, "Hello, world");
      assert.equal(upstream.requests.length, 1);
      const sent = upstream.requests[0];
      assert.equal(sent.path, "/v1/chat/completions");
      assert.equal(sent.json?.model, "gpt-test");
      assert.equal(sent.json?.temperature, 0.2);
      assert.equal(sent.json?.seed, 7);
      assert.equal(sent.json?.top_k, 40);
      assert.deepEqual(sent.json?.messages, userMessage);
      assert.match(sent.headers.get("authorization") ?? "", /^Bearer sk-upstream-/);
    });

    await t.step(
      "balanced rotation spreads sequential calls over the keys (ROTATION_TOLERANCE=0)",
      async () => {
        upstream.requests.length = 0;
        for (let index = 0; index < 4; index++) {
          await client.chat.completions.create({ model: "mylocal/gpt-test", messages: userMessage });
        }
        const keys = upstream.requests.map((request) => request.headers.get("authorization"));
        assert.deepEqual(new Set(keys), new Set([`Bearer ${UPSTREAM_KEY_A}`, `Bearer ${UPSTREAM_KEY_B}`]));
        assert.notEqual(keys[0], keys[1]);
        assert.equal(keys[0], keys[2]);
      },
    );

    await t.step("openai SDK streams chunks", async () => {
      const stream = await client.chat.completions.create({
        model: "mylocal/gpt-test",
        messages: userMessage,
        stream: true,
      });
      let text = "";
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(text, "Hello, world");
      assert.equal(finish, "stop");
    });

    await t.step(
      "raw stream forwards data: [DONE] and the first chunk before the upstream finishes",
      async () => {
        let release!: () => void;
        const released = new Promise<void>((resolve) => release = resolve);
        upstream.setHandler((request) => {
          if (request.json?.stream !== true) return defaultOpenAIHandler(request);
          const [first, ...rest] = chatCompletionChunks("gpt-test", ["early", " late"]);
          const encoder = new TextEncoder();
          return new Response(
            new ReadableStream({
              async start(controller) {
                controller.enqueue(encoder.encode(first));
                await released;
                for (const event of rest) controller.enqueue(encoder.encode(event));
                controller.close();
              },
            }),
            { headers: { "content-type": "text/event-stream" } },
          );
        });
        const response = await post({ model: "mylocal/gpt-test", messages: userMessage, stream: true });
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        const firstRead = await reader.read();
        assert.match(decoder.decode(firstRead.value), /"role":"assistant"/);
        release();
        let rest = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          rest += decoder.decode(value, { stream: true });
        }
        assert.match(rest, /"content":"early"/);
        assert.match(rest, /data: \[DONE\]\n\n$/);
        upstream.setHandler(defaultOpenAIHandler);
      },
    );

    await t.step("a client disconnect cancels the upstream stream at once", async () => {
      let cancelled!: () => void;
      const upstreamCancelled = new Promise<void>((resolve) => cancelled = resolve);
      upstream.setHandler((request) => {
        const encoder = new TextEncoder();
        const first = chatCompletionChunks("gpt-test", ["x"])[0];
        let timer: ReturnType<typeof setInterval> | undefined;
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(encoder.encode(first));
              // Keep the stream open with a heartbeat until it is cancelled.
              timer = setInterval(() => controller.enqueue(encoder.encode(": ping\n\n")), 50);
              request.headers; // keep request referenced
            },
            cancel() {
              clearInterval(timer);
              cancelled();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      });
      const controller = new AbortController();
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "authorization": `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mylocal/gpt-test", messages: userMessage, stream: true }),
        signal: controller.signal,
      });
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => {});
      const outcome = await Promise.race([
        upstreamCancelled.then(() => "cancelled"),
        new Promise((resolve) => setTimeout(() => resolve("still running"), 5000)),
      ]);
      assert.equal(outcome, "cancelled");
      upstream.setHandler(defaultOpenAIHandler);
    });

    await t.step("a client that leaves before a JSON answer cancels the upstream call", async () => {
      let aborted!: () => void;
      const upstreamAborted = new Promise<void>((resolve) => aborted = resolve);
      let reached!: () => void;
      const upstreamReached = new Promise<void>((resolve) => reached = resolve);
      upstream.setHandler((_request, raw) =>
        // Answers only once the proxy gives up on the call.
        new Promise<Response>((resolve) => {
          reached();
          raw.signal.addEventListener("abort", () => {
            aborted();
            resolve(new Response(null, { status: 499 }));
          });
        })
      );
      const controller = new AbortController();
      const pending = post({ model: "mylocal/gpt-test", messages: userMessage }, {}, controller.signal);
      await upstreamReached;
      controller.abort();
      await pending.catch(() => {});
      const outcome = await Promise.race([
        upstreamAborted.then(() => "cancelled"),
        new Promise((resolve) => setTimeout(() => resolve("still running"), 5000)),
      ]);
      assert.equal(outcome, "cancelled");
      upstream.setHandler(defaultOpenAIHandler);
    });

    await t.step(
      "a stream that breaks after output began ends with an error event, not a silent cut",
      async () => {
        upstream.setHandler(() => {
          const encoder = new TextEncoder();
          return new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(encoder.encode(chatCompletionChunks("gpt-test", ["part"])[1]));
                setTimeout(() => controller.error(new Error("boom")), 20);
              },
            }),
            { headers: { "content-type": "text/event-stream" } },
          );
        });
        const stream = await client.chat.completions.create({
          model: "mylocal/gpt-test",
          messages: userMessage,
          stream: true,
        });
        let text = "";
        await assert.rejects(async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        }, (error: Error) => /upstream/.test(error.message));
        assert.equal(text, "part");
        upstream.setHandler(defaultOpenAIHandler);
      },
    );

    await t.step("client-supplied routing fields never redirect the call (SSRF)", async () => {
      upstream.requests.length = 0;
      second.requests.length = 0;
      const response = await post({
        model: "mylocal/gpt-test",
        messages: userMessage,
        api_base: second.baseUrl,
        base_url: second.baseUrl,
        api_key: "sk-attacker",
        headers: { authorization: "Bearer sk-attacker" },
        extra_headers: { "x-evil": "1" },
        custom_llm_provider: "other",
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      assert.equal(second.requests.length, 0);
      assert.equal(upstream.requests.length, 1);
      const sent = upstream.requests[0];
      for (
        const field of ["api_base", "base_url", "api_key", "headers", "extra_headers", "custom_llm_provider"]
      ) {
        assert.equal(field in (sent.json ?? {}), false, `${field} was forwarded`);
      }
      assert.equal(sent.headers.get("x-evil"), null);
      assert.match(sent.headers.get("authorization") ?? "", /^Bearer sk-upstream-/);
    });

    await t.step(
      "x-api-key authenticates too; a missing or wrong key is a 401 in OpenAI's shape",
      async () => {
        const viaHeader = await post({ model: "mylocal/gpt-test", messages: userMessage }, {
          authorization: "",
          "x-api-key": TEST_PROXY_KEY,
        });
        assert.equal(viaHeader.status, 200);
        await viaHeader.body?.cancel();
        for (const headers of [{ authorization: "" }, { authorization: "Bearer wrong-key" }]) {
          const response = await post({ model: "mylocal/gpt-test", messages: userMessage }, headers);
          assert.equal(response.status, 401);
          const body = await response.json();
          assert.equal(body.error.type, "authentication_error");
          assert.equal(typeof body.error.message, "string");
          assert.ok("param" in body.error && "code" in body.error);
        }
        const models = await fetch(`${proxy.url}/v1/models`);
        assert.equal(models.status, 401);
        await models.body?.cancel();
      },
    );

    await t.step("bad input gets clear 400/404/413 errors", async () => {
      const malformed = await post("{not json");
      assert.equal(malformed.status, 400);
      assert.match((await malformed.json()).error.message, /not valid JSON/);

      const noMessages = await post({ model: "mylocal/gpt-test" });
      assert.equal(noMessages.status, 400);
      const noMessagesBody = await noMessages.json();
      assert.equal(noMessagesBody.error.param, "messages");
      assert.match(noMessagesBody.error.message, /^messages: /);

      const badRole = await post({ model: "mylocal/gpt-test", messages: [{ content: "x" }] });
      assert.equal(badRole.status, 400);
      assert.equal((await badRole.json()).error.param, "messages.0.role");

      const unknownProvider = await post({ model: "nowhere/gpt-test", messages: userMessage });
      assert.equal(unknownProvider.status, 404);
      const unknownBody = await unknownProvider.json();
      assert.equal(unknownBody.error.code, "model_not_found");
      assert.match(unknownBody.error.message, /configured providers: mylocal, other, solo/);

      const unknownRoute = await fetch(`${proxy.url}/v1/nothing-here`, {
        headers: { authorization: `Bearer ${TEST_PROXY_KEY}` },
      });
      assert.equal(unknownRoute.status, 404);
      assert.equal(typeof (await unknownRoute.json()).error.message, "string");

      const big = await post({
        model: "mylocal/gpt-test",
        messages: [{ role: "user", content: "x".repeat(20_000) }],
      });
      assert.equal(big.status, 413);
      assert.match((await big.json()).error.message, /MAX_REQUEST_BODY_MB/);
    });

    await t.step("content-encoding and content-length of the upstream are not relayed", async () => {
      upstream.setHandler(() =>
        new Response(new Uint8Array(gzipSync(JSON.stringify(chatCompletion("gpt-test", "zipped")))), {
          headers: {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "connection": "keep-alive",
          },
        })
      );
      const response = await post({ model: "mylocal/gpt-test", messages: userMessage });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-encoding"), null);
      assert.equal((await response.json()).choices[0].message.content, "zipped");
      upstream.setHandler(defaultOpenAIHandler);
    });

    await t.step("upstream failures map to 4xx pass-through, 502, 503 and 504", async () => {
      failing.setHandler(() =>
        jsonResponse(
          { error: { message: "Invalid value for 'temperature'", type: "invalid_request_error" } },
          400,
        )
      );
      const rejected = await post({ model: "solo/gpt-test", messages: userMessage });
      assert.equal(rejected.status, 400);
      assert.match((await rejected.json()).error.message, /Invalid value for 'temperature'/);

      failing.setHandler(() => jsonResponse({ error: { message: "boom" } }, 500));
      const broken = await post({ model: "solo/gpt-test", messages: userMessage });
      assert.equal(broken.status, 502);
      assert.equal((await broken.json()).error.code, "upstream_error");

      failing.setHandler(() =>
        new Promise<Response>((resolve) => setTimeout(() => resolve(jsonResponse({})), 3000))
      );
      const slow = await post({ model: "solo/gpt-test", messages: userMessage });
      assert.equal(slow.status, 504);
      assert.equal((await slow.json()).error.code, "upstream_timeout");
      await second.close();
      const unreachable = await post({ model: "other/gpt-test", messages: userMessage });
      assert.equal(unreachable.status, 503);
      assert.equal((await unreachable.json()).error.code, "upstream_unreachable");
    });

    await t.step("the access log names the call and never a secret", () => {
      const output = proxy.output();
      assert.match(output, /POST \/v1\/chat\/completions mylocal\/gpt-test 200 [\d.]+ms key=…/);
      for (
        const secret of [TEST_PROXY_KEY, UPSTREAM_KEY_A, UPSTREAM_KEY_B, "sk-other-cccccccccccccccc3333"]
      ) {
        assert.equal(output.includes(secret), false, "a secret reached the log");
      }
    });
  } finally {
    await proxy.stop();
    await upstream.close();
    await failing.close();
    await second.close().catch(() => {});
  }
});

Deno.test("proxy lists models, one model and providers", async () => {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: {
      MYLOCAL_API_BASE: upstream.baseUrl,
      MYLOCAL_API_KEY: UPSTREAM_KEY_A,
      OPENROUTER_API_BASE: upstream.baseUrl,
      OPENROUTER_API_KEY_1: UPSTREAM_KEY_B,
      OPENROUTER_API_KEY_2: "sk-or-dddddddddddddddd4444",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), [
      "mylocal/gpt-test",
      "mylocal/vendor/nested-model",
      "openrouter/gpt-test",
      "openrouter/vendor/nested-model",
    ]);
    const listings = upstream.requests.filter((request) => request.path === "/v1/models").length;
    assert.equal(listings, 2);
    // Cached: a second listing does not call the upstreams again.
    await client.models.list();
    assert.equal(upstream.requests.filter((request) => request.path === "/v1/models").length, listings);

    const nested = await client.models.retrieve("openrouter/vendor/nested-model");
    assert.equal(nested.id, "openrouter/vendor/nested-model");
    assert.equal(nested.owned_by, "vendor");
    await assert.rejects(
      client.models.retrieve("openrouter/missing"),
      (error: Error) => /404/.test(error.message),
    );

    const providers = await fetch(`${proxy.url}/v1/providers`, { headers: { "x-api-key": TEST_PROXY_KEY } });
    const text = await providers.text();
    assert.equal(text.includes("sk-"), false, "a key leaked into /v1/providers");
    const list = JSON.parse(text).data;
    assert.deepEqual(
      list.map((provider: { id: string; credentials: number }) => [provider.id, provider.credentials]),
      [
        ["mylocal", 1],
        ["openrouter", 2],
      ],
    );

    const status = await fetch(`${proxy.url}/`);
    assert.equal(status.status, 200);
    assert.equal((await status.json()).status, "ok");

    // A nested OpenRouter id keeps its vendor part upstream.
    upstream.requests.length = 0;
    await client.chat.completions.create({
      model: "openrouter/anthropic/claude-3-opus",
      messages: [{ role: "user", content: "Hi" }],
    });
    assert.equal(upstream.requests[0].json?.model, "anthropic/claude-3-opus");
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("proxy streams each chunk as the upstream sends it", async () => {
  const upstream = startFakeUpstream((request) =>
    request.json?.stream
      ? sseResponse(chatCompletionChunks("m", ["a", "b", "c"]), 30)
      : defaultOpenAIHandler(request)
  );
  const proxy = await startProxy({
    env: { MYLOCAL_API_BASE: upstream.baseUrl, MYLOCAL_API_KEY: UPSTREAM_KEY_A },
  });
  try {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ model: "mylocal/m", messages: [{ role: "user", content: "x" }], stream: true }),
    });
    const reads: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) reads.push(decoder.decode(chunk));
    // Six events spaced 30 ms apart arrive as separate reads, not one buffered blob.
    assert.ok(reads.length >= 4, `expected incremental reads, got ${reads.length}`);
    assert.equal(reads.join(""), chatCompletionChunks("m", ["a", "b", "c"]).join(""));
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
