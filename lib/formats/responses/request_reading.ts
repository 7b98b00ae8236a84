/**
 * An OpenAI Responses request body → the canonical request: `instructions`, input items (messages of
 * every role, function calls and their outputs, reasoning with `encrypted_content`), function tools (also
 * nested in `namespace` tools, flattened), `tool_choice`, reasoning effort, `text.format` and limits.
 * Built-in tools (`web_search`, `file_search`, …) only OpenAI can run are dropped and named in `dropped`.
 * https://platform.openai.com/docs/api-reference/responses/create
 */
import type {
  CanonicalMessage,
  CanonicalPart,
  CanonicalRequest,
  CanonicalTool,
  ImagePart,
  ReasoningControl,
  ResponseFormat,
  TextPart,
  ToolChoice,
} from "../canonical.ts";
import { appendTurn } from "../canonical.ts";
import { invalid, isRecord, type Json, numberOrUndefined, stringAt } from "../json_values.ts";
import { imageSourceFromUrl } from "../openai/request.ts";
import { reasoningFromEncryptedContent } from "./reasoning_carrier.ts";
import { flatToolName, type QualifiedName } from "./tool_names.ts";

/** Output items of OpenAI's own tools: history of calls only OpenAI ran, meaningless to other providers. */
const BUILT_IN_ITEMS: ReadonlySet<string> = new Set([
  "web_search_call",
  "file_search_call",
  "computer_call",
  "computer_call_output",
  "code_interpreter_call",
  "image_generation_call",
  "local_shell_call",
  "local_shell_call_output",
  "shell_call",
  "shell_call_output",
  "apply_patch_call",
  "apply_patch_call_output",
  "mcp_list_tools",
  "mcp_approval_request",
  "mcp_approval_response",
  "mcp_call",
  "custom_tool_call",
  "custom_tool_call_output",
  "tool_search_call",
  "tool_search_output",
  "compaction",
]);

/** Input item types the gateway reads (besides the built-in tools' items above). */
const ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning"];

const EFFORTS: Readonly<Record<string, ReasoningControl>> = {
  none: { enabled: false },
  minimal: { enabled: true, effort: "minimal" },
  low: { enabled: true, effort: "low" },
  medium: { enabled: true, effort: "medium" },
  high: { enabled: true, effort: "high" },
  xhigh: { enabled: true, effort: "high" },
};

/** What reading a request found besides the canonical request. */
export interface ResponsesReading {
  request: CanonicalRequest;
  /** Built-in tools dropped because only OpenAI runs them (for a note in the access log). */
  dropped: string[];
  /** Flat names of the functions of namespace tools → their names as the client knows them. */
  namespaces: Map<string, QualifiedName>;
}

/** A Responses request body (validated by `responsesRequestSchema`) → canonical; `model` is the upstream id. */
export function readResponsesRequest(body: Json, model: string): ResponsesReading {
  const { system, messages } = readInput(body);
  const dropped: string[] = [];
  const namespaces = new Map<string, QualifiedName>();
  const tools = readTools(body.tools, { dropped, namespaces });
  const request = withoutUndefined<CanonicalRequest>({
    model,
    system,
    messages,
    tools,
    toolChoice: readToolChoice(body.tool_choice, body.parallel_tool_calls, tools),
    maxTokens: numberOrUndefined(body.max_output_tokens),
    temperature: numberOrUndefined(body.temperature),
    topP: numberOrUndefined(body.top_p),
    stream: body.stream === true,
    reasoning: readReasoning(body.reasoning),
    responseFormat: readTextFormat(body.text),
    user: typeof body.safety_identifier === "string"
      ? body.safety_identifier
      : typeof body.user === "string"
      ? body.user
      : undefined,
  });
  return { request, dropped, namespaces };
}

/** `body.input` as a list of items (a string is one user message). */
export function inputItems(input: unknown): unknown[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return Array.isArray(input) ? input : [];
}

/**
 * The type of an input item, checked: a message may omit `type` (`EasyInputMessage`). Unknown types are a
 * 400 in OpenAI's wording; `builtIn` says the item belongs to a tool only OpenAI runs.
 */
