// deno-lint-ignore-file no-console
/**
 * An interleaved A/B comparison of two checkouts of the proxy, for judging one change on a machine that
 * others share: both proxies run at once against one fast fake upstream, and short c=32 bursts alternate
 * between them (A B B A …), so that whatever else the machine does weighs on both alike. For each burst it
 * reads the proxy's CPU time (user + system, `/proc/<pid>/stat`) and counts the requests; the medians of
 * CPU µs per request and of requests per second are compared, with the c=1 added p50 from alternating
 * batches.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-env --allow-read --allow-write --allow-run
 * tests/bench/ab_bench.ts --a=<checkout> [--b=<checkout>] [--modes=json,stream,messages] [--bursts=12]
 * [--burst-ms=800] [--sandbox=on|off]`; B defaults to this checkout. A checkout of a commit:
 * `git worktree add` or `git archive <commit> | tar -x -C <dir>`.
 */
import { startProxy } from "../helpers/proxy_process.ts";
import {
  ALL_MODES,
  type BenchUpstream,
  cpuSeconds,
  directTarget,
  load,
  median,
  type Mode,
  percentiles,
  proxyPid,
  proxyTarget,
  sequential,
  startBenchUpstream,
  type Target,
  within,
} from "./proxy_bench.ts";

const UPSTREAM_KEY = "sk-bench-0123456789abcdef0123";

interface Side {
  name: string;
  url: string;
  pid: number | null;
  stop(): Promise<void>;
}

async function startSide(name: string, root: string, upstream: BenchUpstream, args: string[]): Promise<Side> {
  const proxy = await startProxy({
    root,
    args,
    env: {
      BENCH_API_BASE: `${upstream.origin}/v1`,
      BENCH_API_KEY: UPSTREAM_KEY,
      MAX_CONCURRENT_REQUESTS_PER_KEY_BENCH: "64",
      PROXY_LOG_LEVEL: "info",
      MALLOC_ARENA_MAX: "2",
    },
  });
  return {
    name,
    url: proxy.url,
    pid: await proxyPid(proxy.dataDir),
    stop: async () => {
      await within(10_000, proxy.stop(), "the proxy did not stop within 10 s");
      await Deno.remove(proxy.dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** CPU µs per request and requests per second of each burst of `target`. */
async function burst(target: Target, pid: number | null, ms: number) {
  const before = await cpuSeconds(pid);
  const { requests, elapsedMs } = await load(target, ms);
  const cpu = await cpuSeconds(pid) - before;
  return { cpuMicros: (cpu * 1e6) / requests, rps: requests / (elapsedMs / 1000) };
}

async function compareMode(
  mode: Mode,
  sides: [Side, Side],
  upstream: BenchUpstream,
  options: { bursts: number; burstMs: number },
) {
  const direct = directTarget(upstream.origin, mode);
  const targets = sides.map((side) => proxyTarget(side.url, mode));
  for (const target of targets) await load(target, options.burstMs);
  const figures = sides.map(() => ({ cpuMicros: [] as number[], rps: [] as number[] }));
  const directRps: number[] = [];
  for (let index = 0; index < options.bursts; index++) {
    const order = index % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      const result = await burst(targets[which], sides[which].pid, options.burstMs);
      figures[which].cpuMicros.push(result.cpuMicros);
      figures[which].rps.push(result.rps);
    }
    if (index % 3 === 0) directRps.push((await burst(direct, null, options.burstMs / 2)).rps);
  }
  const latency: number[] = [];
  for (const target of targets) {
    const samples = await sequential(direct, target, { requests: 400, batchSize: 50 });
    latency.push(percentiles(samples.proxy).p50 - percentiles(samples.direct).p50);
  }
  const directMedian = median(directRps);
  console.log(
    `\n${mode} (${options.bursts} bursts of ${options.burstMs} ms each, c=32; direct ${
      directMedian.toFixed(0)
    } req/s)`,
  );
  const rows = sides.map((side, which) => ({
    name: side.name,
    cpu: median(figures[which].cpuMicros),
    rps: median(figures[which].rps),
    added: latency[which],
  }));
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(4)} CPU ${row.cpu.toFixed(0).padStart(5)} µs/req   ${
        row.rps.toFixed(0).padStart(6)
      } req/s ` +
        `(ratio ${(row.rps / directMedian).toFixed(3)})   c=1 added p50 ${row.added.toFixed(3)} ms`,
    );
  }
  console.log(
    `  B/A  CPU ${(rows[1].cpu / rows[0].cpu).toFixed(3)}   req/s ${(rows[1].rps / rows[0].rps).toFixed(3)}`,
  );
  return rows;
}

if (import.meta.main) {
  const value = (name: string) => Deno.args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
  const rootA = value("a");
  if (rootA === undefined) throw new Error("--a=<checkout> is required");
  const rootB = value("b") ?? new URL("../../", import.meta.url).pathname;
  const modes = (value("modes") ?? "json,stream,messages").split(",") as Mode[];
  const unknown = modes.filter((mode) => !(ALL_MODES as readonly string[]).includes(mode));
  if (unknown.length > 0) throw new Error(`unknown modes: ${unknown.join(", ")}`);
  const sandbox = value("sandbox");
  const args = sandbox ? [`--sandbox=${sandbox}`] : [];
  const options = { bursts: Number(value("bursts") ?? 12), burstMs: Number(value("burst-ms") ?? 800) };
  console.log(`A: ${rootA}\nB: ${rootB}`);
  const upstream = await startBenchUpstream();
  const sides: Side[] = [];
  const summary: Record<string, unknown> = {};
  try {
    sides.push(await startSide("A", rootA, upstream, args));
    sides.push(await startSide("B", rootB, upstream, args));
    for (const mode of modes) {
      summary[mode] = await compareMode(mode, [sides[0], sides[1]], upstream, options);
    }
  } finally {
    await Promise.all(sides.map((side) => side.stop()));
    await upstream.stop();
  }
  console.log(JSON.stringify({ bench: "ab", a: rootA, b: rootB, ...summary }));
}
