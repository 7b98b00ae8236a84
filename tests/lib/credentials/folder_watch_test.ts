import assert from "node:assert/strict";
import { watchCredentialsFolder } from "../../../lib/credentials/folder_watch.ts";
import { saveCredential } from "../../../lib/credentials/file_store.ts";
import { OAuthAccounts } from "../../../lib/credentials/oauth_accounts.ts";

Deno.test("watchCredentialsFolder() reloads the accounts once after a login writes a file", async () => {
  const dataDir = await Deno.makeTempDir();
  const accounts = new OAuthAccounts({ dataDir });
  await accounts.load();
  let reloads = 0;
  let arrived!: () => void;
  const changed = new Promise<void>((resolve) => arrived = resolve);
  const watch = await watchCredentialsFolder(dataDir, {
    debounceMs: 20,
    onChange: async () => {
      reloads++;
      await accounts.reload();
      if (accounts.credentials().length > 0) arrived();
    },
  });
  await saveCredential(dataDir, {
    provider: "qwen_code",
    account: "q",
    access_token: "qwen-token-123",
    expiry_date: null,
  });
  await changed;
  watch.close();
  assert.equal(accounts.credentials()[0].account, "q");
  assert.ok(reloads >= 1 && reloads <= 2, `${reloads} reloads`);
  await Deno.remove(dataDir, { recursive: true });
});
