/** `MAX_RETRIES`: the rotator's cap on a call's attempts after the first, across keys and alias targets. */
import assert from "node:assert/strict";
import { defaultProviderRotation } from "../../../lib/config/rotation.ts";
import { apiKeyCredential } from "../../../lib/credentials/credential.ts";
import { NoCredentialAvailableError, UpstreamError } from "../../../lib/errors.ts";
import { type AttemptContext, Rotator } from "../../../lib/rotator/rotator.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import { openai } from "../../../providers/api_key/openai.ts";
import { FakeClock } from "../../helpers/fake_clock.ts";

function provider(id: string, keys: number): ConfiguredProvider {
  return {
    id,
    adapter: openai,
    baseUrl: "http://127.0.0.1:9/v1",
    credentials: Array.from(
      { length: keys },
      (_, index) => apiKeyCredential(`sk-${id}-secret-key-${index}000`),
    ),
    custom: false,
    configuredModels: [],
  };
}

function rotatorFor(providers: ConfiguredProvider[], maxRetries: number | null) {
  return new Rotator(providers, {
    settings: {
      tolerance: 0,
      authFailureCooldownMs: 3_600_000,
      usageResetUtcHour: 0,
      maxRetries,
      providers: new Map(
        providers.map((entry) => [entry.id, { ...defaultProviderRotation(), mode: "sequential" }]),
      ),
      aliases: new Map(),
    },
    globalTimeoutMs: 30_000,
    clock: new FakeClock(),
    backoffBaseMs: 0,
    random: () => 0,
  });
}

/** Every attempt fails with `status`; records `provider:key` per attempt. */
function failing(status: number, tried: string[]) {
  return (context: AttemptContext): Promise<never> => {
    tried.push(`${context.target.provider.id}:${context.credential.label}`);
    return Promise.reject(
      new UpstreamError(`answered ${status}`, { kind: "http", provider: context.target.provider.id, status }),
    );
  };
}

Deno.test("Rotator.execute() makes at most MAX_RETRIES + 1 attempts, across keys and alias targets", async () => {
  const first = provider("first", 2);
  const second = provider("second", 2);
  const tried: string[] = [];
  await assert.rejects(
    rotatorFor([first, second], 2).execute({
      targets: [{ provider: first, model: "m" }, { provider: second, model: "m" }],
      attempt: failing(500, tried),
    }),
    (error: unknown) =>
      error instanceof NoCredentialAvailableError && error.status === 502 &&
      /3× server_error 500/.test(error.message),
  );
  assert.equal(tried.length, 3);
  assert.deepEqual(tried.map((entry) => entry.split(":")[0]), ["first", "first", "second"]);
});

Deno.test("Rotator.execute() without MAX_RETRIES tries every key", async () => {
  const only = provider("only", 4);
  const tried: string[] = [];
  await assert.rejects(
    rotatorFor([only], null).execute({
      targets: [{ provider: only, model: "m" }],
      attempt: failing(500, tried),
    }),
    NoCredentialAvailableError,
  );
  assert.equal(tried.length, 4);
});

Deno.test("Rotator.execute() with MAX_RETRIES=0 answers a rate limit with a 429, not a 503", async () => {
  const only = provider("only", 3);
  const tried: string[] = [];
  await assert.rejects(
    rotatorFor([only], 0).execute({
      targets: [{ provider: only, model: "m" }],
      attempt: failing(429, tried),
    }),
    (error: unknown) => error instanceof NoCredentialAvailableError && error.status === 429,
  );
  assert.equal(tried.length, 1);
});
