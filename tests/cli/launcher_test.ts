/**
 * The launcher in a real terminal (tmux): open the menu, add an API key without echo, see it listed
 * masked, stage and discard a setting, validate in place, Ctrl-C out, then check the terminal and files.
 */
import assert from "node:assert/strict";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { modeOf, runCli } from "./cli_process.ts";
import { terminalIsClean, TmuxSession } from "./tmux_session.ts";

const SECRET = "sk-launcher-secret-0123456789";

async function withLauncher(
  envFile: string | null,
  test: (session: TmuxSession, dataDir: string) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "proxy-launcher-test-" });
  const dataDir = `${root}/data`;
  await Deno.mkdir(dataDir);
  if (envFile !== null) await Deno.writeTextFile(`${dataDir}/.env`, envFile, { mode: 0o600 });
  const session = await TmuxSession.start(dataDir, args);
  try {
    await test(session, dataDir);
  } finally {
    await session.kill();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("launcher: add an API key without echo, see it masked, stage and discard a setting, Ctrl-C out clean", async () => {
  const original = "# my proxy\nPROXY_API_KEY=sk-proxy-launcher-000001\n";
  await withLauncher(original, async (session, dataDir) => {
    const first = await session.waitFor(/What next\?/);
    assert.match(first, /Client key\s+set/);
    assert.match(first, /Start here/);
    assert.ok(!first.includes("sk-proxy-launcher-000001"), "the client key is never shown");

    await session.choose("Credentials");
    await session.choose("Add an API key");
    await session.choose("openai");
    await session.waitFor(/API key for openai/);
    await session.type(SECRET);
    const typing = await session.waitFor(/▪{10}/);
    assert.ok(!typing.includes(SECRET) && !typing.includes("0123456789"), "the key is not echoed");
    await session.press("Enter");
    await session.waitFor(/Added OPENAI_API_KEY_1 \(…6789\)/);
    assert.equal(await Deno.readTextFile(`${dataDir}/.env`), `${original}OPENAI_API_KEY_1=${SECRET}\n`);
    assert.equal(await modeOf(`${dataDir}/.env`), 0o600);

    await session.choose("List credentials");
    const listed = await session.waitFor(/OPENAI_API_KEY_1\s+…6789/);
    assert.match(listed, /openai\s+OPENAI_API_KEY_1\s+…6789.*available/);
    assert.ok(!listed.includes(SECRET));
    await session.choose("Back");
    await session.waitFor(/openai: 1 credential \(1 available\)/);

    await session.choose("Providers and advanced settings");
    await session.choose("Rotation mode");
    await session.choose("openai");
    await session.choose("sequential");
    await session.waitFor(/Staged, not saved yet:\n│\s+\+ ROTATION_MODE_OPENAI=sequential/);
    await session.choose("Review, save or discard");
    await session.waitFor(/\+ ROTATION_MODE_OPENAI=sequential/);
    await session.choose("Discard them");
    await session.waitFor(/Discarded; \.env is unchanged/);
    assert.equal(await Deno.readTextFile(`${dataDir}/.env`), `${original}OPENAI_API_KEY_1=${SECRET}\n`);

    await session.choose("Concurrency per key");
    await session.choose("openai");
    await session.waitFor(/Requests in flight per key/);
    await session.press("BSpace");
    await session.type("0");
    await session.press("Enter");
    await session.waitFor(/Enter a whole number of at least 1/);
    await session.press("BSpace");
    await session.type("3");
    await session.press("Enter");
    await session.waitFor(/\+ MAX_CONCURRENT_REQUESTS_PER_KEY_OPENAI=3/);
    await session.press("C-c");
    const end = await session.waitFor(/EXIT:\d+[\s\S]*icanon/);
    assert.match(end, /EXIT:130/);
    assert.ok(terminalIsClean(end), end);
    assert.equal(
      await Deno.readTextFile(`${dataDir}/.env`),
      `${original}OPENAI_API_KEY_1=${SECRET}\n`,
      "staged changes are not written on Ctrl-C",
    );
  });
});

Deno.test("launcher: staged settings are written to .env only on Save", async () => {
  const original = "# keep me\nPROXY_API_KEY=sk-proxy-launcher-000002\nGROQ_API_KEY=gsk-launcher-000000002\n";
  await withLauncher(original, async (session, dataDir) => {
    await session.waitFor(/groq: 1 credential/);
    await session.choose("Providers and advanced settings");
    await session.choose("Model aliases");
    await session.waitFor(/Alias name/);
    await session.type("fast");
    await session.press("Enter");
    await session.waitFor(/Targets, tried in order/);
    await session.type("groq/llama-3.3-70b");
    await session.press("Enter");
    await session.waitFor(/Staged, not saved yet/);
    assert.equal(await Deno.readTextFile(`${dataDir}/.env`), original);
    await session.choose("Back");
    await session.waitFor(/\+ MODEL_ALIAS_FAST=groq\/llama-3\.3-70b/);
    await session.choose("Save to .env");
    await session.waitFor(/Saved 1 change/);
    assert.equal(
      await Deno.readTextFile(`${dataDir}/.env`),
      `${original}MODEL_ALIAS_FAST=groq/llama-3.3-70b\n`,
    );
    await session.choose("Exit");
    const end = await session.waitFor(/EXIT:\d+[\s\S]*icanon/);
    assert.match(end, /EXIT:0/);
    assert.ok(terminalIsClean(end), end);
  });
});

Deno.test("launcher: proxy settings validate the port in place and save to .env and launcher_config.json", async () => {
  await withLauncher(null, async (session, dataDir) => {
    await session.waitFor(/Client key\s+not set/);
    await session.choose("Proxy settings");
    await session.choose("Port");
    await session.waitFor(/Port \(1-65535\)/);
    for (let index = 0; index < 4; index++) await session.press("BSpace");
    await session.type("70000");
    await session.press("Enter");
    await session.waitFor(/Enter a port number from 1 to 65535/);
    await session.press("BSpace");
    await session.press("BSpace");
    await session.press("BSpace");
    await session.press("BSpace");
    await session.press("BSpace");
    await session.type("9123");
    await session.press("Enter");
    await session.waitFor(/Saved PROXY_PORT=9123/);
    assert.equal(await Deno.readTextFile(`${dataDir}/.env`), "PROXY_PORT=9123\n");
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dataDir}/launcher_config.json`)), { port: 9123 });
    assert.equal(await modeOf(`${dataDir}/launcher_config.json`), 0o600);
    await session.choose("Back");
    await session.waitFor(/Listen\s+http:\/\/127\.0\.0\.1:9123/);
    await session.press("C-c");
    const end = await session.waitFor(/EXIT:\d+[\s\S]*icanon/);
    assert.ok(terminalIsClean(end), end);
  });
});

Deno.test("launcher: Ctrl-C while typing a key writes nothing and restores the terminal; --add-credential opens Credentials", async () => {
  await withLauncher("PROXY_API_KEY=sk-proxy-launcher-000003\n", async (session, dataDir) => {
    await session.waitFor(/◆\s+Credentials/);
    await session.choose("Add an API key");
    await session.choose("groq");
    await session.waitFor(/API key for groq/);
    await session.type("gsk-half-typed");
    await session.press("C-c");
    const end = await session.waitFor(/EXIT:\d+[\s\S]*icanon/);
    assert.match(end, /EXIT:130/);
    assert.ok(terminalIsClean(end), end);
    assert.equal(await Deno.readTextFile(`${dataDir}/.env`), "PROXY_API_KEY=sk-proxy-launcher-000003\n");
  }, ["--add-credential"]);
});

Deno.test("launcher: quota view counts a cooldown down; model filters preview the listed models they keep", async () => {
  const upstream = startFakeUpstream();
  const envFile = [
    "PROXY_API_KEY=sk-proxy-launcher-000004",
    `OPENAI_API_BASE=${upstream.baseUrl}`,
    "OPENAI_API_KEY=sk-launcher-quota-000004",
    "OPENAI_MODELS=dall-e-3",
  ].join("\n") + "\n";
  try {
    await withLauncher(envFile, async (session, dataDir) => {
      await session.waitFor(/What next\?/);
      const listed = JSON.parse(
        (await runCli(["credentials", "list", "--json", "--data-dir", dataDir])).stdout,
      );
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
            [listed.data[0].id]: {
              label: "…0004",
              disabled: { status: "available" },
              scopes: {
                "gpt-test": { state: { status: "cooling", untilMs: now + 3_600_000, reason: "rate_limit" } },
              },
            },
          },
        }),
      );
      await session.choose("Quota and usage");
      await session.choose("This machine");
      const first = await session.waitFor(/cooling 59m (\d\d)s \(rate_limit, gpt-test\)/);
      const seconds = (screen: string) => Number(/cooling 59m (\d\d)s/.exec(screen)![1]);
      const before = seconds(first);
      // The view redraws itself every second; wait for the number on screen to change.
      const later = await session.waitFor(
        new RegExp(`cooling 59m (?!${String(before).padStart(2, "0")})\\d\\ds`),
      );
      assert.ok(seconds(later) < before || before === 0, `${before} then ${seconds(later)}`);
      await session.press("Enter");
      await session.choose("Back");

      await session.choose("Providers and advanced settings");
      await session.choose("Model filters");
      await session.choose("openai");
      await session.choose("Hide models");
      await session.waitFor(/keeps 3: dall-e-3, gpt-test, vendor\/nested-model/);
      await session.type("vendor/*,dall");
      await session.waitFor(/keeps 2: dall-e-3, gpt-test\n.*hides 1: vendor\/nested-model/);
      await session.type("*");
      await session.waitFor(/keeps 1: gpt-test\n.*hides 2: dall-e-3, vendor\/nested-model/);
      await session.press("Enter");
      await session.waitFor(/\+ IGNORE_MODELS_OPENAI=vendor\/\*,dall\*/);
      await session.press("C-c");
      const end = await session.waitFor(/EXIT:\d+[\s\S]*icanon/);
      assert.ok(terminalIsClean(end), end);
      assert.equal(await Deno.readTextFile(`${dataDir}/.env`), envFile);
    });
  } finally {
    await upstream.close();
  }
});

Deno.test("terminalIsClean() tells a cooked terminal from one left raw or without echo", () => {
  const cooked = "EXIT:0\nspeed 38400 baud;\nlflags: isig icanon iexten echo echoe echok -echonl -noflsh\n";
  const raw = "EXIT:0\nspeed 38400 baud;\nisig -icanon iexten -echo echoe echok -echonl -noflsh\n";
  const noEcho = "EXIT:0\nisig icanon iexten -echo echoe echok\n";
  assert.equal(terminalIsClean(cooked), true);
  assert.equal(terminalIsClean(raw), false);
  assert.equal(terminalIsClean(noEcho), false);
});
