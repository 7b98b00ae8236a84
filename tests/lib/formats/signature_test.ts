import assert from "node:assert/strict";
import { markSignature, signatureFor } from "../../../lib/formats/canonical.ts";
import { canonicalToAnthropicRequest } from "../../../lib/formats/anthropic/request.ts";
import { canonicalToGeminiRequest } from "../../../lib/formats/gemini/request.ts";
import type { CanonicalRequest } from "../../../lib/formats/canonical.ts";

Deno.test("signatures: marked with their origin, given back only to the format that minted them", () => {
  assert.equal(markSignature("anthropic", "EqQBCkYIBRgC"), "EqQBCkYIBRgC");
  assert.equal(markSignature("gemini", "CiIBVKhc7oB2"), "gemini:CiIBVKhc7oB2");
  assert.equal(markSignature("gemini", ""), "");
  assert.equal(signatureFor("gemini", "gemini:CiIBVKhc7oB2"), "CiIBVKhc7oB2");
  assert.equal(signatureFor("gemini", "EqQBCkYIBRgC"), undefined);
  assert.equal(signatureFor("gemini", "gemini:"), undefined);
  assert.equal(signatureFor("anthropic", "EqQBCkYIBRgC"), "EqQBCkYIBRgC");
  assert.equal(signatureFor("anthropic", "gemini:CiIBVKhc7oB2"), undefined);
  assert.equal(signatureFor("anthropic", undefined), undefined);
  assert.equal(signatureFor("anthropic", ""), undefined);
});

/** History of a conversation that moved: one turn answered by Gemini, one by Anthropic. */
const moved: CanonicalRequest = {
  model: "m",
  system: [],
  tools: [],
  stream: false,
  messages: [
    { role: "user", content: [{ type: "text", text: "hi" }] },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "Gemini thought.", signature: "gemini:CiIBVKhc7oB2" },
        { type: "text", text: "one" },
      ],
    },
    { role: "user", content: [{ type: "text", text: "again" }] },
    {
      role: "assistant",
      content: [
        { type: "reasoning", text: "Claude thought.", signature: "EqQBCkYIBRgC" },
        { type: "text", text: "two" },
      ],
    },
    { role: "user", content: [{ type: "text", text: "and now?" }] },
  ],
};

Deno.test("signatures: Anthropic gets back only its own thinking blocks, Gemini only its own thoughts", () => {
  const anthropic = canonicalToAnthropicRequest(moved);
  const thinking = (anthropic.messages as Array<{ content: Array<Record<string, unknown>> }>)
    .flatMap((message) => message.content)
    .filter((block) => block.type === "thinking");
  assert.deepEqual(thinking, [{ type: "thinking", thinking: "Claude thought.", signature: "EqQBCkYIBRgC" }]);

  const gemini = canonicalToGeminiRequest({ ...moved, model: "gemini-2.5-pro" });
  const signed = (gemini.contents as Array<{ parts: Array<Record<string, unknown>> }>)
    .flatMap((content) => content.parts)
    .filter((part) => part.thoughtSignature !== undefined);
  assert.deepEqual(signed, [{ text: "Gemini thought.", thought: true, thoughtSignature: "CiIBVKhc7oB2" }]);
});
