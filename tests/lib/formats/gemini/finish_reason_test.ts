import assert from "node:assert/strict";
import type { FinishInfo } from "../../../../lib/formats/canonical.ts";
import {
  finishFailure,
  finishFromGemini,
  finishToGemini,
} from "../../../../lib/formats/gemini/finish_reason.ts";

Deno.test("finishFromGemini() maps every documented finishReason and keeps the raw value", () => {
  const cases: Array<[string, FinishInfo["unified"]]> = [
    ["STOP", "stop"],
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content-filter"],
    ["RECITATION", "content-filter"],
    ["BLOCKLIST", "content-filter"],
    ["PROHIBITED_CONTENT", "content-filter"],
    ["SPII", "content-filter"],
    ["IMAGE_SAFETY", "content-filter"],
    ["IMAGE_PROHIBITED_CONTENT", "content-filter"],
    ["IMAGE_RECITATION", "content-filter"],
    ["MALFORMED_FUNCTION_CALL", "error"],
    ["UNEXPECTED_TOOL_CALL", "error"],
    ["LANGUAGE", "other"],
    ["OTHER", "other"],
    ["FINISH_REASON_UNSPECIFIED", "other"],
    ["TOO_MANY_TOOL_CALLS", "other"],
    ["NO_IMAGE", "other"],
    ["IMAGE_OTHER", "other"],
    ["SOMETHING_NEW", "other"],
  ];
  for (const [raw, unified] of cases) {
    assert.deepEqual(finishFromGemini(raw, false), { unified, raw }, raw);
  }
});

Deno.test("finishFromGemini() turns STOP after function calls into tool-calls, and only STOP", () => {
  assert.deepEqual(finishFromGemini("STOP", true), { unified: "tool-calls", raw: "STOP" });
  assert.deepEqual(finishFromGemini("MAX_TOKENS", true), { unified: "length", raw: "MAX_TOKENS" });
  assert.deepEqual(finishFromGemini("MALFORMED_FUNCTION_CALL", true), {
    unified: "error",
    raw: "MALFORMED_FUNCTION_CALL",
  });
  assert.deepEqual(finishFromGemini(null, true), { unified: "other", raw: null });
  assert.deepEqual(finishFromGemini(undefined, false), { unified: "other", raw: null });
});

Deno.test("finishToGemini() picks the nearest finishReason for other providers' finishes", () => {
  const cases: Array<[FinishInfo, string]> = [
    [{ unified: "stop", raw: "end_turn" }, "STOP"],
    [{ unified: "stop-sequence", raw: "stop_sequence", stopSequence: "###" }, "STOP"],
    [{ unified: "tool-calls", raw: "tool_calls" }, "STOP"],
    [{ unified: "refusal", raw: "refusal" }, "STOP"],
    [{ unified: "length", raw: "max_tokens" }, "MAX_TOKENS"],
    [{ unified: "content-filter", raw: "content_filter" }, "SAFETY"],
    [{ unified: "error", raw: null }, "OTHER"],
    [{ unified: "other", raw: "pause_turn" }, "OTHER"],
  ];
  for (const [finish, expected] of cases) {
    assert.equal(finishToGemini(finish), expected, finish.raw ?? "null");
  }
});

Deno.test("finishToGemini() keeps a Gemini upstream's own value when it means the same", () => {
  const raws = ["STOP", "MAX_TOKENS", "RECITATION", "SPII", "MALFORMED_FUNCTION_CALL", "LANGUAGE"];
  for (const raw of raws) assert.equal(finishToGemini(finishFromGemini(raw, false)), raw);
  assert.equal(finishToGemini(finishFromGemini("STOP", true)), "STOP");
  // The raw value no longer fits the unified one: the nearest value is used instead.
  assert.equal(finishToGemini({ unified: "length", raw: "STOP" }), "MAX_TOKENS");
});

Deno.test("finishFailure() names the failed finishes, with Gemini's finishMessage, and only those", () => {
  assert.equal(
    finishFailure(finishFromGemini("MALFORMED_FUNCTION_CALL", false), "Malformed function call: f("),
    "Gemini stopped with finishReason MALFORMED_FUNCTION_CALL: Malformed function call: f(",
  );
  assert.equal(
    finishFailure(finishFromGemini("UNEXPECTED_TOOL_CALL", true)),
    "Gemini stopped with finishReason UNEXPECTED_TOOL_CALL",
  );
  for (const raw of ["STOP", "MAX_TOKENS", "SAFETY", "OTHER", "TOO_MANY_TOOL_CALLS"]) {
    assert.equal(finishFailure(finishFromGemini(raw, false), "detail"), null, raw);
  }
});
