import assert from "node:assert/strict";
import { errorEventScrubber, holdsErrorString } from "../../../lib/server/error_event_scrub.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SECRET = "sk-secret-0123456789abcdef";
const redact = (text: string) => text.replaceAll(SECRET, "sk-…cdef");

Deno.test('holdsErrorString() finds the JSON string "error" as a key or value, not escaped inside text', () => {
  assert.ok(holdsErrorString(encoder.encode('data: {"error":{"message":"x"}}\n\n')));
  assert.ok(holdsErrorString(encoder.encode('event: error\ndata: {"type":"error"}\n\n')));
  assert.ok(holdsErrorString(encoder.encode('"error"')));
  assert.ok(!holdsErrorString(encoder.encode('data: {"delta":{"content":"an \\"error\\" here"}}\n\n')));
  assert.ok(!holdsErrorString(encoder.encode('data: {"delta":{"content":"errors happen"}}\n\n')));
  assert.ok(!holdsErrorString(encoder.encode('"erro')));
});

Deno.test("errorEventScrubber() masks secrets in error events and returns other chunks untouched", () => {
  const scrub = errorEventScrubber(redact);
  const error = encoder.encode(`data: {"error":{"message":"Incorrect API key provided: ${SECRET}"}}\n\n`);
  const masked = decoder.decode(scrub(error));
  assert.ok(!masked.includes(SECRET) && masked.includes("sk-…cdef"), masked);
  // Only error events are looked at (the happy path pays one scan), and the same bytes come back.
  const content = encoder.encode(`data: {"delta":{"content":"${SECRET}"}}\n\n`);
  assert.equal(errorEventScrubber(redact)(content), content);
  const clean = encoder.encode('data: {"error":{"message":"overloaded"}}\n\n');
  assert.equal(scrub(clean), clean);
});

Deno.test("errorEventScrubber() masks an error event split across chunks", () => {
  const scrub = errorEventScrubber(redact);
  const pieces = ['data: {"id":"x"}\n\ndata: {"err', `or":{"message":"bad key ${SECRET}"}}\n\n`];
  const out = pieces.map((piece) => decoder.decode(scrub(encoder.encode(piece)))).join("");
  assert.ok(!out.includes(SECRET), out);
  const later = errorEventScrubber(redact);
  const split = ['data: {"error":{"message":"bad key', ` ${SECRET}"}}\n\n`];
  const joined = split.map((piece) => decoder.decode(later(encoder.encode(piece)))).join("");
  assert.ok(!joined.includes(SECRET), joined);
});
