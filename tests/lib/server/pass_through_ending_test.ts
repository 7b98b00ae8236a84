import assert from "node:assert/strict";
import { passThroughEnding } from "../../../lib/server/call_accounting.ts";

const data = (json: unknown) => `data: ${JSON.stringify(json)}\n\n`;
const named = (name: string, json: unknown) => `event: ${name}\n${data(json)}`;

Deno.test("passThroughEnding() finds each format's final event in the stream's tail", () => {
  const chunk = (finish: string | null) =>
    data({ choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  assert.equal(passThroughEnding("openai", chunk(null) + "data: [DONE]\n\n"), "finished");
  assert.equal(passThroughEnding("openai", chunk("stop") + data({ choices: [], usage: {} })), "finished");
  assert.equal(passThroughEnding("openai", chunk(null) + chunk(null)), "cut");
  assert.equal(passThroughEnding("anthropic", named("message_stop", { type: "message_stop" })), "finished");
  assert.equal(
    passThroughEnding("anthropic", named("message_delta", { type: "message_delta", delta: {} })),
    "cut",
  );
  assert.equal(
    passThroughEnding("responses", named("response.completed", { type: "response.completed" })),
    "finished",
  );
  assert.equal(
    passThroughEnding("responses", named("response.incomplete", { type: "response.incomplete" })),
    "finished",
  );
  assert.equal(passThroughEnding("responses", named("response.output_text.delta", { delta: "x" })), "cut");
  assert.equal(passThroughEnding("gemini", data({ candidates: [{ finishReason: "STOP" }] })), "finished");
  assert.equal(passThroughEnding("gemini", data({ candidates: [{ content: {} }] })), "cut");
});

Deno.test("passThroughEnding() reads an error event as an errored end, and a partial first event as nothing", () => {
  assert.equal(passThroughEnding("openai", data({ error: { message: "boom" } })), "errored");
  assert.equal(passThroughEnding("anthropic", named("error", { type: "error", error: {} })), "errored");
  assert.equal(
    passThroughEnding("responses", named("response.failed", { type: "response.failed" })),
    "errored",
  );
  assert.equal(passThroughEnding("gemini", data({ error: { code: 500 } })), "errored");
  // The tail begins mid-event; only whole events count.
  assert.equal(passThroughEnding("openai", 'ish_reason":"stop"}]}\n\ndata: {"choices":[{"de'), "cut");
  assert.equal(passThroughEnding("openai", ""), "cut");
});
