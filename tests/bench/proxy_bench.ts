// deno-lint-ignore-file no-console
/**
 * Proxy overhead benchmark: a fast fake OpenAI upstream (its own process), the real proxy process and
 * this load generator, all on 127.0.0.1. Measures the latency the proxy adds at concurrency 1 and its
 * throughput at concurrency 32, for JSON and streamed chat completions, at log levels `warn` and
 * `info`. Prints a table, PASS/FAIL against the goals, and a one-line JSON summary last.
 *
 * Run: `deno task bench` (about 40 s), `deno task bench --quick` (smoke run), `--prof` to write a V8
 * tick profile of the proxy per pass (read it with `node --prof-process <file>`).
 */
import { COMPLETION_BYTES, STREAM_BYTES } from "./fake_upstream_server.ts";
import {
  baseEnv,
  PROJECT_ROOT,
  type ProxyProcess,
  startProxy,
  TEST_PROXY_KEY,
} from "../helpers/proxy_process.ts";

const UPSTREAM_SCRIPT = new URL("./fake_upstream_server.ts", import.meta.url).pathname;
const UPSTREAM_KEY = "sk-bench-0123456789abcdef0123";
const GOAL_ADDED_P50_MS = 0.3;
const GOAL_THROUGHPUT_PERCENT = 50;
const CONCURRENCY = 32;

/** Sizes of one run; `--quick` shrinks them for a smoke run. */
interface Settings {
  warmupRequests: number;
  latencyRequests: number;
  batchSize: number;
  throughputMs: number;
  throughputWarmupMs: number;
}

const FULL: Settings = {
  warmupRequests: 300,
  latencyRequests: 2000,
  batchSize: 100,
  throughputMs: 3000,
  throughputWarmupMs: 300,
};
const QUICK: Settings = {
  warmupRequests: 30,
  latencyRequests: 100,
  batchSize: 25,
  throughputMs: 400,
  throughputWarmupMs: 100,
};

type Mode = "json" | "stream";

