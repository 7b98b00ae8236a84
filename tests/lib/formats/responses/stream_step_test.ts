/**
 * The Responses encoder's and decoder's step forms (`responsesPartsEncoder`, `responsesPartsDecoder`): the
 * same events as the stream chain, and the whole response kept before the terminal event is handed out.
 */
import assert from "node:assert/strict";
import * as openAIStreams from "../../../fixtures/openai/chat_streams.ts";
import type { StreamPart } from "../../../../lib/formats/canonical.ts";
import type { Json } from "../../../../lib/formats/json_values.ts";
import { providerCodec } from "../../../../lib/formats/mod.ts";
import { responsesCodec } from "../../../../lib/formats/responses/mod.ts";
import { responsesEventsToParts, responsesPartsDecoder } from "../../../../lib/formats/responses/stream.ts";
import {
  partsToResponsesEvents,
  responsesPartsEncoder,
} from "../../../../lib/formats/responses/stream_encoder.ts";
import { sseDecoder, SseParser } from "../../../../lib/formats/sse.ts";
import { PartsTap } from "../../../../lib/server/call_accounting.ts";
import { streamTranslator } from "../../../../lib/server/stream_translation.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A promise and its resolver, to hold a store's write open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => resolve = done);
  return { promise, resolve };
}

/** Random ids and times made comparable. */
function normalized(text: string): string {
  return text.replace(/"(resp|msg|rs|fc)_[0-9a-f]+"/g, '"$1_<id>"').replace(
    /"created_at":\d+/g,
    '"created_at":0',
  );
}

const PARTS: StreamPart[] = [
  { type: "start", id: "chatcmpl-1", model: "upstream" },
  { type: "reasoning-delta", text: "Thinking" },
  { type: "text-delta", text: "Hel" },
  { type: "text-delta", text: "lo" },
  { type: "tool-call-start", index: 0, id: "call_1", name: "get_weather" },
  { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
  { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
  { type: "usage", usage: { inputTokens: 3, outputTokens: 4 } },
];

Deno.test("responsesPartsEncoder() writes what partsToResponsesEvents() writes", async () => {
  const chain = (await Array.fromAsync(
    ReadableStream.from(PARTS).pipeThrough(partsToResponsesEvents({ model: "client/model", createdAt: 1 })),
  )).join("");
  const step = responsesPartsEncoder({ model: "client/model", createdAt: 1 });
  const stepped = [...PARTS.flatMap((part) => step.push(part)), ...step.end()].join("");
  assert.equal(normalized(stepped), normalized(chain));
  assert.match(stepped, /event: response\.completed\n/);
});

Deno.test("responsesPartsEncoder() hands the response over at the end and settles once it is kept", async () => {
  const kept: Json[] = [];
  const write = deferred();
  const step = responsesPartsEncoder({
    model: "client/model",
    onResponse: (response) => {
      kept.push(response);
      return write.promise;
    },
  });
  for (const part of PARTS) step.push(part);
  assert.equal(kept.length, 0, "nothing is kept before the end");
  const events = step.end();
  assert.equal(kept.length, 1);
  const completed = new SseParser().push(events.join("")).at(-1)!;
  assert.equal(completed.event, "response.completed");
  assert.equal(kept[0].id, JSON.parse(completed.data).response.id);
  let settled = false;
  const settling = step.settled().then(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false, "settled before the store wrote");
  write.resolve();
  await settling;
  assert.deepEqual(step.end(), [], "nothing follows the terminal event");
});

Deno.test("streamTranslator() to a Responses client holds response.completed until the response is kept", async () => {
  const write = deferred();
  const kept: string[] = [];
  const inbound = responsesCodec({
    onStreamedResponse: (response) => {
      kept.push(String(response.id));
      return write.promise;
    },
  });
  const translator = streamTranslator({
    reader: providerCodec("openai"),
    inbound,
    tap: new PartsTap(),
    encoder: { model: "client/model", includeUsage: true },
  });
  assert.ok(translator, "the Responses codec has a step form");
  let text = decoder.decode(translator.push(encoder.encode(openAIStreams.TEXT_STREAM)));
  assert.doesNotMatch(text, /response\.completed/);
  let ended = false;
  const ending = translator.end().then((bytes) => {
    ended = true;
    return bytes;
  });
  // Let every microtask run: the end still waits for the store.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(ended, false, "the terminal event went out before the response was kept");
  assert.equal(kept.length, 1);
  write.resolve();
  text += decoder.decode(await ending);
  assert.match(text, /event: response\.completed\n/);
  assert.ok(text.includes(`"id":"${kept[0]}"`));
});

Deno.test("responsesPartsDecoder() reads what responsesEventsToParts() reads", async () => {
  for (const name of ["reasoning_tool_stream.sse", "failed_stream.sse", "incomplete_stream.sse"]) {
    const text = Deno.readTextFileSync(new URL(`../../../fixtures/responses/${name}`, import.meta.url));
    const chain = await Array.fromAsync(
      ReadableStream.from([encoder.encode(text)]).pipeThrough(sseDecoder()).pipeThrough(
        responsesEventsToParts(),
      ),
    );
    const step = responsesPartsDecoder();
    const parser = new SseParser();
    const events = [...parser.push(text), ...parser.end()];
    const stepped = [...events.flatMap((event) => step.push(event)), ...step.end()];
    assert.deepEqual(stepped, chain, name);
    assert.ok(stepped.length > 0, name);
  }
});
