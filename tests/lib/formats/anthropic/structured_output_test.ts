import assert from "node:assert/strict";
import type { CanonicalRequest } from "../../../../lib/formats/canonical.ts";
import {
  anthropicRequestToCanonical,
  canonicalToAnthropicRequest,
  JSON_OBJECT_INSTRUCTION,
} from "../../../../lib/formats/anthropic/request.ts";
import { messagesRequestSchema } from "../../../../lib/formats/anthropic/schema.ts";
import { canonicalToGeminiRequest } from "../../../../lib/formats/gemini/request.ts";

const SCHEMA = {
  type: "object",
  properties: { city: { type: "string" } },
  required: ["city"],
  additionalProperties: false,
};

function canonical(overrides: Partial<CanonicalRequest>): CanonicalRequest {
  return {
    model: "claude-x",
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "Where?" }] }],
    tools: [],
    stream: false,
    ...overrides,
  };
}

Deno.test("canonicalToAnthropicRequest() asks for a schema with output_config.format", () => {
  const body = canonicalToAnthropicRequest(
    canonical({ responseFormat: { type: "json_schema", name: "place", schema: SCHEMA } }),
  );
  assert.deepEqual(body.output_config, { format: { type: "json_schema", schema: SCHEMA } });
  assert.equal("system" in body, false);
});

Deno.test("canonicalToAnthropicRequest() asks for any JSON object in the system prompt (no native mode)", () => {
  const body = canonicalToAnthropicRequest(
    canonical({ system: [{ type: "text", text: "Be brief." }], responseFormat: { type: "json_object" } }),
  );
  assert.deepEqual(body.system, [
    { type: "text", text: "Be brief." },
    { type: "text", text: JSON_OBJECT_INSTRUCTION },
  ]);
  assert.equal("output_config" in body, false);
  assert.equal(
    "output_config" in canonicalToAnthropicRequest(canonical({ responseFormat: { type: "text" } })),
    false,
  );
});

Deno.test("anthropicRequestToCanonical() reads output_config.format, which Gemini gets as a JSON schema", () => {
  const body = messagesRequestSchema.parse({
    model: "gemini/gemini-2.5-flash",
    max_tokens: 100,
    messages: [{ role: "user", content: "Where?" }],
    output_config: { format: { type: "json_schema", schema: SCHEMA } },
  });
  const request = anthropicRequestToCanonical(body, "gemini-2.5-flash");
  assert.deepEqual(request.responseFormat, { type: "json_schema", name: "response", schema: SCHEMA });
  const gemini = canonicalToGeminiRequest(request);
  const config = gemini.generationConfig as Record<string, unknown>;
  assert.equal(config.responseMimeType, "application/json");
  assert.deepEqual(config.responseJsonSchema, SCHEMA);
});
