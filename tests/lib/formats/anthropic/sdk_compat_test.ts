/**
 * What our Anthropic stream encoder writes, read by the official SDK's own stream accumulator
 * (`client.messages.stream().finalMessage()`), with `fetch` injected: no network.
 */
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { decodeEvents, encodeText, recordedStream } from "../../../fixtures/anthropic/replay.ts";

/** The final message the SDK assembles from our SSE text (as plain JSON). */
async function finalMessage(sse: string): Promise<Record<string, unknown>> {
  const client = new Anthropic({
    apiKey: "test-key",
    baseURL: "http://127.0.0.1:9",
    maxRetries: 0,
    fetch: () => Promise.resolve(new Response(sse, { headers: { "content-type": "text/event-stream" } })),
  });
  const stream = client.messages.stream({
    model: "client-model",
    max_tokens: 100,
    messages: [{ role: "user", content: "Hi" }],
  });
  return JSON.parse(JSON.stringify(await stream.finalMessage()));
}

Deno.test("the official SDK assembles our stream of thinking, text and parallel tool calls", async () => {
  const parts: StreamPart[] = [
    { type: "start", id: "chatcmpl-7", model: "gpt-4o", usage: { inputTokens: 11 } },
    { type: "reasoning-delta", text: "Two calls " },
    { type: "reasoning-delta", text: "needed." },
    { type: "reasoning-signature", signature: "c2ln" },
    { type: "text-delta", text: "Checking " },
    { type: "text-delta", text: "both." },
    { type: "tool-call-start", index: 0, id: "call_a", name: "weather" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
    { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris"}' },
    { type: "tool-call-start", index: 1, id: "call_b", name: "time" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"zone":"CET"}' },
    { type: "usage", usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 2 } },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
  ];
  const message = await finalMessage(await encodeText(parts));
  assert.deepEqual(
    {
      id: message.id,
      model: message.model,
      content: message.content,
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
      usage: message.usage,
    },
    {
      id: "msg_chatcmpl-7",
      model: "client-model",
      content: [
        { type: "thinking", thinking: "Two calls needed.", signature: "c2ln" },
        { type: "text", text: "Checking both." },
        { type: "tool_use", id: "call_a", name: "weather", input: { city: "Paris" } },
        { type: "tool_use", id: "call_b", name: "time", input: { zone: "CET" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 2,
        output_tokens: 34,
      },
    },
  );
});

Deno.test("the official SDK reads a recorded stream replayed through decoder and encoder", async () => {
  const parts = await decodeEvents(recordedStream("thinking_stream.sse"));
  const message = await finalMessage(await encodeText(parts));
  assert.deepEqual(message.content, [
    {
      type: "thinking",
      thinking: "The user asks for 27 * 453. That is 12231.",
      signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
    },
    { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP" },
    { type: "text", text: "27 * 453 = 12,231" },
  ]);
  assert.equal(message.id, "msg_01WBeG2NaYQ8w99747S3n8MZ");
  assert.equal(message.stop_reason, "end_turn");
  assert.deepEqual(message.usage, {
    input_tokens: 423,
    cache_creation_input_tokens: 7,
    cache_read_input_tokens: 0,
    output_tokens: 231,
  });
});

Deno.test("the official SDK throws an APIError of our error event's type", async () => {
  const parts = await decodeEvents(recordedStream("overloaded_stream.sse"));
  const error = await finalMessage(await encodeText(parts)).then(() => null, (caught: unknown) => caught);
  assert.ok(error instanceof Anthropic.APIError, `expected an APIError, got ${error}`);
  assert.equal(error.type, "overloaded_error");
  assert.equal(error.apiMessage, "Overloaded");
});

Deno.test("the official SDK throws on a cut-off stream instead of returning a message", async () => {
  const text = await encodeText([{ type: "start", id: "msg_1", model: "m" }, {
    type: "text-delta",
    text: "Hal",
  }]);
  const error = await finalMessage(text).then(() => null, (caught: unknown) => caught);
  assert.ok(error instanceof Anthropic.APIError, `expected an APIError, got ${error}`);
  assert.equal(error.type, "api_error");
});