/** One endpoint and the exact request sent to it. */
interface Target {
  label: string;
  url: string;
  init: RequestInit;
  expectedBytes: number;
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface ModeResult {
  latencyMs: { direct: Percentiles; proxy: Percentiles; added: Percentiles };
  throughput: { direct: number; proxy: number; percent: number };
}

interface PassResult {
  logLevel: string;
  json: ModeResult;
  stream: ModeResult;
}

/** The fake upstream child process. */
interface BenchUpstream {
  origin: string;
  stop(): Promise<void>;
}

function target(label: string, url: string, key: string, model: string, mode: Mode): Target {
  const body = {
    model,
    messages: [{ role: "user", content: "Say hello." }],
    ...(mode === "stream" ? { stream: true } : {}),
  };
  return {
    label,
    url,
    init: {
      method: "POST",
      headers: { "authorization": `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    },
    expectedBytes: mode === "stream" ? STREAM_BYTES.byteLength : COMPLETION_BYTES.byteLength,
  };
}

/** One request, body read to the end; returns its duration in ms. */
async function exchange(target: Target): Promise<number> {
  const started = performance.now();
  const response = await fetch(target.url, target.init);
  const body = await response.bytes();
  const elapsed = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(
      `${target.label} answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 300)}`,
    );
  }
  if (body.byteLength !== target.expectedBytes) {
    throw new Error(`${target.label} sent ${body.byteLength} bytes, expected ${target.expectedBytes}`);
  }
  return elapsed;
}

/** Sequential requests in alternating batches (direct, proxy, proxy, direct, …) so drift cancels out. */
async function sequential(
  direct: Target,
  proxy: Target,
  options: { requests: number; batchSize: number },
): Promise<{ direct: number[]; proxy: number[] }> {
  const samples = { direct: [] as number[], proxy: [] as number[] };
  for (let round = 0; samples.direct.length < options.requests; round++) {
    const order = round % 2 === 0 ? ["direct", "proxy"] as const : ["proxy", "direct"] as const;
    const size = Math.min(options.batchSize, options.requests - samples.direct.length);
    for (const side of order) {
      const chosen = side === "direct" ? direct : proxy;
      for (let index = 0; index < size; index++) samples[side].push(await exchange(chosen));
    }
  }
  return samples;
}

/** `concurrency` workers sending back to back for `durationMs`. */
async function load(target: Target, durationMs: number): Promise<{ requests: number; elapsedMs: number }> {
  let requests = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      await exchange(target);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { requests, elapsedMs: performance.now() - started };
}

/** Requests per second of each side, run in the order direct, proxy, proxy, direct (half the time each). */
async function throughput(
  direct: Target,
  proxy: Target,
  settings: Settings,
): Promise<ModeResult["throughput"]> {
  await load(direct, settings.throughputWarmupMs);
  await load(proxy, settings.throughputWarmupMs);
  const totals = { direct: { requests: 0, elapsedMs: 0 }, proxy: { requests: 0, elapsedMs: 0 } };
  for (const side of ["direct", "proxy", "proxy", "direct"] as const) {
    const run = await load(side === "direct" ? direct : proxy, settings.throughputMs / 2);
    totals[side].requests += run.requests;
    totals[side].elapsedMs += run.elapsedMs;
  }
  const rate = (side: "direct" | "proxy") => totals[side].requests / (totals[side].elapsedMs / 1000);
  return { direct: rate("direct"), proxy: rate("proxy"), percent: (rate("proxy") / rate("direct")) * 100 };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

function percentiles(values: number[]): Percentiles {
  const sorted = values.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

async function measureMode(upstream: BenchUpstream, proxy: ProxyProcess, mode: Mode, settings: Settings) {
  const direct = target(
    "upstream",
    `${upstream.origin}/v1/chat/completions`,
    UPSTREAM_KEY,
    "gpt-bench",
    mode,
  );
  const proxied = target(
    "proxy",
    `${proxy.url}/v1/chat/completions`,
    TEST_PROXY_KEY,
    "bench/gpt-bench",
    mode,
  );
  await sequential(direct, proxied, { requests: settings.warmupRequests, batchSize: settings.batchSize });
  const samples = await sequential(direct, proxied, {
    requests: settings.latencyRequests,
    batchSize: settings.batchSize,
  });
  const latencyDirect = percentiles(samples.direct);
  const latencyProxy = percentiles(samples.proxy);
  return {
    latencyMs: {
      direct: latencyDirect,
      proxy: latencyProxy,
      added: { p50: latencyProxy.p50 - latencyDirect.p50, p99: latencyProxy.p99 - latencyDirect.p99 },
    },
    throughput: await throughput(direct, proxied, settings),
  };
}

async function runPass(
  upstream: BenchUpstream,
  logLevel: string,
  options: { settings: Settings; profileDir: string | null },
): Promise<PassResult> {
  const env: Record<string, string> = {
    BENCH_API_BASE: `${upstream.origin}/v1`,
    BENCH_API_KEY: UPSTREAM_KEY,
    PROXY_LOG_LEVEL: logLevel,
    // The per-key cap defaults to 1 in flight; with one bench key the c=32 run would measure that
    // queue, not the proxy.
    MAX_CONCURRENT_REQUESTS_PER_KEY_BENCH: String(CONCURRENCY * 2),
  };
  if (options.profileDir !== null) {
    env.DENO_V8_FLAGS =
      `--prof,--no-logfile-per-isolate,--logfile=${options.profileDir}/proxy-${logLevel}.v8.log`;
  }
  const proxy = await startProxy({ env });
  try {
    const json = await measureMode(upstream, proxy, "json", options.settings);
    const stream = await measureMode(upstream, proxy, "stream", options.settings);
    return { logLevel, json, stream };
  } finally {
    await within(10_000, proxy.stop(), "the proxy did not stop within 10 s");
    await Deno.remove(proxy.dataDir, { recursive: true }).catch(() => {});
  }
}

/** Spawn the fake upstream in its own process and wait for the port it prints. */
async function startBenchUpstream(): Promise<BenchUpstream> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", UPSTREAM_SCRIPT],
    cwd: PROJECT_ROOT,
    env: baseEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let errors = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (text) => void (errors += text) }),
  );
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    const exited = await within(3_000, child.status, null).then(() => true, () => false);
    if (!exited) child.kill("SIGKILL");
    await child.status;
    await Promise.allSettled([lines.cancel(), stderrDone]);
  };
  let printed = "";
  const port = await within(
    30_000,
    (async () => {
      for (;;) {
        const { done, value } = await lines.read();
        if (done) throw new Error(`the fake upstream exited before listening:\n${printed}${errors}`);
        printed += value;
        const match = /listening (\d+)/.exec(printed);
        if (match) return Number(match[1]);
      }
    })(),
    "the fake upstream did not start within 30 s",
  ).catch(async (error) => {
    await stop();
    throw error;
  });
  return { origin: `http://127.0.0.1:${port}`, stop };
}

/** `promise`, or a rejection with `message` after `ms` (or nothing when `message` is null). */
async function within<T>(ms: number, promise: Promise<T>, message: string | null): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message ?? "timeout")), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
const round3 = (value: number) => Math.round(value * 1000) / 1000;

const LABEL_WIDTH = 42;

