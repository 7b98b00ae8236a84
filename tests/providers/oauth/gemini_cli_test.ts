import assert from "node:assert/strict";
import { oauthCredential } from "../../../lib/credentials/credential.ts";
import { CODECS, providerCodec } from "../../../lib/formats/mod.ts";
import { classifyFailure } from "../../../lib/rotator/failure.ts";
import { UpstreamError } from "../../../lib/errors.ts";
import { geminiCli } from "../../../providers/oauth/gemini_cli.ts";
import { KeyPool } from "../../../lib/rotator/key_pool.ts";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";
import {
  CAPACITY_EXHAUSTED_BODY,
  CODE_ASSIST_JSON,
  CODE_ASSIST_TEXT_STREAM,
} from "../../fixtures/oauth/code_assist_streams.ts";
import { encodeParts, readStream, textOf } from "./stream_helpers.ts";

const credential = oauthCredential("gemini_cli", "dev@example.com", {
  metadata: { email: "dev@example.com", projectId: "team-project", tier: "standard-tier" },
});

function buildRequest(clientBody: Record<string, unknown>, inbound: "openai" | "anthropic", stream: boolean) {
  const canonical = CODECS[inbound].toCanonicalRequest(clientBody, "gemini-2.5-pro");
  let body = providerCodec("gemini").fromCanonicalRequest({ ...canonical, model: "gemini-2.5-pro", stream });
  body = geminiCli.prepareBody!(body, { model: "gemini-2.5-pro", stream });
  return geminiCli.chatRequest({
    baseUrl: "http://127.0.0.1:9001",
    credential,
    auth: geminiCli.authHeaders("ya29.token", credential),
    model: "gemini-2.5-pro",
    body,
    stream,
  });
}

Deno.test("geminiCli.chatRequest() wraps an OpenAI request in the Code Assist envelope", () => {
  const request = buildRequest(
    {
      model: "gemini_cli/gemini-2.5-pro",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Sky colour?" }],
      max_tokens: 100,
    },
    "openai",
    true,
  );
  assert.equal(request.url, "http://127.0.0.1:9001/v1internal:streamGenerateContent?alt=sse");
  assert.equal(request.headers.authorization, "Bearer ya29.token");
  assert.match(
    request.headers["user-agent"],
    /^GeminiCLI\/\d+\.\d+\.\d+\/gemini-2\.5-pro \(\w+; \w+; terminal\)$/,
  );
  const body = JSON.parse(request.body!);
  assert.deepEqual(Object.keys(body).sort(), ["model", "project", "request", "user_prompt_id"]);
  assert.equal(body.model, "gemini-2.5-pro");
  assert.equal(body.project, "team-project");
  assert.match(body.user_prompt_id, /^[0-9a-f]{14}$/);
  assert.equal(body.request.model, undefined);
  assert.deepEqual(body.request.systemInstruction, { parts: [{ text: "Be brief." }] });
  assert.deepEqual(body.request.contents, [{ role: "user", parts: [{ text: "Sky colour?" }] }]);
  assert.equal(body.request.generationConfig.maxOutputTokens, 100);
});

Deno.test("geminiCli.chatRequest() builds a JSON call from an Anthropic request", () => {
  const request = buildRequest(
    {
      model: "gemini_cli/gemini-2.5-pro",
      max_tokens: 50,
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    },
    "anthropic",
    false,
  );
  assert.equal(request.url, "http://127.0.0.1:9001/v1internal:generateContent");
  assert.equal(JSON.parse(request.body!).request.contents[0].parts[0].text, "Hi");
});

Deno.test("geminiCli.chatRequest() refuses a credential without a project instead of sending projects/", () => {
  const bare = oauthCredential("gemini_cli", "new@example.com");
  assert.throws(
    () =>
      geminiCli.chatRequest({
        baseUrl: "http://x",
        credential: bare,
        auth: {},
        model: "m",
        body: {},
        stream: false,
      }),
    /has no Code Assist project/,
  );
});

