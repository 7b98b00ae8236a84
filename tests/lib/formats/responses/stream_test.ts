import assert from "node:assert/strict";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { sseDecoder } from "../../../../lib/formats/sse.ts";
import { responsesEventsToParts } from "../../../../lib/formats/responses/stream.ts";
import { responsesStreamUsage } from "../../../../lib/formats/responses/usage.ts";

/** A recorded Responses stream of tests/fixtures/responses, decoded to canonical parts. */
async function decode(name: string): Promise<StreamPart[]> {
  const text = await Deno.readTextFile(new URL(`../../../fixtures/responses/${name}`, import.meta.url));
  const bytes = ReadableStream.from([new TextEncoder().encode(text)]);
  return await Array.fromAsync(bytes.pipeThrough(sseDecoder()).pipeThrough(responsesEventsToParts()));
}

Deno.test("responsesEventsToParts() reads reasoning summaries, their encrypted_content, text and a call", async () => {
  const parts = await decode("reasoning_tool_stream.sse");
  assert.deepEqual(parts, [
    { type: "start", id: "resp_68af", model: "o4-mini-2025-04-16" },
    { type: "reasoning-delta", text: "**Planning**\n\n" },
    { type: "reasoning-delta", text: "I should call the tool." },
    { type: "reasoning-delta", text: "\n\n" },
    { type: "reasoning-delta", text: "Then answer." },
    { type: "reasoning-signature", signature: "responses:gAAAAABor-encrypted" },
    { type: "text-delta", text: "Let me check." },
    { type: "tool-call-start", index: 2, id: "call_Xy1", name: "get_weather" },
    { type: "tool-call-delta", index: 2, argumentsDelta: '{"location":' },
    { type: "tool-call-delta", index: 2, argumentsDelta: '"Paris"}' },
    {
      type: "usage",
      usage: {
        inputTokens: 81,
        outputTokens: 290,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        reasoningTokens: 256,
      },
    },
    { type: "finish", finish: { unified: "tool-calls", raw: "completed" } },
  ]);
});

Deno.test("responsesEventsToParts() ends a truncated response as a length finish", async () => {
  const parts = await decode("incomplete_stream.sse");
  assert.deepEqual(parts.at(-1), { type: "finish", finish: { unified: "length", raw: "max_output_tokens" } });
  assert.deepEqual(parts.filter((part) => part.type === "text-delta"), [{
    type: "text-delta",
    text: "Once upon",
  }]);
});

Deno.test("responsesEventsToParts() turns response.failed into an error part of its kind", async () => {
  const parts = await decode("failed_stream.sse");
  assert.deepEqual(parts.at(-1), {
    type: "error",
    message: "Rate limit reached for o4-mini in organization org-1 on tokens per min (TPM).",
    kind: "rate_limit",
    errorType: "rate_limit_exceeded",
  });
});

Deno.test("responsesStreamUsage() reads the terminal event's usage from a tail that cut the event's start", async () => {
  const text = await Deno.readTextFile(
    new URL("../../../fixtures/responses/reasoning_tool_stream.sse", import.meta.url),
  );
  assert.deepEqual(responsesStreamUsage(text.slice(-400)), {
    inputTokens: 81,
    outputTokens: 290,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    reasoningTokens: 256,
  });
  assert.equal(responsesStreamUsage('data: {"type":"response.output_text.delta"}\n\n'), null);
});
