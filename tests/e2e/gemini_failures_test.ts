/** End to end: a Gemini answer that failed (MALFORMED_FUNCTION_CALL) is an error naming why, and no key's fault. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
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
