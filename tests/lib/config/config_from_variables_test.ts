/** `configFromVariables()`: the configuration from variables alone, the seam the library builds on. */
import assert from "node:assert/strict";
import { configFromVariables } from "../../../lib/config/load.ts";
import { parseRotationSettings } from "../../../lib/config/rotation.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("configFromVariables() reads providers, settings and rotation without env or files", () => {
  const config = configFromVariables({
    PROXY_API_KEY: "k",
    OPENAI_API_KEY_2: "sk-b",
    OPENAI_API_KEY_1: "sk-a",
    MYLOCAL_API_BASE: "http://127.0.0.1:1234/v1/",
    MYLOCAL_API_KEY: "x",
    GLOBAL_TIMEOUT: "5",
    MAX_RETRIES: "3",
  }, { dataDir: "/nowhere" });
  assert.equal(config.dataDir, "/nowhere");
  assert.equal(config.globalTimeoutMs, 5_000);
  assert.equal(config.rotation.maxRetries, 3);
  assert.deepEqual(config.providers.map((provider) => provider.id), ["mylocal", "openai"]);
  assert.deepEqual(config.providers[1].apiKeys.map((key) => key.value), ["sk-a", "sk-b"]);
  assert.equal(config.providers[0].baseUrl, "http://127.0.0.1:1234/v1");
});

Deno.test("configFromVariables() refuses a missing proxy key and bad settings, naming the variable", () => {
  const refuses = (variables: Record<string, string>, variable: string) =>
    assert.throws(
      () => configFromVariables(variables, { dataDir: "." }),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
    );
  refuses({}, "PROXY_API_KEY");
  refuses({ PROXY_API_KEY: "k", GLOBAL_TIMEOUT: "soon" }, "GLOBAL_TIMEOUT");
  refuses({ PROXY_API_KEY: "k", MAX_RETRIES: "-1" }, "MAX_RETRIES");
  refuses({ PROXY_API_KEY: "k", MAX_RETRIES: "two" }, "MAX_RETRIES");
});

Deno.test("parseRotationSettings() reads MAX_RETRIES, unbounded when unset", () => {
  assert.equal(parseRotationSettings({}, []).maxRetries, null);
  assert.equal(parseRotationSettings({ MAX_RETRIES: "0" }, []).maxRetries, 0);
  assert.equal(parseRotationSettings({ MAX_RETRIES: " 7 " }, []).maxRetries, 7);
});
