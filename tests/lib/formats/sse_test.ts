import assert from "node:assert/strict";
import { encodeSseEvent, sseDecoder, type SseEvent, SseParser } from "../../../lib/formats/sse.ts";

async function decode(chunks: string[]): Promise<SseEvent[]> {
  const encoder = new TextEncoder();
  const stream = ReadableStream.from(chunks.map((chunk) => encoder.encode(chunk))).pipeThrough(sseDecoder());
  return await Array.fromAsync(stream);
}

Deno.test("sseDecoder() parses events split anywhere across chunks, with CRLF, comments and multi-line data", async () => {
  const text =
    ': keep-alive\r\nevent: message_start\r\ndata: {"a":1}\r\n\r\ndata: line one\ndata: line two\n\nid: 7\ndata:x\n\n';
  const expected: SseEvent[] = [
    { event: "message_start", data: '{"a":1}' },
    { data: "line one\nline two" },
    { data: "x", id: "7" },
  ];
  assert.deepEqual(await decode([text]), expected);
  for (let split = 1; split < text.length; split++) {
    assert.deepEqual(await decode([text.slice(0, split), text.slice(split)]), expected, `split at ${split}`);
  }
});

Deno.test("sseDecoder() keeps multi-byte characters split between chunks and a last event without blank line", async () => {
  const bytes = new TextEncoder().encode('data: {"text":"héllo 👋"}\n\ndata: [DONE]');
  const chunks = [bytes.slice(0, 16), bytes.slice(16, 21), bytes.slice(21)];
  const events = await Array.fromAsync(ReadableStream.from(chunks).pipeThrough(sseDecoder()));
  assert.deepEqual(events, [{ data: '{"text":"héllo 👋"}' }, { data: "[DONE]" }]);
});

Deno.test("SseParser ignores a blank line with no data and resets the event name", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push("event: ping\n\n\ndata: a\n\n"), [{ data: "a" }]);
});

Deno.test("encodeSseEvent() writes the event name and one data line per line", () => {
  assert.equal(
    encodeSseEvent({ event: "ping", data: '{"type":"ping"}' }),
    'event: ping\ndata: {"type":"ping"}\n\n',
  );
  assert.equal(encodeSseEvent({ data: "a\nb" }), "data: a\ndata: b\n\n");
});
