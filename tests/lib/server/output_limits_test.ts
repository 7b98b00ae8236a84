import assert from "node:assert/strict";
import { UpstreamError } from "../../../lib/errors.ts";
import type { WireFormat } from "../../../lib/formats/canonical.ts";
import { providerCodec } from "../../../lib/formats/mod.ts";
import { outputCeilingOf } from "../../../lib/rotator/output_ceiling.ts";
import { OutputLimits } from "../../../lib/server/output_limits.ts";

const refusal = (body: string, status = 400) =>
  new UpstreamError("refused", { kind: "http", provider: "p", status, body });

Deno.test("outputCeilingOf reads the ceiling from each vendor's refusal", () => {
  const cases: Array<[string, number | null]> = [
    [
      `{"error":{"message":"max_tokens is too large: 32000. This model supports at most 16384 completion tokens, whereas you provided 32000.","type":"invalid_request_error","param":"max_tokens","code":null}}`,
      16384,
    ],
    [
      `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 128001 > 64000, which is the maximum allowed number of output tokens for claude-opus-4-5-20251101"}}`,
      64000,
    ],
    [`{"error":{"message":"Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"}}`, 8192],
    [
      '{"error":{"message":"`max_tokens` must be less than or equal to `32768`, the maximum value for `max_tokens` is less than the `context_window` for this model"}}',
      32768,
    ],
    [
      `{"error":{"code":400,"message":"Unable to submit request because it has a maxOutputTokens value of 100000 but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again.","status":"INVALID_ARGUMENT"}}`,
      65536,
    ],
    [`{"error":{"message":"This model's maximum context length is 128000 tokens."}}`, null],
    ["", null],
  ];
  for (const [body, ceiling] of cases) assert.equal(outputCeilingOf(refusal(body)), ceiling, body);
});

Deno.test("outputCeilingOf believes only the vendor's message, a 400, and a plausible ceiling", () => {
  const openai = (message: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ error: { message, type: "invalid_request_error", ...extra } });
  // A refusal that echoes the client's input cannot set a ceiling for everyone.
  assert.equal(
    outputCeilingOf(refusal(openai("Invalid value: 'supports at most 1 completion tokens'."))),
    null,
  );
  assert.equal(
    outputCeilingOf(refusal(openai("Invalid type", { param: "supports at most 16384 completion tokens" }))),
    null,
  );
  assert.equal(
    outputCeilingOf(refusal(openai("This model supports at most 16384 completion tokens"), 429)),
    null,
  );
});

const clampOutputTokens = (body: Record<string, unknown>, format: WireFormat, ceiling: number) =>
  providerCodec(format).clampOutputTokens(body, ceiling);

Deno.test("clampOutputTokens lowers each format's limit fields, and only those above the ceiling", () => {
  assert.deepEqual(clampOutputTokens({ max_tokens: 32000, model: "m" }, "openai", 16384), {
    max_tokens: 16384,
    model: "m",
  });
  assert.deepEqual(clampOutputTokens({ max_completion_tokens: 32000 }, "openai", 100), {
    max_completion_tokens: 100,
  });
  assert.deepEqual(clampOutputTokens({ max_tokens: 64000 }, "anthropic", 32000), { max_tokens: 32000 });
  assert.deepEqual(
    clampOutputTokens({ generationConfig: { maxOutputTokens: 100000, temperature: 1 } }, "gemini", 65536),
    { generationConfig: { maxOutputTokens: 65536, temperature: 1 } },
  );
  // Nothing above the ceiling: resending would not help.
  assert.equal(clampOutputTokens({ max_tokens: 10 }, "openai", 16384), null);
  assert.equal(clampOutputTokens({ messages: [] }, "anthropic", 16384), null);
});

Deno.test("OutputLimits applies a learned ceiling per provider and model only", () => {
  const limits = new OutputLimits();
  const body = { max_tokens: 32000 };
  assert.equal(limits.apply("openai", "gpt-4o", body, "openai"), body);
  limits.learn("openai", "gpt-4o", 16384);
  assert.deepEqual(limits.apply("openai", "gpt-4o", body, "openai"), { max_tokens: 16384 });
  assert.equal(limits.apply("openai", "gpt-4.1", body, "openai"), body);
  assert.equal(limits.apply("groq", "gpt-4o", body, "openai"), body);
});
