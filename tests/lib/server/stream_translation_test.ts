/**
 * `streamTranslator()` against the stream chain it replaces: recorded upstream streams of every provider
 * format, cut into chunks of every size, give the client the same bytes (ids and timestamps aside) and
 * the tap the same usage.
 */
import assert from "node:assert/strict";
import * as openAIStreams from "../../fixtures/openai/chat_streams.ts";
import { CODECS, type FormatCodec, providerCodec } from "../../../lib/formats/mod.ts";
import type { WireFormat } from "../../../lib/formats/canonical.ts";
import { sseDecoder } from "../../../lib/formats/sse.ts";
import { thinkTagSplitter } from "../../../lib/formats/think_tags.ts";
import { PartsTap, type UsageEstimator } from "../../../lib/server/call_accounting.ts";
import { streamTranslator } from "../../../lib/server/stream_translation.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fixture(folder: string, name: string): string {
  return Deno.readTextFileSync(new URL(`../../fixtures/${folder}/${name}`, import.meta.url));
}

/** Recorded upstream streams by the format they are in. */
const RECORDED: Array<{ format: WireFormat; name: string; text: string }> = [
  ...Object.entries(openAIStreams).filter(([, value]) => typeof value === "string").map(([name, text]) => ({
    format: "openai" as const,
    name,
    text: text as string,
  })),
  ...["text_stream.sse", "thinking_stream.sse", "tool_use_stream.sse", "overloaded_stream.sse"].map((
    name,
  ) => ({
    format: "anthropic" as const,
    name,
    text: fixture("anthropic", name),
  })),
  ...[
    "text_stream.sse",
    "thinking_stream.sse",
    "parallel_calls_stream.sse",
    "error_stream.sse",
    "safety_stream.sse",
    "usage_last_stream.sse",
    "prompt_blocked_stream.sse",
  ].map((name) => ({ format: "gemini" as const, name, text: fixture("gemini", name) })),
];

/** `text` as chunks of `size` bytes (0: one chunk). */
function chunks(text: string, size: number): Uint8Array[] {
  const bytes = encoder.encode(text);
  if (size === 0) return [bytes];
  const pieces: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.slice(offset, offset + size));
  return pieces;
}

/** What differs from run to run: generated ids and creation times. */
function normalized(text: string): string {
  return text.replace(/"id":"(chatcmpl|msg)[^"]*"/g, '"id":"<id>"').replace(/"created":\d+/g, '"created":0');
}

interface Translation {
  format: WireFormat;
  inbound: FormatCodec;
  includeUsage: boolean;
  thinkTags?: boolean;
  estimate?: UsageEstimator;
}

async function throughChain(pieces: Uint8Array[], options: Translation) {
  const tap = new PartsTap(options.estimate);
  let parts = ReadableStream.from(pieces).pipeThrough(sseDecoder())
    .pipeThrough(providerCodec(options.format).streamToParts());
  if (options.thinkTags) parts = parts.pipeThrough(thinkTagSplitter());
  const text = await Array.fromAsync(
    parts.pipeThrough(tap.stream()).pipeThrough(
      options.inbound.partsToStream({ model: "client-model", includeUsage: options.includeUsage }),
    ),
  );
  return { text: normalized(text.join("")), usage: tap.usage, error: tap.error, finished: tap.finished };
}

async function throughTranslator(pieces: Uint8Array[], options: Translation) {
  const tap = new PartsTap(options.estimate);
  const translator = streamTranslator({
    reader: providerCodec(options.format),
    inbound: options.inbound,
    tap,
    thinkTags: options.thinkTags,
    encoder: { model: "client-model", includeUsage: options.includeUsage },
  });
  assert.ok(translator);
  let text = "";
  for (const piece of pieces) text += decoder.decode(translator.push(piece), { stream: true });
  text += decoder.decode(await translator.end());
  return { text: normalized(text), usage: tap.usage, error: tap.error, finished: tap.finished };
}

Deno.test("streamTranslator() offers a step for every client format", () => {
  const stepped = Object.values(CODECS).filter((codec) => codec.partsEncoder !== undefined).map((codec) =>
    codec.format
  );
  assert.deepEqual(stepped.sort(), ["anthropic", "gemini", "openai", "responses"]);
});

// Responses ids are random per stream: compared in tests/lib/formats/responses/stream_step_test.ts.
for (const inbound of Object.values(CODECS).filter((codec) => codec.format !== "responses")) {
  Deno.test(`streamTranslator() writes what the stream chain writes, to ${inbound.format} clients`, async () => {
    let compared = 0;
    for (const recorded of RECORDED) {
      if (recorded.format === inbound.format) continue; // same format: passed through, not translated
      for (const size of [0, 1, 7, 64]) {
        for (const includeUsage of [true, false]) {
          const options = { format: recorded.format, inbound, includeUsage };
          const pieces = chunks(recorded.text, size);
          const expected = await throughChain(pieces, options);
          const actual = await throughTranslator(pieces, options);
          assert.deepEqual(actual, expected, `${recorded.format}/${recorded.name} in ${size}-byte chunks`);
          compared++;
        }
      }
    }
    assert.ok(compared >= 40);
  });
}

Deno.test("streamTranslator() moves <think> text to reasoning as the chain does, across chunk cuts", async () => {
  const stream = openAIStreams.TEXT_STREAM.replace(
    '"content":"Hello"',
    '"content":"<think>Let me think</think>\\n\\nHello"',
  );
  for (const size of [0, 3, 11]) {
    const options = {
      format: "openai" as const,
      inbound: CODECS.anthropic,
      includeUsage: true,
      thinkTags: true,
    };
    const expected = await throughChain(chunks(stream, size), options);
    const actual = await throughTranslator(chunks(stream, size), options);
    assert.deepEqual(actual, expected);
    assert.match(actual.text, /"thinking":"Let me think"/);
  }
});

Deno.test("streamTranslator() sends the estimated usage before the end when the upstream gave none", async () => {
  const withoutUsage = openAIStreams.TEXT_STREAM.replace(
    /data: \{[^\n]*"choices":\[\],"usage"[^\n]*\n\n/,
    "",
  );
  assert.notEqual(withoutUsage, openAIStreams.TEXT_STREAM);
  const estimate: UsageEstimator = (usage) => Promise.resolve(usage.outputTokens ? {} : { outputTokens: 42 });
  const options = { format: "openai" as const, inbound: CODECS.anthropic, includeUsage: true, estimate };
  const actual = await throughTranslator(chunks(withoutUsage, 5), options);
  assert.deepEqual(actual, await throughChain(chunks(withoutUsage, 5), options));
  assert.equal(actual.usage.outputTokens, 42);
  assert.match(actual.text, /"output_tokens":42/);
});

Deno.test("streamTranslator() holds output back until there is some, and ends a cut stream with an error", async () => {
  const [first] = openAIStreams.TEXT_STREAM.split("\n\n");
  const options = { format: "openai" as const, inbound: CODECS.anthropic, includeUsage: true };
  const tap = new PartsTap();
  const translator = streamTranslator({
    reader: providerCodec("openai"),
    inbound: CODECS.anthropic,
    tap,
    encoder: { model: "client-model", includeUsage: true },
  })!;
  const half = encoder.encode(first.slice(0, 40));
  assert.equal(translator.push(half).length, 0, "half an event yields nothing");
  const text = decoder.decode(translator.push(encoder.encode(`${first.slice(40)}\n\n`))) +
    decoder.decode(await translator.end());
  assert.equal(normalized(text), (await throughChain(chunks(`${first}\n\n`, 0), options)).text);
  assert.match(text, /event: error/);
});
