/**
 * The server in its Worker, with the permissions computed from its configuration: configured providers
 * work, anything else is refused from inside the running server with `NotCapable`.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../../../lib/config/mod.ts";
import { startSandboxedServer } from "../../../../lib/server/sandbox/host.ts";
import { sandboxPermissions } from "../../../../lib/server/sandbox/permissions.ts";
import { startFakeUpstream } from "../../../helpers/fake_upstream.ts";
import { freePort } from "../../../helpers/redis_server.ts";

Deno.test("startSandboxedServer(): configured providers work; other hosts and files are NotCapable", async () => {
  const configured = startFakeUpstream();
  const other = startFakeUpstream();
  const dataDir = await Deno.makeTempDir({ prefix: "proxy-sandbox-" });
  const outside = await Deno.makeTempFile({ prefix: "proxy-outside-" });
  const port = await freePort();
  const { config } = await loadConfig({ host: "127.0.0.1", port: String(port), dataDir }, {
    env: {
      PROXY_API_KEY: "sk-proxy-sandbox-0123456789",
      PROXY_LOG_LEVEL: "warn",
      OPENAI_API_KEY: "sk-upstream-0123456789abcdef",
      OPENAI_API_BASE: configured.baseUrl,
    },
    cwd: dataDir,
  });
  const permissions = sandboxPermissions({
    listen: [{ hostname: config.host, port: config.port }],
    upstreams: [configured.baseUrl],
    dataDir,
  });
  const server = await startSandboxedServer(config, { permissions });
  try {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-proxy-sandbox-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    await response.body?.cancel();
    assert.equal(configured.requests.length, 1);

    await Deno.writeTextFile(`${dataDir}/inside.txt`, "x");
    assert.deepEqual(await server.probe({ url: configured.origin, path: `${dataDir}/inside.txt` }), {
      fetch: "ok",
      read: "ok",
    });
    assert.deepEqual(await server.probe({ url: other.origin, path: outside }), {
      fetch: "NotCapable",
      read: "NotCapable",
    });
    assert.equal(other.requests.length, 0);
  } finally {
    await server.shutdown(1000);
    await configured.close();
    await other.close();
  }
});
