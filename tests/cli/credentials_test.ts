/** `proxy credentials …` end to end: a subprocess, a temporary data directory, fake upstreams on 127.0.0.1. */
import assert from "node:assert/strict";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { dataDirWith, modeOf, runCli } from "./cli_process.ts";

const SECRET_ONE = "sk-first-secret-0123456789";
const SECRET_TWO = "sk-second-secret-abcdefghij";

Deno.test("credentials add-key appends the next free variable and keeps every other line and comment", async () => {
  const original = "# my settings\nPROXY_PORT=9000   # the port\n\nOPENAI_API_KEY_1=sk-existing-000000000\n";
  const dataDir = await dataDirWith(original);
  await Deno.chmod(`${dataDir}/.env`, 0o644);
  const result = await runCli(["credentials", "add-key", "openai", SECRET_ONE, "--data-dir", dataDir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Added OPENAI_API_KEY_2 \(…6789\)/);
  assert.ok(!result.stdout.includes(SECRET_ONE), "the key is never printed");
  assert.equal(await Deno.readTextFile(`${dataDir}/.env`), `${original}OPENAI_API_KEY_2=${SECRET_ONE}\n`);
  assert.equal(await modeOf(`${dataDir}/.env`), 0o600);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials add-key reads a missing key from stdin and refuses a duplicate with exit 1", async () => {
  const dataDir = await dataDirWith();
  const first = await runCli(["credentials", "add-key", "groq", "--data-dir", dataDir], {
    stdin: `${SECRET_TWO}\n`,
  });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(await Deno.readTextFile(`${dataDir}/.env`), `GROQ_API_KEY_1=${SECRET_TWO}\n`);
  const again = await runCli(["credentials", "add-key", "groq", SECRET_TWO, "--data-dir", dataDir]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr.trim(), "error: this key is already configured as GROQ_API_KEY_1");
  const empty = await runCli(["credentials", "add-key", "groq", "--data-dir", dataDir], { stdin: "\n" });
  assert.equal(empty.code, 2);
  assert.equal(empty.stderr.trim().split("\n").length, 1);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials add-key refuses an unknown provider and a missing argument with exit 2 and one line", async () => {
  const dataDir = await dataDirWith();
  const unknown = await runCli(["credentials", "add-key", "nosuch", SECRET_ONE, "--data-dir", dataDir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^error: unknown provider "nosuch".*add-provider nosuch --base <url>\n$/);
  const missing = await runCli(["credentials", "add-key"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'provider'/);
  assert.ok(!missing.stderr.includes("    at "), "no stack trace");
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials add-provider writes a custom provider that add-key and list then accept", async () => {
  const dataDir = await dataDirWith("# local servers\n");
  const added = await runCli([
    "credentials",
    "add-provider",
    "mylocal",
    "--base",
    "http://127.0.0.1:1234/v1/",
    "--models",
    "llama-3,qwen3",
    "--data-dir",
    dataDir,
  ]);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(
    await Deno.readTextFile(`${dataDir}/.env`),
    "# local servers\nMYLOCAL_API_BASE=http://127.0.0.1:1234/v1\nMYLOCAL_MODELS=llama-3,qwen3\n",
  );
  const badUrl = await runCli([
    "credentials",
    "add-provider",
    "other",
    "--base",
    "ftp://x",
    "--data-dir",
    dataDir,
  ]);
  assert.equal(badUrl.code, 2);
  const badName = await runCli([
    "credentials",
    "add-provider",
    "my-local",
    "--base",
    "http://x",
    "--data-dir",
    dataDir,
  ]);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /letters, digits and _/);
  const key = await runCli([
    "credentials",
    "add-key",
    "mylocal",
    "anything-at-all-123",
    "--data-dir",
    dataDir,
  ]);
  assert.equal(key.code, 0, key.stderr);
  const list = await runCli(["credentials", "list", "--json", "--data-dir", dataDir]);
  const rows = JSON.parse(list.stdout).data;
  assert.deepEqual(rows.map((row: { provider: string; variable: string }) => [row.provider, row.variable]), [
    ["mylocal", "MYLOCAL_API_KEY_1"],
  ]);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials list shows keys masked with their saved state; --json parses", async () => {
  const dataDir = await dataDirWith(`OPENAI_API_KEY_1=${SECRET_ONE}\nOPENAI_API_KEY_2=${SECRET_TWO}\n`);
  const list = await runCli(["credentials", "list", "--json", "--data-dir", dataDir]);
  const ids = JSON.parse(list.stdout).data.map((row: { id: string }) => row.id);
  const now = Date.now();
  await Deno.mkdir(`${dataDir}/usage`);
  await Deno.writeTextFile(
    `${dataDir}/usage/usage_openai.json`,
    JSON.stringify({
      version: 1,
      provider: "openai",
      savedAtMs: now,
      providerState: { status: "available" },
      credentials: {
        [ids[0]]: {
          label: "…6789",
          disabled: { status: "available" },
          scopes: {
            "gpt-4o": { state: { status: "cooling", untilMs: now + 600_000, reason: "rate_limit" } },
          },
        },
        [ids[1]]: {
          label: "…ghij",
          disabled: { status: "disabled", reason: "auth", untilMs: now + 3_600_000 },
          scopes: {},
        },
      },
    }),
  );
  const table = await runCli(["credentials", "list", "--data-dir", dataDir]);
  assert.equal(table.code, 0, table.stderr);
  assert.ok(!table.stdout.includes(SECRET_ONE) && !table.stdout.includes(SECRET_TWO));
  assert.match(table.stdout, /OPENAI_API_KEY_1\s+…6789.*cooling (9|10)m \d\ds \(rate_limit, gpt-4o\)/);
  assert.match(table.stdout, /OPENAI_API_KEY_2\s+…ghij.*disabled (59m \d\ds|1h 00m) \(auth\)/);
  const json = JSON.parse((await runCli(["credentials", "list", "--json", "--data-dir", dataDir])).stdout);
  assert.equal(json.data[0].state, "cooling");
  assert.ok(json.data[0].seconds_left > 590 && json.data[0].seconds_left <= 600);
  assert.equal(json.data[1].state, "disabled");
  assert.ok(!JSON.stringify(json).includes(SECRET_ONE));
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials remove takes out the key and its priority by variable or id, keeping other lines", async () => {
  const dataDir = await dataDirWith(
    `# keys\nOPENAI_API_KEY_1=${SECRET_ONE}\nOPENAI_API_KEY_1_PRIORITY=2\nOPENAI_API_KEY_2=${SECRET_TWO}\n`,
  );
  const removed = await runCli(["credentials", "remove", "openai_api_key_1", "--data-dir", dataDir]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await Deno.readTextFile(`${dataDir}/.env`), `# keys\nOPENAI_API_KEY_2=${SECRET_TWO}\n`);
  const list = JSON.parse((await runCli(["credentials", "list", "--json", "--data-dir", dataDir])).stdout);
  const byId = await runCli(["credentials", "remove", list.data[0].id, "--data-dir", dataDir]);
  assert.equal(byId.code, 0, byId.stderr);
  assert.equal(await Deno.readTextFile(`${dataDir}/.env`), "# keys\n");
  const missing = await runCli(["credentials", "remove", "OPENAI_API_KEY_9", "--data-dir", dataDir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: no credential "OPENAI_API_KEY_9"/);
  const fromEnvironment = await runCli(["credentials", "remove", "GROQ_API_KEY", "--data-dir", dataDir], {
    env: { GROQ_API_KEY: SECRET_ONE },
  });
  assert.equal(fromEnvironment.code, 1);
  assert.match(fromEnvironment.stderr, /set in the process environment/);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("credentials test makes one listing call per key: ok, invalid, rate limited, unreachable", async () => {
  const upstream = startFakeUpstream((request) => {
    const auth = request.headers.get("authorization") ?? "";
    if (auth.endsWith("good-key-000000000001")) return Response.json({ object: "list", data: [] });
    if (auth.endsWith("limited-key-0000000002")) {
      return Response.json({ error: { message: "slow down" } }, { status: 429 });
    }
    // Some vendors quote the refused key: it must reach the screen masked.
    return Response.json({ error: { message: `Incorrect API key ${auth.slice(7)}` } }, { status: 401 });
  });
  const closed = startFakeUpstream();
  const closedBase = closed.baseUrl;
  await closed.close();
  const dataDir = await dataDirWith(
    [
      `OPENAI_API_BASE=${upstream.baseUrl}`,
      "OPENAI_API_KEY_1=good-key-000000000001",
      "OPENAI_API_KEY_2=limited-key-0000000002",
      "OPENAI_API_KEY_3=wrong-key-00000000003",
      `GROQ_API_BASE=${closedBase}`,
      "GROQ_API_KEY=groq-key-000000000004",
    ].join("\n"),
  );
  try {
    const result = await runCli(["credentials", "test", "--json", "--timeout", "5", "--data-dir", dataDir]);
    assert.equal(result.code, 1, "a failing credential fails the command");
    const verdicts = JSON.parse(result.stdout).data.map((row: { variable: string; result: string }) =>
      `${row.variable}=${row.result}`
    );
    assert.deepEqual(verdicts.sort(), [
      "GROQ_API_KEY=unreachable",
      "OPENAI_API_KEY_1=ok",
      "OPENAI_API_KEY_2=rate_limited",
      "OPENAI_API_KEY_3=invalid",
    ]);
    assert.equal(upstream.requests.length, 3);
    assert.ok(upstream.requests.every((request) => request.path === "/v1/models"));
    assert.ok(!result.stdout.includes("good-key-000000000001"));
    const one = await runCli(["credentials", "test", "openai", "--data-dir", dataDir]);
    assert.match(one.stdout, /OPENAI_API_KEY_3\s+…0003\s+invalid\s+HTTP 401: Incorrect API key …0003/);
    assert.ok(!one.stdout.includes("wrong-key-00000000003"));
    assert.ok(!one.stdout.includes("groq"));
    const unknown = await runCli(["credentials", "test", "mistral", "--data-dir", dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /provider "mistral" is not configured/);
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
