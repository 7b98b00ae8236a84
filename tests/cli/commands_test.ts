/** `proxy models`, `usage`, `config check`, `--version`, `--help` and plain `proxy` end to end. */
import assert from "node:assert/strict";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { baseEnv, PROJECT_ROOT, PROXY_RUNTIME_FLAGS } from "../helpers/proxy_process.ts";
import { dataDirWith, runCli } from "./cli_process.ts";

Deno.test("proxy --version and --help exit 0; an unknown command or option exits 2 with one line", async () => {
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+(-dev)? \((source checkout|commit [0-9a-f]+)\)\n$/);
  const help = await runCli(["credentials", "add-key", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: proxy credentials add-key \[options\] <provider> \[key\]/);
  const unknown = await runCli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split("\n").length, 1);
  const badOption = await runCli(["models", "--nope"]);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /unknown option '--nope'/);
});

Deno.test("models lists each provider's models after its filters, plus configured models and aliases", async () => {
  const upstream = startFakeUpstream();
  const dataDir = await dataDirWith(
    [
      `OPENAI_API_BASE=${upstream.baseUrl}`,
      "OPENAI_API_KEY=sk-models-test-000000001",
      "OPENAI_MODELS=extra-model",
      "IGNORE_MODELS_OPENAI=vendor/*",
      "MODEL_ALIAS_SMART=openai/gpt-test",
    ].join("\n"),
  );
  try {
    const text = await runCli(["models", "--data-dir", dataDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.trim().split("\n"), [
      "openai/extra-model",
      "openai/gpt-test",
      "smart (alias)",
    ]);
    const json = await runCli(["models", "--provider", "openai", "--json", "--data-dir", dataDir]);
    const parsed = JSON.parse(json.stdout);
    assert.deepEqual(parsed.data.map((model: { id: string }) => model.id), [
      "openai/extra-model",
      "openai/gpt-test",
    ]);
    assert.deepEqual(parsed.errors, []);
  } finally {
    await upstream.close();
  }
  const failing = await runCli(["models", "--data-dir", dataDir]);
  assert.equal(failing.code, 1, "a provider that cannot list fails the command");
  assert.match(failing.stdout, /openai\/extra-model/, "configured models are still shown");
  assert.match(failing.stderr, /openai: cannot list models/);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("usage reads the local usage files: today's requests, tokens, cost and state; --json parses", async () => {
  const dataDir = await dataDirWith("OPENAI_API_KEY=sk-usage-test-000000001\n");
  const now = Date.now();
  const today = Math.floor(now / 86_400_000);
  const counters = (requests: number) => ({
    requests,
    successes: requests,
    failures: 0,
    promptTokens: 100 * requests,
    completionTokens: 10 * requests,
    cachedTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.5 * requests,
  });
  await Deno.mkdir(`${dataDir}/usage`);
  await Deno.writeTextFile(
    `${dataDir}/usage/usage_openai.json`,
    JSON.stringify({
      version: 1,
      provider: "openai",
      savedAtMs: now,
      providerState: { status: "available" },
      credentials: {
        abc: {
          label: "…0001",
          disabled: { status: "available" },
          scopes: {
            "gpt-4o": {
              state: { status: "cooling", untilMs: now + 90_000, reason: "rate_limit" },
              usage: { windowId: today, window: counters(3), totals: counters(7) },
            },
            "gpt-old": {
              state: { status: "available" },
              usage: { windowId: today - 1, window: counters(5), totals: counters(5) },
            },
          },
        },
      },
    }),
  );
  const table = await runCli(["usage", "--data-dir", dataDir]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(
    table.stdout,
    /openai\s+…0001\s+cooling 1m \d\ds \(rate_limit, gpt-4o\)\s+3\s+330\s+\$1\.5000\s+12/,
  );
  const json = JSON.parse((await runCli(["usage", "--json", "--data-dir", dataDir])).stdout);
  assert.equal(json.source, "local");
  assert.equal(json.data[0].today.requests, 3, "yesterday's window does not count today");
  assert.equal(json.data[0].totals.requests, 12);
  assert.equal(json.data[0].state, "cooling");
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("usage --remote reads a running proxy's /v1/quota-stats with the client key", async () => {
  const remote = startFakeUpstream((request) => {
    if (request.headers.get("authorization") !== "Bearer sk-proxy-remote-key-1") {
      return Response.json({ error: { message: "bad key" } }, { status: 401 });
    }
    return Response.json({
      object: "quota_stats",
      providers: {
        groq: {
          mode: "balanced",
          credentials: [{
            key: "…wxyz",
            id: "0123",
            state: "available",
            window: { requests: 4, promptTokens: 40, completionTokens: 4, costUsd: 0 },
            totals: { requests: 9 },
            models: { "llama": { state: "cooling", reason: "rate_limit", seconds_left: 30 } },
          }],
        },
      },
    });
  });
  const dataDir = await dataDirWith("PROXY_API_KEY=sk-proxy-remote-key-1\n");
  try {
    const result = await runCli(["usage", "--remote", remote.origin, "--json", "--data-dir", dataDir]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.source, remote.origin);
    assert.deepEqual(
      [
        json.data[0].provider,
        json.data[0].key,
        json.data[0].state,
        json.data[0].scope,
        json.data[0].today.requests,
      ],
      ["groq", "…wxyz", "cooling", "llama", 4],
    );
    assert.equal(remote.requests[0].path, "/v1/quota-stats");
    const refused = await runCli(["usage", "--remote", remote.origin, "--data-dir", await dataDirWith()]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused the client key/);
    const notUrl = await runCli(["usage", "--remote", "nowhere", "--data-dir", dataDir]);
    assert.equal(notUrl.code, 2);
  } finally {
    await remote.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("config check explains each kind of mistake, one line each, and exits 1", async () => {
  const dataDir = await dataDirWith(
    [
      "PROXY_PORT=99999",
      "PROXY_LOG_LEVEL=loud",
      "GLOBAL_TIMEOUT=soon",
      "OPENAI_API_KEY=sk-check-test-000000001",
      "OPENAI_API_KEY_PRIORITY=high",
      "MYLOCAL_API_BASE=not a url",
      "ORPHAN_API_BASE=http://127.0.0.1:1/v1",
      "ROTATION_MODE_OPENAI=random",
      "MODEL_ALIAS_FAST=nobody/model-x",
      "MODEL_PRICES={not json",
      "this line is not a variable",
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(`${dataDir}/launcher_config.json`, '{"port": 0}');
  await Deno.writeTextFile(`${dataDir}/quota_viewer_config.json`, "{broken");
  const result = await runCli(["config", "check", "--data-dir", dataDir]);
  assert.equal(result.code, 1);
  const lines = result.stdout.trim().split("\n");
  const expected = [
    /^error: PROXY_PORT: must be between 0 and 65535/,
    /^error: PROXY_LOG_LEVEL: must be one of debug, info, warn, error/,
    /^error: GLOBAL_TIMEOUT: must be a positive number/,
    /^error: OPENAI_API_KEY_PRIORITY: must be a whole number/,
    /^error: MYLOCAL_API_BASE: is not a valid URL/,
    /^error: ROTATION_MODE_OPENAI: must be "balanced" or "sequential"/,
    /^error: MODEL_PRICES: is not valid JSON/,
    /^error: ORPHAN_API_BASE: provider "orphan" has a base URL but no ORPHAN_API_KEY/,
    /^error: MODEL_ALIAS_FAST: target "nobody\/model-x" names provider "nobody", which is not configured/,
    /^error: .*\.env:11: is not NAME=value/,
    /^error: .*launcher_config\.json: port: must be a port from 1 to 65535/,
    /^error: .*quota_viewer_config\.json: is not valid JSON/,
  ];
  for (const pattern of expected) {
    assert.ok(lines.some((line) => pattern.test(line)), `${pattern} in\n${result.stdout}`);
  }
  assert.match(result.stderr, /^error: \d+ error\(s\) in the configuration\n$/);
  const json = JSON.parse((await runCli(["config", "check", "--json", "--data-dir", dataDir])).stdout);
  assert.equal(json.ok, false);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("config check passes a valid configuration with exit 0 and warns about a readable .env", async () => {
  const dataDir = await dataDirWith(
    "PROXY_API_KEY=sk-proxy-valid-0000001\nGROQ_API_KEY=gsk-valid-key-000000001\n",
  );
  const valid = await runCli(["config", "check", "--data-dir", dataDir]);
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  assert.match(valid.stdout, /is valid/);
  await Deno.chmod(`${dataDir}/.env`, 0o644);
  const readable = await runCli(["config", "check", "--data-dir", dataDir]);
  assert.equal(readable.code, 0);
  assert.match(readable.stdout, /^warning: .*\.env: holds secrets but other users may read it \(mode 644\)/m);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("proxy with no arguments and no terminal serves with the saved settings", async () => {
  const dataDir = await dataDirWith(
    "PROXY_API_KEY=sk-proxy-plain-0000001\nPROXY_HOST=127.0.0.1\nPROXY_PORT=0\n",
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PROXY_RUNTIME_FLAGS,
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "main.ts",
    ],
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), PROXY_DATA_DIR: dataDir },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!/Proxy listening on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
  }
  assert.match(output, /Proxy listening on http:\/\/127\.0\.0\.1:\d+/);
  child.kill("SIGTERM");
  // Read to the end: a pipe closed early would make the proxy's shutdown line fail to write.
  while (!(await reader.read()).done) { /* drain */ }
  assert.equal((await child.status).code, 0);
  await Deno.remove(dataDir, { recursive: true });
});
