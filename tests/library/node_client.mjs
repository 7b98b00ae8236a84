// deno-lint-ignore-file no-console
/**
 * Run by `node` (tests/library/node_test.ts): the npm package, imported by its name from plain Node, against
 * the fake upstream at argv[2]. Prints one JSON line of findings; the Deno test judges them.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Imported by its package name, as a user's program would (resolved from ./node_modules by Node). A
// variable keeps `deno check tests` from resolving it: the package exists only in the test's project.
const PACKAGE = "llm-proxy";
const { RotatingClient, RotatingClientError } = await import(PACKAGE);

const base = process.argv[2];
const hello = [{ role: "user", content: "Hi" }];
const findings = {};

/** A clock that can jump forward (cooldowns expire without waiting); timers are real. */
let offsetMs = 0;
const clock = {
  now: () => Date.now() + offsetMs,
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle),
};

const store = await mkdtemp(join(tmpdir(), "rotating-client-"));
const client = new RotatingClient({
  apiKeys: {
    pool: ["sk-good-1111111111111", "sk-good-2222222222222"],
    failover: ["sk-refused-333333333333", "sk-good-4444444444444"],
    cooling: ["sk-limited-55555555555", "sk-good-6666666666666"],
  },
  apiBases: { pool: base, failover: base, cooling: base },
  settings: {
    ROTATION_TOLERANCE: "0",
    ROTATION_MODE_FAILOVER: "sequential",
    ROTATION_MODE_COOLING: "sequential",
  },
  store,
  clock,
});

const completion = await client.chat({ model: "pool/m", messages: hello });
findings.json = completion.choices[0].message.content;

let streamed = "";
for await (const chunk of await client.chat({ model: "pool/m", messages: hello, stream: true })) {
  streamed += chunk.choices[0]?.delta.content ?? "";
}
findings.stream = streamed;

await client.chat({ model: "pool/m", messages: hello });
await client.chat({ model: "pool/m", messages: hello });

findings.failover = (await client.chat({ model: "failover/m", messages: hello })).choices[0].message.content;

await client.chat({ model: "cooling/m", messages: hello });
await client.chat({ model: "cooling/m", messages: hello });
const stateOf = (report, provider, tail) => {
  const credential = report.providers[provider].credentials.find((entry) => entry.key.endsWith(tail));
  return { key: credential.state, model: credential.models.m?.state ?? "available" };
};
let report = await client.usage();
findings.refusedKey = stateOf(report, "failover", "3333").key;
findings.limitedKeyBefore = stateOf(report, "cooling", "5555").model;
offsetMs += 3_601_000;
report = await client.usage();
findings.limitedKeyAfter = stateOf(report, "cooling", "5555").model;

const message = await client.messages({ model: "pool/m", max_tokens: 50, messages: hello });
findings.messages = message.content[0].text;

try {
  await client.chat({ model: "pool/m", messages: [] });
} catch (error) {
  findings.badRequest = {
    instance: error instanceof RotatingClientError,
    status: error.status,
    param: error.param,
  };
}

findings.models = (await client.models()).map((model) => model.id).sort();
await client.close();
findings.saved = JSON.parse(await readFile(join(store, "usage_cooling.json"), "utf8")) !== null;

const capped = new RotatingClient({
  apiKeys: { broken: ["sk-broken-77777777777", "sk-broken-88888888888", "sk-broken-99999999999"] },
  apiBases: { broken: base },
  maxRetries: 1,
});
try {
  await capped.chat({ model: "broken/m", messages: hello });
} catch (error) {
  findings.capped = { status: error.status, code: error.code };
}
await capped.close();

// OAuth: an inline Gemini CLI account whose token expires within 5 minutes refreshes before the call
// (argv: the fake token server, the fake Code Assist backend, the account's tokens).
const [oauthBase, codeAssistBase, accessToken, refreshToken] = process.argv.slice(3);
const oauthClient = new RotatingClient({
  oauth: {
    gemini_cli: [{ accessToken, refreshToken, expiryDate: Date.now() + 60_000, projectId: "proj-node" }],
  },
  apiBases: { gemini_cli: codeAssistBase },
  settings: { GEMINI_CLI_OAUTH_BASE: oauthBase, SKIP_OAUTH_INIT_CHECK: "true" },
});
const oauthReply = await oauthClient.chat({ model: "gemini_cli/gemini-2.5-flash", messages: hello });
findings.oauth = oauthReply.choices[0].message.content;
await oauthClient.close();

console.log(JSON.stringify(findings));
// No process.exit(): the process must end by itself, with no timer or socket left open.