export function inputItemType(item: unknown, path: string): { type: string; builtIn: boolean } {
  if (!isRecord(item)) throw invalid(path, "must be an object");
  const type = item.type ?? (item.role !== undefined ? "message" : undefined);
  if (typeof type !== "string") throw invalid(`${path}.type`, "is required and must be a string");
  if (ITEM_TYPES.includes(type)) return { type, builtIn: false };
  if (BUILT_IN_ITEMS.has(type)) return { type, builtIn: true };
  if (type === "item_reference") {
    throw invalid(`${path}.type`, "item references cannot be resolved by this gateway; send the item itself");
  }
  throw invalid(
    `${path}.type`,
    `Invalid value: '${type}'. Supported values are: ${ITEM_TYPES.map((name) => `'${name}'`).join(", ")}.`,
  );
}

/**
 * Check what any upstream would refuse: unknown item types, and a `function_call_output` whose call is not
 * in the input (OpenAI: "No tool call found for function call output with call_id …").
 */
export function checkInputItems(items: readonly unknown[]): void {
  const calls = new Set<string>();
  items.forEach((item, index) => {
    const path = `input.${index}`;
    const { type } = inputItemType(item, path);
    const record = item as Json;
    if (type === "function_call") calls.add(stringAt(record, "call_id", path));
    if (type === "function_call_output") {
      const callId = stringAt(record, "call_id", path);
      if (!calls.has(callId)) {
        throw invalid(
          `${path}.call_id`,
          `No tool call found for function call output with call_id ${callId}.`,
        );
      }
    }
  });
}

function readInput(body: Json): { system: TextPart[]; messages: CanonicalMessage[] } {
  const system: TextPart[] = [];
  if (typeof body.instructions === "string" && body.instructions !== "") {
    system.push({ type: "text", text: body.instructions });
  }
  const messages: CanonicalMessage[] = [];
  const items = inputItems(body.input);
  checkInputItems(items);
  items.forEach((item, index) => {
    const path = `input.${index}`;
    const { type, builtIn } = inputItemType(item, path);
    if (builtIn) return;
    const record = item as Json;
    switch (type) {
      case "message":
        readMessage(record, path, { system, messages });
        break;
      case "function_call":
        appendTurn(messages, "assistant", [functionCall(record, path)]);
        break;
      case "function_call_output":
        appendTurn(messages, "user", [functionCallOutput(record, path)]);
        break;
      case "reasoning":
        appendTurn(messages, "assistant", reasoningParts(record, path));
        break;
    }
  });
  return { system, messages };
}

function readMessage(
  message: Json,
  path: string,
  into: { system: TextPart[]; messages: CanonicalMessage[] },
): void {
  const content = contentParts(message.content, `${path}.content`);
  switch (message.role) {
    case "system":
    case "developer": {
      // Codex CLI sends its system prompt as a developer message; other providers take it as the system prompt.
      for (const part of content) {
        if (part.type !== "text") throw invalid(`${path}.content`, "system and developer messages hold text");
        into.system.push(part);
      }
      return;
    }
    case "user":
      appendTurn(into.messages, "user", content);
      return;
    case "assistant":
      appendTurn(into.messages, "assistant", content.filter((part) => part.type === "text"));
      return;
    default:
      throw invalid(
        `${path}.role`,
        `Invalid value: '${
          String(message.role)
        }'. Supported values are: 'user', 'assistant', 'system', 'developer'.`,
      );
  }
}

/** Message content: a string, or `input_text`, `input_image`, `input_file`, `output_text`, `refusal` parts. */
function contentParts(content: unknown, path: string): CanonicalPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw invalid(path, "must be a string or an array of content parts");
  return content.map((part, index): CanonicalPart => {
    const partPath = `${path}.${index}`;
    if (!isRecord(part)) throw invalid(partPath, "must be an object");
    switch (part.type) {
      case "input_text":
      case "output_text":
      case "text":
        return { type: "text", text: stringAt(part, "text", partPath) };
      case "refusal":
        return { type: "text", text: stringAt(part, "refusal", partPath) };
      case "input_image":
        return imagePart(part, partPath);
      case "input_file":
        return filePart(part, partPath);
      default:
        throw invalid(
          `${partPath}.type`,
          `Invalid value: '${
            String(part.type)
          }'. Supported values are: 'input_text', 'input_image', 'input_file', 'output_text' and 'refusal'.`,
        );
    }
  });
}

