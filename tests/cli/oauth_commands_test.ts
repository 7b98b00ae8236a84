/** The OAuth commands end to end: login against a fake authorization server, import, list, export, remove. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fakeJwt, startFakeOAuth } from "../helpers/fake_oauth.ts";
import { baseEnv, PROJECT_ROOT, PROXY_RUNTIME_FLAGS } from "../helpers/proxy_process.ts";
import { dataDirWith, modeOf, runCli } from "./cli_process.ts";

/** Deno's cache folder, kept when a test moves HOME (the cache lives under HOME by default). */
async function denoDir(): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return JSON.parse(new TextDecoder().decode(output.stdout)).denoDir;
}

Deno.test("credentials login qwen_code --no-browser: device code shown, account stored (0600) and listed", async () => {
  const oauth = startFakeOAuth({ vendor: "qwen", pendingPolls: 0, interval: 1 });
  const dataDir = await dataDirWith();
  try {
    const result = await runCli(
      ["credentials", "login", "qwen_code", "--no-browser", "--data-dir", dataDir],
      {
        env: { QWEN_CODE_OAUTH_BASE: oauth.base },
      },
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Open https:\/\/\S+user_code=(\S+)&\S*\nand confirm the code \1\./);
    assert.match(result.stdout, /Signed in to qwen_code as \S+\.\nSaved to .*qwen_code_oauth_1\.json/);
    const files = [...Deno.readDirSync(join(dataDir, "oauth_creds"))].map((entry) => entry.name);
    assert.deepEqual(files, ["qwen_code_oauth_1.json"]);
    assert.equal(await modeOf(join(dataDir, "oauth_creds", files[0])), 0o600);
    const list = await runCli(["credentials", "list", "--json", "--data-dir", dataDir]);
    const rows = JSON.parse(list.stdout).data;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].provider, "qwen_code");
    assert.equal(rows[0].source, "oauth_creds");
    const stored = await Deno.readTextFile(join(dataDir, "oauth_creds", files[0]));
    const token = JSON.parse(stored).access_token as string;
    assert.ok(!list.stdout.includes(token), "tokens never appear in the list");
    const unknown = await runCli(["credentials", "login", "groq", "--data-dir", dataDir]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no OAuth sign-in \(OAuth providers: /);
  } finally {
    await oauth.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("credentials import reads vendor CLI files from HOME; export prints the .env block; remove deletes the file", async () => {
  const home = await Deno.makeTempDir();
  await Deno.mkdir(join(home, ".codex"));
  await Deno.writeTextFile(
    join(home, ".codex", "auth.json"),
    JSON.stringify({
      OPENAI_API_KEY: null,
      tokens: {
        id_token: fakeJwt({
          email: "dev@example.com",
          "https://api.openai.com/auth": { chatgpt_account_id: "ws-1", chatgpt_plan_type: "pro" },
        }),
        access_token: fakeJwt({ exp: 1_900_000_000 }),
        refresh_token: "codex-refresh-token-1",
        account_id: "ws-1",
      },
    }),
  );
  const dataDir = await dataDirWith();
  try {
    const imported = await runCli(["credentials", "import", "--data-dir", dataDir], {
      env: { HOME: home, DENO_DIR: await denoDir() },
    });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /Imported openai_codex account dev@example\.com \(ws-1\) from .*\.codex\/auth\.json/,
    );
    const list = JSON.parse((await runCli(["credentials", "list", "--json", "--data-dir", dataDir])).stdout);
    assert.equal(list.data[0].provider, "openai_codex");
    assert.equal(list.data[0].key, "dev@example.com");
    assert.ok(!JSON.stringify(list).includes("codex-refresh-token-1"));
    const exported = await runCli(["credentials", "export", "openai_codex", "--data-dir", dataDir]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /codex-refresh-token-1/, "export is the one place tokens are shown");
    const removed = await runCli(["credentials", "remove", list.data[0].id, "--data-dir", dataDir]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual([...Deno.readDirSync(join(dataDir, "oauth_creds"))], []);
    const empty = await runCli(["credentials", "export", "openai_codex", "--data-dir", dataDir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /no openai_codex accounts to export/);
  } finally {
    await Deno.remove(home, { recursive: true });
    await Deno.remove(dataDir, { recursive: true });
  }
});

/** `proxy credentials login …` running, with its stdin open for pastes and its output read as it comes. */
function spawnLogin(args: string[], env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PROXY_RUNTIME_FLAGS, "--allow-all", `${PROJECT_ROOT}main.ts`, ...args],
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), ...env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  const reading = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
  })();
  const stderr = new Response(child.stderr).text();
  const stdin = child.stdin.getWriter();
  return {
    output: () => stdout,
    /** Wait until the output matches `pattern` (the process answers within seconds; bounded by 60 s). */
    async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
      for (let turn = 0; turn < 6_000; turn++) {
        const match = pattern.exec(stdout);
        if (match) return match;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`never printed ${pattern}:\n${stdout}\n${await stderr}`);
    },
    type: (line: string) => stdin.write(new TextEncoder().encode(`${line}\n`)),
    closeInput: () => stdin.close().catch(() => {}),
    async finish() {
      await stdin.close().catch(() => {});
      const status = await child.status;
      await reading;
      return { code: status.code, stdout, stderr: await stderr };
    },
  };
}

