/**
 * End to end: input meant to escape, forge or leak is refused or neutralised. Model ids never move a
 * request to another upstream path, never forge an access-log line and never grow the usage file; keys
 * an upstream echoes never reach the client.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { geminiHandler } from "../helpers/fake_gemini.ts";
import { jsonResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";

const GEMINI_KEY = "AIzaSy-test-gemini-key-0123456789";
const OPENAI_KEY = "sk-live-echoed-0123456789abcdefghij";

function chat(url: string, model: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

Deno.test("hostile model ids get a 400 and never reach another path on the upstream host", async () => {
  const gemini = startFakeUpstream(geminiHandler);
  const proxy = await startProxy({ env: { GEMINI_API_BASE: gemini.origin, GEMINI_API_KEY: GEMINI_KEY } });
  try {
    const refused = [
      "gemini/../../../evil",
      "gemini/%2e%2e/%2E%2E/evil",
      "gemini/x?key=stolen#",
      "gemini/x#frag",
      "gemini/a\r\nINFO forged line",
      "gemini/..\\..\\evil",
      `gemini/${"a".repeat(300)}`,
    ];
    for (const model of refused) {
      const response = await chat(proxy.url, model);
      const body = await response.json();
      assert.equal(response.status, 400, `${JSON.stringify(model)}: ${JSON.stringify(body)}`);
      assert.equal(body.error.param, "model");
      assert.equal(body.error.code, "invalid_model");
    }
    assert.equal(gemini.requests.filter((request) => request.method === "POST").length, 0);

    // Ids that are odd but harmless are sent, each as one encoded segment of the model's path.
    const response = await chat(proxy.url, "gemini/gemini:test/x y");
    await response.body?.cancel();
    const sent = gemini.requests.filter((request) => request.method === "POST").map((request) =>
      request.path
    );
    assert.deepEqual(sent, ["/v1beta/models/gemini%3Atest%2Fx%20y:generateContent"]);
  } finally {
    await proxy.stop();
    await gemini.close();
  }
});

Deno.test("a CR/LF model id cannot forge an access-log line", async () => {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: { MYLOCAL_API_BASE: upstream.baseUrl, MYLOCAL_API_KEY: "k-123456789" },
  });
  try {
    // Unknown provider: the id is valid in form, refused with a 404, and still logged.
    const forged = "nosuch/model\u001b[31m";
    const response = await chat(proxy.url, forged);
    await response.body?.cancel();
    assert.equal(response.status, 400);
    const crlf = await chat(proxy.url, "mylocal/x\r\n2026-01-01T00:00:00.000Z INFO  GET / 200 forged");
    await crlf.body?.cancel();
    assert.equal(crlf.status, 400);
    const lines = (await proxy.waitForOutput(/mylocal\/x\\r\\n2026-01-01/)).split("\n");
    assert.ok(!lines.some((line) => line.startsWith("2026-01-01T00:00:00.000Z")), proxy.output());
    assert.ok(lines.some((line) => line.includes("mylocal/x\\r\\n2026-01-01")), proxy.output());
    assert.ok(!proxy.output().includes("\u001b[31m"));
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("a key the upstream echoes in its error never reaches the client", async () => {
  // A 400 is relayed with the upstream's own message; a 401 on every key says so in the proxy's words.
  let status = 400;
  const upstream = startFakeUpstream((request) =>
    jsonResponse({
      error: {
        message: `Incorrect API key provided: ${request.headers.get("authorization")?.slice(7)}.`,
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    }, status)
  );
  const proxy = await startProxy({ env: { OPENAI_API_BASE: upstream.baseUrl, OPENAI_API_KEY: OPENAI_KEY } });
  const client = new OpenAI({ apiKey: TEST_PROXY_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  try {
    for (const stream of [false, true]) {
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "openai/gpt-test",
          stream,
          messages: [{ role: "user", content: "x" }],
        }),
      });
      const text = await response.text();
      assert.ok(response.status >= 400, text);
      assert.ok(!text.includes(OPENAI_KEY), text);
      assert.ok(!text.includes(OPENAI_KEY.slice(0, 20)), text);
    }
    const anthropic = await fetch(`${proxy.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
      body: JSON.stringify({
        model: "openai/gpt-test",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    const text = await anthropic.text();
    assert.ok(!text.includes(OPENAI_KEY), text);
    await assert.rejects(
      client.chat.completions.create({
        model: "openai/gpt-test",
        messages: [{ role: "user", content: "x" }],
      }),
      (error: unknown) => error instanceof OpenAI.APIError && !error.message.includes(OPENAI_KEY),
    );
    status = 401;
    const unauthorized = await chat(proxy.url, "openai/gpt-test");
    const unauthorizedText = await unauthorized.text();
    assert.equal(unauthorized.status, 502, unauthorizedText);
    assert.ok(!unauthorizedText.includes(OPENAI_KEY), unauthorizedText);
    assert.ok(!proxy.output().includes(OPENAI_KEY));
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("refused and unknown-provider models leave no trace in the usage file", async () => {
  const upstream = startFakeUpstream();
  const proxy = await startProxy({
    env: { MYLOCAL_API_BASE: upstream.baseUrl, MYLOCAL_API_KEY: "k-123456789" },
  });
  try {
    for (const model of [`mylocal/${"m".repeat(100_000)}`, "mylocal/../x", "nosuch/model"]) {
      const response = await chat(proxy.url, model);
      await response.body?.cancel();
      assert.ok(response.status === 400 || response.status === 404, `${response.status}`);
    }
    const ok = await chat(proxy.url, "mylocal/gpt-test");
    await ok.body?.cancel();
    assert.equal(ok.status, 200);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${proxy.dataDir}/usage`)) files.push(entry.name);
  let size = 0;
  for (const name of files) size += (await Deno.stat(`${proxy.dataDir}/usage/${name}`)).size;
  assert.ok(size < 20_000, `usage files hold ${size} bytes`);
  for (const name of files) {
    const text = await Deno.readTextFile(`${proxy.dataDir}/usage/${name}`);
    assert.ok(!text.includes("mmmmmmmmmm") && !text.includes("../x"), text.slice(0, 300));
  }
});

function deepSchema(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let level = 0; level < depth; level++) schema = { type: "object", properties: { a: schema } };
  return schema;
}

Deno.test("a 100,000-deep or 100-deep tool schema for Gemini is a 400 in the client's shape, never a 500", async () => {
  const gemini = startFakeUpstream(geminiHandler);
  const proxy = await startProxy({ env: { GEMINI_API_BASE: gemini.origin, GEMINI_API_KEY: GEMINI_KEY } });
  try {
    for (const depth of [100_000, 100]) {
      const openai = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gemini/gemini-test",
          messages: [{ role: "user", content: "hi" }],
          tools: [{ type: "function", function: { name: "deep", parameters: deepSchema(depth) } }],
        }),
      });
      const openaiBody = await openai.json();
      assert.equal(openai.status, 400, JSON.stringify(openaiBody).slice(0, 300));
      assert.equal(openaiBody.error.type, "invalid_request_error");

      const anthropic = await fetch(`${proxy.url}/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gemini/gemini-test",
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
          tools: [{ name: "deep", input_schema: deepSchema(depth) }],
        }),
      });
      const anthropicBody = await anthropic.json();
      assert.equal(anthropic.status, 400, JSON.stringify(anthropicBody).slice(0, 300));
      assert.equal(anthropicBody.type, "error");
      assert.equal(anthropicBody.error.type, "invalid_request_error");
    }
    assert.equal(gemini.requests.filter((request) => request.method === "POST").length, 0);
  } finally {
    await proxy.stop();
    await gemini.close();
  }
});

Deno.test("an upstream error body with line breaks stays on one log line", async () => {
  const upstream = startFakeUpstream(() =>
    new Response("bad request\r\n2026-01-01T00:00:00.000Z INFO  forged by the upstream", { status: 400 })
  );
  const proxy = await startProxy({
    env: { MYLOCAL_API_BASE: upstream.baseUrl, MYLOCAL_API_KEY: "k-123456789" },
  });
  try {
    const response = await chat(proxy.url, "mylocal/gpt-test");
    await response.body?.cancel();
    assert.equal(response.status, 400);
    const lines = (await proxy.waitForOutput(/POST \/v1\/chat\/completions mylocal\/gpt-test 400/)).split(
      "\n",
    );
    assert.ok(!lines.some((line) => line.startsWith("2026-01-01T00:00:00.000Z")), proxy.output());
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
