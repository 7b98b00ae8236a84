/**
 * Small JSON settings files of the data directory (`launcher_config.json`,
 * `quota_viewer_config.json`): read through a zod schema, written atomically with mode 0600.
 */
import type { z } from "zod";
import { ConfigError } from "../errors.ts";
import { writeFileAtomic } from "./env_file.ts";

/** Read and validate a JSON settings file; a missing file is `fallback`. Throws {@link ConfigError}. */
export async function readJsonSettings<T>(path: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return fallback;
    throw new ConfigError(path, `cannot be read: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `is not valid JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new ConfigError(path, `${where}${issue.message}`);
  }
  return result.data;
}

/** Write a JSON settings file atomically, readable by its owner only. */
export async function writeJsonSettings(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
