/**
 * How a chat call is accounted for: what a translated stream said on its way through (usage, errors and
 * whom they blame, with usage estimated when the upstream gave none), and how the call ends for its
 * credential.
 */
import type { CanonicalPart, CanonicalUsage, StreamPart, WireFormat } from "../formats/canonical.ts";
import { isRecord } from "../formats/json_values.ts";
import { SseParser } from "../formats/sse.ts";
import { OutputSample } from "../formats/token_count.ts";
import type { CallOutcome } from "../rotator/rotator.ts";
import type { TokenUsage } from "../rotator/usage.ts";
import type { StreamEnd } from "./relay.ts";

/** Estimates the counts `usage` lacks (see `estimateMissingUsage`); resolves to `{}` when none is. */
export type UsageEstimator = (
  usage: Partial<CanonicalUsage>,
  output: () => readonly CanonicalPart[],
) => Promise<Partial<CanonicalUsage>>;

/**
 * Watches canonical parts go by: the latest usage, any in-stream error and whom it blames. While the
 * upstream has not counted output tokens it also keeps the output, so that a stream that ends without
 * usage gets an estimated `usage` part just before its end, which the client's encoder reports.
 */
export class PartsTap {
  usage: Partial<CanonicalUsage> = {};
  error: string | null = null;
  /** `model` when the error says the model's output was unusable (the credential is not at fault). */
  blame: "model" | undefined;
  finished = false;
  readonly #estimate: UsageEstimator | undefined;
  /** The output so far, a bounded sample of it; dropped once the upstream counts output tokens. */
  #output = new OutputSample();

  constructor(estimate?: UsageEstimator) {
    this.#estimate = estimate;
  }

  stream(): TransformStream<StreamPart, StreamPart> {
    return new TransformStream({
      transform: (part, controller) => {
        this.see(part);
        controller.enqueue(part);
      },
      flush: async (controller) => {
        const usage = await this.estimatedUsage();
        if (usage !== null) controller.enqueue(usage);
      },
    });
  }

  /**
   * At the end of a finished stream whose upstream gave no (or partial) usage: the estimated counts as a
   * `usage` part to send before the end, or null.
   */
  async estimatedUsage(): Promise<StreamPart | null> {
    if (!this.finished || this.error !== null || this.#estimate === undefined) return null;
    const output = this.#output;
    const text = () => output.length === 0 ? [] : [{ type: "text" as const, text: output.sample() }];
    const estimate = await this.#estimate(this.usage, text);
    // Only a sample of a long answer was kept: its count stands for the whole at the same rate.
    if (estimate.outputTokens !== undefined) estimate.outputTokens = output.scale(estimate.outputTokens);
    if (Object.keys(estimate).length === 0) return null;
    this.usage = { ...this.usage, ...estimate };
    return { type: "usage", usage: estimate };
  }

  /** Take note of one part going by. */
  see(part: StreamPart): void {
    switch (part.type) {
      case "start":
        if (part.usage) this.#count(part.usage);
        break;
      case "usage":
        this.#count(part.usage);
        break;
      case "error":
        this.error = part.message;
        this.blame = part.blame;
        break;
      case "finish":
        this.finished = true;
        break;
      case "text-delta":
      case "reasoning-delta":
        this.#keep(part.text);
        break;
      case "tool-call-start":
        this.#keep(part.name);
        break;
      case "tool-call-delta":
        this.#keep(part.argumentsDelta);
        break;
    }
  }

  #count(usage: Partial<CanonicalUsage>): void {
    this.usage = { ...this.usage, ...usage };
    if (this.usage.outputTokens) this.#output = new OutputSample();
  }

  #keep(text: string): void {
    if (!this.usage.outputTokens) this.#output.add(text);
  }
}

/** What the end of a relayed stream is judged on. */
export interface StreamFacts {
  /** The stream was translated (so a missing finish means it was cut short). */
  translated: boolean;
  /** What the parts said (translated streams only). */
  tap: Pick<PartsTap, "error" | "blame" | "finished">;
  /** The usage seen, or null. */
  usage: Partial<CanonicalUsage> | null;
}

/**
 * How a relayed stream's call ends for its credential, and why it failed (for the log), or null. A broken
 * or silent upstream, or its in-stream error, fails the call (the key is cooled); an error that blames the
 * model's output fails the client's answer but not the key, as for an unreadable JSON answer.
 */
