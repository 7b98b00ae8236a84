import assert from "node:assert/strict";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import { anthropicEventsToParts } from "../../../../lib/formats/anthropic/stream.ts";
import {
  encodeGeminiPart,
  endGeminiStream,
  initialGeminiEncoderState,
  partsToGeminiChunks,
} from "../../../../lib/formats/gemini/stream_encoder.ts";
import { geminiChunksToParts } from "../../../../lib/formats/gemini/stream.ts";
import { signatureCarrier } from "../../../../lib/formats/gemini/signature_carrier.ts";
import { sseDecoder, SseParser } from "../../../../lib/formats/sse.ts";
import { recordedBytes } from "../../../fixtures/gemini/replay.ts";

/** Run parts through the encoder; the `data:` payloads it sent, parsed. */
async function encode(parts: StreamPart[], model = "openai/gpt-4o"): Promise<Array<Record<string, unknown>>> {
  const text = (await Array.fromAsync(ReadableStream.from(parts).pipeThrough(partsToGeminiChunks({ model }))))
    .join("");
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()].map((event) => JSON.parse(event.data));
}

/** The parts of every chunk's first candidate, in order. */
function partsOf(chunks: Array<Record<string, unknown>>): unknown[] {
  return chunks.flatMap((chunk) => {
    const candidates = chunk.candidates as Array<{ content: { parts: unknown[] } }> | undefined;
    return candidates?.[0]?.content.parts ?? [];
  });
}

Deno.test("partsToGeminiChunks() streams text as chunks and ends with finishReason and usage", async () => {
  const chunks = await encode([
    { type: "start", id: "chatcmpl-1", model: "gpt-4o", usage: { inputTokens: 9 } },
    { type: "text-delta", text: "Hel" },
    { type: "text-delta", text: "lo" },
    { type: "usage", usage: { outputTokens: 2 } },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
  ]);
  assert.equal(chunks.length, 3);
  assert.deepEqual(chunks[0], {
    candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }],
    modelVersion: "openai/gpt-4o",
    responseId: "chatcmpl-1",
  });
  assert.deepEqual(chunks[2], {
    candidates: [{ content: { role: "model", parts: [] }, finishReason: "STOP", index: 0 }],
    modelVersion: "openai/gpt-4o",
    responseId: "chatcmpl-1",
    usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, totalTokenCount: 11 },
  });
});

