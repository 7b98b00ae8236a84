/** End to end: browsers can call `/v1/*` (CORS), preflights need no key, and the allowed origins are configurable. */
import assert from "node:assert/strict";
import { startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const PREFLIGHT = {
  method: "OPTIONS",
  headers: {
    origin: "https://chat.example.com",
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type, x-stainless-os",
  },
};

Deno.test("a CORS preflight is answered without the key; answers and errors carry the CORS headers", async () => {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: { MYLOCAL_API_BASE: upstream.baseUrl, MYLOCAL_API_KEY: "k-123456789" },
  });
  try {
    const preflight = await fetch(`${proxy.url}/v1/chat/completions`, PREFLIGHT);
    await preflight.body?.cancel();
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(
      preflight.headers.get("access-control-allow-headers"),
      "authorization,content-type,x-stainless-os",
    );

    const answer = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        origin: "https://chat.example.com",
        authorization: `Bearer ${TEST_PROXY_KEY}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: "mylocal/gpt-test", messages: [{ role: "user", content: "x" }] }),
    });
    await answer.body?.cancel();
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("access-control-allow-origin"), "*");
    assert.match(answer.headers.get("access-control-expose-headers") ?? "", /x-proxy-request-id/);

    // A browser must be able to read why it was refused.
    const refused = await fetch(`${proxy.url}/v1/models`, {
      headers: { origin: "https://chat.example.com" },
    });
    await refused.body?.cancel();
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get("access-control-allow-origin"), "*");
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("CORS_ALLOWED_ORIGINS limits the origins that get CORS headers", async () => {
  const proxy = await startProxy({
    env: { CORS_ALLOWED_ORIGINS: "https://chat.example.com, http://localhost:3000/" },
  });
  try {
    const allowed = await fetch(`${proxy.url}/v1/models`, {
      ...PREFLIGHT,
      headers: { ...PREFLIGHT.headers, origin: "http://localhost:3000" },
    });
    await allowed.body?.cancel();
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
    const other = await fetch(`${proxy.url}/v1/models`, {
      ...PREFLIGHT,
      headers: { ...PREFLIGHT.headers, origin: "https://evil.example" },
    });
    await other.body?.cancel();
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  } finally {
    await proxy.stop();
  }
});
