import assert from "node:assert/strict";
import { tokenUsage } from "../../../lib/server/call_accounting.ts";

Deno.test("tokenUsage() counts cached and cache-creation tokens into prompt tokens", () => {
  assert.deepEqual(
    tokenUsage({
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 3,
      cacheCreationTokens: 2,
      reasoningTokens: 1,
    }),
    { promptTokens: 15, completionTokens: 5, cachedTokens: 3, reasoningTokens: 1, cacheCreationTokens: 2 },
  );
  assert.equal(tokenUsage(null), null);
});
