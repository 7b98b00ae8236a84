import assert from "node:assert/strict";
import {
  CatalogSnapshot,
  costBreakdown,
  loadBundledCatalog,
  loadCatalog,
  parseCatalogDocument,
  PriceBook,
  renderCardFields,
  updateCatalog,
} from "../../../lib/catalog/mod.ts";
import { parseModelPrices } from "../../../lib/config/pricing.ts";

const SMALL = {
  anthropic: {
    id: "anthropic",
    models: {
      "claude-sonnet-4-20250514": {
        id: "claude-sonnet-4-20250514",
        name: "Claude Sonnet 4",
        tool_call: true,
        reasoning: true,
        modalities: { input: ["text", "image", "pdf"], output: ["text"] },
        cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
        limit: { context: 200000, output: 64000 },
      },
    },
  },
  google: {
    models: {
      "gemini-2.5-pro": {
        id: "gemini-2.5-pro",
        structured_output: true,
        cost: { input: 1.25, output: 10, cache_read: 0.31 },
        limit: { context: 1048576, output: 65536 },
      },
      "broken": { id: 42 },
    },
  },
  openrouter: {
    models: { "openai/gpt-4o": { id: "openai/gpt-4o", cost: { input: 2.5 } } },
  },
};

const small = () => new CatalogSnapshot(parseCatalogDocument(SMALL), "test 1");

Deno.test("CatalogSnapshot.lookup() finds our provider/model names through provider aliases", () => {
  const catalog = small();
  const viaGemini = catalog.lookup("gemini/gemini-2.5-pro");
  assert.ok(viaGemini.known);
  assert.equal(viaGemini.card.catalogProvider, "google");
  assert.equal(viaGemini.card.contextWindow, 1048576);
  assert.equal(viaGemini.card.capabilities.structuredOutput, true);
  // The OAuth provider sells Google's models; Gemini's `models/` prefix is dropped.
  const viaCli = catalog.lookup("gemini_cli/models/gemini-2.5-pro");
  assert.ok(viaCli.known);
  assert.equal(viaCli.card.catalogModel, "gemini-2.5-pro");
  const claude = catalog.lookup("anthropic/Claude-Sonnet-4-20250514");
  assert.ok(claude.known);
  assert.deepEqual(claude.card.capabilities, {
    tools: true,
    vision: true,
    reasoning: true,
    structuredOutput: null,
  });
});

Deno.test("CatalogSnapshot.lookup() says unknown rather than matching a similar model", () => {
  const catalog = small();
  for (const name of ["anthropic/claude-sonnet-4", "gemini/gemini-2.5-pro-preview", "mystery/x", "gpt-4o"]) {
    const result = catalog.lookup(name);
    assert.equal(result.known, false, name);
  }
  const missing = catalog.lookup("gemini/gemini-9");
  assert.ok(!missing.known);
  assert.match(missing.reason, /has no model "gemini-9" under google/);
  // A malformed entry is skipped, not fatal for the rest.
  assert.equal(catalog.lookup("gemini/broken").known, false);
});

Deno.test("costBreakdown() prices uncached input, cache reads, cache writes, output and reasoning", () => {
  const prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
  const breakdown = costBreakdown(prices, {
    promptTokens: 10_000,
    cachedTokens: 6_000,
    cacheCreationTokens: 1_000,
    completionTokens: 2_000,
    reasoningTokens: 500,
  });
  assert.equal(breakdown.input, 3_000 * 3 / 1e6);
  assert.equal(breakdown.cacheRead, 6_000 * 0.3 / 1e6);
  assert.equal(breakdown.cacheWrite, 1_000 * 3.75 / 1e6);
  assert.equal(breakdown.output, 1_500 * 15 / 1e6);
  // No separate reasoning price: reasoning is output.
  assert.equal(breakdown.reasoning, 500 * 15 / 1e6);
  assert.ok(Math.abs(breakdown.total - (0.009 + 0.0018 + 0.00375 + 0.0225 + 0.0075)) < 1e-12);
  const withReasoningPrice = costBreakdown({ input: 1, output: 2, reasoning: 8 }, {
    promptTokens: 0,
    completionTokens: 1_000_000,
    reasoningTokens: 250_000,
  });
  assert.equal(withReasoningPrice.total, 1.5 + 2);
  // No cache prices: cache tokens cost the input price.
  assert.equal(
    costBreakdown({ input: 2, output: 0 }, { promptTokens: 100, cachedTokens: 100, completionTokens: 0 })
      .total,
    200 / 1e6,
  );
});

