/** Re-read provider settings applied to a running proxy: the array the app reads and the pools follow. */
import assert from "node:assert/strict";
import { configFromVariables } from "../../../lib/config/load.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { Rotator } from "../../../lib/rotator/rotator.ts";
import { applyProviderSettings } from "../../../lib/server/provider_reload.ts";
import { resolveProviders } from "../../../providers/mod.ts";

const settingsOf = (variables: Record<string, string>) =>
  configFromVariables({ PROXY_API_KEY: "sk-proxy-0123456789", ...variables }, { dataDir: "/srv" }).providers;

Deno.test("applyProviderSettings() adds, changes and removes providers and their pools in place", () => {
  const logger = createLogger("error");
  const config = configFromVariables(
    {
      PROXY_API_KEY: "sk-proxy-0123456789",
      OPENAI_API_KEY: "sk-a-0123456789",
      GROQ_API_KEY: "gsk-0123456789",
    },
    { dataDir: "/srv" },
  );
  const providers = resolveProviders(config.providers);
  const rotator = new Rotator(providers, { logger, settings: config.rotation, globalTimeoutMs: 60_000 });
  const array = providers;
  const changes = applyProviderSettings(
    providers,
    settingsOf({
      OPENAI_API_KEY: "sk-b-0123456789",
      MYLOCAL_API_KEY: "x-0123456789",
      MYLOCAL_API_BASE: "http://127.0.0.1:9/v1",
    }),
    { rotator, logger },
  );
  assert.deepEqual(changes, { added: ["mylocal"], removed: ["groq"], changed: ["openai"] });
  assert.equal(providers, array, "the same array, which the app and the catalog hold");
  assert.deepEqual(providers.map((provider) => provider.id).sort(), ["mylocal", "openai"]);
  assert.deepEqual([...rotator.pools.keys()].sort(), ["mylocal", "openai"]);
  assert.equal(rotator.pool("openai")?.records[0].credential.label, providers[0].credentials[0].label);
  // The same settings again change nothing.
  assert.deepEqual(
    applyProviderSettings(
      providers,
      settingsOf({
        OPENAI_API_KEY: "sk-b-0123456789",
        MYLOCAL_API_KEY: "x-0123456789",
        MYLOCAL_API_BASE: "http://127.0.0.1:9/v1",
      }),
      { rotator, logger },
    ),
    { added: [], removed: [], changed: [] },
  );
});
