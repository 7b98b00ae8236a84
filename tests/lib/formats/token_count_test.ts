import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../lib/formats/canonical.ts";
import {
  countInputTokens,
  countTexts,
  EXACT_CHARACTERS,
  OutputSample,
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

Deno.test("countTexts() counts the tokenizer's worst inputs in bounded time", async () => {
  const worst = [
    "a".repeat(150_000),
    "漢".repeat(20_000),
    " ".repeat(20_000),
    "😀".repeat(20_000),
    Array.from({ length: 40_000 }, (_, index) => ((index * 7919) % 65_536).toString(36)).join(""),
  ];
  for (const text of worst) {
    const started = performance.now();
    const tokens = await countTexts([text]);
    const elapsed = performance.now() - started;
    assert.ok(tokens > 0);
    // Unbounded, these took 2.6–21 s each; generous for loaded machines.
    assert.ok(elapsed < 3_000, `${text.slice(0, 10)}…: ${elapsed.toFixed(0)} ms`);
  }
});

Deno.test("countTexts() yields to the event loop while it counts", async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await countTexts(["The quick brown fox jumps over the lazy dog. ".repeat(20_000)]);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, "no timer ran during the count");
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
