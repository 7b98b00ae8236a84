/**
 * The npm package from plain Node: `deno task build:npm` builds it, a temporary project installs it under
 * `node_modules/llm-proxy`, and `node` runs tests/library/node_client.mjs against a fake upstream on
 * 127.0.0.1: rotation, failover, cooldown, streams, Anthropic Messages, errors, persistence, and a process
 * that exits by itself after `close()`.
 */
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  defaultOpenAIHandler,
  jsonResponse,
  type RecordedRequest,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { startFakeOAuth } from "../helpers/fake_oauth.ts";
import { startFakeCodeAssist } from "../helpers/fake_oauth_code_assist.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Answers by key: refused and limited keys fail, broken ones 500, the rest answer like OpenAI. */
function byKey(request: RecordedRequest): Response {
  const key = request.headers.get("authorization") ?? "";
  if (!request.path.endsWith("/chat/completions")) return defaultOpenAIHandler(request);
  if (key.includes("refused")) return jsonResponse({ error: { message: "invalid key" } }, 401);
  if (key.includes("limited")) {
    return jsonResponse({ error: { message: "slow down" } }, 429, { "retry-after": "3600" });
  }
  if (key.includes("broken")) return jsonResponse({ error: { message: "boom" } }, 500);
  return defaultOpenAIHandler(request);
}

async function run(command: string, args: string[], options: { cwd: string }) {
  const output = await new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task build:npm builds a package that types check and plain Node runs", async (t) => {
  const build = await run("deno", ["task", "build:npm"], { cwd: ROOT });
  assert.equal(build.code, 0, build.stderr);
  await t.step("its declarations type-check a TypeScript consumer", checkDeclarations);
  await t.step("Node: rotation, failover, cooldown, streams, errors, persistence, exit", runInNode);
});

async function checkDeclarations() {
  const folder = await mkdtemp(join(tmpdir(), "rotating-client-types-"));
  const dist = pathToFileURL(join(ROOT, "dist", "npm")).href;
  const consumer = join(folder, "consumer.ts");
  await Deno.writeTextFile(
    consumer,
    `// @ts-types="${dist}/mod.d.ts"
import { type ChatCompletion, RotatingClient, RotatingClientError } from "${dist}/mod.js";
const client = new RotatingClient({ apiKeys: { openai: ["k"] }, maxRetries: 2, store: "./usage" });
const reply: ChatCompletion = await client.chat({ model: "openai/m", messages: [] });
const content: string | null = reply.choices[0].message.content;
for await (const chunk of await client.chat({ model: "openai/m", messages: [], stream: true })) chunk.choices;
// @ts-expect-error: a stream is not a completion
const wrong: ChatCompletion = await client.chat({ model: "openai/m", messages: [], stream: true });
export { content, RotatingClientError, wrong };
`,
  );
  try {
    const check = await run("deno", ["check", "--no-config", consumer], { cwd: folder });
    assert.equal(check.code, 0, check.stderr);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function runInNode() {
  const project = await mkdtemp(join(tmpdir(), "rotating-client-node-"));
  const upstream = startFakeUpstream(byKey);
  const oauth = startFakeOAuth({ vendor: "google" });
  const codeAssist = startFakeCodeAssist({ isValidToken: (token) => oauth.validAccessTokens.has(token) });
  const expiring = oauth.issue();
  try {
    await mkdir(join(project, "node_modules"), { recursive: true });
    await cp(join(ROOT, "dist", "npm"), join(project, "node_modules", "llm-proxy"), { recursive: true });
    await cp(join(ROOT, "tests", "library", "node_client.mjs"), join(project, "client.mjs"));

    const started = Date.now();
    const node = await run("node", [
      "client.mjs",
      upstream.baseUrl,
      oauth.base,
      codeAssist.base,
      expiring.access_token,
      expiring.refresh_token,
    ], { cwd: project });
    assert.equal(node.code, 0, node.stderr);
    // close() left nothing running: the process ended by itself, well before any timeout.
    assert.ok(Date.now() - started < 20_000, `node ran ${Date.now() - started} ms`);
    const findings = JSON.parse(node.stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(findings, {
      json: "Hello, world",
      stream: "Hello, world",
      failover: "Hello, world",
      refusedKey: "disabled",
      limitedKeyBefore: "cooling",
      limitedKeyAfter: "available",
      messages: "Hello, world",
      badRequest: { instance: true, status: 400, param: "messages" },
      models: [
        "cooling/gpt-test",
        "cooling/vendor/nested-model",
        "failover/gpt-test",
        "failover/vendor/nested-model",
        "pool/gpt-test",
        "pool/vendor/nested-model",
      ],
      saved: true,
      capped: { status: 502, code: "upstream_error" },
      oauth: "Hello",
    });
    // The expiring OAuth token was refreshed once, before the call, which used the new token.
    assert.equal(oauth.refreshCount(), 1);
    const generate = codeAssist.requests.filter((request) => request.path.includes("generateContent"));
    assert.equal(generate.length, 1);
    assert.notEqual(generate[0].headers.get("authorization"), `Bearer ${expiring.access_token}`);

    // Which keys served: the pool's two take turns (five calls), the refused and the limited key were each
    // tried once, then their partners served.
    const keys = upstream.requests
      .filter((request) => request.path.endsWith("/chat/completions"))
      .map((request) => request.headers.get("authorization")!.slice(-4));
    const count = (tail: string) => keys.filter((key) => key === tail).length;
    assert.equal(count("1111") + count("2222"), 5, keys.join(" "));
    assert.ok(Math.abs(count("1111") - count("2222")) === 1, keys.join(" "));
    assert.equal(count("3333"), 1);
    assert.equal(count("5555"), 1);
    assert.equal(count("6666"), 2);
    // maxRetries: 1 → two attempts on the broken pool, not three.
    assert.equal(keys.filter((key) => ["7777", "8888", "9999"].includes(key)).length, 2);
  } finally {
    await upstream.close();
    await codeAssist.close();
    await oauth.close();
    await rm(project, { recursive: true, force: true });
  }
}
