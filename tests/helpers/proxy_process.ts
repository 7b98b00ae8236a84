/**
 * Starting the real proxy process (`deno run main.ts serve`) on 127.0.0.1 with a temporary data
 * directory and an explicit environment, for end-to-end tests.
 */
import { fileURLToPath } from "node:url";

/** The project root (where deno.json lives). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Runtime flags of the `start`/`serve` tasks: `request.signal` aborts only when the client goes away,
 * not after every successful response (Deno's legacy behaviour costs an exception per request); a young
 * generation of 4 MB semi-spaces keeps the resident memory ~55 MB lower under load (issue 8).
 */
export const PROXY_RUNTIME_FLAGS = [
  "--unstable-no-legacy-abort",
  "--unstable-worker-options",
  "--v8-flags=--max-semi-space-size=4",
];

/** A fixed client key for tests. */
export const TEST_PROXY_KEY = "sk-proxy-test-0123456789abcdef";

/** A running proxy process. */
export interface ProxyProcess {
  url: string;
  apiKey: string;
  dataDir: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /**
   * The output once it matches `pattern`: info lines reach stdout in batches (the logger writes them
   * together every few milliseconds), so a line about a request may follow its answer. Rejects after
   * `timeoutMs` with the output so far.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Send SIGTERM (or `signal`, e.g. SIGKILL for a crash) and wait for the exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
  /** Send `signal` (e.g. SIGHUP for a reload) without waiting for anything. */
  signal(signal: Deno.Signal): void;
}

/** Options of {@link startProxy}. */
export interface StartProxyOptions {
  /** Variables on top of the minimal environment. */
  env?: Record<string, string>;
  /** Extra command-line arguments after `serve`. */
  args?: string[];
  /** Reuse a data directory (e.g. to test restarts). @default a new temporary directory */
  dataDir?: string;
  /** Contents of `.env` written into the data directory before start. */
  envFile?: string;
  /** A command that runs Deno with its arguments appended, e.g. `["prlimit", "--nofile=256:256"]`. */
  launcher?: string[];
  /** Runtime flags after `run`, on top of {@link PROXY_RUNTIME_FLAGS} (e.g. `--cpu-prof` in the benchmark). */
  runtimeFlags?: string[];
  /** The checkout whose `main.ts` runs (the A/B benchmark runs two). @default PROJECT_ROOT */
  root?: string;
}

/** The environment every spawned Deno needs (its cache), without the developer's own variables. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1", RUST_BACKTRACE: "0" };
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Spawn `main.ts serve --port 0` and wait until it listens. */
export async function startProxy(options: StartProxyOptions = {}): Promise<ProxyProcess> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "proxy-test-" });
  if (options.envFile !== undefined) await Deno.writeTextFile(`${dataDir}/.env`, options.envFile);
  const env = { ...baseEnv(), PROXY_API_KEY: TEST_PROXY_KEY, PROXY_LOG_LEVEL: "info", ...options.env };
  const [program, ...launcherArgs] = [...(options.launcher ?? []), Deno.execPath()];
  const child = new Deno.Command(program, {
    args: [
      ...launcherArgs,
      "run",
      ...PROXY_RUNTIME_FLAGS,
      ...(options.runtimeFlags ?? []),
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "main.ts",
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      ...(options.args ?? []),
    ],
    cwd: options.root ?? PROJECT_ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let output = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status;
  let exited = false;
  status.then(() => exited = true);

  const deadline = Date.now() + 30_000;
  let url: string | null = null;
  while (url === null) {
    const match = /Proxy listening on (http:\/\/\S+)/.exec(output);
    if (match) url = match[1];
    else if (exited || Date.now() > deadline) {
      await pumps;
      throw new Error(`proxy did not start:\n${output}`);
    } else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url,
    apiKey: env.PROXY_API_KEY,
    dataDir,
    output: () => output,
    async waitForOutput(pattern, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (exited || Date.now() > until) throw new Error(`output never matched ${pattern}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return output;
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) child.kill(signal);
      const result = await status;
      await pumps;
      return result;
    },
    signal(signal) {
      if (!exited) child.kill(signal);
    },
  };
}

/** Run `main.ts` with `args` to completion and collect its output (for start-up failures). */
export async function runProxyCommand(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...PROXY_RUNTIME_FLAGS,
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      `${PROJECT_ROOT}main.ts`,
      ...args,
    ],
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...baseEnv(), ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: result.code, stdout: decoder.decode(result.stdout), stderr: decoder.decode(result.stderr) };
}
