import assert from "node:assert/strict";
import { defaultProviderRotation, type RotationSettings } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { NoCredentialAvailableError, RequestError, UpstreamError } from "../../../lib/errors.ts";
import { type AttemptContext, Rotator, type Target } from "../../../lib/rotator/rotator.ts";
import { ClientAbortError } from "../../../lib/rotator/upstream_call.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";
import { createLogger, type Logger } from "../../../lib/log/logger.ts";

function provider(id: string, keys: number): ConfiguredProvider {
  const credentials = Array.from(
    { length: keys },
    (_, index) => apiKeyCredential(`sk-${id}-secret-key-${index}000`),
  );
  return {
    id,
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials,
    custom: false,
    configuredModels: [],
  };
}

function setup(providers: ConfiguredProvider[], globalTimeoutMs = 30_000, logger?: Logger) {
  const clock = new FakeClock();
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 3_600_000,
    usageResetUtcHour: 0,
    providers: new Map(
      providers.map((entry) => [entry.id, { ...defaultProviderRotation(), mode: "sequential" }]),
    ),
    aliases: new Map(),
  };
  const rotator = new Rotator(providers, {
    settings,
    globalTimeoutMs,
    clock,
    backoffBaseMs: 0,
    random: () => 0,
    ...(logger ? { logger } : {}),
  });
  return { rotator, clock };
}

const http = (status: number, body = "{}", headers: Record<string, string> = {}) =>
  new UpstreamError(`answered ${status}`, {
    kind: "http",
    provider: "p",
    status,
    body,
    headers: new Headers(headers),
  });

/** An attempt that answers from a script per key index; records which keys were tried. */
function scripted(script: Record<number, () => unknown>, tried: number[], target: ConfiguredProvider[]) {
  return (context: AttemptContext) => {
    const owner = target.find((entry) => entry.id === context.target.provider.id)!;
    const index = owner.credentials.findIndex((credential) => credential.id === context.credential.id);
    tried.push(index);
    const outcome = script[index]?.() ?? "ok";
    if (outcome instanceof Error) return Promise.reject(outcome);
    return Promise.resolve(`${owner.id}:${index}`);
  };
}

Deno.test("Rotator.execute() answers a 400 at once without trying another key", async () => {
  const p = provider("p", 3);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({ 0: () => http(400) }, tried, [p]),
    }),
    (error: unknown) => error instanceof UpstreamError && error.status === 400,
  );
  assert.deepEqual(tried, [0]);
});

Deno.test("Rotator.execute() turns context length errors into 400 context_length_exceeded", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  const body = JSON.stringify({ error: { message: "This model's maximum context length is 8192 tokens" } });
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({ 0: () => http(400, body) }, tried, [p]),
    }),
    (error: unknown) =>
      error instanceof RequestError && error.status === 400 && error.code === "context_length_exceeded",
  );
  assert.deepEqual(tried, [0]);
});

Deno.test("Rotator.execute() disables a key on 401 and retries on another at once", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  const result = await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: scripted({ 0: () => http(401) }, tried, [p]),
  });
  assert.equal(result.value, "p:1");
  assert.deepEqual(tried, [0, 1]);
  assert.equal(rotator.pool("p")!.stateOf(rotator.pool("p")!.records[0], "m").status, "disabled");
});

Deno.test("Rotator.execute() says the credentials were refused when every key fails auth", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({ 0: () => http(401), 1: () => http(403) }, tried, [p]),
    }),
    (error: unknown) =>
      error instanceof NoCredentialAvailableError && error.status === 502 &&
      error.code === "upstream_auth_failed" && /refused every key/.test(error.message),
  );
  assert.deepEqual(tried, [0, 1]);
  // The next call finds only disabled keys and says so without calling the upstream.
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({}, tried, [p]),
    }),
    (error: unknown) =>
      error instanceof NoCredentialAvailableError && error.status === 502 &&
      error.code === "credentials_disabled" && /disabled/.test(error.message),
  );
  assert.deepEqual(tried, [0, 1]);
});

