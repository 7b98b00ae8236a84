/**
 * End to end: the streaming idle timeout measures the upstream's silence, not the client's. An upstream
 * that streams a long tool call is busy even though the Anthropic front door sends the call only once it
 * is whole.
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

/** The arguments of the tool call, streamed one piece every 200 ms (about 2.6 s in all). */
const PIECES = [
  '{"path":',
  '"/tmp/',
  "notes",
  ".txt",
  '",',
  '"content":',
  '"line one',
  "\\n",
  "line two",
  '"',
  "}",
];

function trickle(request: RecordedRequest): Response {
  if (!request.path.endsWith("/chat/completions")) return jsonResponse({ data: [{ id: "m" }] });
  const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
    `data: ${
      JSON.stringify({
        id: "chatcmpl-slow-tool",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      })
    }\n\n`;
  const header = {
    index: 0,
    id: "call_write_1",
    type: "function",
    function: { name: "write", arguments: "" },
  };
  return sseResponse([
    chunk({ role: "assistant", content: null }, null),
    chunk({ tool_calls: [header] }, null),
    ...PIECES.map((piece) => chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null)),
    chunk({}, "tool_calls"),
    chunk({}, null, { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 }),
    "data: [DONE]\n\n",
  ], 200);
}

Deno.test("a translated stream whose upstream trickles a tool call for longer than TIMEOUT_READ_STREAMING succeeds", async () => {
  const upstream = startFakeUpstream(trickle);
  const proxy = await startProxy({
    env: {
      SLOWTOOL_API_BASE: upstream.baseUrl,
      SLOWTOOL_API_KEY: "sk-slowtool-aaaaaaaa1111",
      TIMEOUT_READ_STREAMING: "1",
    },
  });
  const client = new Anthropic({ apiKey: TEST_PROXY_KEY, baseURL: proxy.url, maxRetries: 0 });
  try {
    const started = Date.now();
    const message = await client.messages.stream({
      model: "slowtool/m",
      max_tokens: 500,
      tools: [{ name: "write", input_schema: { type: "object", properties: {} } }],
      messages: [{ role: "user", content: "Write the notes." }],
    }).finalMessage();
    assert.ok(Date.now() - started > 1_500, "the upstream did not take longer than the idle timeout");
    assert.equal(message.stop_reason, "tool_use");
    const call = message.content.find((block) => block.type === "tool_use");
    assert.ok(call && call.type === "tool_use");
    assert.deepEqual(call.input, { path: "/tmp/notes.txt", content: "line one\nline two" });
    assert.equal(message.usage.output_tokens, 12);

    const stats = await (await fetch(`${proxy.url}/v1/quota-stats?provider=slowtool`, {
      headers: { "x-api-key": TEST_PROXY_KEY },
    })).json();
    const credential = stats.providers.slowtool.credentials[0];
    assert.equal(credential.models?.m?.state ?? "available", "available", "the key was cooled");
    assert.doesNotMatch(proxy.output(), /sent nothing/);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
