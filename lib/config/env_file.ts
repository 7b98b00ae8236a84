/**
 * Reading and safely updating a `.env` file: other lines and comments stay as they are, the new
 * file replaces the old one atomically (temp file + rename) and is readable by its owner only.
 */
import { parseEnv } from "node:util";

/** Parse `.env` text into a plain record (quotes, comments and `export ` prefixes handled). */
export function parseEnvText(text: string): Record<string, string> {
  return { ...parseEnv(text) } as Record<string, string>;
}

/** Read and parse a `.env` file; a missing file is an empty record. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  try {
    return parseEnvText(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

/** Quote a value when `.env` parsing would otherwise change it. */
export function formatEnvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+=,-]*$/.test(value)) return value;
  return JSON.stringify(value);
}

/**
 * Set variables in `.env` text: an existing `NAME=` line is replaced in place, a new one is
 * appended, and a `null` value removes the variable's lines; every other line is kept byte for byte.
 */
export function setEnvValues(text: string, values: Record<string, string | null>): string {
  const pending = new Map(Object.entries(values));
  const lines = text === "" ? [] : text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const updated: string[] = [];
  for (const line of lines) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (!match || !Object.hasOwn(values, match[1])) {
      updated.push(line);
      continue;
    }
    const name = match[1];
    const value = values[name];
    // A second line for the same name (the last one wins when parsed) would resurrect the old value.
    if (value === null || !pending.has(name)) continue;
    pending.delete(name);
    updated.push(`${name}=${formatEnvValue(value)}`);
  }
  for (const [name, value] of pending) if (value !== null) updated.push(`${name}=${formatEnvValue(value)}`);
  return updated.length === 0 ? "" : updated.join("\n") + "\n";
}

/** Write a file atomically with mode 0600: write a sibling temp file, then rename it over the target. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { mode: 0o600 });
    if (Deno.build.os !== "windows") await Deno.chmod(temporary, 0o600);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Set (or, with `null`, remove) variables in the `.env` file at `path` (created when missing),
 * atomically and with mode 0600.
 */
export async function updateEnvFile(path: string, values: Record<string, string | null>): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await writeFileAtomic(path, setEnvValues(text, values));
}
