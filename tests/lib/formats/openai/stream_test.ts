import assert from "node:assert/strict";
import OpenAI from "openai";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { sseDecoder } from "../../../../lib/formats/sse.ts";
import {
  decodeOpenAIEvent,
  encodeOpenAIPart,
  initialOpenAIDecoderState,
  initialOpenAIEncoderState,
  openAIChunksToParts,
  partsToOpenAIChunks,
} from "../../../../lib/formats/openai/stream.ts";
import {
  CONTENT_FILTER_STREAM,
  DEEPSEEK_REASONING_STREAM,
  ERROR_STREAM,
  LENGTH_STREAM,
  PARALLEL_TOOL_CALLS_STREAM,
  REFUSAL_STREAM,
  TEXT_STREAM,
  WHOLE_TOOL_CALL_STREAM,
} from "../../../fixtures/openai/chat_streams.ts";

/** SSE text → bytes in small pieces (so events straddle chunk boundaries) → the decoder's parts. */
function decode(text: string, pieceSize = 37): Promise<StreamPart[]> {
  const bytes = new TextEncoder().encode(text);
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += pieceSize) {
        controller.enqueue(bytes.slice(offset, offset + pieceSize));
      }
      controller.close();
    },
  });
  return Array.fromAsync(source.pipeThrough(sseDecoder()).pipeThrough(openAIChunksToParts()));
}

function encode(parts: StreamPart[], options: { model: string; includeUsage: boolean; created?: number }) {
  return Array.fromAsync(ReadableStream.from(parts).pipeThrough(partsToOpenAIChunks(options)));
}

