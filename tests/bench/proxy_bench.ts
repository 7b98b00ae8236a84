// deno-lint-ignore-file no-console
/**
 * Proxy overhead benchmark: a fast fake OpenAI upstream (its own process), the real proxy process and
 * this load generator (a third process, so it never shares the proxy's event loop), all on 127.0.0.1.
 * For JSON chat completions, streamed chat completions passed through, streamed `/v1/messages`, and the
 * Responses and Gemini doors (JSON and stream), all translated from the OpenAI upstream, it measures the latency the proxy adds at concurrency 1 and its
 * throughput at concurrency 32 as a ratio to the upstream called directly in the same run, plus the
 * proxy's resident memory during and after the load. Prints a table per round, the medians over rounds,
 * PASS/FAIL against the goals, and a one-line JSON summary last.
 *
 * Run: `deno task bench` (3 rounds), `deno task bench --quick` (smoke run), `--rounds=N`,
 * `--level=info|warn` (the proxy's log level, default info), `--client=native|fetch` (the proxy's
 * `UPSTREAM_HTTP_CLIENT`), `--modes=json,stream,messages` (a subset), `--bare=native|fetch|fetch-pool` (a
 * calibration: a bare `Deno.serve` relay on that client stands in for the proxy), `--bare-script=PATH`
 * (another relay script, run from its folder with `<upstream origin>` as its argument), `--malloc-arenas=N`
 * (the proxy's `MALLOC_ARENA_MAX`, 2 by default as in the `serve` task), `--load-client=native|fetch` (the
 * load generator's client, default native), `--prof` to write a V8 tick profile of the proxy per round (read it with
 * `node --prof-process <file>`).
 */
import { COMPLETION_BYTES, STREAM_BYTES, STREAM_EVENTS_WITH_USAGE } from "./fake_upstream_server.ts";
import { baseEnv, PROJECT_ROOT, startProxy, TEST_PROXY_KEY } from "../helpers/proxy_process.ts";
import { type FetchLike, HttpClient } from "../../lib/http/mod.ts";
import {
  prepareVariants,
  reportVariants,
  type Variant,
  VARIANT_NAMES,
  type VariantFigures,
  type VariantName,
} from "./variants.ts";

const UPSTREAM_SCRIPT = new URL("./fake_upstream_server.ts", import.meta.url).pathname;
const BARE_RELAY_SCRIPT = new URL("./bare_relay.ts", import.meta.url).pathname;
const UPSTREAM_KEY = "sk-bench-0123456789abcdef0123";
const CONCURRENCY = 32;
/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Issue 8 §7: added p50 at c=1, throughput ratio at c=32, resident memory. */
const GOALS = {
  addedP50Ms: {
    json: 0.2,
    stream: 0.5,
    messages: 0.5,
    // Issue 9: the Responses and Gemini doors, translated, no worse than /v1/messages.
    "responses-json": 0.5,
    "responses-stream": 0.5,
    "gemini-json": 0.5,
    "gemini-stream": 0.5,
  },
  throughputRatio: {
    json: 0.5,
    stream: 0.4,
    messages: 0.35,
    "responses-json": 0.35,
    "responses-stream": 0.35,
    "gemini-json": 0.35,
    "gemini-stream": 0.35,
  },
  rssMb: 150,
} as const;

/** Sizes of one round; `--quick` shrinks them for a smoke run. */
interface Settings {
  warmupRequests: number;
  latencyRequests: number;
  batchSize: number;
  throughputMs: number;
  throughputWarmupMs: number;
  rounds: number;
}

const FULL: Settings = {
  warmupRequests: 200,
  latencyRequests: 1000,
  batchSize: 100,
  throughputMs: 3000,
  throughputWarmupMs: 300,
  rounds: 3,
};
const QUICK: Settings = {
  warmupRequests: 30,
  latencyRequests: 100,
  batchSize: 25,
  throughputMs: 400,
  throughputWarmupMs: 100,
  rounds: 1,
};
/** A variant's run (`--compare`): fewer requests than the main one, so the whole bench stays ~3 minutes. */
const FULL_VARIANT: Settings = {
  ...FULL,
  warmupRequests: 100,
  latencyRequests: 500,
  throughputMs: 2000,
  throughputWarmupMs: 200,
};

