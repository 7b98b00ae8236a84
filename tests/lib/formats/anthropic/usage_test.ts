import assert from "node:assert/strict";
import { anthropicStreamUsage } from "../../../../lib/formats/anthropic/usage.ts";

Deno.test("anthropicStreamUsage() reads the last message_delta of a stream's tail, even from a cut first line", () => {
  const tail =
    'ta: {"partial\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},' +
    '"usage":{"output_tokens":42,"input_tokens":7}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';
  assert.deepEqual(anthropicStreamUsage(tail), {
    inputTokens: 7,
    outputTokens: 42,
    cacheReadTokens: undefined,
    cacheCreationTokens: undefined,
  });
  assert.equal(anthropicStreamUsage('event: ping\ndata: {"type":"ping"}\n\n'), null);
});
