import assert from "node:assert/strict";
import { oauthCredential } from "../../../lib/credentials/credential.ts";
import { fitCodexBody, openaiCodex, readCodexFailure } from "../../../providers/oauth/openai_codex.ts";

const credential = oauthCredential("openai_codex", "dev@example.com (ws-1)", {
  metadata: { email: "dev@example.com", accountId: "ws-1", tier: "plus" },
});

Deno.test("openaiCodex.chatRequest() always streams, never stores, sends instructions and the workspace", () => {
  const request = openaiCodex.chatRequest({
    baseUrl: "https://chatgpt.com/backend-api",
    credential,
    auth: openaiCodex.authHeaders("eyJ.access.token", credential),
    model: "gpt-5.5",
    body: {
      model: "openai_codex/gpt-5.5",
      input: [
        { type: "message", role: "system", content: [{ type: "input_text", text: "Be terse." }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "Hi" }] },
      ],
      stream: false,
      store: true,
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: "low" },
      service_tier: "auto",
    },
    stream: false,
  });
  assert.equal(request.url, "https://chatgpt.com/backend-api/codex/responses");
  assert.equal(request.headers.authorization, "Bearer eyJ.access.token");
  assert.equal(request.headers["chatgpt-account-id"], "ws-1");
  assert.equal(request.headers.originator, "codex_cli_rs");
  // `<originator>/<version> (<os>; <arch>) <terminal>`, the Codex CLI's shape without the OS version.
  assert.match(
    request.headers["user-agent"],
    /^codex_cli_rs\/\d+\.\d+\.\d+ \((Linux|Mac OS|Windows); (x86_64|aarch64)\) terminal$/,
  );
  assert.equal(request.headers.accept, "text/event-stream");
  const body = JSON.parse(request.body!);
  assert.equal(body.model, "gpt-5.5");
  assert.equal(body.stream, true);
  assert.equal(body.store, false);
  assert.equal(body.instructions, "");
  for (const refused of ["max_output_tokens", "temperature", "top_p", "service_tier"]) {
    assert.equal(body[refused], undefined, refused);
  }
  assert.equal(body.input[0].role, "developer");
  assert.deepEqual(body.include, ["reasoning.encrypted_content"]);
  assert.equal(openaiCodex.streamOnly, true);
});

Deno.test("fitCodexBody() keeps given instructions and turns a string input into a message", () => {
  const body = fitCodexBody({ instructions: "You are Codex.", input: "Hello", service_tier: "priority" });
  assert.equal(body.instructions, "You are Codex.");
  assert.equal(body.service_tier, "priority");
  assert.deepEqual(body.input, [{
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: "Hello" }],
  }]);
});

Deno.test("readCodexFailure() cools an account until its usage limit resets", () => {
  const nowMs = Date.UTC(2026, 11, 3, 12);
  const body = (fields: Record<string, unknown>) =>
    JSON.stringify({
      error: {
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        plan_type: "plus",
        ...fields,
      },
    });
  assert.deepEqual(readCodexFailure(429, body({ resets_in_seconds: 3600 }), nowMs), {
    resetAtMs: nowMs + 3_600_000,
  });
  const resetsAt = nowMs / 1000 + 7200;
  assert.deepEqual(readCodexFailure(429, body({ resets_at: resetsAt, resets_in_seconds: 1 }), nowMs), {
    resetAtMs: resetsAt * 1000,
  });
  assert.equal(readCodexFailure(429, '{"error":{"type":"rate_limit_exceeded"}}', nowMs), null);
  assert.equal(readCodexFailure(400, '{"detail":"Store must be set to false"}', nowMs), null);
});

Deno.test("openaiCodex.parseModels() reads /codex/models slugs", () => {
  const request = openaiCodex.modelsRequest({
    baseUrl: "https://chatgpt.com/backend-api",
    credential,
    auth: { authorization: "Bearer t" },
  });
  assert.match(request.url, /\/codex\/models\?client_version=\d+\.\d+\.\d+$/);
  const page = openaiCodex.parseModels({
    models: [{ slug: "gpt-5.6-sol" }, { slug: "codex-auto-review", visibility: "hide" }],
  });
  assert.deepEqual(page.models, [{ id: "gpt-5.6-sol", ownedBy: "openai" }]);
});
