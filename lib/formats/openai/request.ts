/**
 * OpenAI Chat Completions request bodies ↔ the canonical request.
 * https://platform.openai.com/docs/api-reference/chat/create
 */
import type {
  CanonicalMessage,
  CanonicalPart,
  CanonicalRequest,
  CanonicalTool,
  ImagePart,
  ImageSource,
  ReasoningControl,
  ResponseFormat,
  TextPart,
  ToolChoice,
} from "../canonical.ts";
import { appendTurn } from "../canonical.ts";
import { createHash } from "node:crypto";
import { RequestError } from "../../errors.ts";
import { invalid, isRecord, numberOrUndefined, stringAt } from "../json_values.ts";

type Json = Record<string, unknown>;
type DocumentPart = Extract<CanonicalPart, { type: "document" }>;

const EMPTY_SCHEMA = { type: "object", properties: {} };
const EFFORTS = ["minimal", "low", "medium", "high"] as const;

/**
 * OpenAI chat request body (already validated loosely) → canonical. `model` is the upstream model id to
 * use. `n` above 1 is refused with a 400: a translated answer holds one choice.
 */
export function openAIRequestToCanonical(body: Record<string, unknown>, model: string): CanonicalRequest {
  refuseSeveralChoices(body.n);
  const { system, messages } = readMessages(Array.isArray(body.messages) ? body.messages : []);
  const stop = typeof body.stop === "string" ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  const stopSequences = stop.filter((value): value is string => typeof value === "string");
  return withoutUndefined({
    model,
    system,
    messages,
    tools: readTools(body.tools),
    toolChoice: readToolChoice(body.tool_choice, body.parallel_tool_calls),
    maxTokens: numberOrUndefined(body.max_completion_tokens) ?? numberOrUndefined(body.max_tokens),
    temperature: numberOrUndefined(body.temperature),
    topP: numberOrUndefined(body.top_p),
    topK: numberOrUndefined(body.top_k),
    stopSequences: stopSequences.length > 0 ? stopSequences : undefined,
    stream: body.stream === true,
    reasoning: readReasoningEffort(body.reasoning_effort),
    responseFormat: readResponseFormat(body.response_format),
    seed: numberOrUndefined(body.seed),
    presencePenalty: numberOrUndefined(body.presence_penalty),
    frequencyPenalty: numberOrUndefined(body.frequency_penalty),
    user: typeof body.user === "string" ? body.user : undefined,
  });
}

/** A `data:<mediaType>;base64,<data>` URL → base64 image source; any other URL is kept as a URL. */
export function imageSourceFromUrl(url: string): ImageSource {
  const inline = base64DataUrl(url);
  return inline ? { kind: "base64", ...inline } : { kind: "url", url };
}

/** The media type and base64 data of a `data:<mediaType>;base64,<data>` URL, or undefined for any other. */
function base64DataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1], data: match[2] } : undefined;
}

/** An image source → the URL OpenAI expects (base64 becomes a data URL). */
export function imageSourceToUrl(source: ImageSource): string {
  return source.kind === "url" ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

function readMessages(list: unknown[]): { system: TextPart[]; messages: CanonicalMessage[] } {
  const system: TextPart[] = [];
  const messages: CanonicalMessage[] = [];
  // Legacy `function_call`s carry no id: remember the one we made up for each function name.
  const legacyCallIds = new Map<string, string>();
  list.forEach((message, index) => {
    const path = `messages.${index}`;
    if (!isRecord(message)) throw invalid(path, "must be an object");
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textParts(message.content, `${path}.content`));
        break;
      case "user":
        appendTurn(messages, "user", userParts(message.content, `${path}.content`));
        break;
      case "assistant":
        appendTurn(messages, "assistant", assistantParts(message, path, legacyCallIds));
        break;
      case "tool":
        appendTurn(messages, "user", [toolResult(stringAt(message, "tool_call_id", path), message, path)]);
        break;
      case "function": {
        const name = stringAt(message, "name", path);
        appendTurn(messages, "user", [toolResult(legacyCallIds.get(name) ?? name, message, path)]);
        break;
      }
      default:
        throw invalid(`${path}.role`, `unknown role ${JSON.stringify(message.role)}`);
    }
  });
  return { system, messages };
}

function toolResult(toolCallId: string, message: Json, path: string): CanonicalPart {
  return {
    type: "tool-result",
    toolCallId,
    content: textParts(message.content, `${path}.content`),
    isError: false,
  };
}

