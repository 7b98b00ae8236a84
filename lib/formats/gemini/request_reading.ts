/**
 * Gemini `generateContent` bodies → the canonical request (for a Gemini front door and for tests).
 * https://ai.google.dev/api/generate-content#request-body
 */
import type {
  CanonicalMessage,
  CanonicalPart,
  CanonicalRequest,
  CanonicalTool,
  ReasoningControl,
  ResponseFormat,
  TextPart,
  ToolChoice,
} from "../canonical.ts";
import { appendTurn, markSignature } from "../canonical.ts";
import { invalid, isRecord, numberOrUndefined, stringAt } from "../json_values.ts";
import { carriedReasoning, isSignatureCarrier } from "./signature_carrier.ts";

type Json = Record<string, unknown>;

/** The function calls seen so far, to give each function response the id of the call it answers. */
interface CallLedger {
  /** Calls not answered yet, oldest first: the client's id (if any) and the canonical one. */
  open: Array<{ given: string | undefined; id: string; name: string }>;
  /** Ids of ours minted so far (`call_<count>` is the next). */
  count: number;
  /** The client's ids that other providers would refuse → the ids they travel with. */
  renamed: Map<string, string>;
}

/**
 * Ids every provider takes: Anthropic wants `^[a-zA-Z0-9_-]+$`, OpenAI at most 40 characters. Gemini
 * CLI makes up longer ones (`name__synth_<session>########<n>_…`), which travel under an id of ours.
 */
const PORTABLE_ID = /^[A-Za-z0-9_-]{1,40}$/;

/** The id a call travels with: the client's when every provider takes it, else a fresh one of ours. */
function canonicalCallId(given: string | undefined, ledger: CallLedger): string {
  const fresh = () => `call_${ledger.count++}`;
  if (given === undefined) return fresh();
  if (PORTABLE_ID.test(given)) return given;
  let id = ledger.renamed.get(given);
  if (id === undefined) ledger.renamed.set(given, id = fresh());
  return id;
}

const EFFORTS = ["minimal", "low", "medium", "high"] as const;

