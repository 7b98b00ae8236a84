/**
 * A whole answer from a stream's canonical parts, for vendors that only stream (the Codex backend)
 * when the client asked for one JSON answer. Pure: parts in, canonical response out.
 */
import {
  type CanonicalPart,
  type CanonicalResponse,
  emptyUsage,
  type FinishInfo,
  mergeUsage,
  type StreamPart,
} from "../../lib/formats/canonical.ts";

/** The stream reported an error: the answer cannot be completed. */
export class StreamAnswerError extends Error {
  override readonly name = "StreamAnswerError";
  constructor(readonly part: Extract<StreamPart, { type: "error" }>) {
    super(part.message);
  }
}

/** Fold `parts` into one response. Throws {@link StreamAnswerError} when the stream carried an error. */
export function collectParts(parts: Iterable<StreamPart>): CanonicalResponse {
  const response: CanonicalResponse = {
    id: "",
    model: "",
    content: [],
    finish: { unified: "stop", raw: null },
    usage: emptyUsage(),
  };
  const calls = new Map<number, { part: Extract<CanonicalPart, { type: "tool-call" }>; json: string }>();
  let finish: FinishInfo | null = null;
  const last = () => response.content.at(-1);
  for (const part of parts) {
    switch (part.type) {
      case "start":
        response.id = part.id;
        response.model = part.model;
        if (part.usage) mergeUsage(response.usage, part.usage);
        break;
      case "text-delta": {
        const previous = last();
        if (previous?.type === "text") previous.text += part.text;
        else response.content.push({ type: "text", text: part.text });
        break;
      }
      case "reasoning-delta": {
        const previous = last();
        if (previous?.type === "reasoning" && previous.signature === undefined) previous.text += part.text;
        else response.content.push({ type: "reasoning", text: part.text });
        break;
      }
      case "reasoning-signature": {
        const previous = last();
        if (!part.standalone && previous?.type === "reasoning") previous.signature = part.signature;
        else response.content.push({ type: "reasoning", text: "", signature: part.signature });
        break;
      }
      case "redacted-reasoning":
        response.content.push({ type: "redacted-reasoning", data: part.data });
        break;
      case "tool-call-start": {
        const call = { type: "tool-call" as const, id: part.id, name: part.name, input: {} };
        calls.set(part.index, { part: call, json: "" });
        response.content.push(call);
        break;
      }
      case "tool-call-delta": {
        const call = calls.get(part.index);
        if (call) call.json += part.argumentsDelta;
        break;
      }
      case "usage":
        mergeUsage(response.usage, part.usage);
        break;
      case "finish":
        finish = part.finish;
        break;
      case "error":
        throw new StreamAnswerError(part);
    }
  }
  for (const { part, json } of calls.values()) {
    const parsed: unknown = json.trim() === "" ? {} : JSON.parse(json);
    part.input = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed as Record<string, unknown>
      : { value: parsed };
  }
  response.finish = finish ?? { unified: calls.size > 0 ? "tool-calls" : "stop", raw: null };
  return response;
}
