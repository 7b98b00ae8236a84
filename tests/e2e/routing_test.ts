/** End to end: model filters and aliases with fallback, through the real server. */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

Deno.test("filters hide models from /v1/models and requests; an alias falls back to its next target", async () => {
  const primary = startFakeUpstream(() => jsonResponse({ error: { message: "overloaded" } }, 503));
  const backup = startFakeUpstream();
  const proxy = await startProxy({
    env: {
      PRIMARY_API_BASE: primary.baseUrl,
      PRIMARY_API_KEY: "sk-primary-aaaaaaaaaaaa",
      BACKUP_API_BASE: backup.baseUrl,
      BACKUP_API_KEY: "sk-backup-bbbbbbbbbbbb",
      IGNORE_MODELS_BACKUP: "vendor/*",
      MODEL_ALIAS_SMART: "primary/big-model,backup/gpt-test",
    },
  });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes("backup/gpt-test"));
    assert.ok(!ids.includes("backup/vendor/nested-model"), "an ignored model is listed");
    assert.ok(ids.includes("smart"), "the alias is listed");

    await assert.rejects(
      client.chat.completions.create({
        model: "backup/vendor/nested-model",
        messages: [{ role: "user", content: "x" }],
      }),
      (error: unknown) => error instanceof OpenAI.NotFoundError && /filtered/.test(error.message),
    );

    const reply = await client.chat.completions.create({
      model: "smart",
      messages: [{ role: "user", content: "x" }],
    });
    assert.equal(reply.choices[0].message.content, "Hello, world");
    assert.equal(primary.requests.filter((request) => request.path.endsWith("/chat/completions")).length, 1);
    assert.equal(backup.requests.at(-1)?.json?.model, "gpt-test");
    await proxy.waitForOutput(/served by backup\/gpt-test/);
  } finally {
    await proxy.stop();
    await primary.close();
    await backup.close();
  }
});