export function streamOutcome(
  end: StreamEnd,
  facts: StreamFacts,
): { outcome: CallOutcome; failure: string | null } {
  const { translated, tap, usage } = facts;
  if (!end.ok) {
    if ("cancelled" in end) return { outcome: end, failure: null };
    const reason = end.error instanceof Error ? end.error.message : String(end.error);
    return { outcome: end, failure: reason };
  }
  if (tap.error !== null && tap.blame === "model") {
    const failure = `${tap.error} (the model's output was unusable; the key is not blamed)`;
    return { outcome: { ok: true, tokens: tokenUsage(usage) }, failure };
  }
  if (tap.error !== null) return { outcome: { ok: false, error: new Error(tap.error) }, failure: tap.error };
  if (translated && !tap.finished) {
    // The encoders end such a stream with an error event; the call failed.
    const failure = "the upstream stream ended before it finished";
    return { outcome: { ok: false, error: new Error(failure) }, failure };
  }
  return { outcome: { ok: true, tokens: tokenUsage(usage) }, failure: null };
}

/** Canonical usage as the rotator counts it (prompt tokens include cached ones). */
export function tokenUsage(usage: Partial<CanonicalUsage> | null | undefined): TokenUsage | null {
  if (!usage) return null;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheCreation = usage.cacheCreationTokens ?? 0;
  return {
    promptTokens: (usage.inputTokens ?? 0) + cacheRead + cacheCreation,
    completionTokens: usage.outputTokens ?? 0,
    cachedTokens: cacheRead,
    reasoningTokens: usage.reasoningTokens ?? 0,
    // Only when there are any, so usage records of other providers keep their shape.
    ...(cacheCreation > 0 ? { cacheCreationTokens: cacheCreation } : {}),
  };
}

/**
 * How a stream passed through untouched ended, read from its last events: with its format's final event
 * (`finished`), with an error event (`errored`), or neither (`cut`: the upstream closed mid-answer).
 */
export type PassThroughEnding = "finished" | "errored" | "cut";

/**
 * Read how a passed-through stream ended from `tail`, the text of its last chunks (see `relayStream`): only
 * at the end, and only those few events, so the relay's hot path stays untouched. The final events are
 * `data: [DONE]` or a `finish_reason` (OpenAI chat), `message_stop` (Anthropic),
 * `response.completed`/`response.incomplete` (Responses) and a `finishReason` (Gemini).
 */
export function passThroughEnding(format: WireFormat, tail: string): PassThroughEnding {
  const parser = new SseParser();
  // The tail may begin mid-event: that first fragment parses as junk and is skipped like any non-JSON.
  const events = parser.push(tail).concat(parser.end());
  let finished = false;
  for (const event of events) {
    if (event.data.trim() === "[DONE]") {
      if (format === "openai") finished = true;
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      continue;
    }
    if (!isRecord(json)) continue;
    const ending = endingOf(format, event.event, json);
    // An error after the final event still failed the answer; a final event after an error does not mend it.
    if (ending === "errored") return "errored";
    if (ending === "finished") finished = true;
  }
  return finished ? "finished" : "cut";
}

/** What one event of `format` says about the stream's end, or null when it says nothing. */
function endingOf(
  format: WireFormat,
  name: string | undefined,
  json: Record<string, unknown>,
): PassThroughEnding | null {
  const type = typeof json.type === "string" ? json.type : name;
  switch (format) {
    case "openai": {
      if (json.error !== undefined && json.error !== null) return "errored";
      const choices = Array.isArray(json.choices) ? json.choices : [];
      return choices.some((choice) => isRecord(choice) && typeof choice.finish_reason === "string")
        ? "finished"
        : null;
    }
    case "anthropic":
      return type === "error" ? "errored" : type === "message_stop" ? "finished" : null;
    case "responses":
      if (type === "error" || type === "response.failed") return "errored";
      return type === "response.completed" || type === "response.incomplete" ? "finished" : null;
    case "gemini": {
      if (json.error !== undefined && json.error !== null) return "errored";
      const candidates = Array.isArray(json.candidates) ? json.candidates : [];
      return candidates.some((candidate) => isRecord(candidate) && typeof candidate.finishReason === "string")
        ? "finished"
        : null;
    }
  }
}
