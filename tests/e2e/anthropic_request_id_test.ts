/** End to end: Anthropic clients get a request id (header `request-id`, `request_id` in error bodies). */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

Deno.test("Anthropic clients see the request id on translated answers and on errors", async () => {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: { MYOAI_API_BASE: upstream.baseUrl, MYOAI_API_KEY: "sk-reqid-aaaaaaaaaaaa", MYOAI_MODELS: "m" },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  try {
    const { response, request_id } = await client.messages.create({
      model: "myoai/m",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
    }).withResponse();
    assert.ok(request_id, "no request-id header on a translated answer");
    assert.equal(request_id, response.headers.get("x-proxy-request-id"));

    const failed = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({
        model: "nowhere/m",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.equal(failed.status, 404);
    const body = await failed.json();
    assert.equal(body.type, "error");
    assert.equal(body.error.type, "not_found_error");
    assert.equal(body.request_id, failed.headers.get("request-id"));
    assert.ok(body.request_id);

    await assert.rejects(
      client.messages.create({
        model: "nowhere/m",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
      (error: unknown) => error instanceof Anthropic.NotFoundError && typeof error.requestID === "string",
    );
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
