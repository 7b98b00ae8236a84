import assert from "node:assert/strict";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { SseParser } from "../../../../lib/formats/sse.ts";
import { partsToResponsesEvents } from "../../../../lib/formats/responses/stream_encoder.ts";
import { reasoningFromEncryptedContent } from "../../../../lib/formats/responses/reasoning_carrier.ts";

type Event = Record<string, unknown> & { type: string; sequence_number: number };

/** Encode parts and parse the SSE text back, checking each event's name is its data's type. */
async function encode(parts: StreamPart[], namespaces = new Map()): Promise<Event[]> {
  const text = (await Array.fromAsync(
    ReadableStream.from(parts).pipeThrough(partsToResponsesEvents({ model: "client/model", namespaces })),
  )).join("");
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()].map((event) => {
    const data = JSON.parse(event.data) as Event;
    assert.equal(data.type, event.event);
    return data;
  });
}

const usage = {
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 2,
  cacheCreationTokens: 0,
  reasoningTokens: 1,
};

Deno.test("partsToResponsesEvents() writes text in OpenAI's documented order with sequence numbers", async () => {
  const events = await encode([
    { type: "start", id: "chatcmpl-1", model: "upstream" },
    { type: "text-delta", text: "Hel" },
    { type: "text-delta", text: "lo" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
    { type: "usage", usage },
  ]);
  assert.deepEqual(events.map((event) => event.type), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, index) => index));
  const completed = events.at(-1)!.response as Record<string, unknown>;
  assert.equal(completed.status, "completed");
  assert.equal(completed.model, "client/model");
  assert.deepEqual(completed.usage, {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 2 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 1 },
    total_tokens: 17,
  });
  const [message] = completed.output as Array<Record<string, unknown>>;
  assert.equal(message.type, "message");
  assert.deepEqual(message.content, [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }]);
  const added = events[2].item as Record<string, unknown>;
  assert.equal(events[4].item_id, added.id);
  assert.equal((events[0].response as Record<string, unknown>).id, completed.id);
});

Deno.test("partsToResponsesEvents() writes signed reasoning as a summary with encrypted_content, then calls", async () => {
  const events = await encode([
    { type: "start", id: "msg_1", model: "claude" },
    { type: "reasoning-delta", text: "Think." },
    { type: "reasoning-signature", signature: "sig-1" },
    { type: "tool-call-start", index: 1, id: "toolu_1", name: "crm__lookup" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"id":' },
    { type: "tool-call-delta", index: 1, argumentsDelta: "7}" },
    { type: "tool-call-start", index: 2, id: "toolu_2", name: "ping" },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
  ], new Map([["crm__lookup", { name: "lookup", namespace: "crm" }]]));
  const types = events.map((event) => event.type);
  assert.deepEqual(types.slice(2, 9), [
    "response.output_item.added",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_summary_part.done",
    "response.output_item.done",
    "response.output_item.added",
  ]);
  const output = (events.at(-1)!.response as { output: Array<Record<string, unknown>> }).output;
  assert.equal(output[0].type, "reasoning");
  assert.deepEqual(output[0].summary, [{ type: "summary_text", text: "Think." }]);
  assert.deepEqual(reasoningFromEncryptedContent(String(output[0].encrypted_content)), {
    text: "Think.",
    signature: "sig-1",
  });
  assert.deepEqual(
    output.slice(1).map(({ call_id, name, namespace, arguments: args }) => ({
      call_id,
      name,
      namespace,
      args,
    })),
    [
      { call_id: "toolu_1", name: "lookup", namespace: "crm", args: '{"id":7}' },
      // A call without arguments still gets valid JSON.
      { call_id: "toolu_2", name: "ping", namespace: undefined, args: "{}" },
    ],
  );
  const callDone = events.filter((event) => event.type === "response.function_call_arguments.done");
  assert.deepEqual(callDone.map((event) => event.arguments), ['{"id":7}', "{}"]);
  assert.equal(events.filter((event) => event.type === "response.output_item.done").length, 3);
});

Deno.test("partsToResponsesEvents() ends a truncated answer with response.incomplete", async () => {
  const events = await encode([
    { type: "text-delta", text: "Once" },
    { type: "finish", finish: { unified: "length", raw: "length" } },
  ]);
  const last = events.at(-1)!;
  assert.equal(last.type, "response.incomplete");
  assert.deepEqual((last.response as Record<string, unknown>).incomplete_details, {
    reason: "max_output_tokens",
  });
});

Deno.test("partsToResponsesEvents() fails the response with a code clients act on", async () => {
  const overflow = await encode([
    { type: "text-delta", text: "x" },
    { type: "error", message: "prompt is too long: 210000 tokens > 200000 maximum", kind: "invalid_request" },
  ]);
  const failed = overflow.at(-1)!;
  assert.equal(failed.type, "response.failed");
  assert.equal(failed.sequence_number, overflow.length - 1);
  assert.deepEqual((failed.response as Record<string, unknown>).error, {
    code: "context_length_exceeded",
    message: "prompt is too long: 210000 tokens > 200000 maximum",
  });
  const quota = await encode([{
    type: "error",
    message: "no credit",
    kind: "permission",
    errorType: "billing_error",
  }]);
  assert.equal(
    ((quota.at(-1)!.response as Record<string, unknown>).error as { code: string }).code,
    "insufficient_quota",
  );
  const limited = await encode([{ type: "error", message: "slow down", kind: "rate_limit" }]);
  assert.equal(
    ((limited.at(-1)!.response as Record<string, unknown>).error as { code: string }).code,
    "rate_limit_exceeded",
  );
});

Deno.test("partsToResponsesEvents() fails a stream cut before its finish instead of completing it", async () => {
  const events = await encode([{ type: "text-delta", text: "partial" }]);
  assert.equal(events.at(-1)!.type, "response.failed");
  assert.ok(!events.some((event) => event.type === "response.completed"));
});
