import assert from "node:assert/strict";
import { overrideTemperatureZero } from "../../../lib/server/chat_pipeline.ts";
import { tokenUsage } from "../../../lib/server/call_accounting.ts";

Deno.test("overrideTemperatureZero() removes or raises temperature 0 only, in OpenAI/Anthropic and Gemini bodies", () => {
  assert.deepEqual(overrideTemperatureZero({ temperature: 0, a: 1 }, "remove"), { a: 1 });
  assert.deepEqual(overrideTemperatureZero({ temperature: 0 }, "set"), { temperature: 1 });
  assert.deepEqual(overrideTemperatureZero({ temperature: 0.2 }, "remove"), { temperature: 0.2 });
  assert.deepEqual(overrideTemperatureZero({ temperature: 0 }, "keep"), { temperature: 0 });
  assert.deepEqual(overrideTemperatureZero({ generationConfig: { temperature: 0, topK: 3 } }, "remove"), {
    generationConfig: { topK: 3 },
  });
});

Deno.test("tokenUsage() counts cached and cache-creation tokens into prompt tokens", () => {
  assert.deepEqual(
    tokenUsage({
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 3,
      cacheCreationTokens: 2,
      reasoningTokens: 1,
    }),
    { promptTokens: 15, completionTokens: 5, cachedTokens: 3, reasoningTokens: 1 },
  );
  assert.equal(tokenUsage(null), null);
});