/** Gemini request → canonical (`model` is the upstream model id; streaming is in the URL, so `stream` is false). */
export function geminiRequestToCanonical(body: Record<string, unknown>, model: string): CanonicalRequest {
  if (!Array.isArray(body.contents)) throw invalid("contents", "must be an array of contents");
  const ledger: CallLedger = { open: [], count: 0, renamed: new Map() };
  const messages: CanonicalMessage[] = [];
  body.contents.forEach((content, index) => {
    const path = `contents.${index}`;
    if (!isRecord(content)) throw invalid(path, "must be an object");
    const role = content.role === "model" ? "assistant" : "user";
    if (content.role !== undefined && !["user", "model", "function"].includes(String(content.role))) {
      throw invalid(`${path}.role`, 'must be "user" or "model"');
    }
    if (!Array.isArray(content.parts)) throw invalid(`${path}.parts`, "must be an array of parts");
    const parts = content.parts.flatMap((part, partIndex) =>
      readPart(part, `${path}.parts.${partIndex}`, role, ledger)
    );
    appendTurn(messages, role, parts);
  });
  const request: CanonicalRequest = {
    model,
    system: readSystem(body.systemInstruction),
    messages,
    tools: readTools(body.tools),
    stream: false,
  };
  const toolChoice = readToolChoice(body.toolConfig);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  // One candidate is all the canonical form holds: refused rather than answered with one.
  const candidates = numberOrUndefined(config.candidateCount);
  if (candidates !== undefined && candidates > 1) {
    throw invalid("generationConfig.candidateCount", "only 1 candidate is supported by this provider");
  }
  const maxTokens = numberOrUndefined(config.maxOutputTokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = numberOrUndefined(config.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = numberOrUndefined(config.topP);
  if (topP !== undefined) request.topP = topP;
  const topK = numberOrUndefined(config.topK);
  if (topK !== undefined) request.topK = topK;
  if (Array.isArray(config.stopSequences)) {
    const stops = config.stopSequences.filter((stop): stop is string => typeof stop === "string");
    if (stops.length > 0) request.stopSequences = stops;
  }
  const reasoning = readThinking(config.thinkingConfig);
  if (reasoning !== undefined) request.reasoning = reasoning;
  const seed = numberOrUndefined(config.seed);
  if (seed !== undefined) request.seed = seed;
  const presencePenalty = numberOrUndefined(config.presencePenalty);
  if (presencePenalty !== undefined) request.presencePenalty = presencePenalty;
  const frequencyPenalty = numberOrUndefined(config.frequencyPenalty);
  if (frequencyPenalty !== undefined) request.frequencyPenalty = frequencyPenalty;
  const responseFormat = readResponseFormat(config);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  return request;
}

/**
 * Structured output: `responseJsonSchema` (JSON Schema, as Gemini CLI sends it) or `responseSchema`
 * (Gemini's OpenAPI subset) with a JSON MIME type, or JSON mode alone.
 * https://ai.google.dev/gemini-api/docs/structured-output
 */
function readResponseFormat(config: Json): ResponseFormat | undefined {
  const schema = isRecord(config.responseJsonSchema)
    ? config.responseJsonSchema
    : isRecord(config.responseSchema)
    ? jsonSchemaFromGemini(config.responseSchema)
    : undefined;
  if (schema !== undefined) return { type: "json_schema", name: "response", schema };
  return config.responseMimeType === "application/json" ? { type: "json_object" } : undefined;
}

/** One Gemini part → canonical parts; a signature on a non-thought part becomes signed empty reasoning before it. */
function readPart(
  part: unknown,
  path: string,
  role: CanonicalMessage["role"],
  ledger: CallLedger,
): CanonicalPart[] {
  if (!isRecord(part)) throw invalid(path, "must be an object");
  const given = typeof part.thoughtSignature === "string" ? part.thoughtSignature : "";
  if (isSignatureCarrier(given)) {
    // Another provider's reasoning the gateway gave the client to carry: it goes before the part.
    const carried = carriedReasoning(given);
    const rest = readPart({ ...part, thoughtSignature: undefined }, path, role, ledger);
    return part.thought === true ? (carried ? [carried] : rest) : [...(carried ? [carried] : []), ...rest];
  }
  const signature = markSignature("gemini", given);
  const signed: CanonicalPart[] = signature === "" ? [] : [{ type: "reasoning", text: "", signature }];
  if (typeof part.text === "string") {
    if (part.thought === true) {
      if (part.text === "" && signature === "") return [];
      return [
        signature === ""
          ? { type: "reasoning", text: part.text }
          : { type: "reasoning", text: part.text, signature },
      ];
    }
    return part.text === "" ? signed : [...signed, { type: "text", text: part.text }];
  }
  if (isRecord(part.functionCall)) {
    if (role !== "assistant") throw invalid(`${path}.functionCall`, 'belongs to a "model" content');
    const call = part.functionCall;
    const name = stringAt(call, "name", `${path}.functionCall`);
    if (call.args !== undefined && call.args !== null && !isRecord(call.args)) {
      throw invalid(`${path}.functionCall.args`, "must be an object");
    }
    const given = typeof call.id === "string" && call.id !== "" ? call.id : undefined;
    const id = canonicalCallId(given, ledger);
    ledger.open.push({ given, id, name });
    return [...signed, { type: "tool-call", id, name, input: isRecord(call.args) ? call.args : {} }];
  }
  if (isRecord(part.functionResponse)) {
    if (role !== "user") throw invalid(`${path}.functionResponse`, 'belongs to a "user" content');
    return [readFunctionResponse(part.functionResponse, `${path}.functionResponse`, ledger)];
  }
  if (isRecord(part.inlineData)) {
    const mediaType = stringAt(part.inlineData, "mimeType", `${path}.inlineData`);
    const data = stringAt(part.inlineData, "data", `${path}.inlineData`);
    return mediaType.startsWith("image/")
      ? [{ type: "image", source: { kind: "base64", mediaType, data } }]
      : [{ type: "document", source: { kind: "base64", mediaType, data } }];
  }
  if (isRecord(part.fileData)) {
    const url = stringAt(part.fileData, "fileUri", `${path}.fileData`);
    const mediaType = typeof part.fileData.mimeType === "string" ? part.fileData.mimeType : "";
    return mediaType.startsWith("image/")
      ? [{ type: "image", source: { kind: "url", url } }]
      : [{ type: "document", source: { kind: "url", url } }];
  }
  const kind = Object.keys(part).find((key) => key !== "thoughtSignature" && key !== "thought") ?? "empty";
  throw invalid(path, `a "${kind}" part cannot be translated for this provider`);
}

/** A function response answers the open call with its id, or else the oldest open call of its name. */
function readFunctionResponse(response: Json, path: string, ledger: CallLedger): CanonicalPart {
  const name = stringAt(response, "name", path);
  const given = typeof response.id === "string" && response.id !== "" ? response.id : undefined;
  // By id when the client gave one that a call has; else the oldest open call of that name.
  let position = given === undefined ? -1 : ledger.open.findIndex((call) => call.given === given);
  if (position < 0) position = ledger.open.findIndex((call) => call.name === name);
  if (position < 0 && given === undefined) {
    throw invalid(`${path}.name`, `no earlier functionCall of "${name}" is open`);
  }
  const toolCallId = position >= 0 ? ledger.open[position].id : canonicalCallId(given, ledger);
  if (position >= 0) ledger.open.splice(position, 1);
  const body = isRecord(response.response) ? response.response : {};
  // https://ai.google.dev/api/caching#FunctionResponse: any keys; "error" reports a failed call.
  const isError = body.error !== undefined && body.error !== null;
  const value = isError
    ? body.error
    : "content" in body
    ? body.content
    : "output" in body
    ? body.output
    : body;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { type: "tool-result", toolCallId, content: text === "" ? [] : [{ type: "text", text }], isError };
}

function readSystem(system: unknown): TextPart[] {
  if (typeof system === "string") return system === "" ? [] : [{ type: "text", text: system }];
  if (system === undefined || system === null) return [];
  if (!isRecord(system) || !Array.isArray(system.parts)) {
    throw invalid("systemInstruction", "must be a content with text parts");
  }
  return system.parts.map((part, index): TextPart => {
    if (!isRecord(part)) throw invalid(`systemInstruction.parts.${index}`, "must be an object");
    return { type: "text", text: stringAt(part, "text", `systemInstruction.parts.${index}`) };
  });
}

/** Function declarations; built-in tools (Google Search, code execution, …) run at Google only. */
function readTools(tools: unknown): CanonicalTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool, index) => {
    if (!isRecord(tool) || !Array.isArray(tool.functionDeclarations)) return [];
    return tool.functionDeclarations.map((declaration, position): CanonicalTool => {
      const path = `tools.${index}.functionDeclarations.${position}`;
      if (!isRecord(declaration)) throw invalid(path, "must be an object");
      const schema = declaration.parameters ?? declaration.parametersJsonSchema;
      return {
        name: stringAt(declaration, "name", path),
        ...(typeof declaration.description === "string" ? { description: declaration.description } : {}),
        inputSchema: isRecord(schema) ? jsonSchemaFromGemini(schema) : { type: "object", properties: {} },
      };
    });
  });
}

