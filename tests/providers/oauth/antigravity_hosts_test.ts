/**
 * Antigravity's host fallback (vendor facts §7.1, §8, §10): generate, stream and fetchAvailableModels go to
 * the daily host, then production, when a host is out of capacity, throttled or unreachable, but not when
 * the account's quota is spent; `ANTIGRAVITY_API_BASE` names one host and turns it off. Two fake hosts on
 * 127.0.0.1 play daily and production, driven through the real rotator and upstream client.
 */
import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { oauthCredential } from "../../../lib/credentials/credential.ts";
import { codeAssistClientKind, setupCodeAssist } from "../../../lib/credentials/code_assist_setup.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { UpstreamClient } from "../../../lib/rotator/upstream_client.ts";
import {
  ANTIGRAVITY_HOSTS,
  antigravityTryNextHost,
  createAntigravity,
} from "../../../providers/oauth/antigravity.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { isRegistrable } from "../../../providers/oauth/oauth_adapter.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const QUOTA_EXHAUSTED = JSON.stringify({
  error: {
    code: 429,
    message: "You have exhausted your capacity on this model. Your quota will reset after 19h14m47s.",
    status: "RESOURCE_EXHAUSTED",
    details: [{
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "QUOTA_EXHAUSTED",
      domain: "cloudcode-pa.googleapis.com",
      metadata: { uiMessage: "true", model: "gemini-3-flash", quotaResetDelay: "68940s" },
    }],
  },
});
const RATE_LIMITED = JSON.stringify({
  error: {
    code: 429,
    message: "Resource has been exhausted (e.g. check quota).",
    status: "RESOURCE_EXHAUSTED",
  },
});
const NO_CAPACITY = JSON.stringify({
  error: {
    code: 503,
    message: "No capacity available for model gemini-3-flash on the server",
    status: "UNAVAILABLE",
    details: [{
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "MODEL_CAPACITY_EXHAUSTED",
      domain: "cloudcode-pa.googleapis.com",
    }],
  },
});
const ANSWER = {
  response: {
    candidates: [{ content: { role: "model", parts: [{ text: "hi" }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 },
  },
};

/** A fake Code Assist host that answers `failure` (or a good answer) and records the paths it saw. */
function fakeHost(failure?: { status: number; body: string }) {
  const paths: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    await request.text();
    const url = new URL(request.url);
    paths.push(url.pathname + url.search);
    if (failure) {
      return new Response(failure.body, {
        status: failure.status,
        headers: { "content-type": "application/json" },
      });
    }
    if (url.pathname.endsWith(":fetchAvailableModels")) {
      return Response.json({ models: { "gemini-3-flash": {}, "claude-sonnet-4-6": {} } });
    }
    if (url.search === "?alt=sse") {
      return new Response(`data: ${JSON.stringify(ANSWER)}\r\n\r\n`, {
        headers: { "content-type": "text/event-stream" },
      });
    }
    return Response.json(ANSWER);
  });
  return { base: `http://127.0.0.1:${server.addr.port}`, paths, close: () => server.shutdown() };
}

function setup(hosts: readonly string[], baseUrl = hosts[0]) {
  const adapter = createAntigravity({ hosts });
  if (!isRegistrable(adapter)) throw new Error("antigravity speaks gemini");
  const credential = oauthCredential("antigravity", "dev@example.com", { metadata: { projectId: "p-1" } });
  const provider: ConfiguredProvider = {
    id: "antigravity",
    adapter,
    baseUrl,
    credentials: [credential],
    custom: false,
    configuredModels: [],
  };
  const clock = new FakeClock();
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map([["antigravity", defaultProviderRotation()]]),
    aliases: new Map(),
  };
  const rotator = new Rotator([provider], { settings, globalTimeoutMs: 30_000, clock, backoffBaseMs: 0 });
  const client = new UpstreamClient({
    rotator,
    fetch: globalThis.fetch,
    clock,
    authorize: () => Promise.resolve("ya29.test-token"),
    timeouts: { connectMs: 10_000, streamingReadMs: 10_000, nonStreamingReadMs: 10_000 },
  });
  const call = (stream: boolean) => ({
    targets: [{ provider, model: "gemini-3-flash" }],
    build: (
      { credential, auth }: { credential: typeof provider.credentials[number]; auth: Record<string, string> },
    ) =>
      provider.adapter.chatRequest({
        baseUrl: provider.baseUrl,
        credential,
        auth,
        model: "gemini-3-flash",
        body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
        stream,
      }),
  });
  const models = () => ({
    targets: [{ provider, model: "gemini-3-flash" }],
    build: (
      { credential, auth }: { credential: typeof provider.credentials[number]; auth: Record<string, string> },
    ) => provider.adapter.modelsRequest({ baseUrl: provider.baseUrl, credential, auth }),
  });
  return { client, call, models, provider };
}

