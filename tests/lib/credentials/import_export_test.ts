import assert from "node:assert/strict";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { importCredentials, importOnFirstStart } from "../../../lib/credentials/home_import.ts";
import { exportCredentials } from "../../../lib/credentials/export_credentials.ts";
import { readEnvCredentials } from "../../../lib/credentials/env_credentials.ts";
import { readCredentialFiles } from "../../../lib/credentials/file_store.ts";
import { createLogger } from "../../../lib/log/logger.ts";
import { fakeJwt } from "../../helpers/fake_oauth.ts";

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
}

const codexIdToken = (email: string, accountId: string) =>
  fakeJwt({
    email,
    "https://api.openai.com/auth": { chatgpt_account_id: accountId, chatgpt_plan_type: "pro" },
  });

async function fakeHome(): Promise<string> {
  const home = await Deno.makeTempDir();
  // openai/codex storage.rs AuthDotJson
  await writeJson(join(home, ".codex", "auth.json"), {
    OPENAI_API_KEY: null,
    tokens: {
      id_token: codexIdToken("dev@example.com", "ws-1"),
      access_token: fakeJwt({ exp: 1_900_000_000 }),
      refresh_token: "codex-refresh-token-1",
      account_id: "ws-1",
    },
    last_refresh: "2026-11-30T10:00:00Z",
  });
  // google-auth-library Credentials as gemini-cli writes them
  await writeJson(join(home, ".gemini", "oauth_creds.json"), {
    access_token: "ya29.gemini-access-token",
    refresh_token: "1//gemini-refresh-token",
    scope: "https://www.googleapis.com/auth/cloud-platform",
    token_type: "Bearer",
    id_token: fakeJwt({ email: "dev@example.com" }),
    expiry_date: 1_900_000_000_000,
  });
  // qwen-code QwenCredentials
  await writeJson(join(home, ".qwen", "oauth_creds.json"), {
    access_token: "qwen-access-token-abc",
    refresh_token: "qwen-refresh-token-abc",
    token_type: "Bearer",
    resource_url: "portal.qwen.ai",
    expiry_date: 1_900_000_000_000,
  });
  return home;
}

Deno.test("importCredentials() normalizes the Codex, Gemini CLI and Qwen home files into oauth_creds/", async () => {
  const home = await fakeHome();
  const dataDir = await Deno.makeTempDir();
  const imported = await importCredentials({ dataDir, home });
  assert.deepEqual(imported.map((entry) => [entry.provider, entry.account, entry.replaced]), [
    ["openai_codex", "dev@example.com (ws-1)", false],
    ["gemini_cli", "dev@example.com", false],
    ["qwen_code", imported[2].account, false],
  ]);
  const files = await readCredentialFiles(dataDir);
  const codex = files.find((file) => file.credential.provider === "openai_codex")!;
  assert.equal(codex.credential.account_id, "ws-1");
  assert.equal(codex.credential.tier, "pro");
  assert.equal(codex.credential.expiry_date, 1_900_000_000_000);
  assert.match(codex.path, /openai_codex_oauth_1\.json$/);
  const qwen = files.find((file) => file.credential.provider === "qwen_code")!;
  assert.equal(qwen.credential.resource_url, "portal.qwen.ai");
  for (const file of files) assert.equal((await Deno.stat(file.path)).mode! & 0o777, 0o600);
  await Deno.remove(home, { recursive: true });
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("importCredentials() twice: the same account replaces its file with one warning", async () => {
  const home = await fakeHome();
  const dataDir = await Deno.makeTempDir();
  const warnings: string[] = [];
  const logger = createLogger("warn", (_level, line) => warnings.push(line));
  await importCredentials({ dataDir, home, provider: "gemini_cli", logger });
  await writeJson(join(home, ".gemini", "oauth_creds.json"), {
    access_token: "ya29.gemini-access-token-2",
    refresh_token: "1//gemini-refresh-token-2",
    id_token: fakeJwt({ email: "dev@example.com" }),
    expiry_date: 1_900_000_000_000,
  });
  const [again] = await importCredentials({ dataDir, home, provider: "gemini_cli", logger });
  assert.equal(again.replaced, true);
  const files = await readCredentialFiles(dataDir);
  assert.equal(files.length, 1);
  assert.equal(files[0].credential.access_token, "ya29.gemini-access-token-2");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /dev@example\.com was already stored/);
  await Deno.remove(home, { recursive: true });
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("exportCredentials() prints a .env block that reads back as the same credentials", async () => {
  const home = await fakeHome();
  const dataDir = await Deno.makeTempDir();
  await importCredentials({ dataDir, home });
  const block = await exportCredentials("openai_codex", {
    dataDir,
    env: { OPENAI_CODEX_ACCESS_TOKEN: "env-access-token-2", OPENAI_CODEX_EMAIL: "other@example.com" },
  });
  assert.match(block, /^# openai_codex: dev@example\.com$/m);
  assert.match(block, /^OPENAI_CODEX_1_REFRESH_TOKEN=codex-refresh-token-1$/m);
  assert.match(block, /^OPENAI_CODEX_2_ACCESS_TOKEN=env-access-token-2$/m);
  const env = parseEnv(block) as Record<string, string>;
  const [file] = await readCredentialFiles(dataDir, { provider: "openai_codex" });
  const [fromEnv, second] = readEnvCredentials(env);
  assert.equal(second.credential.email, "other@example.com");
  for (
    const field of [
      "account",
      "access_token",
      "refresh_token",
      "id_token",
      "account_id",
      "expiry_date",
      "tier",
    ] as const
  ) {
    assert.equal(fromEnv.credential[field], file.credential[field], field);
  }
  assert.equal(await exportCredentials("antigravity", { dataDir }), "");
  await Deno.remove(home, { recursive: true });
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("importOnFirstStart() imports only while oauth_creds/ does not exist", async () => {
  const home = await fakeHome();
  const dataDir = await Deno.makeTempDir();
  assert.equal((await importOnFirstStart({ dataDir, home })).length, 3);
  await Deno.remove(join(dataDir, "oauth_creds", "qwen_code_oauth_1.json"));
  assert.equal((await importOnFirstStart({ dataDir, home })).length, 0, "a removed account stays removed");
  assert.equal((await readCredentialFiles(dataDir)).length, 2);
  await Deno.remove(home, { recursive: true });
  await Deno.remove(dataDir, { recursive: true });
});