Deno.test("encodeGeminiPart() holds the finish for the usage that follows it (OpenAI's last chunk)", async () => {
  const chunks = await encode([
    { type: "start", id: "chatcmpl-1", model: "o3" },
    { type: "reasoning-delta", text: "Hmm" },
    { type: "text-delta", text: "Hi" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
    {
      type: "usage",
      usage: { inputTokens: 10, cacheReadTokens: 4, outputTokens: 30, reasoningTokens: 20 },
    },
  ]);
  const last = chunks.at(-1)!;
  assert.equal((last.candidates as Array<Record<string, unknown>>)[0].finishReason, "STOP");
  assert.deepEqual(last.usageMetadata, {
    promptTokenCount: 14,
    candidatesTokenCount: 10,
    totalTokenCount: 44,
    cachedContentTokenCount: 4,
    thoughtsTokenCount: 20,
  });
  // Without any usage, the finish still closes the stream at its end; an error after it follows it.
  let state = initialGeminiEncoderState({ model: "m" });
  state = encodeGeminiPart(state, { type: "finish", finish: { unified: "stop", raw: "stop" } }).state;
  assert.equal(endGeminiStream(state).length, 1);
  assert.match(endGeminiStream(state)[0], /"finishReason":"STOP"/);
  const failed = encodeGeminiPart(state, { type: "error", message: "reset" });
  assert.equal(failed.events.length, 2);
  assert.match(failed.events[0], /"finishReason":"STOP"/);
  assert.deepEqual(endGeminiStream(failed.state), []);
});

Deno.test("partsToGeminiChunks() sends each tool call whole, and a tool-call turn ends with STOP", async () => {
  const chunks = await encode([
    { type: "start", id: "msg_1", model: "claude" },
    { type: "text-delta", text: "Checking." },
    { type: "tool-call-start", index: 1, id: "toolu_1", name: "get_weather" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '{"city":' },
    { type: "tool-call-start", index: 2, id: "toolu_2", name: "get_time" },
    { type: "tool-call-delta", index: 1, argumentsDelta: '"Paris"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_use" } },
  ]);
  assert.deepEqual(partsOf(chunks), [
    { text: "Checking." },
    { functionCall: { name: "get_weather", args: { city: "Paris" }, id: "toolu_1" } },
    { functionCall: { name: "get_time", args: {}, id: "toolu_2" } },
  ]);
  const last = chunks.at(-1)!.candidates as Array<Record<string, unknown>>;
  assert.equal(last[0].finishReason, "STOP");
});

Deno.test("encodeGeminiPart() streams thoughts as thought parts and puts Gemini's own signatures on the next part", () => {
  let state = initialGeminiEncoderState({ model: "m", id: "r" });
  const sent: unknown[] = [];
  const steps: StreamPart[] = [
    { type: "reasoning-delta", text: "Thinking." },
    { type: "reasoning-signature", signature: "anthropic-signature" },
    { type: "reasoning-signature", signature: "gemini:c2ln", standalone: true },
    { type: "tool-call-start", index: 0, id: "c1", name: "f" },
    { type: "finish", finish: { unified: "tool-calls", raw: "STOP" } },
  ];
  for (const part of steps) {
    const step = encodeGeminiPart(state, part);
    state = step.state;
    sent.push(...step.events.map((event) => JSON.parse(event.slice("data: ".length))));
  }
  // No usage came: the finish goes out with the end.
  sent.push(...endGeminiStream(state).map((event) => JSON.parse(event.slice("data: ".length))));
  assert.deepEqual(partsOf(sent as Array<Record<string, unknown>>), [
    { text: "Thinking.", thought: true },
    // Another provider's signature, with the text it signs, rides on a part of its own for the client.
    {
      text: "",
      thoughtSignature: signatureCarrier({
        type: "reasoning",
        text: "Thinking.",
        signature: "anthropic-signature",
      }),
    },
    { functionCall: { name: "f", args: {}, id: "c1" }, thoughtSignature: "c2ln" },
  ]);
});

Deno.test("partsToGeminiChunks() ends a stream cut short with an error the SDK raises, never quietly", async () => {
  const text = (await Array.fromAsync(
    ReadableStream.from<StreamPart>([{ type: "text-delta", text: "Par" }]).pipeThrough(
      partsToGeminiChunks({ model: "m" }),
    ),
  )).join("");
  assert.match(text, /"status":"INTERNAL"/);
  // The bare JSON after the last event is what @google/genai raises on.
  assert.ok(text.endsWith('"details":[]}}'));
});

Deno.test("encodeGeminiPart() renders an upstream error in Google's words for its kind", () => {
  const step = encodeGeminiPart(initialGeminiEncoderState({ model: "m" }), {
    type: "error",
    message: "slow down",
    kind: "rate_limit",
  });
  const body = JSON.parse(step.events[0].split("\n")[0].slice("data: ".length));
  assert.deepEqual(body, {
    error: { code: 429, message: "slow down", status: "RESOURCE_EXHAUSTED", details: [] },
  });
  assert.equal(step.state.failed, true);
  assert.deepEqual(encodeGeminiPart(step.state, { type: "text-delta", text: "x" }).events, []);
});

Deno.test("a recorded Anthropic tool-use stream re-encoded for Gemini decodes back to the same call", async () => {
  const bytes = Deno.readFileSync(
    new URL("../../../fixtures/anthropic/tool_use_stream.sse", import.meta.url),
  );
  const parts = ReadableStream.from([bytes]).pipeThrough(sseDecoder()).pipeThrough(anthropicEventsToParts());
  const geminiText = parts.pipeThrough(partsToGeminiChunks({ model: "anthropic/claude" }))
    .pipeThrough(new TextEncoderStream());
  const decoded = await Array.fromAsync(
    geminiText.pipeThrough(sseDecoder()).pipeThrough(geminiChunksToParts()),
  );
  const start = decoded.find((part) => part.type === "tool-call-start");
  assert.deepEqual(start && { id: start.id, name: start.name }, {
    id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
    name: "get_weather",
  });
  const delta = decoded.find((part) => part.type === "tool-call-delta");
  assert.deepEqual(delta && JSON.parse(delta.argumentsDelta), { location: "San Francisco, CA" });
  const finish = decoded.find((part) => part.type === "finish");
  assert.equal(finish?.type === "finish" && finish.finish.raw, "STOP");
});

Deno.test("a recorded Gemini thinking stream re-encoded keeps thoughts, text and usage", async () => {
  const parts = recordedBytes("thinking_stream.sse").pipeThrough(sseDecoder()).pipeThrough(
    geminiChunksToParts(),
  );
  const chunks = await encode(await Array.fromAsync(parts), "gemini/gemini-2.5-pro");
  const all = partsOf(chunks) as Array<{ text?: string; thought?: boolean }>;
  assert.ok(all.some((part) => part.thought === true && part.text?.includes("Multiplying")));
  assert.ok(all.some((part) => part.thought === undefined && (part.text ?? "") !== ""));
  const usage = chunks.at(-1)!.usageMetadata as Record<string, number>;
  assert.equal(usage.promptTokenCount, 14);
  assert.ok(usage.thoughtsTokenCount > 0);
});