Deno.test("credentials login openai_codex --no-browser takes the pasted localhost URL, refuses a forged one, closes the callback server", async () => {
  const oauth = startFakeOAuth({ vendor: "openai", email: "remote@example.com" });
  const dataDir = await dataDirWith();
  const login = spawnLogin(
    ["credentials", "login", "openai_codex", "--no-browser", "--data-dir", dataDir],
    { OPENAI_CODEX_OAUTH_BASE: oauth.base, OPENAI_CODEX_OAUTH_PORT: "0" },
  );
  try {
    const [, authorizeUrl] = await login.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+)/);
    await login.waitFor(/paste that page's full URL here/);
    // The user's browser, on another machine, signs in and lands on a localhost page that fails to load.
    const authorize = await fetch(authorizeUrl, { redirect: "manual" });
    await authorize.body?.cancel();
    const redirected = new URL(authorize.headers.get("location")!);
    const callbackPort = Number(redirected.port);
    const forged = new URL(redirected);
    forged.searchParams.set("state", "forged-state");
    await login.type("not a url at all");
    await login.waitFor(/Not taken: that is not a URL/);
    await login.type(forged.toString());
    await login.waitFor(/Not taken: the callback's state does not match this login/);
    await login.type(`  ${redirected.toString()}  `);
    const result = await login.finish();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /Signed in to openai_codex as remote@example\.com, tier plus\.\nSaved to .*openai_codex_oauth_1\.json/,
    );
    const file = join(dataDir, "oauth_creds", "openai_codex_oauth_1.json");
    assert.equal(await modeOf(file), 0o600);
    assert.equal(JSON.parse(await Deno.readTextFile(file)).email, "remote@example.com");
    // PKCE held: the pasted code was exchanged with this login's verifier.
    const exchange = oauth.requests.find((request) => request.fields.grant_type === "authorization_code");
    assert.ok(exchange?.fields.code_verifier);
    // The one-shot callback server is gone once the paste won.
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: callbackPort }));
  } finally {
    await login.finish().catch(() => {});
    await oauth.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("credentials login --no-browser with stdin at its end still completes through the callback server", async () => {
  const oauth = startFakeOAuth({ vendor: "openai" });
  const dataDir = await dataDirWith();
  const login = spawnLogin(
    ["credentials", "login", "openai_codex", "--no-browser", "--data-dir", dataDir],
    { OPENAI_CODEX_OAUTH_BASE: oauth.base, OPENAI_CODEX_OAUTH_PORT: "0" },
  );
  try {
    const [, authorizeUrl] = await login.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\S+)/);
    // Nothing to paste (no terminal): the input ends, and the callback (a forwarded port) decides.
    await login.closeInput();
    const authorize = await fetch(authorizeUrl, { redirect: "manual" });
    await authorize.body?.cancel();
    const callback = new URL(authorize.headers.get("location")!);
    callback.hostname = "127.0.0.1";
    const page = await fetch(callback);
    assert.equal(page.status, 200, await page.text());
    const result = await login.finish();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Signed in to openai_codex as user@example\.com/);
  } finally {
    await login.finish().catch(() => {});
    await oauth.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
