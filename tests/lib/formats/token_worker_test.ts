import assert from "node:assert/strict";
import { countPiecesHere, countTexts } from "../../../lib/formats/token_count.ts";
import { TokenWorker } from "../../../lib/formats/token_worker.ts";

Deno.test("TokenWorker counts as this thread does, and counts in flight fail once it is closed", async () => {
  const worker = new TokenWorker();
  try {
    const texts = ["Hello, world.", "漢".repeat(2_000), "The quick brown fox. ".repeat(500)];
    assert.equal(
      await countTexts(texts, { counter: worker.count }),
      await countTexts(texts, { counter: countPiecesHere }),
    );
    const pending = worker.count(["still counting"]);
    worker.close();
    await assert.rejects(pending, /stopped/);
    // A closed worker starts again on the next count.
    assert.equal(await worker.count(["Hello"]), 1);
  } finally {
    worker.close();
  }
});
