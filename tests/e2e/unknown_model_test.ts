/**
 * End to end: a well-formed model id that the upstream answers with 404 (model not found) leaves nothing
 * behind: no usage entry (in memory or on disk), no `/v1/quota-stats` row, no rest on the key, no metrics
 * series of its own; the client gets the 404 in its format.
 */
import assert from "node:assert/strict";
import {
  chatCompletion,
  jsonResponse,
  type RecordedRequest,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

function upstream(request: RecordedRequest): Response {
  const model = String(request.json?.model);
  if (model.startsWith("gone")) {
    return jsonResponse({
      error: {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      },
    }, 404);
  }
  return jsonResponse(chatCompletion(model, "fine"));
}

Deno.test("a model the upstream answers 404 leaves no usage, quota-stats row, rest or metrics series", async () => {
  const fake = startFakeUpstream(upstream);
  const proxy = await startProxy({
    env: { OPENAI_API_BASE: fake.baseUrl, OPENAI_API_KEY: "sk-unknown-model-test-0123456789" },
  });
  const headers = { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" };
  try {
    for (let index = 0; index < 20; index++) {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: `openai/gone-${index}`, messages: [{ role: "user", content: "hi" }] }),
      });
      const body = await response.json();
      assert.equal(response.status, 404, JSON.stringify(body));
      assert.equal(body.error.code, "model_not_found");
    }
    const ok = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "openai/real", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();

    const stats = await (await fetch(`${proxy.url}/v1/quota-stats`, { headers })).json();
    const [credential] = stats.providers.openai.credentials;
    assert.deepEqual(Object.keys(credential.models), ["real"], JSON.stringify(credential));
    assert.equal(credential.state, "available");
    assert.equal(credential.totals.requests, 1);
    const metrics = await (await fetch(`${proxy.url}/metrics`, { headers })).text();
    assert.ok(!metrics.includes("gone-"), metrics);
  } finally {
    await proxy.stop();
    await fake.close();
  }
  for await (const entry of Deno.readDir(`${proxy.dataDir}/usage`)) {
    const text = await Deno.readTextFile(`${proxy.dataDir}/usage/${entry.name}`);
    assert.ok(!text.includes("gone-"), text.slice(0, 500));
  }
});
