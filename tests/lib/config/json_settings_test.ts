import assert from "node:assert/strict";
import { readLauncherConfig, writeLauncherConfig } from "../../../lib/config/launcher_config.ts";
import { readQuotaViewerConfig, writeQuotaViewerConfig } from "../../../lib/config/quota_viewer_config.ts";
import { ConfigError } from "../../../lib/errors.ts";

Deno.test("launcher_config.json: missing reads as {}, saved with mode 0600, read back; a bad port is named", async () => {
  const dataDir = await Deno.makeTempDir();
  assert.deepEqual(await readLauncherConfig(dataDir), {});
  await writeLauncherConfig(dataDir, { host: "0.0.0.0", port: 9000, requestLogging: true });
  assert.deepEqual(await readLauncherConfig(dataDir), { host: "0.0.0.0", port: 9000, requestLogging: true });
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(`${dataDir}/launcher_config.json`)).mode! & 0o777, 0o600);
  }
  await Deno.writeTextFile(`${dataDir}/launcher_config.json`, '{"port": 70000}');
  await assert.rejects(() => readLauncherConfig(dataDir), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /launcher_config\.json: port: must be a port from 1 to 65535/);
    return true;
  });
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("quota_viewer_config.json keeps remotes and refuses a URL that is not http(s)", async () => {
  const dataDir = await Deno.makeTempDir();
  assert.deepEqual(await readQuotaViewerConfig(dataDir), { remotes: [] });
  await writeQuotaViewerConfig(dataDir, {
    remotes: [{ name: "box", url: "http://10.0.0.5:8000", apiKey: "k" }],
  });
  assert.equal((await readQuotaViewerConfig(dataDir)).remotes[0].url, "http://10.0.0.5:8000");
  await Deno.writeTextFile(
    `${dataDir}/quota_viewer_config.json`,
    '{"remotes":[{"name":"x","url":"ftp://a"}]}',
  );
  await assert.rejects(() => readQuotaViewerConfig(dataDir), /remotes\.0\.url: must be an http/);
  await Deno.remove(dataDir, { recursive: true });
});
