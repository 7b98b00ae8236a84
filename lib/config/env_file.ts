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
 * appended; every other line is kept byte for byte.
 */
export function setEnvValues(text: string, values: Record<string, string>): string {
  const pending = new Map(Object.entries(values));
  const lines = text === "" ? [] : text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const updated = lines.map((line) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (!match || !pending.has(match[1])) return line;
    const name = match[1];
    const value = pending.get(name)!;
    pending.delete(name);
    return `${name}=${formatEnvValue(value)}`;
  });
  for (const [name, value] of pending) updated.push(`${name}=${formatEnvValue(value)}`);
  return updated.join("\n") + "\n";
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

/** Set variables in the `.env` file at `path` (created when missing), atomically and with mode 0600. */
export async function updateEnvFile(path: string, values: Record<string, string>): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await writeFileAtomic(path, setEnvValues(text, values));
}
