import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { apiKeyCredential, type Credential, oauthCredential } from "../../../lib/credentials/credential.ts";
import { NoCredentialAvailableError, UpstreamError } from "../../../lib/errors.ts";
import { EventHub, type ProxyEvent } from "../../../lib/rotator/events.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { type Authorize, UpstreamClient } from "../../../lib/rotator/upstream_client.ts";
import type { FetchFunction } from "../../../lib/rotator/upstream_call.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

const SECRETS = ["sk-client-aaaaaaaaaaaaaaaa-0", "sk-client-bbbbbbbbbbbbbbbb-1"];

function provider(credentials: readonly Credential[] = SECRETS.map((secret) => apiKeyCredential(secret))) {
  const configured: ConfiguredProvider = {
    id: "p",
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials,
    custom: false,
    configuredModels: [],
  };
  return configured;
}

/** A fetch that answers from `answer(bearer token, call number)` and records the tokens it saw. */
function fakeFetch(answer: (token: string, call: number) => Response) {
  const tokens: string[] = [];
  const fetch: FetchFunction = (_input, init) => {
    const token = new Headers(init?.headers).get("authorization")?.replace(/^Bearer /, "") ?? "";
    tokens.push(token);
    return Promise.resolve(answer(token, tokens.length));
  };
  return { fetch, tokens };
}

function setup(fetch: FetchFunction, options: { authorize?: Authorize; target?: ConfiguredProvider } = {}) {
  const clock = new FakeClock();
  const target = options.target ?? provider();
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map([["p", { ...defaultProviderRotation(), mode: "sequential" }]]),
    aliases: new Map(),
  };
  const seen: ProxyEvent[] = [];
  const events = new EventHub({ schedule: () => {} });
  events.subscribe((event) => void seen.push(event));
  const rotator = new Rotator([target], {
    settings,
    globalTimeoutMs: 30_000,
    clock,
    backoffBaseMs: 0,
    random: () => 0,
    events,
  });
  const client = new UpstreamClient({
    rotator,
    fetch,
    clock,
    timeouts: { connectMs: 5_000, streamingReadMs: 5_000, nonStreamingReadMs: 5_000 },
    ...(options.authorize ? { authorize: options.authorize } : {}),
  });
  const call = {
    targets: [{ provider: target, model: "m" }],
    facts: { requestId: "req-1", frontDoor: "openai" as const },
    build: ({ target, credential, auth }: Parameters<Parameters<UpstreamClient["json"]>[0]["build"]>[0]) =>
      target.provider.adapter.chatRequest({
        baseUrl: target.provider.baseUrl,
        credential,
        auth,
        model: target.model,
        body: {},
        stream: false,
      }),
  };
  return { client, rotator, events, seen, call, target, clock };
}

const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
const sse = (text: string, type = "text/event-stream") =>
  new Response(text, { status: 200, headers: { "content-type": type } });

Deno.test("UpstreamClient.json() sends the token authorize() gives, through the adapter's authHeaders", async () => {
  const { fetch, tokens } = fakeFetch(() => json({ ok: true }));
  const seenCredentials: string[] = [];
  const { client, call } = setup(fetch, {
    authorize: (credential) => {
      seenCredentials.push(credential.label);
      return Promise.resolve("access-token-1");
    },
  });
  const result = await client.json(call);
  result.finish({ ok: true });
  assert.deepEqual(tokens, ["access-token-1"]);
  assert.equal(seenCredentials.length, 1);
  assert.deepEqual(result.value.json, { ok: true });
});

Deno.test("UpstreamClient: a 401 on an API key disables it and moves on, without asking for a refresh", async () => {
  const { fetch, tokens } = fakeFetch((token) => token === SECRETS[0] ? json({ error: {} }, 401) : json({}));
  const refreshes: boolean[] = [];
  const { client, call } = setup(fetch, {
    authorize: (credential, options) => {
      refreshes.push(options.forceRefresh === true);
      return Promise.resolve(credential.kind === "api_key" ? credential.secret : "");
    },
  });
  const result = await client.json(call);
  result.finish({ ok: true });
  assert.deepEqual(tokens, SECRETS);
  assert.deepEqual(refreshes, [false, false]);
});