Deno.test("PriceBook.pricesOf() prefers MODEL_PRICES, then the catalog, else gives the reason", () => {
  const book = new PriceBook(
    small(),
    parseModelPrices(JSON.stringify({ "google/*": { input: 9, output: 9 } })),
  );
  const claude = book.pricesOf("anthropic/claude-sonnet-4-20250514");
  assert.equal(claude.prices?.cacheWrite, 3.75);
  assert.ok(claude.prices && claude.source === "catalog anthropic/claude-sonnet-4-20250514");
  const overridden = new PriceBook(
    small(),
    parseModelPrices(JSON.stringify({ "gemini/*": { input: 9, output: 9 } })),
  );
  assert.deepEqual(overridden.pricesOf("gemini/gemini-2.5-pro"), {
    prices: { input: 9, output: 9, cacheRead: 9 },
    source: "MODEL_PRICES",
  });
  // The catalog has only an input price: a half price is no price.
  const half = book.pricesOf("openrouter/openai/gpt-4o");
  assert.equal(half.prices, null);
  assert.ok(!half.prices && /no price/.test(half.reason));
  assert.equal(book.costOf("mystery/model", { promptTokens: 1, completionTokens: 1 }), null);
  assert.equal(book.costOf("gemini/gemini-2.5-pro", { promptTokens: 1_000_000, completionTokens: 0 }), 1.25);
});

Deno.test("renderCardFields() shows limits, prices and capabilities, or unknown with the reason", () => {
  const lookup = small().lookup("anthropic/claude-sonnet-4-20250514");
  assert.ok(lookup.known);
  const fields = renderCardFields(lookup.card, { version: "test 1" });
  assert.equal(fields.context_window, 200000);
  assert.equal(fields.max_output_tokens, 64000);
  assert.deepEqual(fields.capabilities, {
    tools: true,
    vision: true,
    reasoning: true,
    structured_output: null,
  });
  assert.equal(fields.pricing?.cache_read, 0.3);
  assert.equal(fields.pricing?.cache_write, 3.75);
  assert.deepEqual(fields.catalog, {
    known: true,
    provider: "anthropic",
    model: "claude-sonnet-4-20250514",
    version: "test 1",
  });
  const unknown = renderCardFields({ unknown: "no such model" }, { version: "test 1" });
  assert.equal(unknown.context_window, null);
  assert.deepEqual(unknown.catalog, { known: false, reason: "no such model", version: "test 1" });
});

Deno.test("loadBundledCatalog() ships real models.dev data (gpt-4o's published prices and limits)", async () => {
  const catalog = await loadBundledCatalog();
  assert.ok(catalog.size.providers > 20 && catalog.size.models > 500);
  const gpt4o = catalog.lookup("openai/gpt-4o");
  assert.ok(gpt4o.known);
  assert.deepEqual(gpt4o.card.prices, { input: 2.5, output: 10, cacheRead: 1.25 });
  assert.equal(gpt4o.card.contextWindow, 128000);
  assert.equal(gpt4o.card.maxOutputTokens, 16384);
  assert.equal(gpt4o.card.capabilities.vision, true);
  const flash = catalog.lookup("gemini/gemini-2.5-flash");
  assert.ok(flash.known && flash.card.prices !== null);
  assert.ok(catalog.lookup("together/deepseek-ai/DeepSeek-V3").known);
});

Deno.test("updateCatalog() saves a fetched catalog that loadCatalog() then prefers; a bad one changes nothing", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "catalog-test-" });
  let answer: () => Response = () => Response.json(SMALL);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => answer());
  try {
    const url = `http://127.0.0.1:${server.addr.port}/api.json`;
    const warnings: string[] = [];
    const before = await loadCatalog(dataDir, { onWarning: (message) => warnings.push(message) });
    assert.match(before.version, /bundled/);
    const update = await updateCatalog(dataDir, { url, now: () => Date.UTC(2026, 0, 2) });
    assert.equal(update.providers, 3);
    assert.equal(update.models, 3);
    const after = await loadCatalog(dataDir);
    assert.equal(after.version, `${url}, fetched 2026-01-02T00:00:00.000Z`);
    assert.ok(after.lookup("anthropic/claude-sonnet-4-20250514").known);
    answer = () => Response.json({ not: "a catalog" });
    await assert.rejects(() => updateCatalog(dataDir, { url }), /did not send a models.dev catalog/);
    answer = () => new Response("down", { status: 503 });
    await assert.rejects(() => updateCatalog(dataDir, { url }), /answered 503/);
    assert.equal((await loadCatalog(dataDir)).version, after.version);
    await Deno.writeTextFile(`${dataDir}/catalog/models.json`, "{corrupt");
    const fallback = await loadCatalog(dataDir, { onWarning: (message) => warnings.push(message) });
    assert.match(fallback.version, /bundled/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /not a usable catalog/);
  } finally {
    await server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});
