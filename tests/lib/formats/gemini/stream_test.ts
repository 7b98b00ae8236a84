import assert from "node:assert/strict";
import type { CanonicalUsage, StreamPart } from "../../../../lib/formats/canonical.ts";
import {
  decodeGeminiEvent,
  type GeminiDecoderState,
  initialGeminiDecoderState,
} from "../../../../lib/formats/gemini/stream.ts";
import { decodeRecorded } from "../../../fixtures/gemini/replay.ts";

/** The start part of a stream whose first chunk carried `first` (a usage part): the prompt side only. */
function start(id: string, model: string, first?: StreamPart): StreamPart {
  if (first?.type !== "usage") return { type: "start", id, model };
  const { inputTokens, cacheReadTokens, cacheCreationTokens } = first.usage;
  return { type: "start", id, model, usage: { inputTokens, cacheReadTokens, cacheCreationTokens } };
}

function usage(input: number, output: number, extra: Partial<CanonicalUsage> = {}): StreamPart {
  return {
    type: "usage",
    usage: {
      inputTokens: input,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      outputTokens: output,
      reasoningTokens: 0,
      ...extra,
    },
  };
}

Deno.test("geminiChunksToParts() reads a recorded text stream with CRLF line ends", async () => {
  assert.deepEqual(await decodeRecorded("text_stream.sse"), [
    start("vPkbaLGnK8qVz7IPjNjMkQw", "gemini-2.5-flash", usage(8, 1)),
    { type: "text-delta", text: "Hello" },
    usage(8, 1),
    { type: "text-delta", text: "! How can I help" },
    usage(8, 6),
    { type: "text-delta", text: " you today?" },
    usage(8, 10),
    { type: "finish", finish: { unified: "stop", raw: "STOP" } },
  ]);
});

Deno.test("geminiChunksToParts() reads thoughts, then the signature on the first answer part", async () => {
  assert.deepEqual(await decodeRecorded("thinking_stream.sse"), [
    start("3PkbaNH1BpP5nsEP9J6x8Q0", "gemini-2.5-pro", usage(14, 96, { reasoningTokens: 96 })),
    { type: "reasoning-delta", text: "**Multiplying the numbers**\n\nThe user asks for 27 * 453." },
    usage(14, 96, { reasoningTokens: 96 }),
    { type: "reasoning-delta", text: " 27 * 453 = 12231." },
    usage(14, 180, { reasoningTokens: 180 }),
    {
      type: "reasoning-signature",
      signature: "gemini:CiIBVKhc7oB2Zq0+g5sF0j2bIbQvXl9vQm0l2d9R5Yk3aB8K",
      standalone: true,
    },
    { type: "text-delta", text: "27 × 453 = 12,231" },
    usage(14, 189, { reasoningTokens: 180 }),
    { type: "text-delta", text: "." },
    usage(10, 190, { reasoningTokens: 180, cacheReadTokens: 4 }),
    { type: "finish", finish: { unified: "stop", raw: "STOP" } },
  ]);
});

