/**
 * End to end: the listener survives hostile clients. Connection floods past the open-files limit,
 * slowloris headers and idle keep-alive connections are closed or refused while the proxy keeps serving.
 * The timeouts here are the real server's (set below a second), not cooldowns.
 */
import assert from "node:assert/strict";
import { baseEnv, PROJECT_ROOT, startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { sseResponse, startFakeUpstream } from "../helpers/fake_upstream.ts";
import { chatCompletionChunks } from "../helpers/fake_upstream.ts";
import { eventually } from "../helpers/wait.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function origin(url: string): { hostname: string; port: number } {
  const parsed = new URL(url);
  return { hostname: parsed.hostname, port: Number(parsed.port) };
}

/** Everything the server sends until it closes the connection, and how long that took. */
async function readUntilClosed(conn: Deno.Conn, limitMs: number): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const buffer = new Uint8Array(4096);
  let text = "";
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (;;) {
      const read = await conn.read(buffer);
      if (read === null) break;
      text += decoder.decode(buffer.subarray(0, read));
    }
  } catch {
    // Closed by the timer above or reset by the server.
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.close();
  } catch {
    // Already closed.
  }
  return { text, ms: performance.now() - started };
}

async function getStatus(url: string): Promise<number> {
  const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) });
  await response.body?.cancel();
  return response.status;
}

async function hasPrlimit(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("prlimit", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

Deno.test("a slow client gets a 408 once TIMEOUT_HEADERS passes; a silent one is closed", async () => {
  const proxy = await startProxy({ env: { TIMEOUT_HEADERS: "0.5", TIMEOUT_KEEP_ALIVE: "30" } });
  try {
    const slow = await Deno.connect(origin(proxy.url));
    await slow.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    const silent = await Deno.connect(origin(proxy.url));
    const [slowEnd, silentEnd] = await Promise.all([
      readUntilClosed(slow, 10_000),
      readUntilClosed(silent, 10_000),
    ]);
    assert.match(slowEnd.text, /^HTTP\/1\.1 408 /);
    assert.ok(slowEnd.ms >= 400 && slowEnd.ms < 5_000, `closed after ${slowEnd.ms} ms`);
    assert.ok(silentEnd.ms >= 400 && silentEnd.ms < 5_000, `closed after ${silentEnd.ms} ms`);
    assert.equal(await getStatus(proxy.url), 200);
  } finally {
    await proxy.stop();
  }
});

Deno.test("an idle keep-alive connection is closed after TIMEOUT_KEEP_ALIVE", async () => {
  const proxy = await startProxy({ env: { TIMEOUT_HEADERS: "30", TIMEOUT_KEEP_ALIVE: "0.5" } });
  try {
    const conn = await Deno.connect(origin(proxy.url));
    await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const { text, ms } = await readUntilClosed(conn, 10_000);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.ok(ms >= 400 && ms < 5_000, `closed after ${ms} ms`);
  } finally {
    await proxy.stop();
  }
});

Deno.test("a stream silent for longer than TIMEOUT_KEEP_ALIVE is not cut", async () => {
  const upstream = startFakeUpstream(() =>
    sseResponse(chatCompletionChunks("gpt-test", ["a", "b", "c"]), 700)
  );
  const proxy = await startProxy({
    env: {
      TIMEOUT_HEADERS: "0.3",
      TIMEOUT_KEEP_ALIVE: "0.3",
      MYLOCAL_API_BASE: upstream.baseUrl,
      MYLOCAL_API_KEY: "k-123456789",
    },
  });
  try {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "mylocal/gpt-test",
        stream: true,
        messages: [{ role: "user", content: "x" }],
      }),
    });
    const text = await response.text();
    assert.match(text, /data: \[DONE\]/);
    for (const piece of ['"a"', '"b"', '"c"']) assert.ok(text.includes(piece), text);
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});

Deno.test("past MAX_CONNECTIONS new connections get a 503 at once; the open ones are served", async () => {
  const proxy = await startProxy({ env: { MAX_CONNECTIONS: "5" } });
  const idle: Deno.Conn[] = [];
  try {
    for (let index = 0; index < 5; index++) idle.push(await Deno.connect(origin(proxy.url)));
    const extra = await Deno.connect(origin(proxy.url));
    const refused = await readUntilClosed(extra, 5_000);
    assert.match(refused.text, /^HTTP\/1\.1 503 /);
    assert.ok(refused.ms < 2_000, `refused after ${refused.ms} ms`);
    // An open connection still gets its answer.
    await idle[0].write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    const served = await readUntilClosed(idle.shift()!, 5_000);
    assert.match(served.text, /^HTTP\/1\.1 200 /);
    for (const conn of idle.splice(0)) conn.close();
    assert.equal(await getStatus(proxy.url), 200);
    await eventually(
      () => /refused a connection: 5 are open \(MAX_CONNECTIONS=5\)/.test(proxy.output()) || undefined,
      {
        what: "the warning about the refused connection",
      },
    );
  } finally {
    for (const conn of idle) conn.close();
    await proxy.stop();
  }
});