Deno.test("openAIChunksToParts() decodes a text stream with an include_usage final chunk", async () => {
  assert.deepEqual(await decode(TEXT_STREAM), [
    { type: "start", id: "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", model: "gpt-4o-mini-2024-07-18" },
    { type: "text-delta", text: "Hello" },
    { type: "text-delta", text: "! How can I" },
    { type: "text-delta", text: " help you today?" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
    {
      type: "usage",
      usage: {
        inputTokens: 93,
        outputTokens: 10,
        cacheReadTokens: 1024,
        cacheCreationTokens: 0,
        reasoningTokens: 0,
      },
    },
  ]);
});

Deno.test("openAIChunksToParts() decodes two parallel tool calls with fragmented arguments", async () => {
  assert.deepEqual(await decode(PARALLEL_TOOL_CALLS_STREAM, 11), [
    { type: "start", id: "chatcmpl-BJq2wVfPzWOGkxR5NSfLKY1pOm3TQ", model: "gpt-4o-2024-08-06" },
    { type: "tool-call-start", index: 0, id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"lo' },
    { type: "tool-call-delta", index: 0, argumentsDelta: 'cation": "P' },
    { type: "tool-call-delta", index: 0, argumentsDelta: 'aris"}' },
    { type: "tool-call-start", index: 1, id: "call_0fCQ1iHvBpGxY0h8JmKcNRuS", name: "get_time" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"ti' },
    { type: "tool-call-delta", index: 1, argumentsDelta: 'mezone": "Europe/Paris"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
    {
      type: "usage",
      usage: {
        inputTokens: 84,
        outputTokens: 47,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        reasoningTokens: 0,
      },
    },
  ]);
});

Deno.test("openAIChunksToParts() decodes DeepSeek reasoning_content, then usage on the finish chunk", async () => {
  assert.deepEqual(await decode(DEEPSEEK_REASONING_STREAM), [
    { type: "start", id: "5f1d1f2c-9a3e-4a0e-8a52-3c0b6f6d2e11", model: "deepseek-reasoner" },
    { type: "reasoning-delta", text: "Okay" },
    { type: "reasoning-delta", text: ", 9.11 vs 9.9." },
    { type: "text-delta", text: "9.9" },
    { type: "text-delta", text: " is larger." },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
    {
      type: "usage",
      usage: {
        inputTokens: 18,
        outputTokens: 62,
        cacheReadTokens: 0,
        cacheCreationTokens: 0,
        reasoningTokens: 48,
      },
    },
  ]);
});

Deno.test("openAIChunksToParts() emits start then delta when a call arrives whole", async () => {
  assert.deepEqual(await decode(WHOLE_TOOL_CALL_STREAM), [
    { type: "start", id: "chatcmpl-compat-1", model: "llama-3.3-70b" },
    { type: "tool-call-start", index: 0, id: "call_k3", name: "lookup" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"query":"deno"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
  ]);
});

Deno.test("openAIChunksToParts() decodes length, content_filter and refusal finishes", async () => {
  assert.deepEqual(await decode(LENGTH_STREAM), [
    { type: "start", id: "chatcmpl-len", model: "gpt-4o-mini" },
    { type: "text-delta", text: "Once upon" },
    { type: "finish", finish: { unified: "length", raw: "length" } },
  ]);
  assert.deepEqual(await decode(CONTENT_FILTER_STREAM), [
    { type: "start", id: "chatcmpl-filter", model: "gpt-4o" },
    { type: "text-delta", text: "I" },
    { type: "finish", finish: { unified: "content-filter", raw: "content_filter" } },
  ]);
  assert.deepEqual(await decode(REFUSAL_STREAM), [
    { type: "start", id: "chatcmpl-refuse", model: "gpt-4o" },
    { type: "text-delta", text: "I'm sorry, I can't help with that." },
    { type: "finish", finish: { unified: "refusal", raw: "stop" } },
  ]);
});

Deno.test("openAIChunksToParts() turns an error payload into an error part and stops", async () => {
  assert.deepEqual(await decode(ERROR_STREAM), [
    { type: "start", id: "chatcmpl-err", model: "gpt-4o-mini" },
    { type: "text-delta", text: "Par" },
    {
      type: "error",
      message: "The server had an error while processing your request.",
      kind: "overloaded",
      errorType: "server_error",
    },
  ]);
});

Deno.test("openAIChunksToParts() turns non-JSON data into an error part", async () => {
  assert.deepEqual(await decode("data: <html>Bad Gateway</html>\n\n"), [
    { type: "error", message: "The upstream sent data that is not JSON: <html>Bad Gateway</html>" },
  ]);
});

Deno.test("decodeOpenAIEvent() ignores everything after [DONE] and starts a tool call once", () => {
  let state = initialOpenAIDecoderState();
  const call = (id?: string) => ({
    data: JSON.stringify({
      id: "c",
      model: "m",
      choices: [{ index: 0, delta: { tool_calls: [{ index: 2, id, function: { arguments: "{}" } }] } }],
    }),
  });
  let step = decodeOpenAIEvent(state, call("call_x"));
  assert.deepEqual(step.parts.map((part) => part.type), ["start", "tool-call-start", "tool-call-delta"]);
  assert.deepEqual(step.parts[1], { type: "tool-call-start", index: 2, id: "call_x", name: "" });
  assert.deepEqual(step.state.toolCalls, [2]);
  assert.deepEqual(state.toolCalls, [], "the previous state is not changed");
  state = step.state;
  step = decodeOpenAIEvent(state, call("call_x"));
  assert.deepEqual(step.parts, [{ type: "tool-call-delta", index: 2, argumentsDelta: "{}" }]);
  step = decodeOpenAIEvent(step.state, { data: "[DONE]" });
  assert.equal(step.state.ended, true);
  assert.deepEqual(decodeOpenAIEvent(step.state, call()).parts, []);
});

const STREAM_PARTS: StreamPart[] = [
  { type: "start", id: "msg_01", model: "claude-sonnet-4-5", usage: { inputTokens: 12 } },
  { type: "reasoning-delta", text: "Need the weather." },
  { type: "reasoning-signature", signature: "EqQBCgIYAhIM" },
  { type: "text-delta", text: "Checking." },
  { type: "tool-call-start", index: 2, id: "toolu_01", name: "get_weather" },
  { type: "tool-call-delta", index: 2, argumentsDelta: '{"city":' },
  { type: "tool-call-delta", index: 2, argumentsDelta: '"Paris"}' },
  { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
  { type: "usage", usage: { outputTokens: 30, cacheReadTokens: 100 } },
];

const HEAD =
  '{"id":"chatcmpl-msg_01","object":"chat.completion.chunk","created":1700000000,"model":"anthropic/claude"';

Deno.test("partsToOpenAIChunks() writes the exact chunk sequence with include_usage", async () => {
  const options = { model: "anthropic/claude", includeUsage: true, created: 1700000000 };
  const choice = (delta: string, finish = "null") =>
    `data: ${HEAD},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}\n\n`;
  assert.deepEqual(await encode(STREAM_PARTS, options), [
    choice('{"role":"assistant","content":""}'),
    choice('{"reasoning_content":"Need the weather."}'),
    choice('{"content":"Checking."}'),
    choice(
      '{"tool_calls":[{"index":0,"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":""}}]}',
    ),
    choice('{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]}'),
    choice('{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]}'),
    choice("{}", '"tool_calls"'),
    `data: ${HEAD},"choices":[],"usage":{"prompt_tokens":112,"completion_tokens":30,"total_tokens":142,` +
    `"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n`,
    "data: [DONE]\n\n",
  ]);
});

Deno.test("partsToOpenAIChunks() omits usage without include_usage and generates an id without start", async () => {
  const events = await encode([
    { type: "text-delta", text: "Hi" },
    { type: "finish", finish: { unified: "length", raw: "max_tokens" } },
  ], { model: "m", includeUsage: false, created: 1 });
  assert.equal(events.length, 4);
  assert.equal(events[3], "data: [DONE]\n\n");
  const chunks = events.slice(0, 3).map((event) => JSON.parse(event.slice("data: ".length)));
  assert.match(chunks[0].id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.ok(chunks.every((chunk) => chunk.id === chunks[0].id && !("usage" in chunk)));
  assert.deepEqual(chunks.map((chunk) => [chunk.choices[0].delta, chunk.choices[0].finish_reason]), [
    [{ role: "assistant", content: "" }, null],
    [{ content: "Hi" }, null],
    [{}, "length"],
  ]);
});

Deno.test("partsToOpenAIChunks() maps each finish reason", async () => {
  const cases: Array<[StreamPart & { type: "finish" }, string]> = [
    [{ type: "finish", finish: { unified: "stop", raw: "end_turn" } }, "stop"],
    [{ type: "finish", finish: { unified: "stop-sequence", raw: "stop_sequence" } }, "stop"],
    [{ type: "finish", finish: { unified: "content-filter", raw: "SAFETY" } }, "content_filter"],
    [{ type: "finish", finish: { unified: "refusal", raw: "refusal" } }, "content_filter"],
  ];
  for (const [part, expected] of cases) {
    const events = await encode([part], { model: "m", includeUsage: false, created: 1 });
    assert.equal(JSON.parse(events[1].slice("data: ".length)).choices[0].finish_reason, expected);
  }
});

Deno.test("partsToOpenAIChunks() ends with an error event and no [DONE] after an error part", async () => {
  const events = await encode([
    { type: "start", id: "chatcmpl-x", model: "m" },
    { type: "text-delta", text: "Par" },
    { type: "error", message: "Overloaded", kind: "overloaded", errorType: "overloaded_error" },
    { type: "text-delta", text: "is" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
  ], { model: "m", includeUsage: true, created: 1 });
  assert.equal(events.length, 3);
  assert.equal(
    events[2],
    'data: {"error":{"message":"Overloaded","type":"server_error","param":null,"code":"overloaded_error"}}\n\n',
  );
});

Deno.test("encodeOpenAIPart() numbers tool calls 0, 1, … whatever the canonical index", () => {
  let state = initialOpenAIEncoderState({ model: "m", includeUsage: false, created: 1, id: "chatcmpl-t" });
  const parts: StreamPart[] = [
    { type: "tool-call-start", index: 3, id: "a", name: "f" },
    { type: "tool-call-start", index: 5, id: "b", name: "g" },
    { type: "tool-call-delta", index: 3, argumentsDelta: "{}" },
  ];
  const indexes: number[] = [];
  for (const part of parts) {
    const step = encodeOpenAIPart(state, part);
    state = step.state;
    const chunk = JSON.parse(step.events.at(-1)!.slice("data: ".length));
    indexes.push(chunk.choices[0].delta.tool_calls[0].index);
  }
  assert.deepEqual(indexes, [0, 1, 0]);
  assert.deepEqual(state.toolIndexes, { 3: 0, 5: 1 });
});

Deno.test("partsToOpenAIChunks() output is read by openAIChunksToParts() and the openai SDK", async () => {
  const options = { model: "anthropic/claude", includeUsage: true, created: 1700000000 };
  const text = (await encode(STREAM_PARTS, options)).join("");
  const decoded = await decode(text, 13);
  assert.deepEqual(decoded.map((part) => part.type), [
    "start",
    "reasoning-delta",
    "text-delta",
    "tool-call-start",
    "tool-call-delta",
    "tool-call-delta",
    "finish",
    "usage",
  ]);
  const client = new OpenAI({
    apiKey: "test",
    baseURL: "http://127.0.0.1:9/v1",
    maxRetries: 0,
    fetch: () => Promise.resolve(new Response(text, { headers: { "content-type": "text/event-stream" } })),
  });
  const runner = client.chat.completions.stream({ model: "x", messages: [{ role: "user", content: "hi" }] });
  const completion = await runner.finalChatCompletion();
  assert.equal(completion.id, "chatcmpl-msg_01");
  assert.equal(completion.choices[0].message.content, "Checking.");
  assert.equal(completion.choices[0].finish_reason, "tool_calls");
  assert.deepEqual(
    completion.choices[0].message.tool_calls?.map((call) => call.type === "function" && call.function),
    [
      { name: "get_weather", arguments: '{"city":"Paris"}' },
    ],
  );
  assert.equal(completion.usage?.prompt_tokens, 112);
});

Deno.test("encodeOpenAIPart() gives a call whose arguments never came the arguments {} before the finish", () => {
  let state = initialOpenAIEncoderState({ model: "m", includeUsage: false, created: 1, id: "chatcmpl-t" });
  const events: string[] = [];
  for (
    const part of [
      { type: "tool-call-start", index: 0, id: "a", name: "no_args" },
      { type: "tool-call-start", index: 1, id: "b", name: "with_args" },
      { type: "tool-call-delta", index: 1, argumentsDelta: '{"x":1}' },
      { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
    ] satisfies StreamPart[]
  ) {
    const step = encodeOpenAIPart(state, part);
    state = step.state;
    events.push(...step.events);
  }
  const deltas = events.map((event) => JSON.parse(event.slice(6)).choices[0]);
  const argumentsOf = (index: number) =>
    deltas.flatMap((choice) => choice.delta.tool_calls ?? [])
      .filter((call: { index: number }) => call.index === index)
      .map((call: { function: { arguments: string } }) => call.function.arguments)
      .join("");
  assert.equal(argumentsOf(0), "{}");
  assert.equal(argumentsOf(1), '{"x":1}');
  assert.equal(deltas.at(-1).finish_reason, "tool_calls");
});

Deno.test("openAIChunksToParts() reads finish_reason stop after tool calls (a forced tool) as tool-calls", async () => {
  const chunk = (choice: Record<string, unknown>) =>
    `data: ${
      JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [choice] })
    }\n\n`;
  const parts = await decode(
    chunk({
      index: 0,
      delta: {
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
    }) + chunk({ index: 0, delta: {}, finish_reason: "stop" }) + "data: [DONE]\n\n",
  );
  assert.deepEqual(parts.at(-1), { type: "finish", finish: { unified: "tool-calls", raw: "stop" } });
});

Deno.test("openAIChunksToParts() gives calls without an id ids unique to the stream", async () => {
  const text = `data: ${
    JSON.stringify({
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { name: "f", arguments: "{}" } }] },
      }],
    })
  }\n\ndata: [DONE]\n\n`;
  const ids = async () =>
    (await decode(text)).flatMap((part) => part.type === "tool-call-start" ? [part.id] : []);
  const [first] = await ids();
  const [second] = await ids();
  assert.match(first, /^call_[0-9a-f]{16}_0$/);
  assert.notEqual(first, second);
});
