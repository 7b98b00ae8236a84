import assert from "node:assert/strict";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import {
  encodeEnd,
  encodePart,
  type EncoderState,
  initialEncoderState,
} from "../../../../lib/formats/anthropic/stream_encoder.ts";
import { encodeEvents as encode } from "../../../fixtures/anthropic/replay.ts";

/** Run parts through the pure encoder: every event's `type` (plus its block's type or delta type), in order. */
function trace(parts: StreamPart[], state = initialEncoderState({ model: "m", id: "msg_test" })) {
  const names: string[] = [];
  for (const part of parts) {
    const step = encodePart(state, part);
    state = step.state;
    names.push(...step.events.map(describe));
  }
  return { names, state };
}

function describe(event: Record<string, unknown>): string {
  const detail = (event.content_block ?? event.delta) as { type?: string } | undefined;
  const index = typeof event.index === "number" ? `#${event.index}` : "";
  return detail?.type !== undefined && event.type !== "message_delta"
    ? `${event.type}${index}:${detail.type}`
    : `${event.type}${index}`;
}

Deno.test("encodePart() opens a block, pings once, and leaves the given state untouched", () => {
  const initial = initialEncoderState({ model: "m", id: "msg_test" });
  const { names, state } = trace(
    [{ type: "text-delta", text: "a" }, { type: "text-delta", text: "b" }],
    initial,
  );
  assert.deepEqual(names, [
    "message_start",
    "content_block_start#0:text",
    "ping",
    "content_block_delta#0:text_delta",
    "content_block_delta#0:text_delta",
  ]);
  assert.deepEqual([state.phase, state.blockCount, state.open, state.pinged], ["streaming", 1, {
    kind: "text",
  }, true]);
  assert.deepEqual(initial, initialEncoderState({ model: "m", id: "msg_test" }));
});

Deno.test("encodePart() starts a new thinking block after a signature", () => {
  const { names } = trace([
    { type: "reasoning-delta", text: "one" },
    { type: "reasoning-signature", signature: "s1" },
    { type: "reasoning-delta", text: "two" },
    { type: "reasoning-signature", signature: "s2" },
    { type: "reasoning-signature", signature: "" },
    { type: "text-delta", text: "" },
  ]);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start#0:thinking",
    "ping",
    "content_block_delta#0:thinking_delta",
    "content_block_delta#0:signature_delta",
    "content_block_stop#0",
    "content_block_start#1:thinking",
    "content_block_delta#1:thinking_delta",
    "content_block_delta#1:signature_delta",
  ]);
});

Deno.test("encodePart() writes a signature alone and redacted thinking as whole blocks", () => {
  const { names, state } = trace([
    { type: "reasoning-signature", signature: "only" },
    { type: "redacted-reasoning", data: "opaque" },
    { type: "text-delta", text: "x" },
  ]);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start#0:thinking",
    "ping",
    "content_block_delta#0:signature_delta",
    "content_block_stop#0",
    "content_block_start#1:redacted_thinking",
    "content_block_stop#1",
    "content_block_start#2:text",
    "content_block_delta#2:text_delta",
  ]);
  assert.equal(state.blockCount, 3);
});

Deno.test("tool calls are gathered whole, also when parallel calls interleave their arguments", async () => {
  const events = await encode([
    { type: "tool-call-start", index: 0, id: "a", name: "f" },
    { type: "tool-call-start", index: 0, id: "a", name: "f" },
    { type: "tool-call-start", index: 1, id: "b", name: "g" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"x":' },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"y":2}' },
    { type: "tool-call-delta", index: 0, argumentsDelta: "1}" },
    { type: "tool-call-delta", index: 7, argumentsDelta: "unknown" },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
  ]);
  assert.deepEqual(events.map(([name]) => name), [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "content_block_stop",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
  ]);
  const deltas = events.filter(([name]) => name === "content_block_delta").map(([, data]) => data);
  assert.deepEqual(deltas, [
    { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"x":1}' } },
    { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"y":2}' } },
  ]);
});

