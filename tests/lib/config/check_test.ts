import assert from "node:assert/strict";
import { checkVariables } from "../../../lib/config/check.ts";

const KNOWN = { knownProviders: new Set(["openai", "groq"]) };

Deno.test("checkVariables() reports every problem, not only the first", () => {
  const problems = checkVariables({
    PROXY_API_KEY: "sk-proxy-x",
    PROXY_PORT: "http",
    TIMEOUT_CONNECT: "-1",
    OPENAI_API_KEY: "sk-a-000000000000",
    OPENAI_API_KEY_PRIORITY: "first",
    GROQ_API_KEY_1: "gsk-0000000000001",
    GROQ_API_KEY_1_PRIORITY: "x",
    MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI: "0",
    ROTATION_MODE_GROQ: "fast",
  }, KNOWN);
  assert.deepEqual(
    problems.filter((problem) => problem.severity === "error").map((problem) => problem.variable).sort(),
    [
      "GROQ_API_KEY_1_PRIORITY",
      "MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI",
      "OPENAI_API_KEY_PRIORITY",
      "PROXY_PORT",
      "ROTATION_MODE_GROQ",
      "TIMEOUT_CONNECT",
    ],
  );
});

Deno.test("checkVariables() warns about ignored keys, duplicates, settings for absent providers and a missing client key", () => {
  const problems = checkVariables({
    OTHERTOOL_API_KEY: "abc",
    OPENAI_API_KEY_1: "sk-same-0000000000",
    OPENAI_API_KEY_2: "sk-same-0000000000",
    ROTATION_MODE_MISTRAL: "sequential",
    QUOTA_GROUPS_NOBODY_PRO: "a,b",
  }, KNOWN);
  const warnings = problems.filter((problem) => problem.severity === "warning");
  assert.equal(problems.length, warnings.length, JSON.stringify(problems));
  const text = warnings.map((problem) => `${problem.variable}: ${problem.message}`).join("\n");
  assert.match(text, /PROXY_API_KEY: is not set/);
  assert.match(text, /OTHERTOOL_API_KEY: "othertool" is not a built-in provider/);
  assert.match(text, /OPENAI_API_KEY_2: holds the same key as OPENAI_API_KEY_1/);
  assert.match(text, /ROTATION_MODE_MISTRAL: configures provider "mistral", which has no usable keys/);
  assert.match(text, /QUOTA_GROUPS_NOBODY_PRO: names no configured provider/);
});

Deno.test("checkVariables() finds nothing wrong with a valid configuration", () => {
  assert.deepEqual(
    checkVariables({
      PROXY_API_KEY: "sk-proxy-x",
      OPENAI_API_KEY: "sk-a-000000000000",
      MODEL_ALIAS_SMART: "openai/gpt-4o",
      QUOTA_GROUPS_OPENAI_MINI: "gpt-4o-mini",
    }, KNOWN),
    [],
  );
});

Deno.test("checkVariables() lets OAuth providers go without keys and checks their settings", () => {
  const problems = checkVariables({
    PROXY_API_KEY: "sk-proxy-x",
    GEMINI_CLI_API_BASE: "http://127.0.0.1:9999",
    QWEN_CODE_OAUTH_PORT: "99999",
  }, {
    knownProviders: new Set(["gemini_cli", "qwen_code"]),
    oauthProviders: new Set(["gemini_cli", "qwen_code"]),
  });
  assert.deepEqual(problems.map((problem) => problem.variable), ["QWEN_CODE_OAUTH_PORT"]);
});
