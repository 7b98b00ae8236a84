/** End to end: a Gemini answer that failed (MALFORMED_FUNCTION_CALL) is an error naming why, and no key's fault. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { chatCompletion, jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

Deno.test("a Gemini MALFORMED_FUNCTION_CALL answer is a 502 naming it, and the key stays available", async () => {
  const upstream = startFakeUpstream((request) =>
    request.method === "GET" ? jsonResponse({ models: [] }) : jsonResponse({
      candidates: [{
        content: { role: "model", parts: [] },
        finishReason: "MALFORMED_FUNCTION_CALL",
        index: 0,
      }],
      usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
      modelVersion: "gemini-2.5-flash",
    })
  );
  const proxy = await startProxy({
    env: { GEMINI_API_BASE: upstream.origin, GEMINI_API_KEY: "AIza-malformed-aaaaaaaaaaaa" },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    await assert.rejects(
      client.chat.completions.create({
        model: "gemini/gemini-2.5-flash",
        messages: [{ role: "user", content: "call the tool" }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.APIError && error.status === 502 &&
        /MALFORMED_FUNCTION_CALL/.test(error.message),
    );
    const stats = await (await fetch(`${proxy.url}/v1/quota-stats?provider=gemini`, {
      headers: { "x-api-key": TEST_PROXY_KEY },
    })).json();
    const credential = stats.providers.gemini.credentials[0];
    assert.equal(credential.models?.["gemini-2.5-flash"]?.state ?? "available", "available");
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("a key whose answers cannot be read (an HTML page with 200) is cooled; the next calls use another", async () => {
  const keysUsed: string[] = [];
  const upstream = startFakeUpstream((request) => {
    if (!request.path.endsWith("/chat/completions")) return jsonResponse({ data: [{ id: "m" }] });
    const key = request.headers.get("authorization") ?? "";
    keysUsed.push(key.slice(-4));
    // Key 1 sits behind a misconfigured gateway that answers 200 with a login page.
    if (key.endsWith("1111")) {
      return new Response("<html>gateway login</html>", {
        status: 200,
        headers: { "content-type": "text/html" },
      });
    }
    return jsonResponse(chatCompletion("m", "fine"));
  });
  const proxy = await startProxy({
    env: {
      SELFHOST_API_BASE: upstream.baseUrl,
      SELFHOST_API_KEY_1: "sk-selfhost-aaaaaaaa1111",
      SELFHOST_API_KEY_2: "sk-selfhost-bbbbbbbb2222",
      ROTATION_MODE_SELFHOST: "sequential",
    },
  });
  const statuses: number[] = [];
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${proxy.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
        body: JSON.stringify({
          model: "selfhost/m",
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
      await response.body?.cancel();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses.slice(1), [200, 200], `statuses ${statuses}, keys ${keysUsed}`);
    assert.deepEqual(keysUsed.slice(-2), ["2222", "2222"]);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
