/**
 * Canonical stream parts → a Gemini `streamGenerateContent?alt=sse` stream, for Gemini clients served by
 * a provider of another format. Every event is a whole `GenerateContentResponse` holding the next
 * pieces of the one candidate: text and thoughts as they come, each function call whole (Gemini never
 * streams arguments), and on the last chunk `finishReason` and `usageMetadata` (held until the usage
 * came: OpenAI sends it in a chunk after the finish, Anthropic in the event that says it). Gemini CLI retries a
 * turn whose stream has no `finishReason`, printing it again, so a stream cut short ends with an error
 * rather than quietly. A small immutable state and a pure step function, tested alone.
 * https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
import { type PartsEncoder, statefulStep } from "../stream_pipeline.ts";
import {
  type CanonicalUsage,
  emptyUsage,
  type FinishInfo,
  mergeUsage,
  signatureFor,
  type StreamPart,
} from "../canonical.ts";
import { encodeSseEvent } from "../sse.ts";
import { geminiStreamErrorEvent } from "./error.ts";
import { finishToGemini } from "./finish_reason.ts";
import { signatureCarrier } from "./signature_carrier.ts";
import { usageToGemini } from "./usage.ts";

type Json = Record<string, unknown>;

/** A function call being gathered until its arguments are complete. */
interface PendingCall {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly argumentsJson: string;
}

/** What the encoder remembers between parts. */
export interface GeminiEncoderState {
  /** `responseId` of every chunk: the upstream's id when it gave one. */
  readonly id: string;
  /** `modelVersion` of every chunk: the model name the client asked for. */
  readonly model: string;
  /** A finish chunk was sent. */
  readonly finished: boolean;
  /** The finish, held until its usage came (or the stream ends). */
  readonly finish: FinishInfo | null;
  /** A `usage` part came: a finish after it goes out at once. */
  readonly usageSeen: boolean;
  /** An error was sent: nothing more may follow. */
  readonly failed: boolean;
  /** An id came from a `start` part. */
  readonly started: boolean;
  readonly usage: CanonicalUsage;
  /** Calls gathered until something else begins or the answer ends. */
  readonly calls: readonly PendingCall[];
  /** A signature (Gemini's, or a carrier of another provider's reasoning) that belongs on the next part sent. */
  readonly signature: string | null;
  /** The reasoning text streamed since the last signature, which another provider's signature signs. */
  readonly thinking: string;
}

/** The encoder state before the first part; `id` defaults to a fresh id. */
export function initialGeminiEncoderState(options: { model: string; id?: string }): GeminiEncoderState {
  const { model, id = crypto.randomUUID().replaceAll("-", "") } = options;
  return {
    id,
    model,
    finished: false,
    finish: null,
    usageSeen: false,
    failed: false,
    started: false,
    usage: emptyUsage(),
    calls: [],
    signature: null,
    thinking: "",
  };
}

/** One canonical part → the SSE text it becomes and the next encoder state. */
export function encodeGeminiPart(
  state: GeminiEncoderState,
  part: StreamPart,
): { state: GeminiEncoderState; events: string[] } {
  if (state.failed || state.finished && part.type !== "error") return { state, events: [] };
  // After the finish only its usage (or an error) still counts.
  if (state.finish !== null && part.type !== "usage" && part.type !== "error") return { state, events: [] };
  switch (part.type) {
    case "start": {
      const next = { ...state, started: true };
      return {
        state: {
          ...next,
          id: part.id !== "" && !state.started ? part.id : state.id,
          usage: part.usage ? mergeUsage({ ...state.usage }, part.usage) : state.usage,
        },
        events: [],
      };
    }
    case "text-delta":
      return part.text === "" ? { state, events: [] } : emitParts(state, [{ text: part.text }]);
    case "reasoning-delta": {
      if (part.text === "") return { state, events: [] };
      const step = emitParts(state, [{ text: part.text, thought: true }]);
      return { state: { ...step.state, thinking: state.thinking + part.text }, events: step.events };
    }
    case "reasoning-signature": {
      const signature = signatureFor("gemini", part.signature);
      if (signature === undefined) {
        // Another provider's: the client carries it, with the text it signs, on the next part.
        const text = part.standalone ? "" : state.thinking;
        return carry(state, signatureCarrier({ type: "reasoning", text, signature: part.signature }));
      }
      if (part.standalone) return carry(state, signature);
      const step = emitParts(state, [{ text: "", thought: true, thoughtSignature: signature }]);
      return { state: { ...step.state, thinking: "" }, events: step.events };
    }
    case "redacted-reasoning":
      return carry(state, signatureCarrier({ type: "redacted-reasoning", data: part.data }));
    case "tool-call-start": {
      const call = { index: part.index, id: part.id, name: part.name, argumentsJson: "" };
      return { state: { ...state, calls: [...state.calls, call] }, events: [] };
    }
    case "tool-call-delta": {
      const calls = state.calls.map((call) =>
        call.index === part.index
          ? { ...call, argumentsJson: call.argumentsJson + part.argumentsDelta }
          : call
      );
      return { state: { ...state, calls }, events: [] };
    }
    case "usage": {
      const next = { ...state, usage: mergeUsage({ ...state.usage }, part.usage), usageSeen: true };
      return next.finish === null ? { state: next, events: [] } : finishChunk(next, next.finish);
    }
    case "finish":
      return state.usageSeen
        ? finishChunk(state, part.finish)
        : { state: { ...state, finish: part.finish }, events: [] };
    case "error": {
      const fields = { kind: part.kind ?? "api_error", message: part.message };
      // A finish held for its usage goes out first, as it would have without the wait.
      const held = state.finish !== null && !state.finished
        ? finishChunk(state, state.finish)
        : { state, events: [] };
      return {
        state: { ...held.state, failed: true },
        events: [...held.events, geminiStreamErrorEvent(fields)],
      };
    }
  }
}