Deno.test("geminiChunksToParts() reads two whole function calls of one chunk, the first one signed", async () => {
  const id = "QHiLaa6LBrb8vdIPoNztsAg";
  assert.deepEqual(await decodeRecorded("parallel_calls_stream.sse"), [
    start(id, "gemini-3-pro-preview", usage(61, 250, { reasoningTokens: 212 })),
    {
      type: "reasoning-signature",
      signature: "gemini:EpEgCo4gAb4+9vvWwdN+NkNiCCwrqvFI8uf9IiD2A47Bm4Sga0kUTm4e",
      standalone: true,
    },
    { type: "tool-call-start", index: 0, id: `call_${id}_0`, name: "get_weather" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris","unit":"celsius"}' },
    { type: "tool-call-start", index: 1, id: `call_${id}_1`, name: "get_time" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"timezone":"Europe/Paris"}' },
    usage(61, 250, { reasoningTokens: 212 }),
    usage(61, 250, { reasoningTokens: 212 }),
    { type: "finish", finish: { unified: "tool-calls", raw: "STOP" } },
  ]);
});

Deno.test("geminiChunksToParts() reads usage sent only with the last chunk and keeps call ids", async () => {
  assert.deepEqual(await decodeRecorded("usage_last_stream.sse"), [
    { type: "start", id: "kQ9caP2xFoSBz7IP3pWs2Ac", model: "gemini-2.5-flash-lite" },
    { type: "text-delta", text: "Let me look that up." },
    { type: "tool-call-start", index: 0, id: "fc_7f3a", name: "search" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"query":"deno 2.9"}' },
    usage(56, 17, { cacheReadTokens: 64 }),
    { type: "finish", finish: { unified: "tool-calls", raw: "STOP" } },
  ]);
});

Deno.test("geminiChunksToParts() ends a candidate stopped for SAFETY with a content-filter finish", async () => {
  assert.deepEqual(await decodeRecorded("safety_stream.sse"), [
    start("Zc0caKa2Bv6Bz7IPh6Hn4Ac", "gemini-2.0-flash", usage(23, 3)),
    { type: "text-delta", text: "Here is how" },
    usage(23, 3),
    usage(23, 3),
    { type: "finish", finish: { unified: "content-filter", raw: "SAFETY" } },
  ]);
});

Deno.test("geminiChunksToParts() reads a blocked prompt (promptFeedback, no candidate)", async () => {
  assert.deepEqual(await decodeRecorded("prompt_blocked_stream.sse"), [
    start("b9EcaJv8Ld6Oz7IP2u2tmQs", "gemini-2.5-flash", {
      type: "usage",
      usage: { inputTokens: 41, cacheReadTokens: 0, cacheCreationTokens: 0 },
    }),
    { type: "usage", usage: { inputTokens: 41, cacheReadTokens: 0, cacheCreationTokens: 0 } },
    { type: "finish", finish: { unified: "content-filter", raw: "PROHIBITED_CONTENT" } },
  ]);
});

Deno.test("geminiChunksToParts() turns an error chunk into an error part", async () => {
  assert.deepEqual(await decodeRecorded("error_stream.sse"), [
    start("xW0daPrYBs2Wz7IPmq3NsQo", "gemini-2.5-flash", usage(5, 1)),
    { type: "text-delta", text: "Par" },
    usage(5, 1),
    {
      type: "error",
      message: "The model is overloaded. Please try again later.",
      kind: "overloaded",
      errorType: "UNAVAILABLE",
    },
  ]);
});

Deno.test("decodeGeminiEvent() ends a MALFORMED_FUNCTION_CALL candidate with an error part blaming the model, not a finish", () => {
  let state: GeminiDecoderState = initialGeminiDecoderState();
  const feed = (chunk: unknown) => {
    const step = decodeGeminiEvent(state, { data: JSON.stringify(chunk) });
    state = step.state;
    return step.parts;
  };
  assert.deepEqual(feed({ candidates: [{ content: { parts: [{ text: "Checking" }] } }], responseId: "r" }), [
    { type: "start", id: "r", model: "" },
    { type: "text-delta", text: "Checking" },
  ]);
  assert.deepEqual(
    feed({
      candidates: [{
        content: {},
        finishReason: "MALFORMED_FUNCTION_CALL",
        finishMessage: "Malformed function call: get_weather(",
      }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 },
    }),
    [
      usage(5, 1),
      {
        type: "error",
        message:
          "Gemini stopped with finishReason MALFORMED_FUNCTION_CALL: Malformed function call: get_weather(",
        blame: "model",
      },
    ],
  );
  assert.equal(state.ended, true);
  assert.equal(state.finished, false);

  state = initialGeminiDecoderState();
  assert.deepEqual(feed({ candidates: [{ finishReason: "UNEXPECTED_TOOL_CALL" }], responseId: "u" }), [
    { type: "start", id: "u", model: "" },
    { type: "error", message: "Gemini stopped with finishReason UNEXPECTED_TOOL_CALL", blame: "model" },
  ]);
});

Deno.test("decodeGeminiEvent() reports non-JSON and malformed chunks, then ignores the rest", () => {
  let state: GeminiDecoderState = initialGeminiDecoderState();
  const feed = (data: string) => {
    const step = decodeGeminiEvent(state, { data });
    state = step.state;
    return step.parts;
  };
  assert.deepEqual(feed(""), []);
  assert.deepEqual(feed("<html>502 Bad Gateway</html>"), [
    { type: "error", message: "The upstream sent data that is not JSON: <html>502 Bad Gateway</html>" },
  ]);
  assert.equal(state.ended, true);
  assert.deepEqual(feed('{"candidates":[{"content":{"parts":[{"text":"late"}]}}]}'), []);

  state = initialGeminiDecoderState();
  assert.deepEqual(feed('{"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}}]}}]}'), [
    {
      type: "error",
      message:
        "The upstream sent a malformed Gemini chunk (at candidates.0.content.parts.0.functionCall.name)",
    },
  ]);
});

Deno.test("decodeGeminiEvent() emits one finish and counts calls across chunks", () => {
  let state: GeminiDecoderState = initialGeminiDecoderState();
  const feed = (chunk: unknown) => {
    const step = decodeGeminiEvent(state, { data: JSON.stringify(chunk) });
    state = step.state;
    return step.parts;
  };
  const call = (name: string) => ({ candidates: [{ content: { parts: [{ functionCall: { name } }] } }] });
  assert.deepEqual(feed({ ...call("a"), responseId: "r" }), [
    { type: "start", id: "r", model: "" },
    { type: "tool-call-start", index: 0, id: "call_r_0", name: "a" },
    { type: "tool-call-delta", index: 0, argumentsDelta: "{}" },
  ]);
  assert.deepEqual(feed(call("b")), [
    { type: "tool-call-start", index: 1, id: "call_r_1", name: "b" },
    { type: "tool-call-delta", index: 1, argumentsDelta: "{}" },
  ]);
  assert.deepEqual(feed({ candidates: [{ finishReason: "MAX_TOKENS" }] }), [
    { type: "finish", finish: { unified: "length", raw: "MAX_TOKENS" } },
  ]);
  assert.deepEqual(feed({ candidates: [{ finishReason: "STOP" }] }), []);
  assert.deepEqual(state, { started: true, ended: false, finished: true, id: "r", toolCalls: 2 });
});
