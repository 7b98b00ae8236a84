import assert from "node:assert/strict";
import { costOf, parseModelPrices, priceOf } from "../../../lib/config/pricing.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("parseModelPrices() reads USD per million tokens, with wildcards and cached input", () => {
  const prices = parseModelPrices(JSON.stringify({
    "openai/gpt-4o": { input: 2.5, output: 10, cached_input: 1.25 },
    "groq/*": { input: 0.1, output: 0.2 },
  }));
  assert.deepEqual(priceOf(prices, "openai/GPT-4o"), { input: 2.5, output: 10, cachedInput: 1.25 });
  assert.deepEqual(priceOf(prices, "groq/llama-3.3-70b"), { input: 0.1, output: 0.2, cachedInput: 0.1 });
  assert.equal(priceOf(prices, "openai/o1"), null);
  const cost = costOf(priceOf(prices, "openai/gpt-4o")!, {
    promptTokens: 1_000,
    cachedTokens: 200,
    completionTokens: 500,
  });
  assert.equal(cost, (800 * 2.5 + 200 * 1.25 + 500 * 10) / 1_000_000);
  assert.equal(parseModelPrices(undefined).size, 0);
});

Deno.test("parseModelPrices() names the problem of a bad value", () => {
  assert.throws(
    () => parseModelPrices("{oops"),
    (error: unknown) =>
      error instanceof ConfigError && /^MODEL_PRICES: is not valid JSON/.test(error.message),
  );
  assert.throws(
    () => parseModelPrices(JSON.stringify({ "a/b": { input: -1, output: 1 } })),
    (error: unknown) => error instanceof ConfigError && /^MODEL_PRICES: a\/b\.input: /.test(error.message),
  );
});

Deno.test("parseModelPrices() reads optional cache_write and reasoning prices", () => {
  const prices = parseModelPrices(JSON.stringify({
    "anthropic/*": { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, reasoning: 20 },
  }));
  assert.deepEqual(priceOf(prices, "anthropic/claude-x"), {
    input: 3,
    output: 15,
    cachedInput: 0.3,
    cacheWrite: 3.75,
    reasoning: 20,
  });
});
