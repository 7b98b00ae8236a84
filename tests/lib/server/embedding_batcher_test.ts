import assert from "node:assert/strict";
import type { EmbeddingResult } from "../../../lib/formats/openai/embeddings.ts";
import { EmbeddingBatcher, shareTokens } from "../../../lib/server/embedding_batcher.ts";
import { FakeClock, settle } from "../../helpers/fake_clock.ts";

type Input = string | number[];

/** A vector that tells which input it was made for. */
function vectorOf(input: Input): number[] {
  return typeof input === "string" ? [input.charCodeAt(0), input.length] : input.map((token) => -token);
}

/** A send function that records its calls and answers with {@link vectorOf} each input. */
function recorder(options: { promptTokens?: number; fail?: Error } = {}) {
  const calls: Input[][] = [];
  const send = (inputs: Input[]): Promise<EmbeddingResult> => {
    calls.push(inputs);
    if (options.fail) return Promise.reject(options.fail);
    return Promise.resolve({
      vectors: inputs.map(vectorOf),
      model: "upstream-model",
      promptTokens: options.promptTokens ?? inputs.length,
    });
  };
  return { calls, send };
}

Deno.test("EmbeddingBatcher.embed() merges three concurrent requests into one call and splits the answer", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const { calls, send } = recorder({ promptTokens: 10 });
  const first = batcher.embed("openai/m/none", ["a"], send);
  const second = batcher.embed("openai/m/none", ["bb", "ccc"], send);
  const third = batcher.embed("openai/m/none", ["dddd"], send);
  await clock.advance(19);
  assert.equal(calls.length, 0);
  await clock.advance(1);
  assert.deepEqual(calls, [["a", "bb", "ccc", "dddd"]]);
  // 10 tokens over 1 + 2 + 1 inputs: 2.5, 5, 2.5 → the first tie gets the spare token.
  assert.deepEqual(await first, { vectors: [[97, 1]], model: "upstream-model", promptTokens: 3 });
  assert.deepEqual(await second, { vectors: [[98, 2], [99, 3]], model: "upstream-model", promptTokens: 5 });
  assert.deepEqual(await third, { vectors: [[100, 4]], model: "upstream-model", promptTokens: 2 });
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("EmbeddingBatcher.embed() sends a batch with its first member's function", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock, windowMs: 5 });
  const firstSender = recorder();
  const secondSender = recorder();
  const first = batcher.embed("k", ["a"], firstSender.send);
  const second = batcher.embed("k", ["b"], secondSender.send);
  await clock.advance(5);
  assert.deepEqual(firstSender.calls, [["a", "b"]]);
  assert.deepEqual(secondSender.calls, []);
  assert.deepEqual((await first).vectors, [[97, 1]]);
  assert.deepEqual((await second).vectors, [[98, 1]]);
});

Deno.test("EmbeddingBatcher.embed() flushes the open batch when a newcomer would exceed maxBatch", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock, maxBatch: 3 });
  const { calls, send } = recorder();
  const first = batcher.embed("k", ["a", "b"], send);
  const second = batcher.embed("k", ["c", "d"], send);
  await settle(); // lets promise callbacks run; the clock has not moved
  // The first batch left at once, without waiting for its window.
  assert.deepEqual(calls, [["a", "b"]]);
  assert.deepEqual((await first).vectors, [[97, 1], [98, 1]]);
  const third = batcher.embed("k", ["e"], send);
  await settle();
  // Now full (3 inputs): sent without waiting either.
  assert.deepEqual(calls, [["a", "b"], ["c", "d", "e"]]);
  assert.deepEqual((await second).vectors, [[99, 1], [100, 1]]);
  assert.deepEqual((await third).vectors, [[101, 1]]);
  await clock.advance(20);
  assert.equal(calls.length, 2);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("EmbeddingBatcher.embed() splits a request larger than maxBatch and re-joins it in order", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock, maxBatch: 2 });
  const { calls, send } = recorder({ promptTokens: 4 });
  const large = batcher.embed("k", ["a", "b", "c", "d", "e"], send);
  await settle();
  assert.deepEqual(calls, [["a", "b"], ["c", "d"]]);
  const small = batcher.embed("k", ["f"], send);
  await clock.advance(20);
  assert.deepEqual(calls, [["a", "b"], ["c", "d"], ["e", "f"]]);
  assert.deepEqual(await large, {
    vectors: [[97, 1], [98, 1], [99, 1], [100, 1], [101, 1]],
    model: "upstream-model",
    promptTokens: 4 + 4 + 2,
  });
  assert.deepEqual(await small, { vectors: [[102, 1]], model: "upstream-model", promptTokens: 2 });
});