for (
  const [what, failure] of [
    ["503 MODEL_CAPACITY_EXHAUSTED", { status: 503, body: NO_CAPACITY }],
    ["429 without a quota reason", { status: 429, body: RATE_LIMITED }],
    ["500", { status: 500, body: '{"error":{"code":500,"status":"INTERNAL"}}' }],
  ] as const
) {
  Deno.test(`antigravity: a daily host answering ${what} hands generate, stream and fetchAvailableModels to production`, async () => {
    const daily = fakeHost(failure);
    const prod = fakeHost();
    try {
      const { client, call, models } = setup([daily.base, prod.base]);
      const json = await client.json(call(false));
      json.finish({ ok: true });
      assert.deepEqual((json.value.json as typeof ANSWER).response.candidates[0].content.parts, [{
        text: "hi",
      }]);
      const stream = await client.stream(call(true));
      await stream.value.body.cancel();
      stream.finish({ ok: true });
      const listing = await client.json(models());
      listing.finish({ ok: true });
      const paths = [
        "/v1internal:generateContent",
        "/v1internal:streamGenerateContent?alt=sse",
        "/v1internal:fetchAvailableModels",
      ];
      assert.deepEqual(daily.paths, paths, "the daily host is tried first");
      assert.deepEqual(prod.paths, paths, "production serves the same calls");
    } finally {
      await daily.close();
      await prod.close();
    }
  });
}

Deno.test("antigravity: an unreachable daily host hands the call to production", async () => {
  const gone = fakeHost();
  await gone.close();
  const prod = fakeHost();
  try {
    const { client, call } = setup([gone.base, prod.base]);
    const json = await client.json(call(false));
    json.finish({ ok: true });
    assert.deepEqual(prod.paths, ["/v1internal:generateContent"]);
  } finally {
    await prod.close();
  }
});

Deno.test("antigravity: a spent account quota (QUOTA_EXHAUSTED) is not retried on production", async () => {
  const daily = fakeHost({ status: 429, body: QUOTA_EXHAUSTED });
  const prod = fakeHost();
  try {
    const { client, call } = setup([daily.base, prod.base]);
    await assert.rejects(client.json(call(false)));
    assert.ok(daily.paths.length >= 1);
    assert.deepEqual(prod.paths, [], "the quota is the account's, the same on every host");
  } finally {
    await daily.close();
    await prod.close();
  }
});

Deno.test("antigravity: ANTIGRAVITY_API_BASE names one host, with no fallback", async () => {
  const mirror = fakeHost({ status: 503, body: NO_CAPACITY });
  const daily = fakeHost();
  const prod = fakeHost();
  try {
    const { client, call, provider } = setup([daily.base, prod.base], mirror.base);
    await assert.rejects(client.json(call(false)));
    assert.ok(mirror.paths.length >= 1);
    assert.deepEqual([...daily.paths, ...prod.paths], []);
    assert.deepEqual(provider.adapter.extraOrigins?.(mirror.base, []), []);
    assert.deepEqual(
      provider.adapter.extraOrigins?.(daily.base, []),
      [prod.base],
      "the sandbox reaches production",
    );
  } finally {
    await mirror.close();
    await daily.close();
    await prod.close();
  }
});