/** Content that may only hold text: a string or an array of text (or refusal) parts. */
function textParts(content: unknown, path: string): TextPart[] {
  if (content === null || content === undefined || content === "") return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(path, "must be a string or an array of content parts");
  return content.map((part, index): TextPart => {
    const partPath = `${path}.${index}`;
    if (!isRecord(part)) throw invalid(partPath, "must be an object");
    if (part.type === "text") return { type: "text", text: stringAt(part, "text", partPath) };
    if (part.type === "refusal") return { type: "text", text: stringAt(part, "refusal", partPath) };
    throw cannotTranslate(partPath, part.type);
  });
}

function userParts(content: unknown, path: string): CanonicalPart[] {
  if (!Array.isArray(content)) return textParts(content, path);
  return content.map((part, index): CanonicalPart => {
    const partPath = `${path}.${index}`;
    if (!isRecord(part)) throw invalid(partPath, "must be an object");
    if (part.type === "text") return { type: "text", text: stringAt(part, "text", partPath) };
    if (part.type === "image_url") {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url;
      if (typeof url !== "string") throw invalid(`${partPath}.image_url.url`, "must be a string");
      return { type: "image", source: imageSourceFromUrl(url) };
    }
    if (part.type === "file") return filePart(part, partPath);
    throw cannotTranslate(partPath, part.type);
  });
}

/**
 * A `file` part sent inline (`file_data`, a data URL) → a base64 document titled with its filename. A
 * `file_id` names an upload held by OpenAI, which no other provider can fetch.
 * https://platform.openai.com/docs/guides/pdf-files
 */
function filePart(part: Json, path: string): CanonicalPart {
  if (!isRecord(part.file)) throw invalid(`${path}.file`, "must be an object");
  const { file_data: fileData, filename } = part.file;
  if (typeof fileData !== "string") throw cannotTranslate(path, part.type);
  const inline = base64DataUrl(fileData);
  if (!inline) {
    throw invalid(`${path}.file.file_data`, "must be a data URL (data:<media type>;base64,<data>)");
  }
  const title = typeof filename === "string" && filename !== "" ? filename : undefined;
  return {
    type: "document",
    source: { kind: "base64", ...inline },
    ...(title === undefined ? {} : { title }),
  };
}

function assistantParts(message: Json, path: string, legacyCallIds: Map<string, string>): CanonicalPart[] {
  const parts: CanonicalPart[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === "string" && reasoning !== "") parts.push({ type: "reasoning", text: reasoning });
  parts.push(...textParts(message.content, `${path}.content`));
  if (Array.isArray(message.tool_calls)) {
    message.tool_calls.forEach((call, index) => {
      const callPath = `${path}.tool_calls.${index}`;
      if (!isRecord(call)) throw invalid(callPath, "must be an object");
      const id = stringAt(call, "id", callPath);
      parts.push(toolCall(id, call.function, `${callPath}.function`));
    });
  }
  if (message.function_call !== undefined && message.function_call !== null) {
    const id = `call_${path.slice("messages.".length)}`;
    const part = toolCall(id, message.function_call, `${path}.function_call`);
    legacyCallIds.set(part.name, id);
    parts.push(part);
  }
  return parts;
}

function toolCall(id: string, call: unknown, path: string): Extract<CanonicalPart, { type: "tool-call" }> {
  if (!isRecord(call)) throw invalid(path, "must be an object");
  const name = stringAt(call, "name", path);
  const text = call.arguments;
  if (text === undefined || text === null || text === "") return { type: "tool-call", id, name, input: {} };
  let input: unknown;
  try {
    input = typeof text === "string" ? JSON.parse(text) : undefined;
  } catch {
    // Reported below.
  }
  if (!isRecord(input)) throw invalid(`${path}.arguments`, "must be a string holding a JSON object");
  return { type: "tool-call", id, name, input };
}

function readTools(tools: unknown): CanonicalTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool, index): CanonicalTool => {
    const path = `tools.${index}`;
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function)) {
      throw invalid(`${path}.type`, 'only tools of type "function" can be translated for this provider');
    }
    const name = stringAt(tool.function, "name", `${path}.function`);
    const { description, parameters } = tool.function;
    return {
      name,
      ...(typeof description === "string" ? { description } : {}),
      inputSchema: isRecord(parameters) ? parameters : structuredClone(EMPTY_SCHEMA),
    };
  });
}

function readToolChoice(choice: unknown, parallelToolCalls: unknown): ToolChoice | undefined {
  let result: ToolChoice | undefined;
  if (choice === "auto") result = { type: "auto" };
  else if (choice === "none") result = { type: "none" };
  else if (choice === "required") result = { type: "any" };
  else if (isRecord(choice) && choice.type === "function" && isRecord(choice.function)) {
    result = { type: "tool", name: stringAt(choice.function, "name", "tool_choice.function") };
  } else if (choice !== undefined && choice !== null) {
    throw invalid("tool_choice", 'must be "auto", "none", "required" or a function to call');
  }
  if (parallelToolCalls !== false || result?.type === "none") return result;
  return result ? { ...result, parallel: false } : { type: "auto", parallel: false };
}

