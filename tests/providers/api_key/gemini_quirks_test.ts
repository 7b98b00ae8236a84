/** Gemini adapter quirks: thinking settings per model family, and Gemma's missing system instruction. */
import assert from "node:assert/strict";
import { canonicalToGeminiRequest } from "../../../lib/formats/gemini/request.ts";
import { fitGemmaBody, fitThinkingConfig, gemini } from "../../../providers/api_key/gemini.ts";

const thinkingOf = (body: Record<string, unknown>) =>
  (body.generationConfig as Record<string, unknown>).thinkingConfig;

/** The body the translation writes for "no thinking" (reasoning_effort none, Anthropic thinking disabled). */
const thinkingOff = () =>
  canonicalToGeminiRequest({
    model: "any",
    stream: false,
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    tools: [],
    maxTokens: 10,
    reasoning: { enabled: false },
  });

Deno.test("fitThinkingConfig() never sends budget 0 to Gemini 3 models: the lowest level instead", () => {
  assert.deepEqual(thinkingOf(thinkingOff()), { thinkingBudget: 0 });
  for (
    const model of [
      "gemini-3-pro-preview",
      "gemini-3.1-pro-preview",
      "models/gemini-3-pro-preview",
      "gemini-pro-latest",
      "gemini-flash-latest",
      "gemini-flash-lite-latest",
      "gemini-3.7-flash",
    ]
  ) {
    assert.deepEqual(thinkingOf(fitThinkingConfig(thinkingOff(), model)), { thinkingLevel: "low" }, model);
  }
  // "minimal" only where Google documents it.
  for (
    const model of [
      "gemini-3-flash-preview",
      "gemini-3.5-flash",
      "gemini-3.1-flash-lite",
      "gemini-3.1-flash-image",
    ]
  ) {
    assert.deepEqual(
      thinkingOf(fitThinkingConfig(thinkingOff(), model)),
      { thinkingLevel: "minimal" },
      model,
    );
  }
  // The rest of generationConfig stays.
  assert.deepEqual(fitThinkingConfig(thinkingOff(), "gemini-3-pro-preview").generationConfig, {
    maxOutputTokens: 10,
    thinkingConfig: { thinkingLevel: "low" },
  });
});

Deno.test("fitThinkingConfig() never sends thinkingLevel and thinkingBudget together to Gemini 3", () => {
  const body = (thinkingConfig: Record<string, unknown>) => ({
    contents: [],
    generationConfig: { thinkingConfig },
  });
  assert.deepEqual(
    thinkingOf(fitThinkingConfig(body({ thinkingLevel: "high", thinkingBudget: 0 }), "gemini-3-pro-preview")),
    { thinkingLevel: "high" },
  );
  assert.deepEqual(
    thinkingOf(
      fitThinkingConfig(
        body({ includeThoughts: true, thinkingLevel: "low", thinkingBudget: 8192 }),
        "gemini-3-flash-preview",
      ),
    ),
    { includeThoughts: true, thinkingLevel: "low" },
  );
  // A budget alone still reaches Gemini 3, which accepts budgets for backward compatibility.
  assert.deepEqual(
    thinkingOf(
      fitThinkingConfig(body({ includeThoughts: true, thinkingBudget: 8192 }), "gemini-3-pro-preview"),
    ),
    { includeThoughts: true, thinkingBudget: 8192 },
  );
});

Deno.test("fitThinkingConfig() keeps the 2.5 rules: Flash switches off with 0, Pro drops the budget", () => {
  assert.deepEqual(thinkingOf(fitThinkingConfig(thinkingOff(), "gemini-2.5-flash")), { thinkingBudget: 0 });
  assert.deepEqual(thinkingOf(fitThinkingConfig(thinkingOff(), "gemini-2.5-flash-lite")), {
    thinkingBudget: 0,
  });
  assert.deepEqual(thinkingOf(fitThinkingConfig(thinkingOff(), "gemini-2.5-pro")), {});
});

Deno.test("gemini.prepareBody() folds Gemma's system instruction into the first user turn and drops thinking", () => {
  const body = {
    systemInstruction: { parts: [{ text: "Be brief." }, { text: "Answer in French." }] },
    contents: [
      { role: "user", parts: [{ text: "Hello" }] },
      { role: "model", parts: [{ text: "Bonjour" }] },
      { role: "user", parts: [{ text: "Again" }] },
    ],
    generationConfig: { maxOutputTokens: 10, thinkingConfig: { thinkingBudget: 0 } },
  };
  const copy = structuredClone(body);
  const prepared = gemini.prepareBody!(body, { model: "gemma-3-27b-it", stream: false });
  assert.deepEqual(prepared, {
    contents: [
      { role: "user", parts: [{ text: "Be brief.\nAnswer in French.\n\n" }, { text: "Hello" }] },
      { role: "model", parts: [{ text: "Bonjour" }] },
      { role: "user", parts: [{ text: "Again" }] },
    ],
    generationConfig: { maxOutputTokens: 10 },
  });
  assert.deepEqual(body, copy, "the input is not modified");
  // Gemini models keep their system instruction.
  const kept = gemini.prepareBody!(body, { model: "gemini-2.5-flash", stream: false });
  assert.deepEqual(kept.systemInstruction, body.systemInstruction);
});

Deno.test("fitGemmaBody() opens a user turn when there is none and leaves bodies without a system alone", () => {
  assert.deepEqual(
    fitGemmaBody({
      systemInstruction: { parts: [{ text: "Rules" }] },
      contents: [{ parts: [{ text: "Q" }] }],
    }),
    { contents: [{ parts: [{ text: "Rules\n\n" }, { text: "Q" }] }] },
  );
  assert.deepEqual(
    fitGemmaBody({ systemInstruction: { parts: [{ text: "Rules" }] }, contents: [] }),
    { contents: [{ role: "user", parts: [{ text: "Rules\n\n" }] }] },
  );
  const plain = { contents: [{ role: "user", parts: [{ text: "Q" }] }] };
  assert.deepEqual(gemini.prepareBody!(plain, { model: "gemma-3n-e4b-it", stream: true }), plain);
});
