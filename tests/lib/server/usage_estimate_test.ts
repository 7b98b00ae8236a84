import assert from "node:assert/strict";
import type { CanonicalUsage, StreamPart } from "../../../lib/formats/canonical.ts";
import { countInputTokens, estimateMissingUsage } from "../../../lib/formats/token_count.ts";
import { PartsTap, type UsageEstimator } from "../../../lib/server/call_accounting.ts";
import { canonicalRequest } from "../../helpers/canonical.ts";

const request = canonicalRequest("m", {
  system: [{ type: "text", text: "You are a careful assistant that answers briefly." }],
  messages: [{ role: "user", content: [{ type: "text", text: "What is the capital of France, and why?" }] }],
});

Deno.test("estimateMissingUsage() counts the request and the answer when the upstream reported no usage", async () => {
  const estimate = await estimateMissingUsage({}, {
    request: () => request,
    output: () => [{ type: "text", text: "Paris, because it is the seat of government." }],
  });
  assert.equal(estimate.inputTokens, await countInputTokens(request));
  assert.ok(estimate.inputTokens! > 10, String(estimate.inputTokens));
  assert.ok(estimate.outputTokens! >= 8 && estimate.outputTokens! <= 14, String(estimate.outputTokens));
  assert.deepEqual(Object.keys(estimate).sort(), ["inputTokens", "outputTokens"]);
});

Deno.test("estimateMissingUsage() never replaces the upstream's counts and reads no source it does not need", async () => {
  const untouched = () => {
    throw new Error("read although the upstream counted it");
  };
  assert.deepEqual(
    await estimateMissingUsage({ inputTokens: 12, outputTokens: 3 }, {
      request: untouched,
      output: untouched,
    }),
    {},
  );
  // A prompt read whole from the cache is counted, not missing.
  assert.deepEqual(
    await estimateMissingUsage({ inputTokens: 0, cacheReadTokens: 900, outputTokens: 3 }, {
      request: untouched,
      output: untouched,
    }),
    {},
  );
  const outputOnly = await estimateMissingUsage({ inputTokens: 12, outputTokens: 0 }, {
    request: untouched,
    output: () => [{ type: "tool-call", id: "c1", name: "read", input: { path: "/etc/hosts" } }],
  });
  assert.deepEqual(Object.keys(outputOnly), ["outputTokens"]);
  assert.ok(outputOnly.outputTokens! > 0);
  // Nothing to count: nothing estimated.
  assert.deepEqual(await estimateMissingUsage({}, { request: () => null, output: () => [] }), {});
});

async function tapped(
  parts: StreamPart[],
  estimate: UsageEstimator,
): Promise<{ out: StreamPart[]; tap: PartsTap }> {
  const tap = new PartsTap(estimate);
  const out: StreamPart[] = [];
  await ReadableStream.from(parts).pipeThrough(tap.stream()).pipeTo(
    new WritableStream({ write: (part) => void out.push(part) }),
  );
  return { out, tap };
}

Deno.test("PartsTap adds an estimated usage part before the end of a stream that brought no usage", async () => {
  const seen: Array<{ usage: Partial<CanonicalUsage>; output: string }> = [];
  const estimate: UsageEstimator = (usage, output) => {
    const [text] = output();
    seen.push({ usage, output: text?.type === "text" ? text.text : "" });
    return Promise.resolve({ inputTokens: 40, outputTokens: 6 });
  };
  const parts: StreamPart[] = [
    { type: "start", id: "x", model: "m" },
    { type: "text-delta", text: "Hello" },
    { type: "tool-call-start", index: 0, id: "c1", name: "read" },
    { type: "tool-call-delta", index: 0, argumentsDelta: '{"path":"a"}' },
    { type: "finish", finish: { unified: "tool-calls", raw: "tool_calls" } },
  ];
  const { out, tap } = await tapped(parts, estimate);
  assert.deepEqual(out, [...parts, { type: "usage", usage: { inputTokens: 40, outputTokens: 6 } }]);
  assert.deepEqual(seen, [{ usage: {}, output: 'Helloread{"path":"a"}' }]);
  assert.deepEqual(tap.usage, { inputTokens: 40, outputTokens: 6 });
});

Deno.test("PartsTap keeps no output once the upstream counts it, and estimates nothing for a failed stream", async () => {
  const outputs: number[] = [];
  const estimate: UsageEstimator = (_usage, output) => {
    outputs.push(output().length);
    return Promise.resolve({});
  };
  const counted = await tapped([
    { type: "start", id: "x", model: "m", usage: { inputTokens: 7, outputTokens: 1 } },
    { type: "text-delta", text: "Hello" },
    { type: "finish", finish: { unified: "stop", raw: "stop" } },
  ], estimate);
  assert.equal(counted.out.length, 3, "an empty estimate adds no part");
  assert.deepEqual(outputs, [0]);

  const failed = await tapped([
    { type: "text-delta", text: "Hello" },
    { type: "error", message: "MALFORMED_FUNCTION_CALL", blame: "model" },
  ], () => Promise.reject(new Error("estimated a failed stream")));
  assert.equal(failed.tap.error, "MALFORMED_FUNCTION_CALL");
  assert.equal(failed.tap.blame, "model");
  assert.equal(failed.out.length, 2);
});
