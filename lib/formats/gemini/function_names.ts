/**
 * Tool names ↔ names Gemini takes for functions. Gemini refuses a declaration or call named otherwise
 * (400 "Invalid function name"), while Anthropic allows 128 characters: Claude Code's MCP tools
 * (`mcp__<server>__<tool>`) often run past 64. Such names go out renamed and come back as the client
 * wrote them.
 */
import { createHash } from "node:crypto";

/**
 * Gemini's rule for function names: a letter or underscore first, then letters, digits, underscores,
 * dots, colons and dashes, 64 characters at most.
 * https://ai.google.dev/api/caching#FunctionDeclaration
 */
const GEMINI_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;
const MAX_LENGTH = 64;
/** Hex digits of the hash that tells apart names shortened to the same prefix. */
const HASH_LENGTH = 8;

/** How one request's function names read to Gemini, both ways. */
export interface FunctionNames {
  /** The name Gemini knows a function by (the name itself when Gemini takes it). */
  toGemini(name: string): string;
  /** The client's name for a function Gemini named (unknown names are returned as they are). */
  fromGemini(name: string): string;
}

const SAME_NAMES: FunctionNames = { toGemini: (name) => name, fromGemini: (name) => name };

/** Whether Gemini takes `name` as a function name. */
export function isGeminiFunctionName(name: string): boolean {
  return GEMINI_NAME.test(name);
}

/**
 * The names of a request's functions (declarations, tool choice, calls in the history) as Gemini takes
 * them. Names Gemini accepts stay; the others get a valid name that is deterministic (the same names
 * give the same mapping on every turn and every retry) and collision-free (never a name already taken by
 * another function of the request): invalid characters replaced by `_`, and, when that is too long or
 * already taken, cut short with a hash of the original name at the end. Free when every name is valid.
 */
export function geminiFunctionNames(names: Iterable<string>): FunctionNames {
  const taken = new Set<string>();
  const refused = new Set<string>();
  for (const name of names) (isGeminiFunctionName(name) ? taken : refused).add(name);
  if (refused.size === 0) return SAME_NAMES;
  const toGemini = new Map<string, string>();
  const fromGemini = new Map<string, string>();
  // Sorted, so that the mapping does not depend on the order the names were met in.
  for (const name of [...refused].sort()) {
    let renamed = renameForGemini(name, 0);
    for (let attempt = 1; taken.has(renamed); attempt++) renamed = renameForGemini(name, attempt);
    taken.add(renamed);
    toGemini.set(name, renamed);
    fromGemini.set(renamed, name);
  }
  return {
    toGemini: (name) => toGemini.get(name) ?? name,
    fromGemini: (name) => fromGemini.get(name) ?? name,
  };
}

/**
 * A valid name for `name`: its characters made valid, kept whole on the first attempt when short
 * enough, otherwise cut to leave room for a hash of the name (and of the attempt, after a collision).
 */
function renameForGemini(name: string, attempt: number): string {
  const characters = name.replace(/[^A-Za-z0-9_.:-]/g, "_");
  const valid = /^[A-Za-z_]/.test(characters) ? characters : `_${characters}`;
  if (attempt === 0 && valid.length <= MAX_LENGTH) return valid;
  const seed = attempt === 0 ? name : `${name}\n${attempt}`;
  const hash = createHash("sha256").update(seed).digest("hex").slice(0, HASH_LENGTH);
  return `${valid.slice(0, MAX_LENGTH - HASH_LENGTH - 1)}_${hash}`;
}
