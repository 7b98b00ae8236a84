import assert from "node:assert/strict";
import { discoverProviders, loadConfig } from "../../../lib/config/load.ts";
import { ConfigError } from "../../../lib/errors.ts";

async function tempDir(envFile?: string): Promise<string> {
  const directory = await Deno.makeTempDir();
  if (envFile !== undefined) await Deno.writeTextFile(`${directory}/.env`, envFile);
  return directory;
}

Deno.test("loadConfig() lets process env win over .env in the data directory", async () => {
  const cwd = await tempDir("PROXY_API_KEY=from-file\nPROXY_PORT=9000\nPROXY_LOG_LEVEL=debug\n");
  const { config, generatedKeyPath } = await loadConfig({}, { cwd, env: { PROXY_PORT: "9100" } });
  assert.equal(config.port, 9100);
  assert.equal(config.proxyApiKey, "from-file");
  assert.equal(config.logLevel, "debug");
  assert.equal(config.dataDir, cwd);
  assert.equal(generatedKeyPath, null);
});

Deno.test("loadConfig() takes --data-dir over PROXY_DATA_DIR and flags over variables", async () => {
  const cwd = await tempDir();
  const flagged = await tempDir("PROXY_API_KEY=k\n");
  const { config } = await loadConfig({ dataDir: flagged, host: "0.0.0.0", port: "1234" }, {
    cwd,
    env: { PROXY_DATA_DIR: cwd, PROXY_PORT: "5" },
  });
  assert.equal(config.dataDir, flagged);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.port, 1234);
});

Deno.test("loadConfig() applies documented defaults", async () => {
  const { config } = await loadConfig({}, { cwd: await tempDir(), env: { PROXY_API_KEY: "k" } });
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8000);
  assert.equal(config.logLevel, "info");
  assert.equal(config.maxRequestBodyBytes, 32 * 1024 * 1024);
  assert.equal(config.globalTimeoutMs, 30_000);
  assert.equal(config.connectTimeoutMs, 30_000);
  assert.equal(config.streamingReadTimeoutMs, 180_000);
  assert.equal(config.nonStreamingReadTimeoutMs, 600_000);
});

Deno.test("loadConfig() generates PROXY_API_KEY once and saves it to .env with mode 0600", async () => {
  const cwd = await tempDir("# keep me\nOPENAI_API_KEY=sk-a\n");
  const first = await loadConfig({}, { cwd, env: {} });
  assert.equal(first.generatedKeyPath, `${cwd}/.env`);
  assert.match(first.config.proxyApiKey, /^sk-proxy-[A-Za-z0-9_-]{43}$/);
  const text = await Deno.readTextFile(`${cwd}/.env`);
  assert.equal(text, `# keep me\nOPENAI_API_KEY=sk-a\nPROXY_API_KEY=${first.config.proxyApiKey}\n`);
  if (Deno.build.os !== "windows") assert.equal((await Deno.stat(`${cwd}/.env`)).mode! & 0o777, 0o600);
  const second = await loadConfig({}, { cwd, env: {} });
  assert.equal(second.generatedKeyPath, null);
  assert.equal(second.config.proxyApiKey, first.config.proxyApiKey);
  const other = await loadConfig({}, { cwd: await tempDir(), env: {} });
  assert.notEqual(other.config.proxyApiKey, first.config.proxyApiKey);
});

Deno.test("loadConfig() names the variable and the problem of an invalid setting", async () => {
  const cwd = await tempDir();
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PROXY_PORT: "eighty" }, /^PROXY_PORT: must be a whole number/],
    [{ PROXY_PORT: "70000" }, /^PROXY_PORT: must be between 0 and 65535/],
    [{ PROXY_LOG_LEVEL: "loud" }, /^PROXY_LOG_LEVEL: must be one of debug, info, warn, error/],
    [{ MAX_REQUEST_BODY_MB: "-1" }, /^MAX_REQUEST_BODY_MB: must be a positive number/],
    [{ GLOBAL_TIMEOUT: "soon" }, /^GLOBAL_TIMEOUT: must be a positive number/],
    [{ MYLOCAL_API_BASE: "not a url" }, /^MYLOCAL_API_BASE: is not a valid URL/],
    [{ MYLOCAL_API_BASE: "ftp://host/v1" }, /^MYLOCAL_API_BASE: must be an http/],
    [
      { OPENAI_API_KEY_1: "k", OPENAI_API_KEY_1_PRIORITY: "high" },
      /^OPENAI_API_KEY_1_PRIORITY: must be a whole/,
    ],
  ];
  for (const [env, expected] of cases) {
    await assert.rejects(loadConfig({}, { cwd, env: { PROXY_API_KEY: "k", ...env } }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, expected);
      return true;
    });
  }
});

Deno.test("discoverProviders() reads numbered keys, priorities and base URLs, skipping PROXY_API_KEY", () => {
  const providers = discoverProviders({
    PROXY_API_KEY: "proxy",
    OPENAI_API_KEY: "sk-0",
    OPENAI_API_KEY_2: "sk-2",
    OPENAI_API_KEY_1: "sk-1",
    OPENAI_API_KEY_1_PRIORITY: "2",
    OPENAI_API_KEY_3: "sk-1",
    NVIDIA_NIM_API_KEY: "nv",
    MYLOCAL_API_BASE: "http://127.0.0.1:1234/v1/",
    MYLOCAL_API_KEY_1: "local",
    EMPTY_API_KEY: " ",
  });
  assert.deepEqual(providers.map((provider) => provider.id), ["mylocal", "nvidia_nim", "openai"]);
  const openai = providers.find((provider) => provider.id === "openai")!;
  assert.deepEqual(openai.apiKeys.map((key) => [key.value, key.priority]), [["sk-0", 1], ["sk-1", 2], [
    "sk-2",
    1,
  ]]);
  assert.equal(providers[0].baseUrl, "http://127.0.0.1:1234/v1");
});
