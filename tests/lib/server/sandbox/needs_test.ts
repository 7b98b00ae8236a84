import assert from "node:assert/strict";
import { loadConfig } from "../../../../lib/config/mod.ts";
import { sandboxNeeds } from "../../../../lib/server/sandbox/needs.ts";
import { sandboxPermissions } from "../../../../lib/server/sandbox/permissions.ts";
import { resolveProviders } from "../../../../providers/mod.ts";

Deno.test("sandboxNeeds(): the listen address, each configured provider's API host and the state store", async () => {
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
    "cache.internal:6380",
  ]);
  assert.deepEqual(permissions.read, [dataDir]);
  assert.deepEqual(permissions.write, [dataDir]);
});