Deno.test("gathered tool calls go out before text that follows them", () => {
  const { names } = trace([
    { type: "tool-call-start", index: 0, id: "a", name: "f" },
    { type: "tool-call-delta", index: 0, argumentsDelta: "{}" },
    { type: "text-delta", text: "after" },
  ]);
  assert.deepEqual(names, [
    "message_start",
    "content_block_start#0:tool_use",
    "ping",
    "content_block_delta#0:input_json_delta",
    "content_block_stop#0",
    "content_block_start#1:text",
    "content_block_delta#1:text_delta",
  ]);
});

Deno.test("encodeEnd() closes the open block and reports usage known by then", () => {
  const { state } = trace([
    { type: "start", id: "msg_1", model: "x", usage: { inputTokens: 9 } },
    { type: "text-delta", text: "x" },
    { type: "usage", usage: { outputTokens: 4, cacheCreationTokens: 2 } },
    { type: "finish", finish: { unified: "stop-sequence", raw: "stop_sequence", stopSequence: "##" } },
  ]);
  const end = encodeEnd(state);
  assert.deepEqual(end.events, [
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "stop_sequence", stop_sequence: "##" },
      usage: { input_tokens: 9, cache_creation_input_tokens: 2, output_tokens: 4 },
    },
    { type: "message_stop" },
  ]);
  assert.equal(end.state.phase, "done");
  assert.deepEqual(encodeEnd(end.state).events, []);
  assert.deepEqual(encodePart(end.state, { type: "text-delta", text: "late" }).events, []);
});

Deno.test("encodeEnd() without a finish is an api_error, even before anything was sent", () => {
  const idle: EncoderState = initialEncoderState({ model: "m", id: "msg_x" });
  assert.deepEqual(encodeEnd(idle).events, [{
    type: "error",
    error: { type: "api_error", message: "the upstream stream ended before the response was complete" },
  }]);
});

Deno.test("partsToAnthropicEvents() writes Anthropic's exact event order", async () => {
  const events = await encode([
    { type: "start", id: "chatcmpl-1", model: "gpt-4o", usage: { inputTokens: 30, cacheReadTokens: 5 } },
    { type: "reasoning-delta", text: "Think" },
    { type: "text-delta", text: "Hel" },
    { type: "text-delta", text: "lo" },
    { type: "tool-call-start", index: 0, id: "call_a", name: "f" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"x":' },
    { type: "tool-call-delta", index: 0, argumentsDelta: "1}" },
    { type: "tool-call-start", index: 1, id: "call_b", name: "g" },
    { type: "tool-call-delta", index: 1, argumentsDelta: "{}" },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
    { type: "usage", usage: { outputTokens: 12 } },
  ]);
  assert.deepEqual(events, [
    ["message_start", {
      type: "message_start",
      message: {
        id: "msg_chatcmpl-1",
        type: "message",
        role: "assistant",
        model: "client-model",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 30,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 5,
          output_tokens: 0,
        },
      },
    }],
    ["content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "", signature: "" },
    }],
    ["ping", { type: "ping" }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Think" },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    ["content_block_start", {
      type: "content_block_start",
      index: 1,
      content_block: { type: "text", text: "" },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "text_delta", text: "Hel" },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "text_delta", text: "lo" },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 1 }],
    ["content_block_start", {
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "call_a", name: "f", input: {} },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 2,
      delta: { type: "input_json_delta", partial_json: '{"x":1}' },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 2 }],
    ["content_block_start", {
      type: "content_block_start",
      index: 3,
      content_block: { type: "tool_use", id: "call_b", name: "g", input: {} },
    }],
    ["content_block_delta", {
      type: "content_block_delta",
      index: 3,
      delta: { type: "input_json_delta", partial_json: "{}" },
    }],
    ["content_block_stop", { type: "content_block_stop", index: 3 }],
    ["message_delta", {
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 30, cache_read_input_tokens: 5, output_tokens: 12 },
    }],
    ["message_stop", { type: "message_stop" }],
  ]);
});