/** Gemini's OpenAPI flavour → JSON Schema: lower-case types, `nullable` as a `"null"` type. */
function jsonSchemaFromGemini(schema: Json): Json {
  const result: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    // `propertyOrdering` is Gemini's own keyword, no JSON Schema one.
    if (key === "nullable" || key === "propertyOrdering") continue;
    if (key === "type" && typeof value === "string") result.type = value.toLowerCase();
    else if ((key === "items") && isRecord(value)) result.items = jsonSchemaFromGemini(value);
    else if (key === "anyOf" && Array.isArray(value)) {
      result.anyOf = value.map((item) => isRecord(item) ? jsonSchemaFromGemini(item) : item);
    } else if (key === "properties" && isRecord(value)) {
      result.properties = Object.fromEntries(
        Object.entries(value).map((
          [name, item],
        ) => [name, isRecord(item) ? jsonSchemaFromGemini(item) : item]),
      );
    } else result[key] = value;
  }
  if (schema.nullable === true && typeof result.type === "string") result.type = [result.type, "null"];
  return result;
}

function readToolChoice(toolConfig: unknown): ToolChoice | undefined {
  const config = isRecord(toolConfig) && isRecord(toolConfig.functionCallingConfig)
    ? toolConfig.functionCallingConfig
    : {};
  const names = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  switch (config.mode) {
    case "ANY":
      return names.length === 1 && typeof names[0] === "string"
        ? { type: "tool", name: names[0] }
        : { type: "any" };
    case "NONE":
      return { type: "none" };
    case "AUTO":
    case "VALIDATED":
      return { type: "auto" };
    default:
      return undefined;
  }
}

/** https://ai.google.dev/gemini-api/docs/thinking — budget 0 is off, -1 dynamic; Gemini 3 has levels. */
function readThinking(config: unknown): ReasoningControl | undefined {
  if (!isRecord(config)) return undefined;
  const budget = numberOrUndefined(config.thinkingBudget);
  if (budget === 0) return { enabled: false };
  if (budget !== undefined && budget > 0) return { enabled: true, budgetTokens: budget };
  const level = typeof config.thinkingLevel === "string" ? config.thinkingLevel.toLowerCase() : "";
  const effort = EFFORTS.find((value) => value === level);
  if (effort !== undefined) return { enabled: true, effort };
  if (budget === -1 || config.includeThoughts === true) return { enabled: true };
  return undefined;
}