Deno.test("Rotator.execute() cools a 429 key until its reset and retries on another key", async () => {
  const p = provider("p", 2);
  const { rotator, clock } = setup([p]);
  const tried: number[] = [];
  const result = await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: scripted({ 0: () => http(429, "{}", { "retry-after": "7" }) }, tried, [p]),
  });
  assert.equal(result.value, "p:1");
  const state = rotator.pool("p")!.stateOf(rotator.pool("p")!.records[0], "m");
  assert.equal(state.status === "cooling" && state.untilMs - clock.now(), 7_000);
});

Deno.test("Rotator.execute() waits for a short reset on the only key when it fits the deadline", async () => {
  const p = provider("p", 1);
  const { rotator, clock } = setup([p]);
  let calls = 0;
  const pending = rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: () =>
      ++calls === 1 ? Promise.reject(http(429, "{}", { "retry-after": "2" })) : Promise.resolve("ok"),
  });
  await clock.advance(2_000);
  assert.equal((await pending).value, "ok");
  assert.equal(calls, 2);
});

Deno.test("Rotator.execute() answers 429 with Retry-After when every key cools past the deadline", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  const limited = () => http(429, "{}", { "retry-after": "120" });
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({ 0: limited, 1: limited }, tried, [p]),
    }),
    (error: unknown) => {
      assert.ok(error instanceof NoCredentialAvailableError);
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 120_000);
      assert.match(error.message, /2× rate_limit 429 \(…0000, …1000\)/);
      return true;
    },
  );
});

Deno.test("Rotator.execute() answers 502/503/504 with a masked summary when every key fails", async () => {
  for (
    const [failure, status] of [
      [() => http(500), 502],
      [() => new UpstreamError("refused", { kind: "connection", provider: "p" }), 503],
      [() => new UpstreamError("slow", { kind: "timeout", provider: "p" }), 504],
    ] as const
  ) {
    const p = provider("p", 2);
    const { rotator } = setup([p]);
    const tried: number[] = [];
    await assert.rejects(
      rotator.execute({
        targets: [{ provider: p, model: "m" }],
        attempt: scripted({ 0: failure, 1: failure }, tried, [p]),
      }),
      (error: unknown) => {
        assert.ok(error instanceof NoCredentialAvailableError);
        assert.equal(error.status, status);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      },
    );
    assert.deepEqual(tried, [0, 1]);
  }
});

Deno.test("Rotator.execute() moves to the next alias target when the first cannot serve", async () => {
  const first = provider("first", 1);
  const second = provider("second", 1);
  const { rotator } = setup([first, second]);
  const targets: Target[] = [{ provider: first, model: "a" }, { provider: second, model: "b" }];
  const tried: string[] = [];
  const result = await rotator.execute({
    targets,
    attempt: ({ target }) => {
      tried.push(target.provider.id);
      return target.provider.id === "first" ? Promise.reject(http(503)) : Promise.resolve("served");
    },
  });
  assert.equal(result.value, "served");
  assert.equal(result.target.model, "b");
  assert.deepEqual(tried, ["first", "second"]);
});

Deno.test("Rotator.execute() tries the next alias target after a context length error", async () => {
  const small = provider("small", 1);
  const large = provider("large", 1);
  const { rotator } = setup([small, large]);
  const body = JSON.stringify({ error: { message: "prompt is too long: 300000 tokens > 200000 maximum" } });
  const result = await rotator.execute({
    targets: [{ provider: small, model: "s" }, { provider: large, model: "l" }],
    attempt: ({ target }) =>
      target.provider.id === "small" ? Promise.reject(http(400, body)) : Promise.resolve("large"),
  });
  assert.equal(result.value, "large");
});