Deno.test("partsToAnthropicEvents() sends an error event and nothing after it", async () => {
  const events = await encode([
    { type: "start", id: "msg_1", model: "m" },
    { type: "text-delta", text: "Par" },
    { type: "error", message: "Overloaded", kind: "overloaded", errorType: "overloaded_error" },
    { type: "text-delta", text: "tial" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
  ]);
  assert.deepEqual(events.map(([name]) => name), [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",
    "error",
  ]);
  assert.deepEqual(events.at(-1)![1], {
    type: "error",
    error: { type: "overloaded_error", message: "Overloaded" },
  });
  const rateLimited = await encode([{ type: "error", message: "slow", kind: "rate_limit" }]);
  assert.deepEqual(rateLimited, [["error", {
    type: "error",
    error: { type: "rate_limit_error", message: "slow" },
  }]]);
});

Deno.test("partsToAnthropicEvents() never turns a cut-off stream into a successful message", async () => {
  const events = await encode([{ type: "start", id: "msg_1", model: "m" }, {
    type: "text-delta",
    text: "Hi",
  }]);
  assert.deepEqual(events.at(-1), ["error", {
    type: "error",
    error: { type: "api_error", message: "the upstream stream ended before the response was complete" },
  }]);
  assert.equal(events.some(([name]) => name === "message_stop" || name === "message_delta"), false);
  assert.deepEqual((await encode([])).map(([name]) => name), ["error"]);
});

Deno.test("partsToAnthropicEvents() synthesizes message_start and allows an empty finished message", async () => {
  const events = await encode([{ type: "finish", finish: { unified: "length", raw: "length" } }]);
  assert.deepEqual(events.map(([name]) => name), ["message_start", "message_delta", "message_stop"]);
  const start = events[0][1].message as Record<string, unknown>;
  assert.match(String(start.id), /^msg_[0-9a-f]{32}$/);
  assert.deepEqual(events[1][1].delta, { stop_reason: "max_tokens", stop_sequence: null });
  assert.deepEqual(events[1][1].usage, { output_tokens: 0 });
});

Deno.test("encodePart() gives a standalone signature (Gemini's, on a function call) its own thinking block", () => {
  const { names } = trace([
    { type: "start", id: "r", model: "gemini-3-pro-preview" },
    { type: "reasoning-delta", text: "plan" },
    { type: "reasoning-signature", signature: "gemini:SIGFC", standalone: true },
    { type: "tool-call-start", index: 0, id: "call_0", name: "f" },
    { type: "tool-call-delta", index: 0, argumentsDelta: "{}" },
    { type: "finish", finish: { unified: "tool-calls", raw: "STOP" } },
  ]);
  assert.deepEqual(names.filter((name) => !name.startsWith("ping")), [
    "message_start",
    "content_block_start#0:thinking",
    "content_block_delta#0:thinking_delta",
    "content_block_stop#0",
    "content_block_start#1:thinking",
    "content_block_delta#1:signature_delta",
    "content_block_stop#1",
    // The call itself is written whole once it is complete (encodeEnd).
  ]);
  // A signature of the thought just streamed still signs that thought's block.
  const signed = trace([
    { type: "reasoning-delta", text: "plan" },
    { type: "reasoning-signature", signature: "gemini:SIG" },
  ]).names.filter((name) => !name.startsWith("ping"));
  assert.deepEqual(signed.slice(1), [
    "content_block_start#0:thinking",
    "content_block_delta#0:thinking_delta",
    "content_block_delta#0:signature_delta",
  ]);
});

Deno.test("encodePart() types an in-stream error by its kind alone, api_error without one", () => {
  const typeOf = (error: Omit<StreamPart & { type: "error" }, "type" | "message">) => {
    const step = encodePart(initialEncoderState({ model: "m", id: "msg_e" }), {
      type: "error",
      message: "x",
      ...error,
    });
    return (step.events[0] as unknown as { error: { type: string } }).error.type;
  };
  assert.equal(typeOf({ kind: "overloaded", errorType: "UNAVAILABLE" }), "overloaded_error");
  assert.equal(typeOf({ kind: "rate_limit", errorType: "RESOURCE_EXHAUSTED" }), "rate_limit_error");
  assert.equal(typeOf({ kind: "timeout" }), "timeout_error");
  // The raw type is the decoder's to read: an encoder never guesses from it.
  assert.equal(typeOf({ errorType: "overloaded_error" }), "api_error");
  assert.equal(typeOf({}), "api_error");
});
