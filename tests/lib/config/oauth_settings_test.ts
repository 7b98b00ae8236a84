import assert from "node:assert/strict";
import { parseOAuthSettings, withOAuthRotationDefaults } from "../../../lib/config/oauth.ts";
import { parseRotationSettings } from "../../../lib/config/rotation.ts";
import { discoverProviders } from "../../../lib/config/load.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("parseOAuthSettings() reads timings, endpoint moves, ports and env credential variables", () => {
  const settings = parseOAuthSettings({
    OAUTH_REFRESH_INTERVAL: "120",
    LOGIN_TIMEOUT: "30",
    SKIP_OAUTH_INIT_CHECK: "true",
    OPENAI_CODEX_OAUTH_BASE: "http://127.0.0.1:9000/openai/",
    GEMINI_CLI_OAUTH_PORT: "9085",
    GEMINI_CLI_PROJECT_ID: "team-project",
    QWEN_CODE_1_REFRESH_TOKEN: "r1",
    OPENAI_API_KEY: "sk-unrelated",
    HOME: "/home/dev",
  });
  assert.equal(settings.refreshIntervalMs, 120_000);
  assert.equal(settings.loginTimeoutMs, 30_000);
  assert.equal(settings.skipInitCheck, true);
  assert.deepEqual(settings.oauthBases, { openai_codex: "http://127.0.0.1:9000/openai" });
  assert.deepEqual(settings.oauthPorts, { gemini_cli: 9085 });
  assert.deepEqual(settings.projectIds, { gemini_cli: "team-project" });
  assert.deepEqual(Object.keys(settings.credentialVariables).sort(), [
    "GEMINI_CLI_OAUTH_PORT",
    "GEMINI_CLI_PROJECT_ID",
    "OPENAI_CODEX_OAUTH_BASE",
    "QWEN_CODE_1_REFRESH_TOKEN",
  ]);
  assert.equal(settings.home, "/home/dev");
});

Deno.test("parseOAuthSettings() defaults, and names the variable that is wrong", () => {
  const defaults = parseOAuthSettings({});
  assert.deepEqual([defaults.refreshIntervalMs, defaults.loginTimeoutMs, defaults.skipInitCheck], [
    600_000,
    300_000,
    false,
  ]);
  assert.throws(
    () => parseOAuthSettings({ LOGIN_TIMEOUT: "soon" }),
    (error) => error instanceof ConfigError && /LOGIN_TIMEOUT/.test(error.message),
  );
  assert.throws(() => parseOAuthSettings({ ANTIGRAVITY_OAUTH_BASE: "ftp://x" }), /ANTIGRAVITY_OAUTH_BASE/);
  assert.throws(() => parseOAuthSettings({ OPENAI_CODEX_OAUTH_PORT: "99999" }), /OPENAI_CODEX_OAUTH_PORT/);
});

Deno.test("withOAuthRotationDefaults() spends OpenAI Codex accounts sequentially unless told otherwise", () => {
  const rotation = parseRotationSettings({}, ["openai_codex"]);
  assert.equal(withOAuthRotationDefaults(rotation, {}).providers.get("openai_codex")?.mode, "sequential");
  const balanced = parseRotationSettings({ ROTATION_MODE_OPENAI_CODEX: "balanced" }, ["openai_codex"]);
  assert.equal(
    withOAuthRotationDefaults(balanced, { ROTATION_MODE_OPENAI_CODEX: "balanced" }).providers.get(
      "openai_codex",
    )?.mode,
    "balanced",
  );
});

Deno.test("discoverProviders() keeps QWEN_CODE_MODELS for an OAuth provider with no key or base", () => {
  const [qwen] = discoverProviders({ QWEN_CODE_MODELS: "coder-model,qwen3-max", OTHER_MODELS: "x" });
  assert.deepEqual(qwen, {
    id: "qwen_code",
    apiKeys: [],
    baseUrl: null,
    models: ["coder-model", "qwen3-max"],
  });
});