export const ALL_MODES = [
  "json",
  "stream",
  "messages",
  "responses-json",
  "responses-stream",
  "gemini-json",
  "gemini-stream",
] as const;
export type Mode = (typeof ALL_MODES)[number];
/** The modes measured (`--modes=json,stream` narrows them, e.g. for a profile of one path). */
let MODES: readonly Mode[] = ALL_MODES;

/** One endpoint and the exact request sent to it. */
export interface Target {
  label: string;
  url: string;
  init: RequestInit;
  /** Throws when the body is not the whole answer. */
  check: (body: Uint8Array) => void;
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface ModeResult {
  latencyMs: { direct: Percentiles; proxy: Percentiles; added: Percentiles };
  throughput: { direct: number; proxy: number; ratio: number };
  /**
   * CPU time the proxy process spent per request during the c=32 run (µs, user + system), NaN where it
   * cannot be read. Unlike the ratios it hardly depends on what else the machine runs.
   */
  cpuMicrosPerRequest: number;
}

interface RoundResult {
  modes: Record<Mode, ModeResult>;
  /** The proxy's resident memory: highest sample under load, and after 2 s of rest. */
  rssMb: { during: number; after: number };
}

/** The fake upstream child process. */
export interface BenchUpstream {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

const decoder = new TextDecoder();

function exactly(expected: Uint8Array): (body: Uint8Array) => void {
  return (body) => {
    if (body.byteLength !== expected.byteLength) {
      throw new Error(`got ${body.byteLength} bytes, expected ${expected.byteLength}`);
    }
  };
}

/** A translated Anthropic stream must be whole: it ends with `message_stop`. */
function endsWithMessageStop(body: Uint8Array): void {
  const text = decoder.decode(body.subarray(Math.max(0, body.byteLength - 200)));
  if (!text.includes("message_stop")) throw new Error(`the stream did not end with message_stop: ${text}`);
}

const STREAM_WITH_USAGE_BYTES = new Uint8Array(
  STREAM_EVENTS_WITH_USAGE.reduce((total, event) => total + event.length, 0),
);

/** The upstream called directly; for `messages`, with the request the proxy sends it (usage asked). */
export function directTarget(origin: string, mode: Mode): Target {
  const streamed = mode === "stream" || mode.endsWith("stream") || mode === "messages";
  // A translated stream asks the upstream for usage, as the proxy does.
  const usage = streamed && mode !== "stream";
  return {
    label: "upstream",
    url: `${origin}/v1/chat/completions`,
    init: {
      method: "POST",
      headers: { "authorization": `Bearer ${UPSTREAM_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-bench",
        messages: [{ role: "user", content: "Say hello." }],
        ...(streamed ? { stream: true } : {}),
        ...(usage ? { stream_options: { include_usage: true } } : {}),
      }),
    },
    check: exactly(usage ? STREAM_WITH_USAGE_BYTES : streamed ? STREAM_BYTES : COMPLETION_BYTES),
  };
}

/** A translated answer must be whole: its last event (or its JSON) says it is done. */
function endsWith(marker: string): (body: Uint8Array) => void {
  return (body) => {
    const text = decoder.decode(body.subarray(Math.max(0, body.byteLength - 4000)));
    if (!text.includes(marker)) throw new Error(`the answer did not end with ${marker}: ${text}`);
  };
}

export function proxyTarget(proxyUrl: string, mode: Mode): Target {
  if (mode === "responses-json" || mode === "responses-stream") {
    const streamed = mode === "responses-stream";
    return {
      label: `proxy /v1/responses`,
      url: `${proxyUrl}/v1/responses`,
      init: {
        method: "POST",
        headers: { "authorization": `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "bench/gpt-bench",
          input: "Say hello.",
          store: false,
          stream: streamed,
        }),
      },
      check: endsWith(streamed ? "response.completed" : '"status":"completed"'),
    };
  }
  if (mode === "gemini-json" || mode === "gemini-stream") {
    const streamed = mode === "gemini-stream";
    const method = streamed ? "streamGenerateContent?alt=sse" : "generateContent";
    return {
      label: `proxy gemini`,
      url: `${proxyUrl}/v1beta/models/bench/gpt-bench:${method}`,
      init: {
        method: "POST",
        headers: { "x-goog-api-key": TEST_PROXY_KEY, "content-type": "application/json" },
        body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Say hello." }] }] }),
      },
      check: endsWith("finishReason"),
    };
  }
  if (mode === "messages") {
    return {
      label: "proxy /v1/messages",
      url: `${proxyUrl}/v1/messages`,
      init: {
        method: "POST",
        headers: {
          "x-api-key": TEST_PROXY_KEY,
          "anthropic-version": "2023-06-01",
          "content-type": "application/json",
        },
        body: JSON.stringify({
          model: "bench/gpt-bench",
          max_tokens: 256,
          stream: true,
          messages: [{ role: "user", content: "Say hello." }],
        }),
      },
      check: endsWithMessageStop,
    };
  }
  const streamed = mode === "stream";
  return {
    label: "proxy",
    url: `${proxyUrl}/v1/chat/completions`,
    init: {
      method: "POST",
      headers: { "authorization": `Bearer ${TEST_PROXY_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "bench/gpt-bench",
        messages: [{ role: "user", content: "Say hello." }],
        ...(streamed ? { stream: true } : {}),
      }),
    },
    check: exactly(streamed ? STREAM_BYTES : COMPLETION_BYTES),
  };
}

/**
 * The load generator's HTTP client: the native one by default, because Deno's `fetch` costs so much per
 * streamed chunk that it, not the upstream, would bound the direct runs and flatter the ratios.
 */
let loadFetch: FetchLike = new HttpClient().fetch;

/** One request, body read to the end; returns its duration in ms. */
async function exchange(target: Target): Promise<number> {
  const started = performance.now();
  const response = await loadFetch(target.url, target.init);
  const body = await response.bytes();
  const elapsed = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(`${target.label} answered ${response.status}: ${decoder.decode(body).slice(0, 300)}`);
  }
  try {
    target.check(body);
  } catch (error) {
    throw new Error(`${target.label}: ${(error as Error).message}`);
  }
  return elapsed;
}

/** Sequential requests in alternating batches (direct, proxy, proxy, direct, …) so drift cancels out. */
export async function sequential(
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
export async function load(
  target: Target,
  durationMs: number,
): Promise<{ requests: number; elapsedMs: number }> {
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
  cpu: () => Promise<number>,
): Promise<{ rates: ModeResult["throughput"]; cpuMicrosPerRequest: number }> {
  await load(direct, settings.throughputWarmupMs);
  await load(proxy, settings.throughputWarmupMs);
  const totals = { direct: { requests: 0, elapsedMs: 0 }, proxy: { requests: 0, elapsedMs: 0 } };
  let cpuSeconds = 0;
  for (const side of ["direct", "proxy", "proxy", "direct"] as const) {
    const before = side === "proxy" ? await cpu() : 0;
    const run = await load(side === "direct" ? direct : proxy, settings.throughputMs / 2);
    if (side === "proxy") cpuSeconds += await cpu() - before;
    totals[side].requests += run.requests;
    totals[side].elapsedMs += run.elapsedMs;
  }
  const rate = (side: "direct" | "proxy") => totals[side].requests / (totals[side].elapsedMs / 1000);
  return {
    rates: { direct: rate("direct"), proxy: rate("proxy"), ratio: rate("proxy") / rate("direct") },
    cpuMicrosPerRequest: (cpuSeconds * 1e6) / totals.proxy.requests,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)];
}

export function percentiles(values: number[]): Percentiles {
  const sorted = values.toSorted((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

export function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function measureMode(
  upstream: BenchUpstream,
  proxy: { url: string; cpu: () => Promise<number> },
  mode: Mode,
  settings: Settings,
): Promise<ModeResult> {
  const direct = directTarget(upstream.origin, mode);
  const proxied = proxyTarget(proxy.url, mode);
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
    ...await throughput(direct, proxied, settings, proxy.cpu).then(({ rates, cpuMicrosPerRequest }) => ({
      throughput: rates,
      cpuMicrosPerRequest,
    })),
  };
}

/** `ps` output lines (`/proc` itself needs all permissions under Deno). */
async function ps(args: string[]): Promise<string[]> {
  const output = await new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).output();
  return decoder.decode(output.stdout).split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

/** The pid of the proxy process: the one whose command line names its (unique) data directory. */
export async function proxyPid(dataDir: string): Promise<number | null> {
  const line = (await ps(["-eo", "pid=,args="])).find((line) =>
    line.includes(dataDir) && line.includes("serve")
  );
  return line === undefined ? null : Number(line.split(/\s+/, 1)[0]);
}

/** CPU seconds (user + system) `pid` has used, from `/proc/<pid>/stat` (read by `cat`: Deno allows `/proc` only to all-powerful code). */
export async function cpuSeconds(pid: number | null): Promise<number> {
  if (pid === null) return NaN;
  const output = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  })
    .output();
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are the 12th and 13th.
  const text = decoder.decode(output.stdout);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of `pid` in MB, or NaN where it cannot be read. */
async function rssMb(pid: number | null): Promise<number> {
  if (pid === null) return NaN;
  const [kilobytes] = await ps(["-o", "rss=", "-p", String(pid)]);
  return kilobytes === undefined ? NaN : Number(kilobytes) / 1024;
}

async function runRound(
  upstream: BenchUpstream,
  options: {
    settings: Settings;
    env: Record<string, string>;
    profileFile: string | null;
    bare: string | null;
    /** Arguments after `serve` (e.g. `--sandbox=off`). */
    args?: string[];
    /** Runtime flags of the proxy process (e.g. `--cpu-prof`). */
    runtimeFlags?: string[];
    /** @default MODES */
    modes?: readonly Mode[];
    /** Measure the resident memory after 2 s of rest. @default true */
    rest?: boolean;
  },
): Promise<RoundResult> {
  const measured = options.modes ?? MODES;
  if (options.bare !== null) {
    // A calibration: the bare relay stands where the proxy would.
    // `--bare-script`: another relay (e.g. on a client under evaluation), run from its own folder.
    const relay = options.bare.endsWith(".ts")
      ? await startBenchUpstream(
        options.bare,
        [upstream.origin],
        new URL(".", `file://${options.bare}`).pathname,
      )
      : await startBenchUpstream(BARE_RELAY_SCRIPT, [upstream.origin, options.bare]);
    try {
      const modes = {} as Record<Mode, ModeResult>;
      const subject = { url: relay.origin, cpu: () => cpuSeconds(relay.pid) };
      for (const mode of measured) modes[mode] = await measureMode(upstream, subject, mode, options.settings);
      return { modes, rssMb: { during: NaN, after: NaN } };
    } finally {
      await relay.stop();
    }
  }
  const env: Record<string, string> = {
    BENCH_API_BASE: `${upstream.origin}/v1`,
    BENCH_API_KEY: UPSTREAM_KEY,
    // The per-key cap defaults to 1 in flight; with one bench key the c=32 run would measure that
    // queue, not the proxy.
    MAX_CONCURRENT_REQUESTS_PER_KEY_BENCH: String(CONCURRENCY * 2),
    ...options.env,
  };
  if (options.profileFile !== null) {
    const flags = `--prof,--no-logfile-per-isolate,--logfile=${options.profileFile}`;
    env.DENO_V8_FLAGS = env.DENO_V8_FLAGS ? `${env.DENO_V8_FLAGS},${flags}` : flags;
  }
  const proxy = await startProxy({ env, args: options.args, runtimeFlags: options.runtimeFlags });
  const pid = await proxyPid(proxy.dataDir);
  let during = 0;
  const sampler = setInterval(async () => {
    const sample = await rssMb(pid);
    if (sample > during) during = sample;
  }, 250);
  try {
    const modes = {} as Record<Mode, ModeResult>;
    const subject = { url: proxy.url, cpu: () => cpuSeconds(pid) };
    for (const mode of measured) modes[mode] = await measureMode(upstream, subject, mode, options.settings);
    clearInterval(sampler);
    if (options.rest === false) return { modes, rssMb: { during, after: NaN } };
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { modes, rssMb: { during, after: await rssMb(pid) } };
  } finally {
    clearInterval(sampler);
    await within(10_000, proxy.stop(), "the proxy did not stop within 10 s");
    await Deno.remove(proxy.dataDir, { recursive: true }).catch(() => {});
  }
}

/** Spawn the fake upstream (or another script that prints `listening <port>`) and wait for its port. */
export async function startBenchUpstream(
  script = UPSTREAM_SCRIPT,
  args: string[] = [],
  cwd = PROJECT_ROOT,
): Promise<BenchUpstream> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", script, ...args],
    cwd,
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
  return { origin: `http://127.0.0.1:${port}`, pid: child.pid, stop };
}

