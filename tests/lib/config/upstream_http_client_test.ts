import assert from "node:assert/strict";
import { loadConfig } from "../../../lib/config/load.ts";
import { ConfigError } from "../../../lib/errors.ts";

async function load(env: Record<string, string>, envFile = "") {
  const cwd = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${cwd}/.env`, envFile);
    return (await loadConfig({}, { cwd, env: { PROXY_API_KEY: "k", ...env } })).config;
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test("loadConfig() reads UPSTREAM_HTTP_CLIENT, native by default", async () => {
  assert.equal((await load({})).upstreamHttpClient, "native");
  assert.equal((await load({ UPSTREAM_HTTP_CLIENT: "fetch" })).upstreamHttpClient, "fetch");
  assert.equal((await load({}, "UPSTREAM_HTTP_CLIENT=Fetch\n")).upstreamHttpClient, "fetch");
  await assert.rejects(load({ UPSTREAM_HTTP_CLIENT: "curl" }), (error: ConfigError) => {
    assert.match(error.message, /UPSTREAM_HTTP_CLIENT.*native or fetch/);
    return true;
  });
});

Deno.test("loadConfig() sends through fetch when the process environment names an outbound proxy", async () => {
  for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"]) {
    const config = await load({ [name]: "http://127.0.0.1:3128", UPSTREAM_HTTP_CLIENT: "native" });
    assert.equal(config.upstreamHttpClient, "fetch", name);
  }
  // Deno's fetch reads proxies from the process environment only: a `.env` entry changes nothing.
  assert.equal((await load({}, "HTTPS_PROXY=http://127.0.0.1:3128\n")).upstreamHttpClient, "native");
});
