import assert from "node:assert/strict";
import { Hono } from "hono";
import { RequestError } from "../../../../lib/errors.ts";
import { clientAuth } from "../../../../lib/server/middleware/auth.ts";

const KEY = "sk-proxy-auth-test-000000";

function app(): Hono {
  const app = new Hono();
  app.use("/v1beta/*", clientAuth({ apiKey: KEY }));
  app.get("/v1beta/models", (c) => c.text("ok"));
  app.onError((error, c) => c.text(error.message, error instanceof RequestError ? error.status as 401 : 500));
  return app;
}

Deno.test("clientAuth() accepts the key as Google's clients send it: x-goog-api-key or ?key=", async () => {
  assert.equal((await app().request("/v1beta/models", { headers: { "x-goog-api-key": KEY } })).status, 200);
  assert.equal((await app().request(`/v1beta/models?key=${KEY}`)).status, 200);
  assert.equal(
    (await app().request("/v1beta/models", { headers: { authorization: `Bearer ${KEY}` } })).status,
    200,
  );
  assert.equal((await app().request("/v1beta/models", { headers: { "x-api-key": KEY } })).status, 200);
});

Deno.test("clientAuth() refuses a wrong or missing key in any of the four places", async () => {
  assert.equal(
    (await app().request("/v1beta/models", { headers: { "x-goog-api-key": "nope" } })).status,
    401,
  );
  assert.equal((await app().request("/v1beta/models?key=nope")).status, 401);
  const missing = await app().request("/v1beta/models");
  assert.equal(missing.status, 401);
  assert.match(await missing.text(), /x-goog-api-key/);
});