/** `promise`, or a rejection with `message` after `ms` (or nothing when `message` is null). */
export async function within<T>(ms: number, promise: Promise<T>, message: string | null): Promise<T> {
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
const LABEL_WIDTH = 36;

function report(title: string, round: RoundResult, settings: Settings): void {
  console.log(`\n== ${title} ==`);
  const latencyHeads = ["p50 direct", "p50 proxy", "p50 added", "p99 direct", "p99 proxy", "p99 added"];
  console.log(
    `latency, c=1, n=${settings.latencyRequests} each (ms)`.padEnd(LABEL_WIDTH) +
      latencyHeads.map((head) => head.padStart(12)).join(""),
  );
  for (const mode of MODES) {
    const { direct, proxy, added } = round.modes[mode].latencyMs;
    const values = [direct.p50, proxy.p50, added.p50, direct.p99, proxy.p99, added.p99];
    console.log(
      `  ${mode}`.padEnd(LABEL_WIDTH) + values.map((value) => value.toFixed(3).padStart(12)).join(""),
    );
  }
  const seconds = (settings.throughputMs / 1000).toFixed(1);
  console.log(
    `throughput, c=${CONCURRENCY}, ${seconds} s each (req/s)`.padEnd(LABEL_WIDTH) +
      ["direct", "proxy", "proxy/direct", "proxy CPU µs"].map((head) => head.padStart(13)).join(""),
  );
  for (const mode of MODES) {
    const { direct, proxy, ratio } = round.modes[mode].throughput;
    console.log(
      `  ${mode}`.padEnd(LABEL_WIDTH) + direct.toFixed(0).padStart(13) + proxy.toFixed(0).padStart(13) +
        ratio.toFixed(3).padStart(13) + round.modes[mode].cpuMicrosPerRequest.toFixed(0).padStart(13),
    );
  }
  console.log(
    `proxy RSS (MB)`.padEnd(LABEL_WIDTH) +
      `during ${round.rssMb.during.toFixed(0)}, after ${round.rssMb.after.toFixed(0)}`,
  );
}

/** The round made of each figure's median over `rounds`. */
function medianRound(rounds: RoundResult[], measured: readonly Mode[] = MODES): RoundResult {
  const pick = (read: (round: RoundResult) => number) => median(rounds.map(read));
  const modes = {} as Record<Mode, ModeResult>;
  for (const mode of measured) {
    const percentilesOf = (read: (result: ModeResult) => Percentiles): Percentiles => ({
      p50: pick((round) => read(round.modes[mode]).p50),
      p99: pick((round) => read(round.modes[mode]).p99),
    });
    modes[mode] = {
      latencyMs: {
        direct: percentilesOf((result) => result.latencyMs.direct),
        proxy: percentilesOf((result) => result.latencyMs.proxy),
        added: percentilesOf((result) => result.latencyMs.added),
      },
      throughput: {
        direct: pick((round) => round.modes[mode].throughput.direct),
        proxy: pick((round) => round.modes[mode].throughput.proxy),
        ratio: pick((round) => round.modes[mode].throughput.ratio),
      },
      cpuMicrosPerRequest: pick((round) => round.modes[mode].cpuMicrosPerRequest),
    };
  }
  return {
    modes,
    rssMb: { during: pick((round) => round.rssMb.during), after: pick((round) => round.rssMb.after) },
  };
}

function goals(result: RoundResult): Record<string, boolean> {
  console.log("goals (medians)");
  const verdicts: Record<string, boolean> = {};
  for (const mode of MODES) {
    const added = result.modes[mode].latencyMs.added.p50;
    const { ratio } = result.modes[mode].throughput;
    const latencyOk = added < GOALS.addedP50Ms[mode];
    const throughputOk = ratio >= GOALS.throughputRatio[mode];
    verdicts[`${mode}.latency`] = latencyOk;
    verdicts[`${mode}.throughput`] = throughputOk;
    console.log(
      `  ${mode}`.padEnd(LABEL_WIDTH) +
        `p50 added ${added.toFixed(3)} ms < ${GOALS.addedP50Ms[mode]} ${verdict(latencyOk)}    ` +
        `ratio ${ratio.toFixed(3)} ≥ ${GOALS.throughputRatio[mode]} ${verdict(throughputOk)}`,
    );
  }
  const rssOk = result.rssMb.during < GOALS.rssMb && result.rssMb.after < GOALS.rssMb;
  verdicts.rss = rssOk;
  console.log(`  RSS < ${GOALS.rssMb} MB`.padEnd(LABEL_WIDTH) + verdict(rssOk));
  return verdicts;
}

function summarize(result: RoundResult, measured: readonly Mode[] = MODES): Record<string, unknown> {
  const mode = (entry: ModeResult) => ({
    addedMs: { p50: round3(entry.latencyMs.added.p50), p99: round3(entry.latencyMs.added.p99) },
    rps: { direct: Math.round(entry.throughput.direct), proxy: Math.round(entry.throughput.proxy) },
    ratio: round3(entry.throughput.ratio),
    cpuMicrosPerRequest: Math.round(entry.cpuMicrosPerRequest),
  });
  return {
    ...(result.modes.json ? { json: mode(result.modes.json) } : {}),
    ...(result.modes.stream ? { stream: mode(result.modes.stream) } : {}),
    ...Object.fromEntries(
      measured.filter((name) => !["json", "stream"].includes(name)).map((
        name,
      ) => [name, mode(result.modes[name])]),
    ),
    rssMb: { during: Math.round(result.rssMb.during), after: Math.round(result.rssMb.after) },
  };
}

function parseArguments(args: string[]) {
  const options = {
    quick: false,
    prof: false,
    rounds: null as number | null,
    env: {} as Record<string, string>,
    bare: null as string | null,
    loadClient: "native",
    args: [] as string[],
    cpuProf: false,
    compare: [...VARIANT_NAMES] as VariantName[],
  };
  for (const arg of args) {
    const [name, value] = arg.split("=", 2);
    if (name === "--quick") options.quick = true;
    else if (name === "--prof") options.prof = true;
    else if (name === "--cpu-prof") options.cpuProf = true;
    else if (name === "--compare" && value !== undefined) {
      const names = value === "none" ? [] : value.split(",");
      const unknown = names.filter((name) => !(VARIANT_NAMES as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`unknown variants: ${unknown.join(", ")}`);
      options.compare = names as VariantName[];
    } else if (name === "--env" && arg.slice(6).includes("=")) {
      const setting = arg.slice(6);
      options.env[setting.slice(0, setting.indexOf("="))] = setting.slice(setting.indexOf("=") + 1);
    } else if (name === "--sandbox" && (value === "on" || value === "off")) {
      options.args.push(`--sandbox=${value}`);
    } else if (name === "--rounds" && Number(value) >= 1) options.rounds = Math.floor(Number(value));
    else if (name === "--level" && value) options.env.PROXY_LOG_LEVEL = value;
    else if (name === "--client" && value) options.env.UPSTREAM_HTTP_CLIENT = value;
    else if (name === "--load-client" && (value === "native" || value === "fetch")) {
      options.loadClient = value;
    } else if (name === "--malloc-arenas" && Number(value) >= 1) {
      options.env.MALLOC_ARENA_MAX = value;
    } else if (name === "--bare-script" && value?.endsWith(".ts")) {
      options.bare = value.startsWith("/") ? value : `${Deno.cwd()}/${value}`;
      MODES = MODES.filter((mode) => mode === "json" || mode === "stream");
    } else if (name === "--bare" && ["native", "fetch", "fetch-pool"].includes(value)) {
      options.bare = value;
      MODES = MODES.filter((mode) => mode === "json" || mode === "stream");
    } else if (name === "--modes" && value) {
      const modes = value.split(",");
      const unknown = modes.filter((mode) => !(ALL_MODES as readonly string[]).includes(mode));
      if (unknown.length > 0) throw new Error(`unknown modes: ${unknown.join(", ")}`);
      MODES = modes as Mode[];
    } else {
      throw new Error(
        `unknown argument: ${arg} (accepted: --quick, --prof, --rounds=N, --level=LEVEL, --client=native|fetch, --modes=json,stream,messages,responses-json,responses-stream,gemini-json,gemini-stream, --bare=native|fetch|fetch-pool, --bare-script=PATH, --malloc-arenas=N, --load-client=native|fetch, --compare=sandbox,redis|none, --sandbox=on|off, --env=NAME=VALUE, --cpu-prof)`,
      );
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArguments(Deno.args);
  if (options.loadClient === "fetch") loadFetch = globalThis.fetch;
  const settings = { ...(options.quick ? QUICK : FULL) };
  if (options.rounds !== null) settings.rounds = options.rounds;
  // As the `serve` task runs it (its V8 flags come with the runtime flags `startProxy` passes).
  const env = { PROXY_LOG_LEVEL: "info", MALLOC_ARENA_MAX: "2", ...options.env };
  const profileDir = options.prof || options.cpuProf
    ? await Deno.makeTempDir({ prefix: "proxy-bench-prof-" })
    : null;
  const cpus = navigator.hardwareConcurrency;
  const subject = options.bare === null ? "proxy" : `bare relay on ${options.bare}`;
  console.log(
    `${subject} benchmark${options.quick ? " (quick)" : ""}: deno ${Deno.version.deno}, ${cpus} CPUs, ` +
      `${settings.rounds} round(s), proxy env ${JSON.stringify(env)}, load client ${options.loadClient}; ` +
      `load generator, fake upstream and proxy in three processes on 127.0.0.1`,
  );

  const started = performance.now();
  const upstream = await startBenchUpstream();
  const rounds: RoundResult[] = [];
  const { variants, stop: stopVariants } = await prepareVariants(
    options.bare === null ? options.compare : [],
  );
  const variantSettings = options.quick ? QUICK : FULL_VARIANT;
  const variantModes: Mode[] = MODES.filter((mode) => mode === "json" || mode === "stream");
  if (variantModes.length === 0) variantModes.push(MODES[0]);
  const variantRounds = new Map<string, RoundResult[]>(variants.map((variant) => [variant.name, []]));
  try {
    for (let index = 0; index < settings.rounds; index++) {
      const profileFile = profileDir === null ? null : `${profileDir}/proxy-${index + 1}.v8.log`;
      const runtimeFlags = options.cpuProf && profileDir !== null
        ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}/round-${index + 1}`]
        : [];
      const round = await runRound(upstream, {
        settings,
        env,
        profileFile: options.prof ? profileFile : null,
        bare: options.bare,
        args: options.args,
        runtimeFlags,
      });
      rounds.push(round);
      report(`round ${index + 1} of ${settings.rounds}`, round, settings);
      for (const variant of variants) {
        variantRounds.get(variant.name)!.push(
          await runVariant(upstream, variant, {
            round: index + 1,
            env,
            settings: variantSettings,
            args: options.args,
            modes: variantModes,
          }),
        );
      }
      if (variants.length > 0) {
        reportVariants(
          `round ${index + 1}: variants (${variantSettings.latencyRequests} requests at c=1, ${
            variantSettings.throughputMs / 1000
          } s at c=32)`,
          variantFigures(round, variants, variantModes, (name) => variantRounds.get(name)!.at(-1)!),
        );
      }
    }
  } finally {
    await stopVariants();
    await upstream.stop();
  }
  const result = medianRound(rounds);
  if (rounds.length > 1) report(`medians of ${rounds.length} rounds`, result, settings);
  const verdicts = goals(result);
  const variantMedians = new Map(
    [...variantRounds].map(([name, results]) => [name, medianRound(results, variantModes)]),
  );
  if (variants.length > 0 && rounds.length > 1) {
    reportVariants(
      `variants, medians of ${rounds.length} rounds`,
      variantFigures(result, variants, variantModes, (name) => variantMedians.get(name)!),
    );
  }
  if (profileDir !== null) {
    console.log(
      `\nV8 profiles of the proxy: ${profileDir}/proxy-<round>.v8.log (node --prof-process <file>)`,
    );
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(JSON.stringify({
    bench: "proxy",
    deno: Deno.version.deno,
    cpus,
    quick: options.quick,
    env,
    loadClient: options.loadClient,
    concurrency: CONCURRENCY,
    latencyRequests: settings.latencyRequests,
    throughputSeconds: settings.throughputMs / 1000,
    rounds: rounds.map((round) => summarize(round)),
    median: summarize(result),
    variants: Object.fromEntries(
      [...variantMedians].map(([name, median]) => [name, summarize(median, variantModes)]),
    ),
    pass: verdicts,
  }));
}

/** One round of a variant: the proxy run its way, on the variant's modes, without the rest for memory. */
function runVariant(
  upstream: BenchUpstream,
  variant: Variant,
  options: { round: number; env: Record<string, string>; settings: Settings; args: string[]; modes: Mode[] },
): Promise<RoundResult> {
  return runRound(upstream, {
    settings: options.settings,
    env: { ...options.env, ...variant.env(options.round) },
    profileFile: null,
    bare: null,
    // The variant's own arguments come last: `--sandbox=off` wins over the bench's `--sandbox`.
    args: [...options.args, ...variant.args],
    modes: options.modes,
    rest: false,
  });
}

/** The default proxy's figures and each variant's, for {@link reportVariants}. */
function variantFigures(
  base: RoundResult,
  variants: Variant[],
  modes: Mode[],
  resultOf: (name: string) => RoundResult,
): { name: string; modes: Record<string, VariantFigures> }[] {
  const figures = (round: RoundResult) =>
    Object.fromEntries(modes.map((mode) => [mode, {
      addedP50Ms: round.modes[mode].latencyMs.added.p50,
      ratio: round.modes[mode].throughput.ratio,
      cpuMicrosPerRequest: round.modes[mode].cpuMicrosPerRequest,
    }]));
  return [
    { name: "default (sandbox on, files)", modes: figures(base) },
    ...variants.map((variant) => ({ name: variant.name, modes: figures(resultOf(variant.name)) })),
  ];
}

if (import.meta.main) await main();
