import assert from "node:assert/strict";
import { oauthCredential } from "../../../lib/credentials/credential.ts";
import { KNOWN_PROVIDERS, resolveProviders } from "../../../providers/mod.ts";

Deno.test("the OAuth providers are registered with the vendors' API bases", () => {
  const bases = Object.fromEntries(
    [...KNOWN_PROVIDERS].filter(([, adapter]) => adapter.authKind === "oauth").map((
      [id, adapter],
    ) => [id, adapter.defaultBaseUrl]),
  );
  assert.deepEqual(bases, {
    gemini_cli: "https://cloudcode-pa.googleapis.com",
    antigravity: "https://daily-cloudcode-pa.googleapis.com",
    qwen_code: "https://dashscope.aliyuncs.com/compatible-mode/v1",
    openai_codex: "https://chatgpt.com/backend-api",
  });
});

Deno.test("resolveProviders() pools OAuth accounts after API keys, and adds providers named only by accounts", () => {
  const qwenAccount = oauthCredential("qwen_code", "q@example.com");
  const geminiAccount = oauthCredential("gemini_cli", "g@example.com");
  const providers = resolveProviders([
    {
      id: "qwen_code",
      apiKeys: [{ value: "sk-dashscope-1234", variable: "QWEN_CODE_API_KEY", priority: 1 }],
      baseUrl: null,
      models: [],
    },
    { id: "antigravity", apiKeys: [], baseUrl: "http://127.0.0.1:9", models: [] },
  ], {
    oauthCredentials: (id) => id === "qwen_code" ? [qwenAccount] : id === "gemini_cli" ? [geminiAccount] : [],
  });
  assert.deepEqual(providers.map((provider) => provider.id), ["gemini_cli", "qwen_code"]);
  const qwen = providers.find((provider) => provider.id === "qwen_code")!;
  assert.deepEqual(qwen.credentials.map((credential) => credential.kind), ["api_key", "oauth"]);
  assert.equal(providers[0].baseUrl, "https://cloudcode-pa.googleapis.com");
});