Deno.test("1,100 idle connections under a 256 open-files limit: the proxy lowers its cap and keeps serving", async () => {
  if (!await hasPrlimit()) return;
  const proxy = await startProxy({ launcher: ["prlimit", "--nofile=256:256"] });
  const flood: Deno.Conn[] = [];
  try {
    for (let index = 0; index < 1_100; index++) flood.push(await Deno.connect(origin(proxy.url)));
    // Past the cap, connections are refused; the process lives on.
    const extra = await Deno.connect(origin(proxy.url));
    assert.match((await readUntilClosed(extra, 5_000)).text, /^HTTP\/1\.1 503 /);
    await eventually(
      () =>
        /MAX_CONNECTIONS=1000 lowered to \d+: the open-files limit allows no more/.test(proxy.output()) ||
        undefined,
      {
        what: "the warning about the lowered cap",
      },
    );
    // The connections it kept are served, each through its own relay to the HTTP server.
    const kept = flood.splice(0, 100);
    const answers = await Promise.all(kept.map(async (conn) => {
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).catch(() =>
        0
      );
      return (await readUntilClosed(conn, 10_000)).text.slice(0, 12);
    }));
    // Connections over the lowered cap were closed before they sent anything (or refused with a 503 once
    // it was lowered); the others are answered.
    const expected = new Set(["HTTP/1.1 200", "HTTP/1.1 503", ""]);
    assert.ok(answers.every((answer) => expected.has(answer)), answers.join(","));
    assert.ok(answers.filter((answer) => answer === "HTTP/1.1 200").length >= 10, answers.join(","));
    for (const conn of flood.splice(0)) conn.close();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await getStatus(proxy.url).catch(() => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 200);
  } finally {
    for (const conn of flood) conn.close();
    const result = await proxy.stop();
    assert.equal(result.code, 0, proxy.output());
  }
});

Deno.test("accept errors (EMFILE) do not end the listener: it backs off and serves again", async () => {
  if (!await hasPrlimit()) return;
  const child = new Deno.Command("prlimit", {
    args: [
      "--nofile=64:64",
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      "tests/helpers/guarded_server.ts",
    ],
    cwd: PROJECT_ROOT,
    env: baseEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const flood: Deno.Conn[] = [];
  try {
    while (!/listening (\d+)/.test(output)) await new Promise((resolve) => setTimeout(resolve, 20));
    const port = Number(/listening (\d+)/.exec(output)![1]);
    const url = `http://127.0.0.1:${port}`;
    // More connections than descriptors: the kernel queues them, accept fails with EMFILE.
    // Each sends a request, so relays to the HTTP server compete for descriptors too (its own accept
    // fails with EMFILE, which stops a `Deno.serve` for good; the listener starts another).
    for (let index = 0; index < 200; index++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      flood.push(conn);
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).catch(() => 0);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const conn of flood.splice(0)) conn.close();
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = await getStatus(url).catch(() => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status, 200, output);
    await eventually(() => /accepting a connection failed \(Too many open files/.test(output) || undefined, {
      what: "the warning about the accept error",
    });
  } finally {
    for (const conn of flood) conn.close();
    child.kill("SIGTERM");
    await child.status;
    await pumps;
  }
});

Deno.test("CONNECTION_GUARD=false serves with plain Deno.serve, without the guard's timeouts", async () => {
  const proxy = await startProxy({ env: { CONNECTION_GUARD: "false", TIMEOUT_HEADERS: "0.3" } });
  try {
    assert.equal(await getStatus(proxy.url), 200);
    const slow = await Deno.connect(origin(proxy.url));
    await slow.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n"));
    // Still open well past TIMEOUT_HEADERS: the trade-off the setting documents.
    const { ms } = await readUntilClosed(slow, 1_500);
    assert.ok(ms >= 1_400, `closed after ${ms} ms`);
  } finally {
    await proxy.stop();
  }
});
