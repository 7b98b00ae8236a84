/** End to end: provider quirks (<think> splitting, temperature override) and configured model lists. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import {
  chatCompletion,
  chatCompletionChunks,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const THOUGHTFUL = "<think>\nThe user says hi.\n</think>\n\nHello there!";

function thinker(request: RecordedRequest): Response {
  if (request.path.endsWith("/models")) return jsonResponse({ error: { message: "listing disabled" } }, 500);
  if (request.json?.stream) {
    // Cut the answer so that the tags are split across chunks.
    const pieces = [
      THOUGHTFUL.slice(0, 4),
      THOUGHTFUL.slice(4, 20),
      THOUGHTFUL.slice(20, 31),
      THOUGHTFUL.slice(31),
    ];
    return sseResponse(chatCompletionChunks("deepseek-r1", pieces));
  }
  return jsonResponse(chatCompletion("deepseek-r1", THOUGHTFUL));
}

Deno.test("quirks: <think> reasoning split out, temperature 0 removed, configured models listed", async () => {
  const upstream = startFakeUpstream(thinker);
  const proxy = await startProxy({
    env: {
      CHUTES_API_BASE: upstream.baseUrl,
      CHUTES_API_KEY: "cpk-chutes-aaaaaaaaaaaa",
      CHUTES_MODELS: "deepseek-r1,qwen3-32b",
      OVERRIDE_TEMPERATURE_ZERO: "remove",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    const reply = await client.chat.completions.create({
      model: "chutes/deepseek-r1",
      messages: [{ role: "user", content: "hi" }],
      temperature: 0,
    });
    const message = reply.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(message.content, "Hello there!");
    assert.equal(message.reasoning_content, "\nThe user says hi.\n");
    assert.equal("temperature" in (upstream.requests.at(-1)?.json ?? {}), false);

    const stream = await client.chat.completions.create({
      model: "chutes/deepseek-r1",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let content = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      content += delta?.content ?? "";
      reasoning += delta?.reasoning_content ?? "";
    }
    assert.equal(content, "Hello there!");
    assert.equal(reasoning, "\nThe user says hi.\n");

    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ["chutes/deepseek-r1", "chutes/qwen3-32b"]);
    assert.match(proxy.output(), /listing models of chutes failed .*showing only configured models/);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
