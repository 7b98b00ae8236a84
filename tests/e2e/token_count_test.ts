/**
 * End to end: `POST /v1/token-count` asks the provider's own count endpoint (Gemini's `:countTokens`,
 * Anthropic's `/v1/messages/count_tokens`) for `{model, messages}` and `{model, text}` alike, and falls back
 * to the bundled tokenizer, saying so, when that call fails.
 */
import assert from "node:assert/strict";
import { jsonResponse, type RecordedRequest, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

function geminiCounter(request: RecordedRequest): Response {
  if (request.path.includes("gemini-broken")) {
    return jsonResponse({ error: { code: 500, message: "internal", status: "INTERNAL" } }, 500);
  }
  if (request.path.endsWith(":countTokens")) return jsonResponse({ totalTokens: 777 });
  return jsonResponse({ error: { code: 404, message: "no such method", status: "NOT_FOUND" } }, 404);
}

function anthropicCounter(request: RecordedRequest): Response {
  if (request.path === "/v1/messages/count_tokens") return jsonResponse({ input_tokens: 4242 });
  return jsonResponse({ type: "error", error: { type: "not_found_error", message: "no" } }, 404);
}

async function count(url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/v1/token-count`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  return json;
}

Deno.test("/v1/token-count asks Gemini's and Anthropic's own count endpoints, and estimates when they fail", async () => {
  const gemini = startFakeUpstream(geminiCounter);
  const anthropic = startFakeUpstream(anthropicCounter);
  const proxy = await startProxy({
    env: {
      GEMINI_API_BASE: gemini.origin,
      GEMINI_API_KEY: "AIzaSy-count-test-key-0123456789",
      ANTHROPIC_API_BASE: anthropic.origin,
      ANTHROPIC_API_KEY: "sk-ant-api03-count-test-0000000001",
    },
  });
  try {
    const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }];
    assert.deepEqual(await count(proxy.url, { model: "gemini/gemini-test", messages }), {
      object: "token_count",
      model: "gemini/gemini-test",
      input_tokens: 777,
      method: "provider",
    });
    const [asked] = gemini.requests;
    assert.equal(asked.path, "/v1beta/models/gemini-test:countTokens");
    const request = asked.json?.generateContentRequest as Record<string, unknown>;
    assert.equal(request.model, "models/gemini-test");
    assert.ok(JSON.stringify(request.systemInstruction).includes("Be brief."));
    assert.equal(asked.headers.get("x-goog-api-key"), "AIzaSy-count-test-key-0123456789");

    // A text is counted by the provider too, as one user message.
    const text = await count(proxy.url, { model: "gemini/gemini-test", text: "Hello there" });
    assert.equal(text.input_tokens, 777);
    assert.equal(text.method, "provider");
    assert.deepEqual((gemini.requests[1].json?.generateContentRequest as Record<string, unknown>).contents, [
      { role: "user", parts: [{ text: "Hello there" }] },
    ]);

    const anthropicText = await count(proxy.url, { model: "anthropic/claude-test", text: "Hello there" });
    assert.equal(anthropicText.input_tokens, 4242);
    assert.equal(anthropicText.method, "provider");
    assert.deepEqual(anthropic.requests[0].json?.messages, [
      { role: "user", content: [{ type: "text", text: "Hello there" }] },
    ]);

    // The Gemini front door's own countTokens asks a Gemini provider too, with the client's request.
    const door = await fetch(`${proxy.url}/v1beta/models/gemini/gemini-test:countTokens`, {
      method: "POST",
      headers: { "x-goog-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi door" }] }] }),
    });
    assert.deepEqual(await door.json(), { totalTokens: 777 });
    assert.deepEqual(
      (gemini.requests.at(-1)?.json?.generateContentRequest as Record<string, unknown>).contents,
      [
        { role: "user", parts: [{ text: "Hi door" }] },
      ],
    );
    const doorFallback = await fetch(`${proxy.url}/v1beta/models/gemini/gemini-broken:countTokens`, {
      method: "POST",
      headers: { "x-goog-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi door" }] }] }),
    });
    const fallbackCount = (await doorFallback.json()).totalTokens;
    assert.ok(fallbackCount > 0 && fallbackCount !== 777, String(fallbackCount));

    // The provider's count fails: the tokenizer's estimate answers, and says so.
    const estimated = await count(proxy.url, { model: "gemini/gemini-broken", messages });
    assert.equal(estimated.method, "tokenizer");
    assert.equal(estimated.tokenizer, "o200k_base");
    assert.ok(typeof estimated.input_tokens === "number" && estimated.input_tokens > 0);
    assert.ok(gemini.requests.some((request) => request.path.includes("gemini-broken:countTokens")));
    const estimatedText = await count(proxy.url, { model: "gemini/gemini-broken", text: "Hello there" });
    assert.equal(estimatedText.method, "tokenizer");
    assert.equal(estimatedText.input_tokens, 2);
  } finally {
    await proxy.stop();
    await gemini.close();
    await anthropic.close();
  }
});
