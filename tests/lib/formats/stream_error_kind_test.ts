/**
 * In-stream errors are normalized at the edges: each decoder reads its own format's error type into the
 * error part's `kind` (keeping the type as `errorType`), and each encoder names the kind in its own words.
 */
import assert from "node:assert/strict";
import type { ErrorKind } from "../../../lib/errors.ts";
import type { StreamPart } from "../../../lib/formats/canonical.ts";
import { anthropicErrorKind, anthropicErrorType } from "../../../lib/formats/anthropic/error.ts";
import { decodeAnthropicEvent } from "../../../lib/formats/anthropic/stream.ts";
import { encodePart, initialEncoderState } from "../../../lib/formats/anthropic/stream_encoder.ts";
import { decodeGeminiEvent, initialGeminiDecoderState } from "../../../lib/formats/gemini/stream.ts";
import { openAIErrorKind } from "../../../lib/formats/openai/error.ts";
import {
  decodeOpenAIEvent,
  encodeOpenAIPart,
  initialOpenAIDecoderState,
  initialOpenAIEncoderState,
} from "../../../lib/formats/openai/stream.ts";

const KINDS: readonly ErrorKind[] = [
  "invalid_request",
  "authentication",
  "permission",
  "not_found",
  "request_too_large",
  "rate_limit",
  "api_error",
  "overloaded",
  "timeout",
];

/** A Gemini error chunk with this status → the error part. */
function fromGemini(status: string): StreamPart {
  const data = JSON.stringify({ error: { code: 503, message: "m", status } });
  return decodeGeminiEvent(initialGeminiDecoderState(), { data }).parts[0];
}

/** An Anthropic `event: error` with this `error.type` → the error part. */
function fromAnthropic(type: string | undefined): StreamPart {
  const data = JSON.stringify({ type: "error", error: { type, message: "m" } });
  return decodeAnthropicEvent({ blocks: {}, finished: false }, { event: "error", data }).parts[0];
}

/** An OpenAI chunk carrying this `error` object → the error part. */
function fromOpenAI(error: Record<string, unknown>): StreamPart {
  const data = JSON.stringify({ error: { message: "m", ...error } });
  return decodeOpenAIEvent(initialOpenAIDecoderState(), { data }).parts[0];
}

/** The `error.type` an Anthropic client is sent for the part. */
function toAnthropic(part: StreamPart): unknown {
  const [event] = encodePart(initialEncoderState({ model: "m", id: "msg_e" }), part).events;
  return (event.error as { type: string }).type;
}

/** The `error` object an OpenAI client is sent for the part. */
function toOpenAI(part: StreamPart): unknown {
  const state = initialOpenAIEncoderState({ model: "m", includeUsage: false, created: 1, id: "chatcmpl-e" });
  const [event] = encodeOpenAIPart(state, part).events;
  return JSON.parse(event.slice("data: ".length)).error;
}

Deno.test("decodeGeminiEvent() reads a Google status into the error part's kind, keeping the status", () => {
  assert.deepEqual(fromGemini("UNAVAILABLE"), {
    type: "error",
    message: "m",
    kind: "overloaded",
    errorType: "UNAVAILABLE",
  });
  const cases: Array<[string, ErrorKind]> = [
    ["INVALID_ARGUMENT", "invalid_request"],
    ["FAILED_PRECONDITION", "invalid_request"],
    ["UNAUTHENTICATED", "authentication"],
    ["PERMISSION_DENIED", "permission"],
    ["NOT_FOUND", "not_found"],
    ["RESOURCE_EXHAUSTED", "rate_limit"],
    ["DEADLINE_EXCEEDED", "timeout"],
    ["INTERNAL", "api_error"],
    ["SOMETHING_NEW", "api_error"],
  ];
  for (const [status, kind] of cases) {
    const part = fromGemini(status);
    assert.equal(part.type === "error" && part.kind, kind, status);
  }
});

Deno.test("decodeAnthropicEvent() reads error.type into the kind; a typeless error has neither", () => {
  for (const kind of KINDS) {
    const type = anthropicErrorType(kind);
    assert.deepEqual(fromAnthropic(type), { type: "error", message: "m", kind, errorType: type });
  }
  assert.equal(anthropicErrorKind("billing_error"), "invalid_request");
  assert.equal(anthropicErrorKind("constructor"), "api_error");
  assert.deepEqual(fromAnthropic("brand_new_error"), {
    type: "error",
    message: "m",
    kind: "api_error",
    errorType: "brand_new_error",
  });
  assert.deepEqual(fromAnthropic(undefined), { type: "error", message: "m" });
});

Deno.test("decodeOpenAIEvent() reads error.type, else error.code, into the kind", () => {
  assert.deepEqual(fromOpenAI({ type: "server_error", code: null }), {
    type: "error",
    message: "m",
    kind: "overloaded",
    errorType: "server_error",
  });
  assert.deepEqual(fromOpenAI({ type: "tokens", code: "rate_limit_exceeded" }), {
    type: "error",
    message: "m",
    kind: "rate_limit",
    errorType: "tokens",
  });
  assert.deepEqual(fromOpenAI({ code: "rate_limit_exceeded" }), {
    type: "error",
    message: "m",
    kind: "rate_limit",
    errorType: "rate_limit_exceeded",
  });
  assert.deepEqual(fromOpenAI({}), { type: "error", message: "m" });
  assert.equal(openAIErrorKind("invalid_request_error"), "invalid_request");
  assert.equal(openAIErrorKind("authentication_error"), "authentication");
  assert.equal(openAIErrorKind("timeout_error"), "timeout");
  assert.equal(openAIErrorKind("api_error"), "api_error");
  assert.equal(openAIErrorKind("toString", "hasOwnProperty"), "api_error");
  assert.equal(openAIErrorKind(undefined), "api_error");
});

Deno.test("an upstream's in-stream error reaches clients of another format in their own words", () => {
  // Anthropic overloaded → OpenAI's retryable server_error, Anthropic's type kept as the code.
  assert.deepEqual(toOpenAI(fromAnthropic("overloaded_error")), {
    message: "m",
    type: "server_error",
    param: null,
    code: "overloaded_error",
  });
  assert.deepEqual(toOpenAI(fromGemini("RESOURCE_EXHAUSTED")), {
    message: "m",
    type: "rate_limit_error",
    param: null,
    code: "RESOURCE_EXHAUSTED",
  });
  assert.equal(toAnthropic(fromGemini("UNAVAILABLE")), "overloaded_error");
  assert.equal(toAnthropic(fromGemini("RESOURCE_EXHAUSTED")), "rate_limit_error");
  assert.equal(toAnthropic(fromGemini("DEADLINE_EXCEEDED")), "timeout_error");
  assert.equal(toAnthropic(fromOpenAI({ type: "rate_limit_error" })), "rate_limit_error");
  // Unknown types, and errors without one, are api_errors everywhere.
  assert.equal(toAnthropic(fromGemini("SOMETHING_NEW")), "api_error");
  assert.equal(toAnthropic(fromOpenAI({ type: "weird" })), "api_error");
  assert.equal((toOpenAI(fromAnthropic("weird_error")) as { type: string }).type, "api_error");
  assert.equal((toOpenAI(fromAnthropic(undefined)) as { type: string }).type, "api_error");
});
