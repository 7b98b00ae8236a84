import assert from "node:assert/strict";
import { isModelAllowed, matchesPattern, parseRotationSettings } from "../../../lib/config/rotation.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("parseRotationSettings() reads modes, caps, multipliers, filters, quota groups and aliases", () => {
  const settings = parseRotationSettings({
    ROTATION_MODE_GEMINI: "sequential",
    MAX_CONCURRENT_REQUESTS_PER_KEY_NVIDIA_NIM: "4",
    CONCURRENCY_MULTIPLIER_NVIDIA_NIM_PRIORITY_2: "1.5",
    IGNORE_MODELS_OPENAI: "gpt-3.5*, dall-e-*",
    WHITELIST_MODELS_OPENAI: "gpt-3.5-turbo",
    QUOTA_GROUPS_NVIDIA_NIM_FAST: "m1, m2",
    MODEL_ALIAS_Smart: "openai/gpt-4o, openrouter/anthropic/claude-3-opus",
    ROTATION_TOLERANCE: "0",
    AUTH_FAILURE_COOLDOWN: "120",
    USAGE_RESET_UTC_HOUR: "7",
  }, ["gemini", "nvidia_nim", "openai", "nvidia"]);
  assert.equal(settings.providers.get("gemini")!.mode, "sequential");
  const nim = settings.providers.get("nvidia_nim")!;
  assert.equal(nim.maxConcurrentPerKey, 4);
  assert.equal(nim.concurrencyMultipliers.get(2), 1.5);
  assert.deepEqual([...nim.quotaGroups], [["m1", "fast"], ["m2", "fast"]]);
  assert.equal(settings.providers.get("nvidia"), undefined);
  assert.deepEqual(settings.providers.get("openai")!.ignoreModels, ["gpt-3.5*", "dall-e-*"]);
  assert.deepEqual(settings.aliases.get("smart"), ["openai/gpt-4o", "openrouter/anthropic/claude-3-opus"]);
  assert.equal(settings.tolerance, 0);
  assert.equal(settings.authFailureCooldownMs, 120_000);
  assert.equal(settings.usageResetUtcHour, 7);
});

Deno.test("parseRotationSettings() defaults and rejects bad values with the variable named", () => {
  const defaults = parseRotationSettings({}, []);
  assert.equal(defaults.tolerance, 3);
  assert.equal(defaults.authFailureCooldownMs, 3_600_000);
  assert.equal(defaults.usageResetUtcHour, 0);
  for (
    const [variables, pattern] of [
      [{ ROTATION_MODE_OPENAI: "random" }, /^ROTATION_MODE_OPENAI: must be "balanced" or "sequential"/],
      [
        { MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI: "0" },
        /^MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI: must be a whole/,
      ],
      [{ USAGE_RESET_UTC_HOUR: "24" }, /^USAGE_RESET_UTC_HOUR: must be a whole hour/],
      [{ MODEL_ALIAS_X: "gpt-4o" }, /^MODEL_ALIAS_X: targets must be provider\/model/],
      [{ ROTATION_TOLERANCE: "-1" }, /^ROTATION_TOLERANCE: must be a number of at least 0/],
    ] as const
  ) {
    assert.throws(() => parseRotationSettings(variables, ["openai"]), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("isModelAllowed() applies ignore patterns, and a whitelist match wins", () => {
  const rotation = parseRotationSettings({
    IGNORE_MODELS_OPENAI: "*",
    WHITELIST_MODELS_OPENAI: "gpt-4o*",
  }, ["openai"]).providers.get("openai")!;
  assert.equal(isModelAllowed(rotation, "gpt-4o-mini"), true);
  assert.equal(isModelAllowed(rotation, "o1"), false);
  assert.equal(matchesPattern("vendor/model.v1", "vendor/*.v1"), true);
  assert.equal(matchesPattern("vendor/modelXv1", "vendor/model.v1"), false);
});

Deno.test("parseRotationSettings() reads DEFAULT_PROVIDER_<FORMAT> and refuses a value that is no provider id", () => {
  const settings = parseRotationSettings({
    DEFAULT_PROVIDER_GEMINI: "OpenRouter",
    DEFAULT_PROVIDER_OPENAI: "groq",
  }, []);
  assert.deepEqual([...settings.defaultProviders!], [["gemini", "openrouter"], ["openai", "groq"]]);
  assert.throws(
    () => parseRotationSettings({ DEFAULT_PROVIDER_GEMINI: "a/b" }, []),
    /DEFAULT_PROVIDER_GEMINI/,
  );
});
