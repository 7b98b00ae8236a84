/**
 * End to end: a stream that fails because the model's output was unusable (Gemini's
 * MALFORMED_FUNCTION_CALL) reaches the client as an error but leaves the key available, so the client's
 * immediate retry is served at once; a stream the upstream itself breaks still cools the key. Both are
 * logged as a warning naming provider/model and the reason.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import {
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const GEMINI_KEY = "AIza-blame-test-key-0000001";
const chunk = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
const usageMetadata = { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 };

/** Streams that fail the way the test says; JSON answers succeed. */
function gemini(mode: () => "malformed" | "unavailable") {
  return (request: RecordedRequest): Response => {
    if (request.method === "GET") return jsonResponse({ models: [] });
    if (request.path.endsWith(":generateContent")) {
      return jsonResponse({
        candidates: [{ content: { role: "model", parts: [{ text: "Retried fine" }] }, finishReason: "STOP" }],
        usageMetadata,
        modelVersion: "gemini-2.5-flash",
      });
    }
    const first = chunk({
      candidates: [{ content: { role: "model", parts: [{ text: "Let me check" }] }, index: 0 }],
      modelVersion: "gemini-2.5-flash",
    });
    const last = mode() === "malformed"
      ? chunk({
        candidates: [{
          content: { role: "model", parts: [] },
          finishReason: "MALFORMED_FUNCTION_CALL",
          finishMessage: "Malformed function call: print(default_api.read(",
          index: 0,
        }],
        usageMetadata,
      })
      : chunk({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } });
    return sseResponse([first, last]);
  };
}

async function modelState(url: string): Promise<string> {
  const stats = await (await fetch(`${url}/v1/quota-stats?provider=gemini`, {
    headers: { "x-api-key": TEST_PROXY_KEY },
  })).json();
  return stats.providers.gemini.credentials[0].models?.["gemini-2.5-flash"]?.state ?? "available";
}

Deno.test("stream blame: an unusable model output is not the key's fault, a broken upstream is", async (t) => {
  let mode: "malformed" | "unavailable" = "malformed";
  const upstream = startFakeUpstream(gemini(() => mode));
  const proxy = await startProxy({ env: { GEMINI_API_BASE: upstream.origin, GEMINI_API_KEY: GEMINI_KEY } });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  const params = {
    model: "gemini/gemini-2.5-flash",
    max_tokens: 200,
    messages: [{ role: "user" as const, content: "Read the file." }],
  };
  try {
    await t.step("MALFORMED_FUNCTION_CALL in a stream: an error event, the key stays available", async () => {
      await assert.rejects(
        client.messages.stream(params).finalMessage(),
        (error: Error) => /MALFORMED_FUNCTION_CALL/.test(error.message),
      );
      assert.equal(await modelState(proxy.url), "available");
      // Claude Code retries at once without streaming: the key is available (above), so it is served.
      const retried = await client.messages.create(params);
      assert.deepEqual(retried.content, [{ type: "text", text: "Retried fine" }]);
      const warning = proxy.output().split("\n").find((line) => / WARN .*MALFORMED_FUNCTION_CALL/.test(line));
      assert.ok(warning, proxy.output());
      assert.match(warning, /gemini\/gemini-2\.5-flash/);
      assert.equal(warning.includes(GEMINI_KEY), false);
    });

    await t.step("an overloaded error inside the stream still cools the key", async () => {
      mode = "unavailable";
      await assert.rejects(
        client.messages.stream(params).finalMessage(),
        (error: Error) => /overloaded/.test(error.message),
      );
      assert.equal(await modelState(proxy.url), "cooling");
      assert.match(proxy.output(), / WARN .*gemini\/gemini-2\.5-flash: .*The model is overloaded\./);
    });
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
