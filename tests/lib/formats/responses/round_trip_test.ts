import assert from "node:assert/strict";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { SseParser } from "../../../../lib/formats/sse.ts";
import { canonicalToGeminiRequest } from "../../../../lib/formats/gemini/request.ts";
import { canonicalToAnthropicRequest } from "../../../../lib/formats/anthropic/request.ts";
import { readResponsesRequest } from "../../../../lib/formats/responses/request_reading.ts";
import { partsToResponsesEvents } from "../../../../lib/formats/responses/stream_encoder.ts";

/** The output items of the `response.completed` our encoder writes for `parts`. */
async function outputOf(parts: StreamPart[]): Promise<unknown[]> {
  const text = (await Array.fromAsync(
    ReadableStream.from(parts).pipeThrough(partsToResponsesEvents({ model: "client/model" })),
  )).join("");
  const parser = new SseParser();
  const last = [...parser.push(text), ...parser.end()].at(-1)!;
  assert.equal(last.event, "response.completed");
  return JSON.parse(last.data).response.output;
}

/** The next turn a stateless client (Codex CLI) sends: the history, the output, and the call's result. */
function nextTurn(output: unknown[]) {
  return readResponsesRequest({
    model: "m",
    input: [
      { role: "user", content: "Weather?" },
      ...output,
      { type: "function_call_output", call_id: "call_1", output: "22°C" },
    ],
  }, "upstream-model").request;
}

Deno.test("A Gemini thought signature on a function call survives a stateless Responses client", async () => {
  const output = await outputOf([
    { type: "start", id: "g1", model: "gemini-3-pro" },
    { type: "reasoning-signature", signature: "gemini:SIG-ON-CALL", standalone: true },
    { type: "tool-call-start", index: 0, id: "call_1", name: "get_weather" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "STOP" } },
  ]);
  const body = canonicalToGeminiRequest({ ...nextTurn(output), model: "gemini-3-pro-preview" });
  const parts = (body.contents as Array<{ role: string; parts: Array<Record<string, unknown>> }>)
    .flatMap((content) => content.parts);
  const call = parts.find((part) => part.functionCall !== undefined);
  assert.equal(call?.thoughtSignature, "SIG-ON-CALL");
});

Deno.test("Anthropic thinking and redacted thinking survive a stateless Responses client unchanged", async () => {
  const output = await outputOf([
    { type: "start", id: "a1", model: "claude" },
    { type: "reasoning-delta", text: "I will look it up." },
    { type: "reasoning-signature", signature: "EqQBCkYIBxgCKkDsig" },
    { type: "redacted-reasoning", data: "EmwKAhgBEgy-redacted" },
    { type: "tool-call-start", index: 1, id: "call_1", name: "get_weather" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"city":"Paris"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
  ]);
  const body = canonicalToAnthropicRequest({ ...nextTurn(output), model: "claude" });
  const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  assert.deepEqual(messages[1].content.slice(0, 2), [
    { type: "thinking", thinking: "I will look it up.", signature: "EqQBCkYIBxgCKkDsig" },
    { type: "redacted_thinking", data: "EmwKAhgBEgy-redacted" },
  ]);
});
