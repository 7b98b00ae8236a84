import assert from "node:assert/strict";
import { loadConfig } from "../../../lib/config/load.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("loadConfig() reads the listener and CORS settings, with their documented defaults", async () => {
  const cwd = await Deno.makeTempDir();
  const defaults = (await loadConfig({}, { cwd, env: { PROXY_API_KEY: "k" } })).config;
  assert.equal(defaults.connectionGuard, true);
  assert.equal(defaults.maxConnections, 1_000);
  assert.equal(defaults.headersTimeoutMs, 30_000);
  assert.equal(defaults.keepAliveTimeoutMs, 60_000);
  assert.deepEqual(defaults.corsAllowedOrigins, ["*"]);

  const set = (await loadConfig({}, {
    cwd,
    env: {
      PROXY_API_KEY: "k",
      CONNECTION_GUARD: "false",
      MAX_CONNECTIONS: "50",
      TIMEOUT_HEADERS: "2.5",
      TIMEOUT_KEEP_ALIVE: "5",
      CORS_ALLOWED_ORIGINS: " https://a.example/ , http://localhost:3000",
    },
  })).config;
  assert.equal(set.connectionGuard, false);
  assert.equal(set.maxConnections, 50);
  assert.equal(set.headersTimeoutMs, 2_500);
  assert.equal(set.keepAliveTimeoutMs, 5_000);
  assert.deepEqual(set.corsAllowedOrigins, ["https://a.example", "http://localhost:3000"]);

  for (
    const [variable, value] of [["MAX_CONNECTIONS", "0"], ["CONNECTION_GUARD", "maybe"], [
      "CORS_ALLOWED_ORIGINS",
      ",",
    ]]
  ) {
    await assert.rejects(
      loadConfig({}, { cwd, env: { PROXY_API_KEY: "k", [variable]: value } }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(variable),
    );
  }
});