Deno.test("UpstreamClient: a 401 on an OAuth credential refreshes once and retries on the same credential", async () => {
  const oauth = oauthCredential("test", "oauth-account-1");
  const target = provider([oauth, apiKeyCredential(SECRETS[1])]);
  const { fetch, tokens } = fakeFetch((token) => token === "stale" ? json({ error: {} }, 401) : json({}));
  const asked: Array<boolean> = [];
  const { client, call } = setup(fetch, {
    target,
    authorize: (credential, options) => {
      if (credential.kind === "api_key") return Promise.resolve(credential.secret);
      asked.push(options.forceRefresh === true);
      return Promise.resolve(options.forceRefresh ? "fresh" : "stale");
    },
  });
  const result = await client.json(call);
  result.finish({ ok: true });
  assert.deepEqual(tokens, ["stale", "fresh"]);
  assert.deepEqual(asked, [false, true]);
  assert.equal(result.credential.id, oauth.id);
});

Deno.test("UpstreamClient.json(): a 200 that is not JSON (an HTML page) is retried on another key", async () => {
  const { fetch, tokens } = fakeFetch((token) =>
    token === SECRETS[0] ? sse("<html>Bad gateway</html>", "text/html") : json({ fine: 1 })
  );
  const { client, call } = setup(fetch);
  const result = await client.json(call);
  result.finish({ ok: true });
  assert.deepEqual(tokens, SECRETS);
  assert.deepEqual(result.value.json, { fine: 1 });
  assert.equal(result.value.text, '{"fine":1}');
});

Deno.test("UpstreamClient.json(): garbage on every key ends in a 502, never a 200", async () => {
  const { fetch } = fakeFetch(() => json('{"choices": [ broken'));
  const { client, call } = setup(fetch);
  await assert.rejects(client.json(call), (error: unknown) => {
    assert.ok(error instanceof NoCredentialAvailableError);
    assert.equal(error.status, 502);
    return true;
  });
});

Deno.test("UpstreamClient.stream(): JSON instead of an event stream, or a first event that is not JSON, tries another key", async () => {
  for (const bad of [json({ error: "nope" }), sse("data: {not json\n\n"), sse(""), sse("data: [DONE]\n\n")]) {
    const { fetch, tokens } = fakeFetch((token) =>
      token === SECRETS[0] ? bad.clone() : sse(': comment\n\ndata: {"id":1}\n\ndata: {"id":2}\n\n')
    );
    const { client, call } = setup(fetch);
    const result = await client.stream(call);
    assert.deepEqual(tokens, SECRETS);
    // The peeked event is replayed in front of the rest, byte for byte.
    assert.equal(
      await new Response(result.value.body).text(),
      ': comment\n\ndata: {"id":1}\n\ndata: {"id":2}\n\n',
    );
    result.finish({ ok: true });
  }
});

Deno.test("UpstreamClient emits attempt-start/attempt-end, and credential-state when a key cools", async () => {
  const { fetch } = fakeFetch((token) => token === SECRETS[0] ? json({}, 429) : json({}));
  const { client, call, events, seen } = setup(fetch);
  const result = await client.json(call);
  result.finish({
    ok: true,
    tokens: { promptTokens: 3, completionTokens: 2, cachedTokens: 0, reasoningTokens: 0 },
  });
  events.flush();
  const summary = seen.map((event) =>
    event.type === "credential-state"
      ? `state ${event.state} ${event.reason}`
      : event.type === "attempt-end"
      ? `end ${event.attempt} ${event.outcome} ${event.status ?? ""}`.trim()
      : `start ${event.attempt}`
  );
  assert.deepEqual(summary, [
    "start 1",
    "state cooling rate_limit",
    "end 1 failure 429",
    "start 2",
    "end 2 success",
  ]);
  const end = seen.at(-1);
  assert.ok(end?.type === "attempt-end");
  assert.equal(end.requestId, "req-1");
  assert.equal(end.frontDoor, "openai");
  assert.equal(typeof end.ttfbMs, "number");
  assert.equal(end.tokens?.promptTokens, 3);
  assert.equal(end.credentialLabel.includes(SECRETS[1]), false);
});