function report(pass: PassResult, settings: Settings): void {
  const modes = ["json", "stream"] as const;
  console.log(`\n== proxy log level: ${pass.logLevel} ==`);
  const latencyHeads = ["p50 direct", "p50 proxy", "p50 added", "p99 direct", "p99 proxy", "p99 added"];
  console.log(
    `latency, c=1, n=${settings.latencyRequests} each (ms)`.padEnd(LABEL_WIDTH) +
      latencyHeads.map((head) => head.padStart(12)).join(""),
  );
  for (const mode of modes) {
    const { direct, proxy, added } = pass[mode].latencyMs;
    const values = [direct.p50, proxy.p50, added.p50, direct.p99, proxy.p99, added.p99];
    console.log(
      `  ${mode}`.padEnd(LABEL_WIDTH) + values.map((value) => value.toFixed(3).padStart(12)).join(""),
    );
  }
  const seconds = (settings.throughputMs / 1000).toFixed(1);
  console.log(
    `throughput, c=${CONCURRENCY}, ${seconds} s each (req/s)`.padEnd(LABEL_WIDTH) +
      ["direct", "proxy", "proxy/direct"].map((head) => head.padStart(13)).join(""),
  );
  for (const mode of modes) {
    const { direct, proxy, percent } = pass[mode].throughput;
    console.log(
      `  ${mode}`.padEnd(LABEL_WIDTH) + direct.toFixed(0).padStart(13) + proxy.toFixed(0).padStart(13) +
        `${percent.toFixed(1)}%`.padStart(13),
    );
  }
  console.log("goals");
  const latencyVerdicts = modes.map((mode) => {
    const added = pass[mode].latencyMs.added.p50;
    return `${mode} ${added.toFixed(3)} ms ${verdict(added < GOAL_ADDED_P50_MS)}`;
  });
  console.log(
    `  p50 added latency < ${GOAL_ADDED_P50_MS} ms`.padEnd(LABEL_WIDTH) + latencyVerdicts.join("    "),
  );
  const throughputVerdicts = modes.map((mode) => {
    const { percent } = pass[mode].throughput;
    return `${mode} ${percent.toFixed(1)}% ${verdict(percent >= GOAL_THROUGHPUT_PERCENT)}`;
  });
  console.log(
    `  throughput ≥ ${GOAL_THROUGHPUT_PERCENT}% of direct`.padEnd(LABEL_WIDTH) +
      throughputVerdicts.join("    "),
  );
}

function summarize(pass: PassResult): Record<string, unknown> {
  const mode = (result: ModeResult) => ({
    p50: { direct: round3(result.latencyMs.direct.p50), proxy: round3(result.latencyMs.proxy.p50) },
    p99: { direct: round3(result.latencyMs.direct.p99), proxy: round3(result.latencyMs.proxy.p99) },
    addedMs: { p50: round3(result.latencyMs.added.p50), p99: round3(result.latencyMs.added.p99) },
    rps: { direct: Math.round(result.throughput.direct), proxy: Math.round(result.throughput.proxy) },
    throughputPercent: Math.round(result.throughput.percent * 10) / 10,
    pass: {
      latency: result.latencyMs.added.p50 < GOAL_ADDED_P50_MS,
      throughput: result.throughput.percent >= GOAL_THROUGHPUT_PERCENT,
    },
  });
  return { logLevel: pass.logLevel, json: mode(pass.json), stream: mode(pass.stream) };
}

async function main(): Promise<void> {
  const known = new Set(["--quick", "--prof"]);
  const unknown = Deno.args.filter((arg) => !known.has(arg));
  if (unknown.length > 0) {
    throw new Error(`unknown arguments: ${unknown.join(" ")} (accepted: --quick, --prof)`);
  }
  const quick = Deno.args.includes("--quick");
  const settings = quick ? QUICK : FULL;
  const profileDir = Deno.args.includes("--prof")
    ? await Deno.makeTempDir({ prefix: "proxy-bench-prof-" })
    : null;
  const cpus = navigator.hardwareConcurrency;
  console.log(
    `proxy benchmark${quick ? " (quick)" : ""}: deno ${Deno.version.deno}, ${cpus} CPUs; ` +
      `load generator, fake upstream and proxy in three processes on 127.0.0.1`,
  );

  const started = performance.now();
  const upstream = await startBenchUpstream();
  const passes: PassResult[] = [];
  try {
    for (const logLevel of ["warn", "info"]) {
      const pass = await runPass(upstream, logLevel, { settings, profileDir });
      passes.push(pass);
      report(pass, settings);
    }
  } finally {
    await upstream.stop();
  }
  if (profileDir !== null) {
    console.log(
      `\nV8 profiles of the proxy: ${profileDir}/proxy-<level>.v8.log (node --prof-process <file>)`,
    );
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify({
    bench: "proxy",
    deno: Deno.version.deno,
    cpus,
    quick,
    concurrency: CONCURRENCY,
    latencyRequests: settings.latencyRequests,
    throughputSeconds: settings.throughputMs / 1000,
    passes: passes.map(summarize),
  }));
}

if (import.meta.main) await main();