function imagePart(part: Json, path: string): ImagePart {
  if (typeof part.image_url !== "string") {
    // A `file_id` names an upload held by OpenAI, which no other provider can fetch.
    throw invalid(
      `${path}.image_url`,
      "must be a URL or a data URL (file_id uploads are only known to OpenAI)",
    );
  }
  return { type: "image", source: imageSourceFromUrl(part.image_url) };
}

function filePart(part: Json, path: string): CanonicalPart {
  const title = typeof part.filename === "string" && part.filename !== "" ? part.filename : undefined;
  const titled = title === undefined ? {} : { title };
  if (typeof part.file_data === "string") {
    const source = imageSourceFromUrl(part.file_data);
    if (source.kind === "base64") return { type: "document", source, ...titled };
    // The SDKs also send bare base64 with a filename; PDFs are what files mostly are.
    return {
      type: "document",
      source: { kind: "base64", mediaType: "application/pdf", data: part.file_data },
      ...titled,
    };
  }
  if (typeof part.file_url === "string") {
    return { type: "document", source: { kind: "url", url: part.file_url } };
  }
  throw invalid(`${path}.file_data`, "must be given (file_id uploads are only known to OpenAI)");
}

function functionCall(item: Json, path: string): CanonicalPart {
  const id = stringAt(item, "call_id", path);
  const name = flatToolName(
    stringAt(item, "name", path),
    typeof item.namespace === "string" ? item.namespace : null,
  );
  const text = item.arguments;
  if (text === undefined || text === null || text === "") return { type: "tool-call", id, name, input: {} };
  if (typeof text !== "string") throw invalid(`${path}.arguments`, "must be a string of JSON");
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw invalid(`${path}.arguments`, "must be a JSON object");
  }
  if (!isRecord(input)) throw invalid(`${path}.arguments`, "must be a JSON object");
  return { type: "tool-call", id, name, input };
}

function functionCallOutput(item: Json, path: string): CanonicalPart {
  const toolCallId = stringAt(item, "call_id", path);
  const output = item.output;
  const content: Array<TextPart | ImagePart> = [];
  if (typeof output === "string") {
    if (output !== "") content.push({ type: "text", text: output });
  } else if (Array.isArray(output)) {
    for (const part of contentParts(output, `${path}.output`)) {
      if (part.type === "text" || part.type === "image") content.push(part);
      else if (part.type === "document" && part.source.kind === "text") {
        content.push({ type: "text", text: part.source.data });
      } else throw invalid(`${path}.output`, "files in function call outputs cannot be translated");
    }
  } else throw invalid(`${path}.output`, "must be a string or an array of content parts");
  return { type: "tool-result", toolCallId, content, isError: false };
}

/** A reasoning item → a reasoning part (summary or content text, with what `encrypted_content` carries). */
function reasoningParts(item: Json, path: string): CanonicalPart[] {
  const texts: string[] = [];
  for (const key of ["summary", "content"]) {
    const list = item[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw invalid(`${path}.${key}`, "must be an array");
    list.forEach((part, index) => {
      if (!isRecord(part)) throw invalid(`${path}.${key}.${index}`, "must be an object");
      if (typeof part.text === "string") texts.push(part.text);
    });
  }
  const shown = texts.join("\n\n");
  const encrypted = typeof item.encrypted_content === "string" ? item.encrypted_content : "";
  const carried = encrypted === "" ? null : reasoningFromEncryptedContent(encrypted);
  if (carried?.redacted !== undefined) return [{ type: "redacted-reasoning", data: carried.redacted }];
  const text = carried?.text ?? shown;
  const signature = carried?.signature;
  if (text === "" && signature === undefined) return [];
  return [{ type: "reasoning", text, ...(signature === undefined ? {} : { signature }) }];
}

/**
 * What the request's tools need besides translation, read without translating: the built-in tools other
 * providers cannot run (dropped, for a note), and the functions of namespace tools (flat name → pair).
 */
export function describeTools(tools: unknown): { dropped: string[]; namespaces: Map<string, QualifiedName> } {
  const found = { dropped: [] as string[], namespaces: new Map<string, QualifiedName>() };
  if (!Array.isArray(tools)) return found;
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type === "function") continue;
    if (tool.type !== "namespace" || typeof tool.name !== "string") {
      found.dropped.push(String(isRecord(tool) ? tool.type : tool));
      continue;
    }
    for (const inner of Array.isArray(tool.tools) ? tool.tools : []) {
      if (!isRecord(inner) || typeof inner.name !== "string") continue;
      if (inner.type === "function") {
        found.namespaces.set(flatToolName(inner.name, tool.name), { name: inner.name, namespace: tool.name });
      } else found.dropped.push(`${tool.name}.${inner.name}`);
    }
  }
  return found;
}

