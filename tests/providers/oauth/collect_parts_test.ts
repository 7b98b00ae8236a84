import assert from "node:assert/strict";
import { collectParts, StreamAnswerError } from "../../../providers/oauth/collect_parts.ts";

Deno.test("collectParts() folds text, reasoning, tool calls, usage and finish into one answer", () => {
  const response = collectParts([
    { type: "start", id: "resp_1", model: "gpt-5.5", usage: { inputTokens: 10 } },
    { type: "reasoning-delta", text: "Think" },
    { type: "reasoning-delta", text: "ing." },
    { type: "reasoning-signature", signature: "enc-1" },
    { type: "text-delta", text: "Hel" },
    { type: "text-delta", text: "lo" },
    { type: "tool-call-start", index: 0, id: "call_1", name: "ls" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"path":' },
    { type: "tool-call-delta", index: 0, argumentsDelta: '"/"}' },
    { type: "usage", usage: { outputTokens: 7, reasoningTokens: 2 } },
    { type: "finish", finish: { unified: "tool-calls", raw: "completed" } },
  ]);
  assert.equal(response.id, "resp_1");
  assert.deepEqual(response.content, [
    { type: "reasoning", text: "Thinking.", signature: "enc-1" },
    { type: "text", text: "Hello" },
    { type: "tool-call", id: "call_1", name: "ls", input: { path: "/" } },
  ]);
  assert.deepEqual(response.finish, { unified: "tool-calls", raw: "completed" });
  assert.equal(response.usage.inputTokens, 10);
  assert.equal(response.usage.outputTokens, 7);
});

Deno.test("collectParts() refuses a stream that carried an error", () => {
  assert.throws(
    () =>
      collectParts([{ type: "text-delta", text: "a" }, {
        type: "error",
        message: "usage limit",
      }]),
    StreamAnswerError,
  );
});
