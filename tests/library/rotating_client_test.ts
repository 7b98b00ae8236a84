/**
 * `RotatingClient` in Deno against fake upstreams on 127.0.0.1: the server's rotation, failover and
 * cooldowns, its validation and error shapes, streams as async iterables, usage and persistence.
 */
import assert from "node:assert/strict";
import { RotatingClient, RotatingClientError } from "../../mod.ts";
import {
  chatCompletion,
  chatCompletionChunks,
  defaultOpenAIHandler,
  jsonResponse,
  type RecordedRequest,
  sseResponse,
  startFakeUpstream,
} from "../helpers/fake_upstream.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { eventually } from "../helpers/wait.ts";

const KEY_A = "sk-lib-aaaaaaaaaaaaaaaa-A";
const KEY_B = "sk-lib-bbbbbbbbbbbbbbbb-B";
const KEY_C = "sk-lib-cccccccccccccccc-C";

const keyOf = (request: RecordedRequest) => request.headers.get("authorization")?.replace("Bearer ", "");
const chatRequests = (requests: RecordedRequest[]) =>
  requests.filter((request) => request.path.endsWith("/chat/completions"));
const hello = { messages: [{ role: "user", content: "Hi" }] };

/** The state of the credential with `secret`'s tail in a usage report. */
function stateOf(report: { providers: Record<string, unknown> }, provider: string, secret: string) {
  const pool = report.providers[provider] as { credentials: Array<Record<string, unknown>> };
  const credential = pool.credentials.find((entry) => String(entry.key).endsWith(secret.slice(-4)))!;
  const models = credential.models as Record<string, { state: string }>;
  return { key: credential.state as string, model: models.m?.state ?? "available", credential };
}