Deno.test("geminiCli.envelope reads Code Assist streams for OpenAI and Anthropic clients", async () => {
  const parts = await readStream(
    CODE_ASSIST_TEXT_STREAM,
    providerCodec("gemini").streamToParts(),
    geminiCli.envelope,
  );
  assert.equal(textOf(parts), "The sky is blue.");
  assert.ok(parts.some((part) => part.type === "reasoning-delta" && part.text === "Checking the sky."));
  const openai = await encodeParts(
    parts,
    CODECS.openai.partsToStream({ model: "gemini_cli/gemini-2.5-pro", includeUsage: true }),
  );
  assert.match(openai, /"content":"The sky "/);
  assert.match(openai, /"finish_reason":"stop"/);
  assert.match(openai, /"prompt_tokens":9/);
  const anthropic = await encodeParts(
    parts,
    CODECS.anthropic.partsToStream({ model: "gemini_cli/gemini-2.5-pro", includeUsage: true }),
  );
  assert.match(anthropic, /event: message_start[\s\S]*"text":"The sky "[\s\S]*event: message_stop/);
});

Deno.test("geminiCli.envelope reads a JSON answer", () => {
  const response = providerCodec("gemini").toCanonicalResponse(
    geminiCli.envelope!.unwrapJson(CODE_ASSIST_JSON),
  );
  assert.deepEqual(response.content, [{ type: "text", text: "Hello there" }]);
  assert.equal(response.usage.inputTokens, 3);
});

Deno.test("geminiCli.readFailure() calls MODEL_CAPACITY_EXHAUSTED the provider's business, not the account's", () => {
  assert.deepEqual(geminiCli.readFailure!(503, CAPACITY_EXHAUSTED_BODY, 0), { providerBusy: true });
  assert.equal(geminiCli.readFailure!(429, '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}', 0), null);
});

Deno.test("Code Assist quota errors: the reset comes from RetryInfo, quotaResetDelay or the message", () => {
  const nowMs = Date.UTC(2026, 11, 3, 12);
  const body = (details: unknown[], message = "You have exhausted your capacity on this model.") =>
    JSON.stringify({ error: { code: 429, message, status: "RESOURCE_EXHAUSTED", details } });
  const errorInfo = {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    reason: "QUOTA_EXHAUSTED",
    domain: "cloudcode-pa.googleapis.com",
    metadata: { quotaResetDelay: "68940s" },
  };
  const cases: Array<[string, number]> = [
    [body([{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3600s" }]), 3_600_000],
    [body([errorInfo]), 68_940_000],
    [
      body([], "You have exhausted your capacity on this model. Your quota will reset after 19h14m47s."),
      69_287_000,
    ],
  ];
  for (const [text, delayMs] of cases) {
    const verdict = classifyFailure(
      new UpstreamError("429", {
        kind: "http",
        status: 429,
        headers: new Headers(),
        body: text,
        provider: "gemini_cli",
      }),
      nowMs,
    );
    assert.equal(verdict.resetAtMs, nowMs + delayMs, text);
    assert.equal(verdict.failureClass, "quota_exhausted");
  }
});

Deno.test("Code Assist quota groups: a spent Pro quota rests every Pro model of the account, not Flash", () => {
  const pool = new KeyPool("gemini_cli", [credential], {
    rotation: defaultProviderRotation(),
    tolerance: 0,
    authFailureCooldownMs: 60_000,
    usageResetUtcHour: 0,
    clock: new FakeClock(),
    quotaGroupOf: geminiCli.quotaGroup,
  });
  assert.equal(pool.scopeOf("gemini-2.5-pro"), "pro");
  assert.equal(pool.scopeOf("gemini-3.1-pro-preview"), "pro");
  assert.equal(pool.scopeOf("gemini-2.5-flash"), "flash");
  assert.equal(pool.scopeOf("gemini-3.1-flash-lite"), "flash-lite");
});