/** The last chunk: the calls still gathered, `finishReason` and `usageMetadata`. */
function finishChunk(
  state: GeminiEncoderState,
  finish: FinishInfo,
): { state: GeminiEncoderState; events: string[] } {
  const { state: next, parts } = takeCalls(state);
  const candidate: Json = {
    content: { role: "model", parts: signParts(next, parts) },
    finishReason: finishToGemini(finish),
    index: 0,
  };
  const chunk = chunkOf(next, candidate);
  chunk.usageMetadata = usageToGemini(next.usage);
  return {
    state: { ...next, signature: null, finish, finished: true },
    events: [encodeSseEvent({ data: JSON.stringify(chunk) })],
  };
}

/**
 * The SSE text that closes the stream: the finish chunk still held for its usage; an error when the answer
 * was cut short.
 */
export function endGeminiStream(state: GeminiEncoderState): string[] {
  if (state.failed || state.finished) return [];
  if (state.finish !== null) return finishChunk(state, state.finish).events;
  return [geminiStreamErrorEvent({
    kind: "api_error",
    message: "the upstream stream ended before the response was complete",
  })];
}

/** Canonical parts → Gemini SSE text; `model` is the name the client asked for. */
export function partsToGeminiChunks(options: { model: string }): TransformStream<StreamPart, string> {
  let state = initialGeminiEncoderState(options);
  return new TransformStream({
    transform(part, controller) {
      const step = encodeGeminiPart(state, part);
      state = step.state;
      for (const event of step.events) controller.enqueue(event);
    },
    flush(controller) {
      for (const event of endGeminiStream(state)) controller.enqueue(event);
    },
  });
}

/** {@link partsToGeminiChunks} as a synchronous step (one call per part). */
export function geminiPartsEncoder(options: { model: string }): PartsEncoder {
  return statefulStep(initialGeminiEncoderState(options), (state, part: StreamPart) => {
    const step = encodeGeminiPart(state, part);
    return { state: step.state, outputs: step.events };
  }, endGeminiStream);
}

/** `signature` waits for the next part; one already waiting goes out first on an empty part of its own. */
function carry(
  state: GeminiEncoderState,
  signature: string,
): { state: GeminiEncoderState; events: string[] } {
  const flushed = state.signature === null ? { state, events: [] } : emitParts(state, []);
  return { state: { ...flushed.state, signature, thinking: "" }, events: flushed.events };
}

/** One chunk holding `parts` (after any calls gathered so far, which come first). */
function emitParts(
  state: GeminiEncoderState,
  parts: Json[],
): { state: GeminiEncoderState; events: string[] } {
  const taken = takeCalls(state);
  const all = signParts(taken.state, [...taken.parts, ...parts]);
  const chunk = chunkOf(taken.state, { content: { role: "model", parts: all }, index: 0 });
  return {
    state: { ...taken.state, signature: null },
    events: [encodeSseEvent({ data: JSON.stringify(chunk) })],
  };
}

/** The gathered calls as `functionCall` parts, and the state without them. */
function takeCalls(state: GeminiEncoderState): { state: GeminiEncoderState; parts: Json[] } {
  if (state.calls.length === 0) return { state, parts: [] };
  const parts = state.calls.map((call): Json => {
    const functionCall: Json = { name: call.name, args: parseArguments(call.argumentsJson) };
    if (call.id !== "") functionCall.id = call.id;
    return { functionCall };
  });
  return { state: { ...state, calls: [] }, parts };
}

/** A waiting signature goes on the first part (Gemini signs the part it belongs to). */
function signParts(state: GeminiEncoderState, parts: Json[]): Json[] {
  if (state.signature === null) return parts;
  if (parts.length === 0) return [{ text: "", thoughtSignature: state.signature }];
  const [first, ...rest] = parts;
  return [{ ...first, thoughtSignature: state.signature }, ...rest];
}

function chunkOf(state: GeminiEncoderState, candidate: Json): Json {
  return { candidates: [candidate], modelVersion: state.model, responseId: state.id };
}

/** A call's arguments as an object; arguments that are not a JSON object travel as `{}` (never a throw). */
function parseArguments(json: string): Json {
  if (json.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Json : {};
  } catch {
    return {};
  }
}
