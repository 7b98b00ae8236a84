/** `proxy catalog update` end to end: a catalog fetched from a server on 127.0.0.1 is saved, a bad one is not. */
import assert from "node:assert/strict";
import { dataDirWith, runCli } from "./cli_process.ts";

const CATALOG = {
  openai: {
    id: "openai",
    models: {
      "gpt-4o": { id: "gpt-4o", cost: { input: 2.5, output: 10 }, limit: { context: 128000, output: 16384 } },
    },
  },
};

Deno.test("proxy catalog update saves the fetched catalog; a failed fetch exits 1 and keeps the old one", async () => {
  let answer = () => Response.json(CATALOG);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => answer());
  const dataDir = await dataDirWith("PROXY_API_KEY=sk-proxy-catalog-000001\n");
  try {
    const url = `http://127.0.0.1:${server.addr.port}/api.json`;
    const saved = await runCli(["catalog", "update", "--url", url, "--data-dir", dataDir]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stdout, /Saved 1 models of 1 providers/);
    const written = JSON.parse(await Deno.readTextFile(`${dataDir}/catalog/models.json`));
    assert.ok(JSON.stringify(written).includes("gpt-4o"));
    answer = () => new Response("down", { status: 503 });
    const failed = await runCli(["catalog", "update", "--url", url, "--data-dir", dataDir]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /catalog update failed, the old catalog stays: .*503/);
    assert.ok(
      JSON.stringify(JSON.parse(await Deno.readTextFile(`${dataDir}/catalog/models.json`))).includes(
        "gpt-4o",
      ),
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
});
