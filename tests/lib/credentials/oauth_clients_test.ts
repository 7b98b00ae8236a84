import assert from "node:assert/strict";
import { OPENAI_CODEX_CLIENT, redirectVendorUrl } from "../../../lib/credentials/oauth_clients.ts";

Deno.test("redirectVendorUrl() replaces scheme, host and port, adds the base's path, keeps the vendor's path", () => {
  assert.equal(
    redirectVendorUrl(OPENAI_CODEX_CLIENT.tokenUrl, "http://127.0.0.1:9000/openai"),
    "http://127.0.0.1:9000/openai/oauth/token",
  );
  assert.equal(
    redirectVendorUrl("https://www.googleapis.com/oauth2/v1/userinfo?alt=json", "http://127.0.0.1:9001/"),
    "http://127.0.0.1:9001/oauth2/v1/userinfo?alt=json",
  );
  assert.equal(
    redirectVendorUrl(OPENAI_CODEX_CLIENT.tokenUrl, undefined),
    "https://auth.openai.com/oauth/token",
  );
});
