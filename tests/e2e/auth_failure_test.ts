/** End to end: when the provider refuses every key, clients are told not to retry, in their own format. */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

Deno.test("a provider that refuses every key: 502, x-should-retry false, and the SDKs do not retry", async () => {
  const upstream = startFakeUpstream((request) =>
    request.method === "GET"
      ? jsonResponse({ object: "list", data: [] })
      : jsonResponse({ error: { message: "Incorrect API key provided", code: "invalid_api_key" } }, 401)
  );
  const proxy = await startProxy({
    env: { MYOAI_API_BASE: upstream.baseUrl, MYOAI_API_KEY: "sk-revoked-aaaaaaaaaaaa", MYOAI_MODELS: "m" },
  });
  const chats = () => upstream.requests.filter((request) => request.method === "POST").length;
  try {
    const anthropic = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 2 });
    await assert.rejects(
      anthropic.messages.create({
        model: "myoai/m",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
      (error: unknown) =>
        error instanceof Anthropic.APIError && error.status === 500 && /refused|auth/.test(error.message),
    );
    assert.equal(chats(), 1, "the key was tried more than once");

    // The key is disabled now: the next call is refused at once, and the OpenAI SDK does not retry either.
    const openai = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 2 });
    const failure = await openai.chat.completions.create({
      model: "myoai/m",
      messages: [{ role: "user", content: "hi" }],
    }).then(() => null, (error: unknown) => error);
    assert.ok(failure instanceof OpenAI.APIError);
    assert.equal(failure.status, 502);
    assert.equal(failure.headers?.get("x-should-retry"), "false");
    assert.equal((failure.error as { code?: string }).code, "credentials_disabled");
    assert.equal(chats(), 1);
    // An expected outcome is one warning line, not a crash report with a stack.
    assert.doesNotMatch(proxy.output(), /unexpected error/);
    assert.match(proxy.output(), /WARN.*every credential of myoai is disabled/);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