/** The canonical answer holds one choice: asking for more would silently get fewer. */
function refuseSeveralChoices(n: unknown): void {
  if (typeof n === "number" && n > 1) {
    throw invalid(
      "n",
      "values above 1 are not supported when a provider of another format serves the request",
    );
  }
}

/** https://platform.openai.com/docs/api-reference/chat/create#chat-create-response_format */
function readResponseFormat(format: unknown): ResponseFormat | undefined {
  if (format === undefined || format === null) return undefined;
  if (!isRecord(format)) throw invalid("response_format", "must be an object");
  if (format.type === "text" || format.type === "json_object") return { type: format.type };
  if (format.type !== "json_schema") {
    throw invalid("response_format.type", 'must be "text", "json_object" or "json_schema"');
  }
  const path = "response_format.json_schema";
  if (!isRecord(format.json_schema)) throw invalid(path, "must be an object");
  const { description, schema, strict } = format.json_schema;
  const name = stringAt(format.json_schema, "name", path);
  // `schema` is optional in OpenAI's API: without one the answer is any JSON, as with json_object.
  if (schema === undefined || schema === null) return { type: "json_object" };
  if (!isRecord(schema)) throw invalid(`${path}.schema`, "must be a JSON Schema object");
  return withoutUndefined<ResponseFormat>({
    type: "json_schema",
    name,
    schema,
    description: typeof description === "string" ? description : undefined,
    strict: typeof strict === "boolean" ? strict : undefined,
  });
}

function readReasoningEffort(effort: unknown): ReasoningControl | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (effort === "none") return { enabled: false };
  // "xhigh" (newest OpenAI models) has no canonical counterpart: the nearest is "high".
  if (effort === "xhigh") return { enabled: true, effort: "high" };
  const known = EFFORTS.find((value) => value === effort);
  if (!known) {
    throw invalid("reasoning_effort", 'must be "none", "minimal", "low", "medium", "high" or "xhigh"');
  }
  return { enabled: true, effort: known };
}

/** Canonical → OpenAI chat request body for an OpenAI-compatible upstream. */
export function canonicalToOpenAIRequest(request: CanonicalRequest): Record<string, unknown> {
  const messages: Json[] = [];
  if (request.system.length > 0) {
    messages.push({ role: "system", content: request.system.map((part) => part.text).join("\n\n") });
  }
  request.messages.forEach((message, index) => {
    if (message.role === "user") messages.push(...userMessages(message.content, index));
    else messages.push(...assistantMessages(message.content, index));
  });
  // Without tools, OpenAI refuses tool_choice and parallel_tool_calls outright.
  const hasTools = request.tools.length > 0;
  const choice = hasTools ? request.toolChoice : undefined;
  return withoutUndefined({
    model: request.model,
    messages,
    tools: hasTools ? request.tools.map(toolToOpenAI) : undefined,
    tool_choice: choice?.type === "tool"
      ? { type: "function", function: { name: choice.name } }
      : choice?.type === "any"
      ? "required"
      : choice?.type,
    parallel_tool_calls: choice?.type !== "none" && choice?.parallel === false ? false : undefined,
    max_tokens: request.maxTokens,
    stop: request.stopSequences?.length ? request.stopSequences : undefined,
    temperature: request.temperature,
    top_p: request.topP,
    // top_k is not part of the OpenAI API: OpenAI and strict servers answer 400 to it.
    user: openAIUser(request.user),
    reasoning_effort: reasoningEffort(request.reasoning),
    response_format: responseFormatToOpenAI(request.responseFormat),
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    stream: request.stream ? true : undefined,
    stream_options: request.stream ? { include_usage: true } : undefined,
  });
}

/** OpenAI caps `user` at 64 characters; longer ids (Claude Code sends ~160) become a stable hash. */
function openAIUser(user: string | undefined): string | undefined {
  if (user === undefined || user.length <= 64) return user;
  return `user-${createHash("sha256").update(user).digest("hex").slice(0, 40)}`;
}

function responseFormatToOpenAI(format: ResponseFormat | undefined): Json | undefined {
  if (format?.type !== "json_schema") return format;
  const { type, name, description, schema, strict } = format;
  return { type, json_schema: withoutUndefined({ name, description, schema, strict }) };
}

function toolToOpenAI(tool: CanonicalTool): Json {
  // Some OpenAI-compatible upstreams reject a JSON Schema that names its own dialect.
  const { $schema: _schema, ...parameters } = tool.inputSchema;
  const definition = withoutUndefined({ name: tool.name, description: tool.description, parameters });
  return { type: "function", function: definition };
}

