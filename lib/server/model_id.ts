/**
 * What a client may name as a model. Model ids reach upstream URLs (Gemini puts them in the path), logs
 * and the pools' per-model state, so a hostile id is refused before any of them sees it.
 */
import { RequestError } from "../errors.ts";

/** Longest model id accepted; real ids are far shorter (OpenRouter's longest are about 80 characters). */
export const MAX_MODEL_ID_LENGTH = 256;

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `name` is not an acceptable model id, or null when it is. */
export function modelIdProblem(name: string): string | null {
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_MODEL_ID_LENGTH) return `must be at most ${MAX_MODEL_ID_LENGTH} characters`;
  if (CONTROL_CHARACTERS.test(name)) return "must not contain control characters";
  if (name.includes("?") || name.includes("#")) return "must not contain `?` or `#`";
  // `%2e%2e` is `..` once an upstream decodes it; `\` is a path separator to URL parsers.
  const decoded = decodePercent(name);
  if (decoded.split(/[/\\]/).some((segment) => segment === ".." || segment === ".")) {
    return "must not contain `.` or `..` path segments";
  }
  if (
    decoded !== name && (decoded.includes("?") || decoded.includes("#") || CONTROL_CHARACTERS.test(decoded))
  ) {
    return "must not contain percent-encoded `?`, `#` or control characters";
  }
  return null;
}

/** Refuse a model id that {@link modelIdProblem} objects to, with a 400 naming `model`. */
export function checkModelId(name: string): void {
  const problem = modelIdProblem(name);
  if (problem !== null) {
    throw new RequestError(400, `model: ${problem}`, { param: "model", code: "invalid_model" });
  }
}

function decodePercent(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` is not an escape; decode the valid ones only.
    return text.replace(/%[0-9a-f]{2}/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
  }
}
