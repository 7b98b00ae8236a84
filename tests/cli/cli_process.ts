/** Running `main.ts <args>` to completion as a subprocess, with a temporary data directory, for CLI tests. */
import { baseEnv, PROJECT_ROOT, PROXY_RUNTIME_FLAGS } from "../helpers/proxy_process.ts";

/** What a finished command printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the command line with `args` (`--data-dir` is the caller's to add). */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
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
    cwd: PROJECT_ROOT,
    env: { ...baseEnv(), ...options.env },
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const result = await child.output();
  const decoder = new TextDecoder();
  return { code: result.code, stdout: decoder.decode(result.stdout), stderr: decoder.decode(result.stderr) };
}

/** A fresh data directory, optionally with a `.env`. */
export async function dataDirWith(envFile?: string): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "proxy-cli-test-" });
  if (envFile !== undefined) await Deno.writeTextFile(`${dataDir}/.env`, envFile, { mode: 0o600 });
  return dataDir;
}

/** The permission bits of a file. */
export async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}
