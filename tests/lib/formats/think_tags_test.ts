import assert from "node:assert/strict";
import type { CanonicalResponse, StreamPart } from "../../../lib/formats/canonical.ts";
import { splitThinkResponse, thinkTagSplitter } from "../../../lib/formats/think_tags.ts";

async function run(parts: StreamPart[]): Promise<StreamPart[]> {
  return await Array.fromAsync(ReadableStream.from(parts).pipeThrough(thinkTagSplitter()));
}

/** Join consecutive deltas of one kind, so tests do not depend on how chunks were cut. */
function joined(parts: StreamPart[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of parts) {
    const text = part.type === "text-delta" || part.type === "reasoning-delta" ? part.text : "";
    const last = out.at(-1);
    if (last && last[0] === part.type && text !== "") last[1] += text;
    else out.push([part.type, text]);
  }
  return out;
}

const FULL = "<think>\nI should greet.\n</think>\n\nHello!";

Deno.test("thinkTagSplitter() splits reasoning out, whatever the chunk boundaries", async () => {
  for (let first = 1; first < FULL.length; first++) {
    for (const second of [first + 1, first + 3, FULL.length]) {
      const pieces = [FULL.slice(0, first), FULL.slice(first, second), FULL.slice(second)].filter((piece) =>
        piece
      );
      const parts = await run([
        ...pieces.map((text): StreamPart => ({ type: "text-delta", text })),
        { type: "finish", finish: { unified: "stop", raw: "stop" } },
      ]);
      assert.deepEqual(joined(parts), [
        ["reasoning-delta", "\nI should greet.\n"],
        ["text-delta", "Hello!"],
        ["finish", ""],
      ], `cut at ${first}/${second}`);
    }
  }
});

Deno.test("thinkTagSplitter() leaves text that does not begin with <think> alone", async () => {
  const parts = await run([{ type: "text-delta", text: "Use <think> tags" }, {
    type: "text-delta",
    text: " like this",
  }]);
  assert.deepEqual(joined(parts), [["text-delta", "Use <think> tags like this"]]);
  const short = await run([{ type: "text-delta", text: "<th" }]);
  assert.deepEqual(joined(short), [["text-delta", "<th"]]);
});

Deno.test("thinkTagSplitter() ends unclosed reasoning as reasoning", async () => {
  const parts = await run([{ type: "text-delta", text: "<think>still thinking</thi" }]);
  assert.deepEqual(joined(parts), [["reasoning-delta", "still thinking</thi"]]);
});

Deno.test("splitThinkResponse() moves a leading think block into a reasoning part", () => {
  const response: CanonicalResponse = {
    id: "1",
    model: "m",
    content: [{ type: "text", text: FULL }],
    finish: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: 1,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
    },
  };
  assert.deepEqual(splitThinkResponse(response).content, [
    { type: "reasoning", text: "\nI should greet.\n" },
    { type: "text", text: "Hello!" },
  ]);
});