Deno.test("EmbeddingBatcher.embed() rejects only the members of a failed call", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const failure = new Error("upstream 500");
  const failing = recorder({ fail: failure });
  const working = recorder();
  const first = batcher.embed("k", ["a"], failing.send);
  const second = batcher.embed("k", ["b"], working.send);
  const other = batcher.embed("other", ["c"], working.send);
  const firstOutcome = first.then(() => "resolved", (error) => error);
  const secondOutcome = second.then(() => "resolved", (error) => error);
  await clock.advance(20);
  assert.equal(await firstOutcome, failure);
  assert.equal(await secondOutcome, failure);
  assert.deepEqual((await other).vectors, [[99, 1]]);
  // A later request of the same key opens a fresh batch and succeeds.
  const later = batcher.embed("k", ["d"], working.send);
  await clock.advance(20);
  assert.deepEqual((await later).vectors, [[100, 1]]);
  assert.deepEqual(failing.calls, [["a", "b"]]);
  assert.deepEqual(working.calls, [["c"], ["d"]]);
});

Deno.test("EmbeddingBatcher.embed() rejects the members when a send function throws synchronously", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const pending = batcher.embed("k", ["a"], () => {
    throw new TypeError("bad body");
  });
  const outcome = pending.then(() => "resolved", (error: Error) => error.message);
  await clock.advance(20);
  assert.equal(await outcome, "bad body");
});

Deno.test("EmbeddingBatcher.embed() rejects merged members when the vector count is wrong", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const send = () => Promise.resolve({ vectors: [[1]], model: "m", promptTokens: 1 });
  const outcomes = [batcher.embed("k", ["a"], send), batcher.embed("k", ["b"], send)]
    .map((pending) => pending.then(() => "resolved", (error: Error) => error.message));
  await clock.advance(20);
  assert.deepEqual(await Promise.all(outcomes), [
    "Embeddings upstream returned 1 vectors for 2 inputs",
    "Embeddings upstream returned 1 vectors for 2 inputs",
  ]);
});

Deno.test("EmbeddingBatcher.embed() never merges separate keys, nor text with token arrays", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const { calls, send } = recorder();
  const results = Promise.all([
    batcher.embed("openai/m/256", ["a"], send),
    batcher.embed("openai/m/512", ["b"], send),
    batcher.embed("gemini/m/256", ["c"], send),
    batcher.embed("openai/m/256", [[7, 8]], send),
    batcher.embed("openai/m/256", ["d"], send),
  ]);
  await clock.advance(20);
  assert.deepEqual(calls, [["a", "d"], ["b"], ["c"], [[7, 8]]]);
  assert.deepEqual((await results).map((result) => result.vectors), [
    [[97, 1]],
    [[98, 1]],
    [[99, 1]],
    [[-7, -8]],
    [[100, 1]],
  ]);
});

Deno.test("EmbeddingBatcher.embed() passes a lone request's result through unchanged", async () => {
  const clock = new FakeClock();
  const batcher = new EmbeddingBatcher({ clock });
  const { send } = recorder({ promptTokens: 17 });
  const pending = batcher.embed("k", ["a", "b"], send);
  await clock.advance(20);
  assert.deepEqual(await pending, { vectors: [[97, 1], [98, 1]], model: "upstream-model", promptTokens: 17 });
});

Deno.test("EmbeddingBatcher rejects a maxBatch below 1", () => {
  assert.throws(() => new EmbeddingBatcher({ clock: new FakeClock(), maxBatch: 0 }), RangeError);
});

Deno.test("shareTokens() gives whole shares in proportion to sizes that sum to the total", () => {
  assert.deepEqual(shareTokens(10, [1, 2, 1]), [3, 5, 2]);
  assert.deepEqual(shareTokens(7, [1, 1, 1]), [3, 2, 2]);
  assert.deepEqual(shareTokens(100, [3, 1]), [75, 25]);
  assert.deepEqual(shareTokens(1, [1, 5]), [0, 1]);
  assert.deepEqual(shareTokens(0, [2, 3]), [0, 0]);
});
