/**
 * OAuth tokens across two proxy processes sharing a real redis-server: an expiring OpenAI Codex account
 * (whose refresh tokens rotate: a reused one is refused as `refresh_token_reused`) is refreshed once for
 * both instances, both then call with the new token, and the tokens never reach either log. With Redis
 * stopped, a refresh runs on the instance alone with one warning.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeOAuth } from "../helpers/fake_oauth.ts";
import { startFakeCodex } from "../helpers/fake_oauth_codex.ts";
import { type ProxyProcess, startProxy } from "../helpers/proxy_process.ts";
import { startRedis } from "../helpers/redis_server.ts";
import { eventually } from "../helpers/wait.ts";
import { RedisLink } from "../../lib/store/redis/mod.ts";

const MINUTE = 60_000;

function chat(proxy: ProxyProcess, content: string): Promise<Response> {
  return fetch(`${proxy.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${proxy.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai_codex/gpt-5.5", messages: [{ role: "user", content }] }),
  });
}

async function statusOf(response: Promise<Response>): Promise<string> {
  const answer = await response;
  const text = await answer.text();
  return answer.status === 200 ? "200" : `${answer.status} ${text}`;
}

/** A Codex account given to both instances through the environment, expiring within the refresh lead. */
async function twoInstancesOneAccount(options: { redisUp: boolean; expiresInMs?: number }) {
  const { expiresInMs = 2 * MINUTE } = options;
  const redis = await startRedis();
  // The token endpoint answers slowly, so that refreshes of both instances would overlap.
  const oauth = startFakeOAuth({ vendor: "openai", accountId: "acc-123", refreshDelayMs: 300 });
  const codex = startFakeCodex({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const initial = oauth.issue();
  const denoDir = Deno.env.get("DENO_DIR") ?? join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  const env = async () => ({
    HOME: await Deno.makeTempDir({ prefix: "oauth-home-" }),
    DENO_DIR: denoDir,
    STATE_STORE: redis.url,
    STATE_STORE_PREFIX: `t${crypto.randomUUID().slice(0, 6)}`,
    STATE_STORE_FALLBACK: "local",
    PROXY_LOG_LEVEL: "info",
    OPENAI_CODEX_OAUTH_BASE: oauth.base,
    OPENAI_CODEX_API_BASE: codex.base,
    OPENAI_CODEX_1_ACCESS_TOKEN: initial.access_token,
    OPENAI_CODEX_1_REFRESH_TOKEN: initial.refresh_token,
    OPENAI_CODEX_1_ID_TOKEN: initial.id_token!,
    OPENAI_CODEX_1_EMAIL: "shared@example.com",
    // Two minutes left by default: within the five-minute lead, so the first calls refresh it.
    OPENAI_CODEX_1_EXPIRY_DATE: String(Date.now() + expiresInMs),
    SKIP_OAUTH_INIT_CHECK: "true",
  });
  const prefixEnv = await env();
  const a = await startProxy({ env: prefixEnv });
  const b = await startProxy({ env: { ...await env(), STATE_STORE_PREFIX: prefixEnv.STATE_STORE_PREFIX } });
  if (!options.redisUp) await redis.stop();
  const refreshRequests = () =>
    oauth.requests.filter((request) => request.fields.grant_type === "refresh_token").length;
  return {
    a,
    b,
    redis,
    prefix: prefixEnv.STATE_STORE_PREFIX,
    oauth,
    codex,
    initial,
    refreshRequests,
    async close() {
      await Promise.all([a.stop("SIGKILL"), b.stop("SIGKILL")]);
      await codex.close();
      await oauth.close();
      await redis.stop();
    },
  };
}

for (const [when, expiresInMs] of [["expiring", 2 * MINUTE], ["expired", -MINUTE]] as const) {
  Deno.test(`shared OAuth: concurrent calls on two instances with an ${when} token refresh it once, both use the new token`, async () => {
    const setup = await twoInstancesOneAccount({ redisUp: true, expiresInMs });
    try {
      const statuses = await Promise.all(
        Array.from(
          { length: 12 },
          (_, index) => statusOf(chat(index % 2 === 0 ? setup.a : setup.b, `c${index}`)),
        ),
      );
      assert.deepEqual(statuses.filter((status) => status !== "200"), []);
      assert.equal(setup.refreshRequests(), 1, "one refresh call for both instances (never a reused token)");
      assert.equal(setup.oauth.refreshCount(), 1);

      // From now on, both instances call with the refreshed token.
      const seen = setup.codex.requests.length;
      for (const proxy of [setup.a, setup.b, setup.a, setup.b]) {
        assert.equal(await statusOf(chat(proxy, "after")), "200");
      }
      const tokens = new Set(
        setup.codex.requests.slice(seen).map((request) => request.headers.get("authorization")),
      );
      assert.equal(tokens.size, 1, "both instances use one token");
      assert.notEqual([...tokens][0], `Bearer ${setup.initial.access_token}`, "the new token");
      assert.equal(setup.refreshRequests(), 1);

      for (const proxy of [setup.a, setup.b]) {
        const output = proxy.output();
        assert.ok(!output.includes(setup.initial.refresh_token), "refresh tokens never reach the log");
        assert.ok(!output.includes([...tokens][0]!.slice(7)), "access tokens never reach the log");
        assert.ok(!/needs a new login/.test(output), output);
      }
    } finally {
      await setup.close();
    }
  });
}

Deno.test("shared OAuth: with Redis stopped, an instance refreshes on its own with one warning; when Redis returns the other takes its tokens", async () => {
  const setup = await twoInstancesOneAccount({ redisUp: false });
  try {
    const statuses = await Promise.all(
      Array.from({ length: 4 }, (_, index) => statusOf(chat(setup.a, `c${index}`))),
    );
    assert.deepEqual(statuses, ["200", "200", "200", "200"]);
    assert.equal(setup.refreshRequests(), 1, "the instance's own single-flight still holds");
    const warnings = setup.a.output().match(/OAuth refresh runs on this instance alone/g) ?? [];
    assert.equal(warnings.length, 1, setup.a.output());

    // Redis returns: A stores the tokens it refreshed, so B never refreshes with the refresh token A used.
    await setup.redis.restart();
    const link = await RedisLink.connect({ url: setup.redis.url, prefix: setup.prefix });
    try {
      await eventually(
        async () => (await link.client.keys(link.key("oauth", "*"))).length === 1 || undefined,
        {
          what: "A's tokens reaching Redis",
          timeoutMs: 20_000,
        },
      );
    } finally {
      await link.close();
    }
    // B must know Redis is back too (while it does not, it could only refresh on its own).
    await eventually(() => /state store is back/.test(setup.b.output()) || undefined, {
      what: "B reconnecting",
      timeoutMs: 20_000,
    });
    const seen = setup.codex.requests.length;
    assert.equal(await statusOf(chat(setup.b, "after")), "200");
    assert.equal(setup.refreshRequests(), 1, "B took A's tokens");
    const used = setup.codex.requests.slice(seen).map((request) => request.headers.get("authorization"));
    assert.ok(used.length > 0 && used.every((token) => token !== `Bearer ${setup.initial.access_token}`));
  } finally {
    await setup.close();
  }
});
