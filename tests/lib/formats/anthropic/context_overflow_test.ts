import assert from "node:assert/strict";
import { anthropicErrorBody, promptTooLongMessage } from "../../../../lib/formats/anthropic/error.ts";

Deno.test("promptTooLongMessage() words context overflows as Anthropic does, with the counts when known", () => {
  assert.equal(
    promptTooLongMessage(
      "myoai: This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
    ),
    "prompt is too long: 9000 tokens > 8192 maximum (myoai: This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.)",
  );
  assert.match(
    promptTooLongMessage(
      "gemini: The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
    ),
    /^prompt is too long: 1200293 tokens > 1048576 maximum \(gemini: /,
  );
  assert.equal(
    promptTooLongMessage("groq: Please reduce the length of the messages or completion."),
    "prompt is too long: groq: Please reduce the length of the messages or completion.",
  );
  const anthropic = "anthropic: prompt is too long: 208310 tokens > 200000 maximum";
  assert.equal(promptTooLongMessage(anthropic), anthropic);
});

Deno.test("anthropicErrorBody() rewords only context_length_exceeded errors", () => {
  const overflow = anthropicErrorBody({
    kind: "invalid_request",
    message: "x: This model's maximum context length is 10 tokens. However, you requested 12 tokens.",
    code: "context_length_exceeded",
  });
  assert.match(overflow.error.message, /^prompt is too long: 12 tokens > 10 maximum/);
  const other = anthropicErrorBody({ kind: "invalid_request", message: "messages: Field required" });
  assert.equal(other.error.message, "messages: Field required");
});
