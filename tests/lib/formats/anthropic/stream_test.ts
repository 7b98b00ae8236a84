import assert from "node:assert/strict";
import { decodeAnthropicEvent, type DecoderState } from "../../../../lib/formats/anthropic/stream.ts";
import { decodeEvents, encodeEvents, recordedStream } from "../../../fixtures/anthropic/replay.ts";

Deno.test("anthropicEventsToParts() reads a recorded text stream", async () => {
  assert.deepEqual(await decodeEvents(recordedStream("text_stream.sse")), [
    {
      type: "start",
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      model: "claude-sonnet-4-20250514",
      usage: { inputTokens: 25, outputTokens: 1, cacheReadTokens: 12, cacheCreationTokens: 0 },
    },
    { type: "text-delta", text: "Hello" },
    { type: "text-delta", text: "!" },
    { type: "usage", usage: { outputTokens: 15 } },
    { type: "finish", finish: { unified: "stop", raw: "end_turn" } },
  ]);
});

Deno.test("anthropicEventsToParts() reads a recorded tool_use stream", async () => {
  const parts = await decodeEvents(recordedStream("tool_use_stream.sse"));
  assert.deepEqual(parts.slice(1), [
    { type: "text-delta", text: "Okay, let me check the weather." },
    { type: "tool-call-start", index: 1, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"location":' },
    { type: "tool-call-delta", index: 1, argumentsDelta: ' "San Francisco, CA"}' },
    { type: "usage", usage: { outputTokens: 89 } },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
  ]);
});

Deno.test("anthropicEventsToParts() reads recorded thinking, signature and redacted thinking", async () => {
  const parts = await decodeEvents(recordedStream("thinking_stream.sse"));
  assert.deepEqual(parts.slice(1), [
    { type: "reasoning-delta", text: "The user asks for 27 * 453." },
    { type: "reasoning-delta", text: " That is 12231." },
    { type: "reasoning-signature", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" },
    { type: "redacted-reasoning", data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP" },
    { type: "text-delta", text: "27 * 453 = 12,231" },
    {
      type: "usage",
      usage: {
        inputTokens: 423,
        outputTokens: 231,
        cacheReadTokens: 0,
        cacheCreationTokens: 7,
        reasoningTokens: 180,
      },
    },
    { type: "finish", finish: { unified: "stop", raw: "end_turn" } },
  ]);
});

Deno.test("anthropicEventsToParts() turns `event: error` into an error part", async () => {
  const parts = await decodeEvents(recordedStream("overloaded_stream.sse"));
  assert.deepEqual(parts.slice(1), [
    { type: "text-delta", text: "Par" },
    { type: "error", message: "Overloaded", kind: "overloaded", errorType: "overloaded_error" },
  ]);
});

Deno.test("decodeAnthropicEvent() keeps the stop sequence, skips unknown events and stray deltas", () => {
  let state: DecoderState = { blocks: {}, finished: false };
  const feed = (event: string, data: unknown) => {
    const result = decodeAnthropicEvent(state, { event, data: JSON.stringify(data) });
    state = result.state;
    return result.parts;
  };
  assert.deepEqual(feed("brand_new_event", { type: "brand_new_event" }), []);
  assert.deepEqual(
    feed("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "server_tool_use", id: "s", name: "web_search", input: {} },
    }),
    [],
  );
  assert.deepEqual(
    feed("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: "{}" },
    }),
    [],
  );
  assert.deepEqual(
    feed("content_block_start", {
      type: "content_block_start",
      index: 1,
      content_block: { type: "text", text: "Hi" },
    }),
    [{ type: "text-delta", text: "Hi" }],
  );
  assert.deepEqual(
    feed("content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "citations_delta", citation: {} },
    }),
    [],
  );
  assert.deepEqual(
    feed("content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "thinking_delta", thinking: "x" },
    }),
    [],
  );
  assert.deepEqual(
    feed("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "stop_sequence", stop_sequence: "END" },
      usage: { output_tokens: 3 },
    }),
    [
      { type: "usage", usage: { outputTokens: 3 } },
      { type: "finish", finish: { unified: "stop-sequence", raw: "stop_sequence", stopSequence: "END" } },
    ],
  );
  assert.deepEqual(feed("message_stop", { type: "message_stop" }), []);
});

Deno.test("decodeAnthropicEvent() handles what compatible servers do differently", () => {
  const fresh: DecoderState = { blocks: {}, finished: false };
  const whole = decodeAnthropicEvent(fresh, {
    event: "content_block_start",
    data:
      '{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}}',
  });
  assert.deepEqual(whole.parts, [
    { type: "tool-call-start", index: 0, id: "t1", name: "f" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"a":1}' },
  ]);
  assert.deepEqual(decodeAnthropicEvent(fresh, { event: "message_stop", data: "{}" }).parts, [
    { type: "finish", finish: { unified: "other", raw: null } },
  ]);
  assert.deepEqual(decodeAnthropicEvent(fresh, { event: "message_delta", data: "not json" }).parts, [
    { type: "error", message: "The upstream sent a non-JSON message_delta event" },
  ]);
  assert.deepEqual(
    decodeAnthropicEvent(fresh, { event: "content_block_delta", data: '{"index":"x"}' }).parts,
    [
      { type: "error", message: "The upstream sent a malformed content_block_delta event" },
    ],
  );
});

Deno.test("partsToAnthropicEvents() replays a recorded Anthropic stream event for event", async () => {
  const parts = await decodeEvents(recordedStream("tool_use_stream.sse"));
  const replayed = await encodeEvents(parts, "claude-sonnet-4-20250514");
  const recorded = (await Array.fromAsync(recordedStream("tool_use_stream.sse"))).map((event) =>
    JSON.parse(event.data)
  );
  // Tool input goes out whole (one input_json_delta per call), so the recording's fragments are joined.
  const expected: typeof recorded = [];
  for (const event of recorded) {
    const previous = expected.at(-1);
    if (event.delta?.type === "input_json_delta") {
      if (previous?.delta?.type === "input_json_delta" && previous.index === event.index) {
        previous.delta = {
          ...previous.delta,
          partial_json: previous.delta.partial_json + event.delta.partial_json,
        };
        continue;
      }
      if (event.delta.partial_json === "") continue;
    }
    expected.push(structuredClone(event));
  }
  assert.deepEqual(replayed.map(([name]) => name), expected.map((event) => event.type));
  assert.deepEqual(replayed[0][1].message, {
    ...expected[0].message,
    usage: { ...expected[0].message.usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  assert.deepEqual(replayed.slice(1, -2).map(([, data]) => data), expected.slice(1, -2));
  assert.deepEqual(replayed.at(-2)![1], {
    type: "message_delta",
    delta: { stop_reason: "tool_use", stop_sequence: null },
    usage: { input_tokens: 472, output_tokens: 89 },
  });
});
