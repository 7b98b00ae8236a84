import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../lib/formats/canonical.ts";
import {
  countInputTokens,
  countTexts,
  EXACT_CHARACTERS,
  OutputSample,
  PIECE_CHARACTERS,
} from "../../../lib/formats/token_count.ts";

const base: CanonicalRequest = { model: "m", system: [], messages: [], tools: [], stream: false };

Deno.test("countInputTokens() grows with text, tools and images", async () => {
  const hello = await countInputTokens({
    ...base,
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
  });
  assert.equal(hello, 4 + 1);
  const longer = await countInputTokens({
    ...base,
    system: [{ type: "text", text: "You are a helpful assistant." }],
    messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }],
  });
  assert.ok(longer > hello);
  const withImage = await countInputTokens({
    ...base,
    messages: [{
      role: "user",
      content: [{ type: "image", source: { kind: "url", url: "https://x/y.png" } }],
    }],
  });
  assert.equal(withImage, 4 + 1_600);
  const withTool = await countInputTokens({
    ...base,
    tools: [{ name: "get_weather", description: "Weather", inputSchema: { type: "object" } }],
  });
  assert.ok(withTool > 8);
});

Deno.test("countTexts() hands the tokenizer bounded pieces of its worst inputs", async () => {
  // Whole, these took 2.6–21 s each: the tokenizer's BPE is superlinear on long runs without a break.
  const worst = [
    "a".repeat(150_000),
    "漢".repeat(20_000),
    " ".repeat(20_000),
    "😀".repeat(20_000),
    Array.from({ length: 40_000 }, (_, index) => ((index * 7919) % 65_536).toString(36)).join(""),
    "word ".repeat(200_000),
  ];
  for (const text of worst) {
    const seen: string[] = [];
    const counter = (pieces: readonly string[]) => {
      seen.push(...pieces);
      return Promise.resolve(pieces.reduce((sum, piece) => sum + piece.length, 0));
    };
    const tokens = await countTexts([text], { counter });
    assert.ok(seen.every((piece) => piece.length <= PIECE_CHARACTERS), text.slice(0, 10));
    const counted = seen.reduce((sum, piece) => sum + piece.length, 0);
    assert.ok(counted <= EXACT_CHARACTERS + PIECE_CHARACTERS, `${text.slice(0, 10)}…: ${counted} counted`);
    // No surrogate pair is split between pieces.
    assert.ok(seen.every((piece) => !/[\uD800-\uDBFF]$/.test(piece)));
    // The extrapolated count is the whole length at this counter's rate of one per character.
    assert.ok(Math.abs(tokens - text.length) <= PIECE_CHARACTERS, `${tokens} vs ${text.length}`);
  }
  // The real tokenizer counts one of them.
  assert.ok(await countTexts(["漢".repeat(20_000)]) > 0);
});

Deno.test("countTexts() yields to the event loop while it splits long texts", async () => {
  // A clock that moves 10 ms per reading: every piece overruns the slice, so the loop must yield.
  let clock = 0;
  const now = () => (clock += 10);
  let timerRan = false;
  let countedAfterTimer = false;
  const counter = (pieces: readonly string[]) => {
    countedAfterTimer = timerRan;
    return Promise.resolve(pieces.length);
  };
  setTimeout(() => timerRan = true, 0);
  await countTexts(["The quick brown fox jumps over the lazy dog. ".repeat(100)], { counter, now });
  assert.ok(countedAfterTimer, "the timer did not run before the pieces were counted");
  // Without overrunning the slice, the split runs through in one turn.
  timerRan = false;
  setTimeout(() => timerRan = true, 0);
  await countTexts(["The quick brown fox jumps over the lazy dog. ".repeat(100)], { counter, now: () => 0 });
  assert.equal(countedAfterTimer, false);
  await new Promise((resolve) => setTimeout(resolve, 0));
});

Deno.test("countTexts() stays close to the exact count past its exact budget", async () => {
  const prose = "The quick brown fox jumps over the lazy dog, then reads function f(x) { return x * 2; }\n";
  const text = prose.repeat(5_000);
  const exact = await countTexts([text], { exactCharacters: Infinity });
  const sampled = await countTexts([text], { exactCharacters: 20_000 });
  assert.ok(Math.abs(sampled - exact) / exact < 0.02, `${sampled} vs ${exact}`);
  // Small texts are counted whole, as the tokenizer counts them.
  assert.equal(await countTexts(["Hello"]), 1);
});

Deno.test("OutputSample keeps a bounded sample and scales its count to the whole answer", () => {
  const sample = new OutputSample();
  for (let index = 0; index < 1_000; index++) sample.add("x".repeat(1_000));
  assert.equal(sample.length, 1_000_000);
  assert.equal(sample.sample().length, EXACT_CHARACTERS);
  assert.equal(sample.scale(100), Math.round(100 * 1_000_000 / EXACT_CHARACTERS));
});
