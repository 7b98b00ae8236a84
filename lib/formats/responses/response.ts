/**
 * OpenAI Responses `response` objects ↔ the canonical response, and the output items both the JSON answer
 * and the stream are made of.
 * https://platform.openai.com/docs/api-reference/responses/object
 */
import type { CanonicalPart, CanonicalResponse, CanonicalUsage, FinishInfo } from "../canonical.ts";
import { emptyUsage, markSignature } from "../canonical.ts";
import { isRecord, type Json } from "../json_values.ts";
import { encryptedContentFor } from "./reasoning_carrier.ts";
import { type NamespaceNames, qualifiedToolName } from "./tool_names.ts";
import { usageFromResponses, usageToResponses } from "./usage.ts";

/** Fields of the client's request a `response` object repeats (OpenAI echoes them). */
export type ResponseEcho = Json;

/** The request fields a response echoes, with OpenAI's defaults for those the client left out. */
export function echoOfRequest(body: Json): ResponseEcho {
  const reasoning = isRecord(body.reasoning) ? body.reasoning : {};
  const text = isRecord(body.text) ? body.text : {};
  return {
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: isRecord(text.format) ? text.format : { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    user: body.user ?? null,
  };
}

/** Everything a `response` object says beyond the echoed request. */
export interface ResponseState {
  id: string;
  createdAt: number;
  model: string;
  status: "in_progress" | "completed" | "incomplete" | "failed";
  output: Json[];
  usage: CanonicalUsage | null;
  error?: { code: string; message: string } | null;
  incompleteReason?: string | null;
}

/** A `response` object. */
export function responseObject(state: ResponseState, echo: ResponseEcho): Json {
  const { id, createdAt, model, status, output, usage } = state;
  return {
    id,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    ...echo,
    model,
    output,
    usage: usage === null ? null : usageToResponses(usage),
  };
}

/** Ids of one response and its items: `resp_…`, `msg_…`, `fc_…`, `rs_…` sharing one random stem. */
export class ResponseIds {
  readonly response: string;
  readonly #stem: string;
  #count = 0;

  constructor() {
    this.#stem = crypto.randomUUID().replaceAll("-", "");
    this.response = `resp_${this.#stem}`;
  }

  /** A new item id with `prefix` (`msg`, `fc`, `rs`). */
  item(prefix: string): string {
    return `${prefix}_${this.#stem}${(this.#count++).toString(16).padStart(4, "0")}`;
  }
}

/** A `message` output item. */
export function messageItem(
  id: string,
  options: { text: string; status: "in_progress" | "completed" | "incomplete"; refusal?: boolean },
): Json {
  const { text, status, refusal = false } = options;
  const content = status === "in_progress" && text === ""
    ? []
    : [refusal ? { type: "refusal", refusal: text } : outputTextPart(text)];
  return { id, type: "message", status, role: "assistant", content };
}

/** An `output_text` content part. */
export function outputTextPart(text: string): Json {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

/** A `function_call` output item, named as the client named the function. */
export function functionCallItem(
  id: string,
  call: { callId: string; name: string; arguments: string; status: "in_progress" | "completed" },
  namespaces: NamespaceNames,
): Json {
  const { name, namespace } = qualifiedToolName(namespaces, call.name);
  const item: Json = { id, type: "function_call", status: call.status, call_id: call.callId, name };
  if (namespace !== undefined) item.namespace = namespace;
  item.arguments = call.arguments;
  return item;
}

/** A `reasoning` output item; `encrypted_content` carries signatures and redacted data statelessly. */
export function reasoningItem(
  id: string,
  reasoning: { text: string; signature?: string; redacted?: string },
): Json {
  const { text, signature, redacted } = reasoning;
  const summary = text === "" ? [] : [{ type: "summary_text", text }];
  const item: Json = { id, type: "reasoning", summary };
  if (signature !== undefined || redacted !== undefined) {
    item.encrypted_content = encryptedContentFor(reasoning);
  }
  return item;
}

/** The status and `incomplete_details.reason` of a finish. */
export function statusOfFinish(
  finish: FinishInfo,
): { status: "completed" | "incomplete"; reason: string | null } {
  if (finish.unified === "length") return { status: "incomplete", reason: "max_output_tokens" };
  if (finish.unified === "content-filter") return { status: "incomplete", reason: "content_filter" };
  return { status: "completed", reason: null };
}

/** Canonical → a `response` object (`model` is what the client asked for). */
export function canonicalToResponsesResponse(
  response: CanonicalResponse,
  options: { model: string; echo: ResponseEcho; namespaces: NamespaceNames; createdAt?: number },
): Json {
  const { model, echo, namespaces, createdAt = Math.floor(Date.now() / 1000) } = options;
  const ids = new ResponseIds();
  const { status, reason } = statusOfFinish(response.finish);
  const output: Json[] = [];
  let text: string[] | null = null;
  const closeMessage = () => {
    if (text === null) return;
    const refusal = response.finish.unified === "refusal";
    output.push(messageItem(ids.item("msg"), { text: text.join(""), status: "completed", refusal }));
    text = null;
  };
  for (const part of response.content) {
    if (part.type === "text") {
      (text ??= []).push(part.text);
      continue;
    }
    closeMessage();
    if (part.type === "reasoning") output.push(reasoningItem(ids.item("rs"), part));
    else if (part.type === "redacted-reasoning") {
      output.push(reasoningItem(ids.item("rs"), { text: "", redacted: part.data }));
    } else if (part.type === "tool-call") {
      const call = {
        callId: part.id,
        name: part.name,
        arguments: JSON.stringify(part.input),
        status: "completed" as const,
      };
      output.push(functionCallItem(ids.item("fc"), call, namespaces));
    }
  }
  closeMessage();
  return responseObject(
    { id: ids.response, createdAt, model, status, output, usage: response.usage, incompleteReason: reason },
    echo,
  );
}

/** A `response` object from a Responses upstream → canonical; throws when the response failed. */
export function responsesResponseToCanonical(json: unknown): CanonicalResponse {
  const root = isRecord(json) ? json : {};
  if (root.object !== "response" && !Array.isArray(root.output)) {
    throw new Error("The Responses-format answer holds no `output`");
  }
  if (root.status === "failed") {
    const error = isRecord(root.error) ? root.error : {};
    throw new Error(`the response failed: ${String(error.message ?? error.code ?? "no reason given")}`);
  }
  const content: CanonicalPart[] = [];
  let refused = false;
  const output = Array.isArray(root.output) ? root.output.filter(isRecord) : [];
  for (const item of output) {
    if (item.type === "message") {
      const parts = Array.isArray(item.content) ? item.content.filter(isRecord) : [];
      for (const part of parts) {
        if (part.type === "output_text" && typeof part.text === "string") {
          content.push({ type: "text", text: part.text });
        }
        if (part.type === "refusal" && typeof part.refusal === "string") {
          refused = true;
          content.push({ type: "text", text: part.refusal });
        }
      }
    } else if (item.type === "function_call") {
      content.push({
        type: "tool-call",
        id: typeof item.call_id === "string" ? item.call_id : "",
        name: typeof item.name === "string" ? item.name : "",
        input: parseArguments(item.arguments),
      });
    } else if (item.type === "reasoning") content.push(reasoningFromItem(item));
  }
  const hasCalls = content.some((part) => part.type === "tool-call");
  return {
    id: typeof root.id === "string" ? root.id : "",
    model: typeof root.model === "string" ? root.model : "",
    content,
    finish: finishOfResponse(root, { hasCalls, refused }),
    usage: usageFromResponses(root.usage) ?? emptyUsage(),
  };
}

/** A reasoning output item of an OpenAI upstream → a reasoning part signed with its `encrypted_content`. */
export function reasoningFromItem(item: Json): CanonicalPart {
  const texts: string[] = [];
  for (const list of [item.summary, item.content]) {
    if (!Array.isArray(list)) continue;
    for (const part of list) if (isRecord(part) && typeof part.text === "string") texts.push(part.text);
  }
  const encrypted = typeof item.encrypted_content === "string" && item.encrypted_content !== ""
    ? item.encrypted_content
    : undefined;
  const text = texts.join("\n\n");
  return encrypted === undefined
    ? { type: "reasoning", text }
    : { type: "reasoning", text, signature: markSignature("responses", encrypted) };
}

/** The finish of a Responses answer, from its status and `incomplete_details.reason`. */
export function finishOfResponse(root: Json, seen: { hasCalls: boolean; refused: boolean }): FinishInfo {
  const status = typeof root.status === "string" ? root.status : null;
  if (status === "incomplete") {
    const reason = isRecord(root.incomplete_details) ? root.incomplete_details.reason : null;
    if (reason === "max_output_tokens") return { unified: "length", raw: reason };
    if (reason === "content_filter") return { unified: "content-filter", raw: reason };
    return { unified: "other", raw: typeof reason === "string" ? reason : status };
  }
  if (seen.hasCalls) return { unified: "tool-calls", raw: status };
  if (seen.refused) return { unified: "refusal", raw: status };
  return { unified: "stop", raw: status };
}

function parseArguments(text: unknown): Record<string, unknown> {
  if (typeof text !== "string" || text === "") return {};
  try {
    const value = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    // A model that wrote broken JSON: keep the call, without arguments, rather than lose the answer.
    return {};
  }
}
