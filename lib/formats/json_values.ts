/** Reading untyped JSON safely: the small checks every format's translation needs. */
import { RequestError } from "../errors.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether a value is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A finite number, or undefined. */
export function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A 400 naming the field: `path: problem`. */
export function invalid(path: string, problem: string): RequestError {
  return new RequestError(400, `${path}: ${problem}`, { param: path });
}

/** The string at `record[key]`, or a 400 naming `path.key`. */
export function stringAt(record: Json, key: string, path: string): string {
  const value = record[key];
  if (typeof value !== "string") throw invalid(`${path}.${key}`, "must be a string");
  return value;
}