Deno.test("RotatingClient.chat() answers JSON and streams from a custom OpenAI-compatible provider", async () => {
  const upstream = startFakeUpstream();
  const client = new RotatingClient({ apiKeys: { mylocal: KEY_A }, apiBases: { mylocal: upstream.baseUrl } });
  try {
    const completion = await client.chat({ model: "mylocal/m", ...hello });
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.choices[0].message.content, "Hello, world");
    assert.equal(upstream.requests[0].json?.model, "m");
    assert.equal(keyOf(upstream.requests[0]), KEY_A);

    const chunks = [];
    for await (const chunk of await client.chat({ model: "mylocal/m", ...hello, stream: true })) {
      chunks.push(chunk);
    }
    assert.equal(chunks.every((chunk) => chunk.object === "chat.completion.chunk"), true);
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""), "Hello, world");
    assert.equal(chunks.at(-1)?.choices[0].finish_reason, "stop");
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient.chat() spreads calls over a pool's keys", async () => {
  const upstream = startFakeUpstream();
  const client = new RotatingClient({
    apiKeys: { mylocal: [KEY_A, KEY_B] },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { ROTATION_TOLERANCE: "0" },
  });
  try {
    for (let call = 0; call < 4; call++) await client.chat({ model: "mylocal/m", ...hello });
    const used = chatRequests(upstream.requests).map(keyOf);
    assert.deepEqual(used.filter((key) => key === KEY_A).length, 2, `keys used: ${used.join(", ")}`);
    assert.deepEqual(used.filter((key) => key === KEY_B).length, 2);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient fails over from a refused key, disables it, and reports it in usage()", async () => {
  const upstream = startFakeUpstream((request) =>
    keyOf(request) === KEY_A
      ? jsonResponse({ error: { message: "invalid api key", type: "invalid_request_error" } }, 401)
      : defaultOpenAIHandler(request)
  );
  const client = new RotatingClient({
    apiKeys: { mylocal: [KEY_A, KEY_B] },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { ROTATION_MODE_MYLOCAL: "sequential" },
  });
  try {
    const completion = await client.chat({ model: "mylocal/m", ...hello });
    assert.equal(completion.choices[0].message.content, "Hello, world");
    assert.deepEqual(chatRequests(upstream.requests).map(keyOf), [KEY_A, KEY_B]);
    await client.chat({ model: "mylocal/m", ...hello });
    assert.deepEqual(chatRequests(upstream.requests).map(keyOf), [KEY_A, KEY_B, KEY_B]);
    const report = await client.usage({ provider: "mylocal" });
    assert.equal(report.object, "quota_stats");
    assert.equal(stateOf(report, "mylocal", KEY_A).key, "disabled");
    assert.equal(stateOf(report, "mylocal", KEY_B).key, "available");
    // Keys are masked in the report.
    assert.equal(JSON.stringify(report).includes(KEY_A), false);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient cools a rate-limited key until the time the upstream named (injected clock)", async () => {
  const clock = new FakeClock(Date.now());
  const upstream = startFakeUpstream((request) =>
    keyOf(request) === KEY_A && request.path.endsWith("/chat/completions") && limited
      ? jsonResponse({ error: { message: "slow down", type: "rate_limit_error" } }, 429, {
        "retry-after": "60",
      })
      : defaultOpenAIHandler(request)
  );
  let limited = true;
  const client = new RotatingClient({
    apiKeys: { mylocal: [KEY_A, KEY_B] },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { ROTATION_MODE_MYLOCAL: "sequential" },
    clock,
  });
  try {
    await client.chat({ model: "mylocal/m", ...hello });
    await client.chat({ model: "mylocal/m", ...hello });
    // A was tried once, then rested: B served both calls.
    assert.deepEqual(chatRequests(upstream.requests).map(keyOf), [KEY_A, KEY_B, KEY_B]);
    assert.equal(stateOf(await client.usage(), "mylocal", KEY_A).model, "cooling");

    limited = false;
    await clock.advance(61_000);
    assert.equal(stateOf(await client.usage(), "mylocal", KEY_A).model, "available");
    await client.chat({ model: "mylocal/m", ...hello });
    // Sequential mode goes back to the first key once it is usable again.
    assert.equal(keyOf(chatRequests(upstream.requests).at(-1)!), KEY_A);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient throws RotatingClientError with the server's status, type, code and param", async () => {
  const upstream = startFakeUpstream(() =>
    jsonResponse({ error: { message: "slow down", type: "rate_limit_error" } }, 429, {
      "retry-after": "3600",
    })
  );
  const client = new RotatingClient({
    apiKeys: { mylocal: [KEY_A, KEY_B] },
    apiBases: { mylocal: upstream.baseUrl },
  });
  const rejects = (call: Promise<unknown>, expected: Partial<RotatingClientError>) =>
    assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof RotatingClientError, String(error));
      for (const [field, value] of Object.entries(expected)) {
        assert.deepEqual(error[field as keyof RotatingClientError], value, `${field}: ${error.message}`);
      }
      return true;
    });
  try {
    await rejects(client.chat({ model: "mylocal/m", messages: [] }), {
      status: 400,
      type: "invalid_request_error",
      param: "messages",
    });
    await rejects(client.chat({ model: "nowhere/m", ...hello }), { status: 404 });
    // Both keys answer 429: both rest, and the call says when to come back.
    await rejects(client.chat({ model: "mylocal/m", ...hello }), {
      status: 429,
      type: "rate_limit_error",
      retryAfterSeconds: 3600,
    });
    // The Messages method speaks Anthropic's errors.
    await rejects(client.messages({ model: "mylocal/m", max_tokens: 10, messages: [] }), {
      status: 400,
      type: "invalid_request_error",
    });
    await rejects(client.messages({ model: "mylocal/m", max_tokens: 10, ...hello }), {
      status: 429,
      type: "rate_limit_error",
    });
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient stops after maxRetries attempts and names what it tried", async () => {
  const upstream = startFakeUpstream(() =>
    jsonResponse({ error: { message: "boom", type: "server_error" } }, 500)
  );
  const client = new RotatingClient({
    apiKeys: { mylocal: [KEY_A, KEY_B, KEY_C] },
    apiBases: { mylocal: upstream.baseUrl },
    maxRetries: 1,
  });
  try {
    await assert.rejects(client.chat({ model: "mylocal/m", ...hello }), (error: unknown) => {
      assert.ok(error instanceof RotatingClientError);
      assert.equal(error.status, 502);
      assert.equal(error.code, "upstream_error");
      assert.match(error.message, /2× server_error 500/);
      return true;
    });
    assert.equal(chatRequests(upstream.requests).length, 2);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient.messages() translates for an OpenAI-compatible provider, JSON and stream", async () => {
  const upstream = startFakeUpstream();
  const client = new RotatingClient({ apiKeys: { mylocal: KEY_A }, apiBases: { mylocal: upstream.baseUrl } });
  try {
    const message = await client.messages({ model: "mylocal/m", max_tokens: 100, ...hello });
    assert.equal(message.type, "message");
    assert.deepEqual(message.content, [{ type: "text", text: "Hello, world" }]);
    assert.equal(message.stop_reason, "end_turn");

    const events = [];
    for await (
      const event of await client.messages({ model: "mylocal/m", max_tokens: 100, ...hello, stream: true })
    ) {
      events.push(event);
    }
    assert.equal(events[0].type, "message_start");
    assert.equal(events.at(-1)?.type, "message_stop");
    const text = events
      .filter((event) => event.type === "content_block_delta")
      .map((event) => (event.delta as { text: string }).text)
      .join("");
    assert.equal(text, "Hello, world");
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient.embeddings() and models() go through the rotator", async () => {
  const upstream = startFakeUpstream((request) =>
    request.path.endsWith("/embeddings")
      ? jsonResponse({
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: [0.5, 0.25] }],
        model: "e",
        usage: { prompt_tokens: 1, total_tokens: 1 },
      })
      : defaultOpenAIHandler(request)
  );
  const client = new RotatingClient({
    apiKeys: { mylocal: KEY_A },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { MODEL_ALIAS_SMART: "mylocal/gpt-test" },
  });
  try {
    const embeddings = await client.embeddings({ model: "mylocal/e", input: "text" });
    assert.deepEqual(embeddings.data[0].embedding, [0.5, 0.25]);
    const ids = (await client.models()).map((model) => model.id);
    assert.deepEqual(ids, ["mylocal/gpt-test", "mylocal/vendor/nested-model", "smart"]);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient streams: a stream that breaks after output throws with afterOutput", async () => {
  const pieces = chatCompletionChunks("m", ["one", "two", "three"]);
  // Two events, then silence past TIMEOUT_READ_STREAMING: the client has seen output, nothing is replayed.
  const broken = () => {
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent < 2) controller.enqueue(encoder.encode(pieces[sent++]));
        // Then nothing: the pull never resolves until the proxy hangs up.
        else return new Promise(() => {});
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  };
  const upstream = startFakeUpstream(broken);
  const client = new RotatingClient({
    apiKeys: { mylocal: KEY_A },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { TIMEOUT_READ_STREAMING: "0.2" },
  });
  try {
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of await client.chat({ model: "mylocal/m", ...hello, stream: true })) {
        seen.push(chunk.choices[0]?.delta.content ?? "");
      }
    }, (error: unknown) => error instanceof RotatingClientError && error.afterOutput && error.status === 502);
    assert.deepEqual(seen, ["", "one"]);
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient streams: leaving the loop early cancels the call and frees the key", async () => {
  const upstream = startFakeUpstream(() =>
    sseResponse(chatCompletionChunks("m", ["one", "two", "three"]), 5)
  );
  const client = new RotatingClient({ apiKeys: { mylocal: KEY_A }, apiBases: { mylocal: upstream.baseUrl } });
  try {
    for await (const chunk of await client.chat({ model: "mylocal/m", ...hello, stream: true })) {
      if (chunk.choices[0]?.delta.content === "one") break;
    }
    await eventually(async () => {
      const { credential } = stateOf(await client.usage(), "mylocal", KEY_A);
      return Object.values(credential.in_flight as Record<string, number>).every((count) => count === 0)
        ? true
        : undefined;
    }, { what: "the key's slot is freed" });
    // Cancelled by the client, not the key's failure: it stays available.
    assert.equal(stateOf(await client.usage(), "mylocal", KEY_A).model, "available");
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient with a store folder keeps cooldowns and usage across clients", async () => {
  const folder = await Deno.makeTempDir();
  const upstream = startFakeUpstream((request) =>
    keyOf(request) === KEY_A
      ? jsonResponse({ error: { message: "slow down" } }, 429, { "retry-after": "3600" })
      : jsonResponse(chatCompletion("m", "fine"))
  );
  const options = {
    apiKeys: { mylocal: [KEY_A, KEY_B] },
    apiBases: { mylocal: upstream.baseUrl },
    settings: { ROTATION_MODE_MYLOCAL: "sequential" },
    store: folder,
  };
  try {
    const first = new RotatingClient(options);
    await first.chat({ model: "mylocal/m", ...hello });
    await first.close();
    const saved = await Deno.readTextFile(`${folder}/usage_mylocal.json`);
    assert.equal(saved.includes(KEY_A), false, "no key in plain text");
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(`${folder}/usage_mylocal.json`)).mode! & 0o777, 0o600);
    }

    const second = new RotatingClient(options);
    try {
      await second.chat({ model: "mylocal/m", ...hello });
      // The restored cooldown keeps A resting: the second client went straight to B.
      assert.deepEqual(chatRequests(upstream.requests).map(keyOf), [KEY_A, KEY_B, KEY_B]);
      const b = stateOf(await second.usage(), "mylocal", KEY_B).credential;
      assert.equal((b.totals as { requests: number }).requests, 2);
    } finally {
      await second.close();
    }
  } finally {
    await upstream.close();
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("new RotatingClient() refuses bad options, naming the option", () => {
  const refuses = (options: ConstructorParameters<typeof RotatingClient>[0], param: string) =>
    assert.throws(() => new RotatingClient(options), (error: unknown) => {
      assert.ok(error instanceof RotatingClientError, String(error));
      assert.equal(error.code, "invalid_option");
      assert.equal(error.param, param);
      return true;
    });
  refuses({ apiKeys: { openai: "sk-x" }, globalTimeout: -1 }, "globalTimeout");
  refuses({ apiKeys: { openai: "sk-x" }, maxRetries: 1.5 }, "maxRetries");
  refuses({ apiKeys: { mylocal: "k" }, apiBases: { mylocal: "ftp://example" } }, "apiBases.mylocal");
  refuses({ apiKeys: { "my-local": "k" } }, "apiKeys.my-local");
  refuses(
    { apiKeys: { openai: "k" }, settings: { ROTATION_MODE_OPENAI: "random" } },
    "settings.ROTATION_MODE_OPENAI",
  );
  refuses(
    { apiKeys: { openai: "k" }, settings: { STATE_STORE: "redis://127.0.0.1:6379" } },
    "settings.STATE_STORE",
  );
});

Deno.test("RotatingClient.close() makes later calls throw and is idempotent", async () => {
  const client = new RotatingClient({ apiKeys: { openai: "sk-never-used-0000" } });
  await client.close();
  await client.close();
  await assert.rejects(client.models(), RotatingClientError);
});

Deno.test("RotatingClient logs only through onLog, with keys masked", async () => {
  const upstream = startFakeUpstream(() =>
    jsonResponse({ error: { message: `invalid api key ${KEY_A}`, type: "invalid_request_error" } }, 401)
  );
  const lines: string[] = [];
  const client = new RotatingClient({
    apiKeys: { mylocal: KEY_A },
    apiBases: { mylocal: upstream.baseUrl },
    onLog: (level, line) => lines.push(`${level} ${line}`),
  });
  try {
    await assert.rejects(client.chat({ model: "mylocal/m", ...hello }), RotatingClientError);
    assert.ok(lines.some((line) => line.startsWith("warn ") && line.includes("…aa-A")), lines.join("\n"));
    assert.equal(lines.some((line) => line.includes(KEY_A)), false, lines.join("\n"));
  } finally {
    await client.close();
    await upstream.close();
  }
});

Deno.test("RotatingClient: aborting a call rejects with the signal's reason and frees the key unblamed", async () => {
  // Headers, then a body that never comes (until the proxy hangs up).
  const upstream = startFakeUpstream(() =>
    new Response(new ReadableStream({ start() {} }), { headers: { "content-type": "application/json" } })
  );
  const client = new RotatingClient({ apiKeys: { mylocal: KEY_A }, apiBases: { mylocal: upstream.baseUrl } });
  try {
    const controller = new AbortController();
    const call = client.chat({ model: "mylocal/m", ...hello }, { signal: controller.signal });
    await eventually(() => upstream.requests.length > 0 ? true : undefined, {
      what: "the upstream is called",
    });
    controller.abort(new Error("changed my mind"));
    await assert.rejects(call, /changed my mind/);
    await eventually(async () => {
      const { credential, model } = stateOf(await client.usage(), "mylocal", KEY_A);
      const idle = Object.values(credential.in_flight as Record<string, number>).every((count) =>
        count === 0
      );
      return idle && model === "available" ? true : undefined;
    }, { what: "the key is free and available" });
  } finally {
    await client.close();
    await upstream.close();
  }
});