Deno.test("antigravityTryNextHost() follows the facts: capacity, throttling and transport yes; quota and client errors no", () => {
  const http = (status: number, body = "") => ({ kind: "http", status, body });
  assert.equal(antigravityTryNextHost(http(503, NO_CAPACITY)), true);
  assert.equal(antigravityTryNextHost(http(502)), true);
  assert.equal(antigravityTryNextHost(http(429, RATE_LIMITED)), true);
  assert.equal(antigravityTryNextHost(http(429, QUOTA_EXHAUSTED)), false);
  assert.equal(
    antigravityTryNextHost(http(429, '{"error":{"details":[{"reason":"INSUFFICIENT_G1_CREDITS_BALANCE"}]}}')),
    false,
  );
  assert.equal(antigravityTryNextHost({ kind: "connection", status: 0, body: "" }), true);
  assert.equal(antigravityTryNextHost({ kind: "timeout", status: 0, body: "" }), true);
  for (const status of [400, 401, 403, 404]) assert.equal(antigravityTryNextHost(http(status)), false);
  assert.deepEqual(ANTIGRAVITY_HOSTS, [
    "https://daily-cloudcode-pa.googleapis.com",
    "https://cloudcode-pa.googleapis.com",
  ]);
});

Deno.test("setupCodeAssist(antigravity): loadCodeAssist goes to production, onboardUser to the daily host as CLIProxyAPI sends it", async () => {
  const calls: { url: string; headers: Headers; body: Record<string, unknown> }[] = [];
  const kind = codeAssistClientKind("antigravity");
  const account = await setupCodeAssist("ya29.t", {
    ...kind,
    sleep: () => Promise.resolve(),
    fetch: (input, init) => {
      const url = String(input);
      calls.push({ url, headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
      if (url.endsWith(":loadCodeAssist")) {
        // No default tier named: Antigravity onboards the free tier (CLIProxyAPI), without a project.
        return Promise.resolve(Response.json({ allowedTiers: [] }));
      }
      // An unnamed, unfinished operation is asked again rather than polled.
      const done = calls.filter((call) => call.url.endsWith(":onboardUser")).length > 1;
      return Promise.resolve(
        Response.json(
          done ? { done: true, response: { cloudaicompanionProject: { id: "proj-9" } } } : { done: false },
        ),
      );
    },
  });
  assert.deepEqual(account, { projectId: "proj-9", tier: "free-tier" });
  assert.deepEqual(calls.map((call) => call.url), [
    "https://cloudcode-pa.googleapis.com/v1internal:loadCodeAssist",
    "https://daily-cloudcode-pa.googleapis.com/v1internal:onboardUser",
    "https://daily-cloudcode-pa.googleapis.com/v1internal:onboardUser",
  ]);
  assert.equal((calls[0].body.metadata as Record<string, unknown>).ideType, "ANTIGRAVITY");
  assert.match(calls[0].headers.get("user-agent")!, /^antigravity\/hub\/\d+\.\d+\.\d+ darwin\/arm64$/);
  const onboard = calls[1];
  assert.equal(onboard.body.tierId, "free-tier");
  assert.equal(onboard.body.cloudaicompanionProject, undefined, "never a project on the free tier");
  assert.deepEqual(onboard.body.metadata, {
    ide_type: "ANTIGRAVITY",
    ide_version: "2.9.1",
    ide_name: "antigravity",
  });
  assert.match(onboard.headers.get("user-agent")!, / google-api-nodejs-client\/10\.3\.0$/);
  assert.equal(onboard.headers.get("x-goog-api-client"), "gl-node/22.21.1");
  assert.equal(onboard.headers.get("x-goog-user-project"), null);
  assert.equal(
    codeAssistClientKind("antigravity", "http://127.0.0.1:1").onboardApiBase,
    "http://127.0.0.1:1",
  );
});