function reasoningEffort(reasoning: ReasoningControl | undefined): string | undefined {
  if (!reasoning?.enabled) return undefined;
  if (reasoning.effort) return reasoning.effort;
  const budget = reasoning.budgetTokens;
  if (budget === undefined) return undefined;
  return budget <= 1024 ? "low" : budget <= 8192 ? "medium" : "high";
}

/** A user turn: its tool results as `tool` messages first (OpenAI wants them right after the calls). */
function userMessages(content: CanonicalPart[], index: number): Json[] {
  const toolMessages: Json[] = [];
  const toolImages: Json[] = [];
  const rest: Json[] = [];
  content.forEach((part, partIndex) => {
    const path = `messages.${index}.content.${partIndex}`;
    if (part.type === "tool-result") {
      let text = part.content.filter((item) => item.type === "text").map((item) => item.text).join("\n");
      if (part.isError && !text.startsWith("Error: ")) text = `Error: ${text}`;
      toolMessages.push({ role: "tool", tool_call_id: part.toolCallId, content: text });
      for (const item of part.content) if (item.type === "image") toolImages.push(imagePart(item));
    } else if (part.type === "text") rest.push({ type: "text", text: part.text });
    else if (part.type === "image") rest.push(imagePart(part));
    else if (part.type === "document") rest.push(documentPart(part));
    else throw cannotTranslate(path, part.type);
  });
  const messages = toolMessages;
  if (toolImages.length > 0) messages.push({ role: "user", content: toolImages });
  if (rest.length === 1 && rest[0].type === "text") messages.push({ role: "user", content: rest[0].text });
  else if (rest.length > 0) messages.push({ role: "user", content: rest });
  return messages;
}

function imagePart(part: ImagePart): Json {
  return { type: "image_url", image_url: { url: imageSourceToUrl(part.source) } };
}

/**
 * A document → a user content part. Chat Completions reads files inline as `file` parts (PDF only at
 * OpenAI) and wants any other text sent as text; it cannot fetch a URL, so the model is told where the
 * document is. Documents a tool returned arrive here too: the Anthropic reader puts them after the tool
 * result, as tool messages only hold text. https://platform.openai.com/docs/guides/pdf-files
 */
function documentPart(part: DocumentPart): Json {
  const { source, title } = part;
  switch (source.kind) {
    case "text":
      return { type: "text", text: taggedDocument(source.data, { title }) };
    case "url":
      return {
        type: "text",
        text: taggedDocument("(not attached: read it at its URL)", { title, url: source.url }),
      };
    case "base64": {
      const filename = title ?? (source.mediaType === "application/pdf" ? "document.pdf" : "document");
      return {
        type: "file",
        file: { filename, file_data: `data:${source.mediaType};base64,${source.data}` },
      };
    }
  }
}

/** Text wrapped in `<document>` tags whose attributes are the defined ones of `attributes`. */
function taggedDocument(text: string, attributes: Record<string, string | undefined>): string {
  const tags = Object.entries(attributes).flatMap(([name, value]) =>
    value === undefined ? [] : [` ${name}="${value.replaceAll('"', "&quot;")}"`]
  );
  return `<document${tags.join("")}>${text}</document>`;
}

/**
 * An assistant turn; an empty turn is left out. Reasoning text goes back as `reasoning_content`
 * (DeepSeek's thinking mode wants it on tool-call turns); providers that refuse it strip it themselves.
 * https://api-docs.deepseek.com/guides/thinking_mode
 */
function assistantMessages(content: CanonicalPart[], index: number): Json[] {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: Json[] = [];
  content.forEach((part, partIndex) => {
    if (part.type === "text") texts.push(part.text);
    else if (part.type === "reasoning") reasoning.push(part.text);
    else if (part.type === "tool-call") {
      const call = { name: part.name, arguments: JSON.stringify(part.input) };
      toolCalls.push({ id: part.id, type: "function", function: call });
    } else if (part.type !== "redacted-reasoning") {
      throw cannotTranslate(`messages.${index}.content.${partIndex}`, part.type);
    }
  });
  const text = texts.join("");
  if (text === "" && toolCalls.length === 0) return [];
  const message: Json = { role: "assistant", content: text === "" ? null : text };
  const reasoningText = reasoning.join("");
  if (reasoningText !== "") message.reasoning_content = reasoningText;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return [message];
}

/** A copy without the keys whose value is `undefined` (so optional fields are absent, not undefined). */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function cannotTranslate(path: string, type: unknown): RequestError {
  return invalid(path, `content type "${String(type)}" cannot be translated for this provider`);
}
