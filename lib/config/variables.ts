/**
 * The variables a command works on: the data directory, its `.env` and the process environment,
 * merged the way {@link loadConfig} merges them, but without validating or completing anything, so
 * that commands which edit or check the configuration can read a broken one.
 */
import { join, resolve } from "node:path";
import { readEnvFile } from "./env_file.ts";

/** Where the variables of a data directory come from. */
export interface DataDirVariables {
  /** The absolute data directory. */
  dataDir: string;
  /** `<dataDir>/.env`. */
  envPath: string;
  /** What `.env` sets. */
  file: Record<string, string>;
  /** `.env` overlaid with the non-empty process variables: what the server would see. */
  merged: Record<string, string>;
  /** Names set by the process environment (they win over `.env`). */
  fromProcess: ReadonlySet<string>;
}

/** Options of {@link readDataDirVariables}. */
export interface ReadVariablesOptions {
  /** The process environment. @default Deno.env.toObject() */
  env?: Record<string, string>;
  /** Working directory, the default data directory. @default Deno.cwd() */
  cwd?: string;
}

/** The process environment; the command line reads it only through this folder. */
export function processEnvironment(): Record<string, string> {
  return Deno.env.toObject();
}

/** The data directory named by `--data-dir`, `PROXY_DATA_DIR` or the working directory. */
export function resolveDataDir(override: string | undefined, options: ReadVariablesOptions = {}): string {
  const { env = processEnvironment(), cwd = Deno.cwd() } = options;
  return resolve(cwd, override ?? env.PROXY_DATA_DIR ?? ".");
}

/** Read `.env` of the data directory and merge the process environment over it. */
export async function readDataDirVariables(
  override: string | undefined,
  options: ReadVariablesOptions = {},
): Promise<DataDirVariables> {
  const { env = processEnvironment() } = options;
  const dataDir = resolveDataDir(override, options);
  const envPath = join(dataDir, ".env");
  const file = await readEnvFile(envPath);
  const merged: Record<string, string> = { ...file };
  const fromProcess = new Set<string>();
  // Same rule as loadConfig: an empty process variable counts as unset.
  for (const [name, value] of Object.entries(env)) {
    if (value === "") continue;
    merged[name] = value;
    fromProcess.add(name);
  }
  return { dataDir, envPath, file, merged, fromProcess };
}
