import assert from "node:assert/strict";
import { RequestError } from "../../../lib/errors.ts";
import { checkModelId, MAX_MODEL_ID_LENGTH, modelIdProblem } from "../../../lib/server/model_id.ts";

Deno.test("modelIdProblem() accepts real model ids", () => {
  for (
    const id of [
      "openai/gpt-4o-mini",
      "openrouter/anthropic/claude-3.5-sonnet:beta",
      "gemini/models/gemini-2.5-flash",
      "together/meta-llama/Llama-3.3-70B-Instruct-Turbo",
      "smart",
      "mylocal/qwen3:8b@q4_K_M",
    ]
  ) assert.equal(modelIdProblem(id), null, id);
});

Deno.test("modelIdProblem() refuses path tricks, queries, control characters and huge ids", () => {
  for (
    const id of [
      "",
      "gemini/../../../evil",
      "gemini/./x",
      "gemini/%2e%2e/evil",
      "gemini/%2E%2e%2fevil",
      "gemini/..\\evil",
      "gemini/x?key=1",
      "gemini/x#",
      "gemini/x%3Fkey=1",
      "gemini/x\r\nforged",
      "gemini/x\u0000",
      "gemini/x\u2028",
      `gemini/${"a".repeat(MAX_MODEL_ID_LENGTH)}`,
    ]
  ) assert.notEqual(modelIdProblem(id), null, JSON.stringify(id));
});

Deno.test("checkModelId() throws a 400 naming model", () => {
  assert.throws(() => checkModelId("a/../b"), (error: unknown) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.status, 400);
    assert.equal(error.param, "model");
    return true;
  });
});