Deno.test("UpstreamClient: a first-priority key whose upstream hangs fails over after TIMEOUT_CONNECT and then rests", async () => {
  const hanging = apiKeyCredential(SECRETS[0], 1);
  const backup = apiKeyCredential(SECRETS[1], 2);
  const target = provider([hanging, backup]);
  const tokens: string[] = [];
  // The hanging upstream answers only when the proxy gives up on it.
  const fetch: FetchFunction = (_input, init) => {
    const token = new Headers(init?.headers).get("authorization")?.replace(/^Bearer /, "") ?? "";
    tokens.push(token);
    if (token !== hanging.secret) return Promise.resolve(json({ ok: true }));
    return new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
    });
  };
  const { client, call, rotator, clock } = setup(fetch, { target });
  // A real (short) TIMEOUT_CONNECT: the JSON call must not wait for the 5 s read timeout.
  const fast = new UpstreamClient({
    rotator,
    fetch,
    clock,
    timeouts: { connectMs: 200, streamingReadMs: 5_000, nonStreamingReadMs: 5_000 },
  });
  const started = Date.now();
  // The proxy's timeouts do not keep a process alive (its server does); this test has no server.
  const keepAlive = setTimeout(() => {}, 5_000);
  const first = await fast.json(call).finally(() => clearTimeout(keepAlive));
  first.finish({ ok: true });
  assert.ok(Date.now() - started < 2_000, "the JSON call waited past TIMEOUT_CONNECT");
  assert.deepEqual(tokens, [hanging.secret, backup.secret]);
  const pool = rotator.pool("p")!;
  const state = pool.stateOf(pool.records[0], "m");
  assert.ok(state.status === "cooling" && state.reason === "timeout", JSON.stringify(state));
  // The next call goes straight to the backup instead of hanging on the first-priority key again.
  const second = await client.json(call);
  second.finish({ ok: true });
  assert.deepEqual(tokens, [hanging.secret, backup.secret, backup.secret]);
});

Deno.test("UpstreamClient.stream(): an error as the first event (before any output) is judged like that HTTP error", async () => {
  const overloaded =
    'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
  const routerLimit = 'data: {"error":{"code":429,"message":"Rate limit exceeded upstream"}}\n\n';
  for (const [first, failureClass] of [[overloaded, "server_error"], [routerLimit, "rate_limit"]] as const) {
    const { fetch, tokens } = fakeFetch((token) =>
      token === SECRETS[0] ? sse(first) : sse('data: {"id":1}\n\n')
    );
    const { client, call, events, seen } = setup(fetch);
    const result = await client.stream(call);
    assert.deepEqual(tokens, SECRETS);
    assert.equal(await new Response(result.value.body).text(), 'data: {"id":1}\n\n');
    result.finish({ ok: true });
    events.flush();
    const failed = seen.find((event) => event.type === "attempt-end" && event.outcome === "failure");
    assert.ok(failed?.type === "attempt-end" && failed.failureClass === failureClass, JSON.stringify(failed));
  }
});

Deno.test("UpstreamClient.stream(): a client error as the first event is answered at once, no other key tried", async () => {
  const invalid =
    'event: error\ndata: {"type":"error","error":{"type":"invalid_request_error","message":"bad field"}}\n\n';
  const { fetch, tokens } = fakeFetch(() => sse(invalid));
  const { client, call } = setup(fetch);
  await assert.rejects(client.stream(call), (error: unknown) => {
    assert.ok(error instanceof UpstreamError);
    assert.equal(error.status, 400);
    return true;
  });
  assert.equal(tokens.length, 1);
});

Deno.test("UpstreamClient.json(): a body cut or stalled after the headers is retried on another key", async () => {
  const encoder = new TextEncoder();
  const cut = () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(encoder.encode('{"choices": [{"message": {"content": "Hel'));
          controller.error(new Error("connection reset"));
        },
      }),
      { status: 200, headers: { "content-type": "application/json" } },
    );
  // Like a real fetch, aborting the request errors its body.
  const stalled = (signal: AbortSignal) =>
    new Response(
      new ReadableStream({
        start(controller) {
          signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
        },
      }),
      { status: 200, headers: { "content-type": "application/json" } },
    );
  for (const broken of [cut, stalled]) {
    const tokens: string[] = [];
    const fetch: FetchFunction = (_input, init) => {
      const token = new Headers(init?.headers).get("authorization")?.replace(/^Bearer /, "") ?? "";
      tokens.push(token);
      return Promise.resolve(token === SECRETS[0] ? broken(init!.signal!) : json({ whole: true }));
    };
    const { rotator, call, clock } = setup(fetch);
    const client = new UpstreamClient({
      rotator,
      fetch,
      clock,
      timeouts: { connectMs: 5_000, streamingReadMs: 5_000, nonStreamingReadMs: 300 },
    });
    const keepAlive = setTimeout(() => {}, 5_000);
    const result = await client.json(call).finally(() => clearTimeout(keepAlive));
    result.finish({ ok: true });
    assert.deepEqual(tokens, SECRETS, broken.name);
    assert.deepEqual(result.value.json, { whole: true });
  }
});
