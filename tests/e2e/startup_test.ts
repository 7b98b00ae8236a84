import assert from "node:assert/strict";
import { runProxyCommand, startProxy } from "../helpers/proxy_process.ts";

Deno.test("an invalid setting stops start-up with one readable line and exit code 2", async () => {
  const dataDir = await Deno.makeTempDir();
  for (
    const [env, expected] of [
      [{ PROXY_PORT: "http" }, /^error: PROXY_PORT: must be a whole number/],
      [{ MYLOCAL_API_BASE: "::nope", MYLOCAL_API_KEY: "k" }, /^error: MYLOCAL_API_BASE: is not a valid URL/],
    ] as const
  ) {
    const result = await runProxyCommand(["serve", "--data-dir", dataDir], {
      env: { PROXY_API_KEY: "k", ...env },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, expected);
    assert.equal(result.stderr.trim().split("\n").length, 1, `expected one line, got:\n${result.stderr}`);
  }
});

Deno.test("first start generates PROXY_API_KEY, prints it once and saves it with mode 0600", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dataDir}/.env`, "# my settings\nPROXY_LOG_LEVEL=info\n");
  const first = await startProxy({ dataDir, env: { PROXY_API_KEY: "" } });
  const printed = /Generated a new PROXY_API_KEY and saved it to (\S+) \(mode 0600\):\n\s+(sk-proxy-\S+)/
    .exec(
      first.output(),
    );
  await first.stop();
  assert.ok(printed, first.output());
  assert.equal(printed[1], `${dataDir}/.env`);
  const key = printed[2];
  assert.equal(
    await Deno.readTextFile(`${dataDir}/.env`),
    `# my settings\nPROXY_LOG_LEVEL=info\nPROXY_API_KEY=${key}\n`,
  );
  if (Deno.build.os !== "windows") assert.equal((await Deno.stat(`${dataDir}/.env`)).mode! & 0o777, 0o600);

  // The proxy is closed to everyone else: the key is required.
  const second = await startProxy({ dataDir, env: { PROXY_API_KEY: "" } });
  try {
    assert.doesNotMatch(second.output(), /Generated a new PROXY_API_KEY/);
    const denied = await fetch(`${second.url}/v1/models`);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const allowed = await fetch(`${second.url}/v1/providers`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await second.stop();
  }
});
