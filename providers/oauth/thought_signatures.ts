/**
 * Thought signatures kept per tool call: Antigravity's Gemini 3 and Claude models refuse a multi-turn
 * tool conversation whose function calls lost their signature ("Function call is missing a
 * thought_signature"), and most clients drop them. Signatures seen in answers are remembered by call id
 * (Claude's `toolu_…`) or by name and arguments, and put back on the calls of later requests; calls
 * with no remembered signature keep the sentinel gemini-cli itself sends.
 */
import { SKIP_SIGNATURE } from "../../lib/formats/gemini/request.ts";
import { isRecord } from "../../lib/formats/json_values.ts";

/** How many signatures are kept (oldest forgotten first). @default 2000 */
const CAPACITY = 2_000;

/** A bounded memory of signatures by tool call. */
export class ThoughtSignatures {
  readonly #byCall = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = CAPACITY) {
    this.#capacity = capacity;
  }

  /** Remember the signatures on the function-call parts of one answer chunk (`{candidates}`). */
  remember(response: Record<string, unknown>): void {
    const candidates = Array.isArray(response.candidates) ? response.candidates : [];
    for (const candidate of candidates) {
      const parts =
        isRecord(candidate) && isRecord(candidate.content) && Array.isArray(candidate.content.parts)
          ? candidate.content.parts
          : [];
      for (const part of parts) {
        if (!isRecord(part) || !isRecord(part.functionCall) || typeof part.thoughtSignature !== "string") {
          continue;
        }
        if (part.thoughtSignature === SKIP_SIGNATURE) continue;
        for (const key of callKeys(part.functionCall)) {
          this.#byCall.delete(key);
          this.#byCall.set(key, part.thoughtSignature);
          if (this.#byCall.size > this.#capacity) this.#byCall.delete(this.#byCall.keys().next().value!);
        }
      }
    }
  }

  /** A copy of a Gemini body whose unsigned (or sentinel-signed) calls carry their remembered signature. */
  restore(body: Record<string, unknown>): Record<string, unknown> {
    if (!Array.isArray(body.contents) || this.#byCall.size === 0) return body;
    let changed = false;
    const contents = body.contents.map((content) => {
      if (!isRecord(content) || !Array.isArray(content.parts)) return content;
      const parts = content.parts.map((part) => {
        if (!isRecord(part) || !isRecord(part.functionCall)) return part;
        if (part.thoughtSignature !== undefined && part.thoughtSignature !== SKIP_SIGNATURE) return part;
        const keys = callKeys(part.functionCall);
        const signature = keys.map((key) => this.#byCall.get(key)).find((found) => found !== undefined);
        if (signature === undefined) return part;
        changed = true;
        return { ...part, thoughtSignature: signature };
      });
      return { ...content, parts };
    });
    return changed ? { ...body, contents } : body;
  }
}

/**
 * A call's keys: its id when it has one (Claude's `toolu_…`, kept by clients), and its name and arguments
 * (Gemini's calls have no id; clients get one made up by the proxy, which never comes back to Gemini).
 */
function callKeys(call: Record<string, unknown>): string[] {
  const byContent = `call:${String(call.name)}:${JSON.stringify(call.args ?? {})}`;
  return typeof call.id === "string" && call.id !== "" ? [`id:${call.id}`, byContent] : [byContent];
}