function readTools(
  tools: unknown,
  found: { dropped: string[]; namespaces: Map<string, QualifiedName> },
): CanonicalTool[] {
  if (!Array.isArray(tools)) return [];
  const result: CanonicalTool[] = [];
  tools.forEach((tool, index) => {
    const path = `tools.${index}`;
    if (!isRecord(tool)) throw invalid(path, "must be an object");
    if (tool.type === "function") result.push(functionTool(tool, path));
    else if (tool.type === "namespace") {
      const namespace = stringAt(tool, "name", path);
      const nested = Array.isArray(tool.tools) ? tool.tools : [];
      nested.forEach((inner, innerIndex) => {
        const innerPath = `${path}.tools.${innerIndex}`;
        if (!isRecord(inner)) throw invalid(innerPath, "must be an object");
        if (inner.type !== "function") {
          found.dropped.push(`${namespace}.${String(inner.name ?? inner.type)}`);
          return;
        }
        const canonical = functionTool(inner, innerPath);
        const flat = flatToolName(canonical.name, namespace);
        found.namespaces.set(flat, { name: canonical.name, namespace });
        result.push({ ...canonical, name: flat });
      });
    } else found.dropped.push(String(tool.type));
  });
  return result;
}

function functionTool(tool: Json, path: string): CanonicalTool {
  const name = stringAt(tool, "name", path);
  const schema = isRecord(tool.parameters) ? tool.parameters : { type: "object", properties: {} };
  const description = typeof tool.description === "string" ? tool.description : undefined;
  return description === undefined
    ? { name, inputSchema: schema }
    : { name, description, inputSchema: schema };
}

function readToolChoice(choice: unknown, parallel: unknown, tools: CanonicalTool[]): ToolChoice | undefined {
  const parallelOption = typeof parallel === "boolean" ? { parallel } : {};
  if (choice === "none") return { type: "none" };
  if (choice === "required") return tools.length > 0 ? { type: "any", ...parallelOption } : undefined;
  if (isRecord(choice) && choice.type === "function" && typeof choice.name === "string") {
    const name = flatToolName(choice.name, typeof choice.namespace === "string" ? choice.namespace : null);
    return { type: "tool", name, ...parallelOption };
  }
  if (isRecord(choice) && choice.type === "allowed_tools" && choice.mode === "required") {
    return tools.length > 0 ? { type: "any", ...parallelOption } : undefined;
  }
  // "auto", a built-in tool that was dropped, or nothing said.
  if (tools.length === 0) return undefined;
  return typeof parallel === "boolean" ? { type: "auto", parallel } : undefined;
}

function readReasoning(reasoning: unknown): ReasoningControl | undefined {
  if (!isRecord(reasoning) || typeof reasoning.effort !== "string") return undefined;
  const control = EFFORTS[reasoning.effort];
  if (!control) {
    throw invalid(
      "reasoning.effort",
      `Invalid value: '${reasoning.effort}'. Supported values are: ${
        Object.keys(EFFORTS).map((name) => `'${name}'`).join(", ")
      }.`,
    );
  }
  return { ...control };
}

function readTextFormat(text: unknown): ResponseFormat | undefined {
  if (!isRecord(text) || !isRecord(text.format)) return undefined;
  const format = text.format;
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      if (!isRecord(format.schema)) throw invalid("text.format.schema", "must be a JSON Schema object");
      return withoutUndefined<ResponseFormat>({
        type: "json_schema",
        name: typeof format.name === "string" ? format.name : "response",
        schema: format.schema,
        description: typeof format.description === "string" ? format.description : undefined,
        strict: typeof format.strict === "boolean" ? format.strict : undefined,
      });
    }
    default:
      throw invalid(
        "text.format.type",
        `Invalid value: '${
          String(format.type)
        }'. Supported values are: 'text', 'json_object' and 'json_schema'.`,
      );
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