Deno.test("Rotator: a client disconnect releases the key and is not a success", async () => {
  const p = provider("p", 1);
  const { rotator } = setup([p]);
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: () => Promise.reject(new ClientAbortError("gone")),
    }),
    ClientAbortError,
  );
  const record = rotator.pool("p")!.records[0];
  assert.equal(record.inFlight.size, 0);
  const usage = record.scopes.get("m")!.usage.window;
  assert.deepEqual([usage.requests, usage.successes, usage.failures], [1, 0, 0]);

  const result = await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: () => Promise.resolve(1),
  });
  assert.equal(record.inFlight.get("m"), 1);
  result.finish({ ok: false, cancelled: true });
  result.finish({ ok: true });
  assert.equal(record.inFlight.size, 0);
  assert.equal(usage.successes, 0);
});

Deno.test("Rotator: a stream that breaks after output began is recorded as a failure and rests the key", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const result = await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: () => Promise.resolve(1),
  });
  result.finish({ ok: false, error: new Error("connection reset") });
  const pool = rotator.pool("p")!;
  assert.equal(pool.stateOf(pool.records[0], "m").status, "cooling");
  assert.equal(pool.records[0].scopes.get("m")!.usage.window.failures, 1);
});

Deno.test("Rotator records an estimated cost when the model's price is known", async () => {
  const p = provider("p", 1);
  const clock = new FakeClock();
  const settings: RotationSettings = {
    tolerance: 0,
    authFailureCooldownMs: 1,
    usageResetUtcHour: 0,
    providers: new Map(),
    aliases: new Map(),
  };
  const prices = new Map([["p/m", { input: 1, output: 2, cachedInput: 0.5 }]]);
  const rotator = new Rotator([p], { settings, globalTimeoutMs: 1_000, clock, prices });
  const result = await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: () => Promise.resolve(1),
  });
  result.finish({
    ok: true,
    tokens: { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0, reasoningTokens: 0 },
  });
  assert.equal(rotator.pool("p")!.records[0].scopes.get("m")!.usage.totals.costUsd, 3);
});

Deno.test("Rotator.execute() names at most five keys in its summary", async () => {
  const p = provider("p", 7);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  const script = Object.fromEntries(Array.from({ length: 7 }, (_, index) => [index, () => http(500)]));
  await assert.rejects(
    rotator.execute({ targets: [{ provider: p, model: "m" }], attempt: scripted(script, tried, [p]) }),
    (error: unknown) => {
      assert.ok(error instanceof NoCredentialAvailableError);
      assert.match(error.message, /7× server_error 500 \((?:…\d000, ){5}2 more\)/);
      return true;
    },
  );
});

Deno.test("Rotator.execute() logs each attempt at debug level, keys masked", async () => {
  const p = provider("p", 2);
  const lines: string[] = [];
  const { rotator } = setup([p], 30_000, createLogger("debug", (_level, line) => lines.push(line)));
  const tried: number[] = [];
  await rotator.execute({
    targets: [{ provider: p, model: "m" }],
    attempt: scripted({ 0: () => http(500) }, tried, [p]),
  });
  const sending = lines.filter((line) => line.includes("sending"));
  assert.equal(sending.length, 2);
  assert.match(sending[1], /p\/m key=…1000: sending after 1 failed attempt/);
  assert.equal(lines.some((line) => line.includes("secret")), false);
});

Deno.test("Rotator.execute() answers 503 upstream_overloaded when every attempt found the upstream overloaded", async () => {
  const p = provider("p", 2);
  const { rotator } = setup([p]);
  const tried: number[] = [];
  await assert.rejects(
    rotator.execute({
      targets: [{ provider: p, model: "m" }],
      attempt: scripted({ 0: () => http(529), 1: () => http(503) }, tried, [p]),
    }),
    (error: unknown) =>
      error instanceof NoCredentialAvailableError && error.status === 503 &&
      error.code === "upstream_overloaded",
  );
});
