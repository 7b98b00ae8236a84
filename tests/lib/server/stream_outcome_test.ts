import assert from "node:assert/strict";
import { streamOutcome } from "../../../lib/server/call_accounting.ts";

const clean = { error: null, blame: undefined, finished: true };
const usage = { inputTokens: 10, outputTokens: 4 };
const tokens = { promptTokens: 10, completionTokens: 4, cachedTokens: 0, reasoningTokens: 0 };

Deno.test("streamOutcome() does not blame the key when the model's output was unusable", () => {
  const { outcome, failure } = streamOutcome({ ok: true }, {
    translated: true,
    tap: {
      error: "Gemini stopped with finishReason MALFORMED_FUNCTION_CALL",
      blame: "model",
      finished: false,
    },
    usage,
  });
  assert.deepEqual(outcome, { ok: true, tokens });
  assert.match(failure!, /MALFORMED_FUNCTION_CALL.*not blamed/);
});

Deno.test("streamOutcome() fails the call for the upstream's own failures, naming why", () => {
  const overloaded = streamOutcome({ ok: true }, {
    translated: true,
    tap: { error: "Overloaded", blame: undefined, finished: false },
    usage,
  });
  assert.equal(overloaded.outcome.ok, false);
  assert.equal(overloaded.failure, "Overloaded");

  const cut = streamOutcome({ ok: true }, { translated: true, tap: { ...clean, finished: false }, usage });
  assert.equal(cut.outcome.ok, false);
  assert.equal(cut.failure, "the upstream stream ended before it finished");

  const silent = new Error("the upstream sent nothing for 5 s");
  assert.deepEqual(streamOutcome({ ok: false, error: silent }, { translated: true, tap: clean, usage }), {
    outcome: { ok: false, error: silent },
    failure: "the upstream sent nothing for 5 s",
  });
});

Deno.test("streamOutcome() counts a clean end as a success and a departed client as neither", () => {
  assert.deepEqual(streamOutcome({ ok: true }, { translated: true, tap: clean, usage }), {
    outcome: { ok: true, tokens },
    failure: null,
  });
  // A passed-through stream has no parts to watch: its end is all there is.
  assert.deepEqual(
    streamOutcome({ ok: true }, { translated: false, tap: { ...clean, finished: false }, usage: null }),
    { outcome: { ok: true, tokens: null }, failure: null },
  );
  assert.deepEqual(
    streamOutcome({ ok: false, cancelled: true }, { translated: true, tap: clean, usage }),
    { outcome: { ok: false, cancelled: true }, failure: null },
  );
});
