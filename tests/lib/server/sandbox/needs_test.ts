import assert from "node:assert/strict";
import { loadConfig } from "../../../../lib/config/mod.ts";
import { sandboxNeeds } from "../../../../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../../../../lib/server/sandbox/permissions.ts";
import { resolveProviders } from "../../../../providers/mod.ts";

Deno.test("sandboxNeeds(): the listen address, configured providers' hosts, the OAuth vendors' and the state store", async () => {
  const dataDir = await Deno.makeTempDir();
  const { config } = await loadConfig({}, {
    cwd: dataDir,
    env: {
      PROXY_API_KEY: "sk-proxy-needs-0123456789",
      PROXY_HOST: "0.0.0.0",
      PROXY_PORT: "9000",
      OPENAI_API_KEY: "sk-openai-0123456789abcdef",
      ANTHROPIC_API_KEY: "sk-ant-0123456789abcdef",
      MYLOCAL_API_BASE: "http://10.0.0.5:1234/v1",
      MYLOCAL_API_KEY: "anything-goes-here-1234",
      STATE_STORE: "redis://cache.internal:6380/2",
    },
  });
  const permissions = sandboxPermissions(sandboxNeeds(config, resolveProviders(config.providers)));
  assert.deepEqual(permissions.net.sort(), [
    "0.0.0.0:9000",
    "10.0.0.5:1234",
    "api.anthropic.com:443",
    "api.openai.com:443",
    // OAuth vendors (an account may join while the server runs): token, userinfo and API hosts.
    "auth.openai.com:443",
    "cache.internal:6380",
    "chat.qwen.ai:443",
    "chatgpt.com:443",
    "cloudcode-pa.googleapis.com:443",
    "daily-cloudcode-pa.googleapis.com:443",
    "dashscope.aliyuncs.com:443",
    "oauth2.googleapis.com:443",
    "portal.qwen.ai:443",
    "www.googleapis.com:443",
  ]);
  // Nothing else: not the other built-in API-key providers that are not configured.
  assert.ok(!permissions.net.some((entry) => entry.includes("groq") || entry.includes("mistral")));
  assert.deepEqual(permissions.read, [dataDir]);
  assert.deepEqual(permissions.write, [dataDir]);
});
