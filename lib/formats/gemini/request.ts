/**
 * Canonical requests ↔ Gemini `generateContent` bodies. The model and streaming live in the URL
 * (`models/{model}:generateContent`, `:streamGenerateContent?alt=sse`), never in the body.
 * https://ai.google.dev/api/generate-content#request-body
 */
import type {
  CanonicalPart,
  CanonicalRequest,
  CanonicalTool,
  ReasoningControl,
  ResponseFormat,
  ToolChoice,
} from "../canonical.ts";
import {
  documentToGemini,
  imageToGemini,
  type PendingPart,
  placeSignatures,
  reasoningToGemini,
  toolCallToGemini,
} from "./parts.ts";
import { cleanSchemaForGemini } from "./schema_cleaning.ts";
import { type GeminiToolMapping, geminiToolMapping } from "./tool_mapping.ts";

export { geminiRequestToCanonical } from "./request_reading.ts";

import { invalid, type Json } from "../json_values.ts";
type Content = { role: "user" | "model"; parts: Json[] };

/** Thinking budgets standing in for an OpenAI-style effort (`minimal` means no thinking). */
export const EFFORT_BUDGETS: Readonly<Record<"low" | "medium" | "high", number>> = {
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * The signature Google documents for replaying a function call whose own signature was lost (e.g.
 * history from a client that drops reasoning). https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

/**
 * Canonical → Gemini generateContent body (the model goes in the URL, not the body). Function names
 * Gemini refuses are renamed as {@link geminiToolMapping} says, which reads its answers back.
 */
export function canonicalToGeminiRequest(request: CanonicalRequest): Record<string, unknown> {
  const tools = geminiToolMapping(request);
  const body: Json = { contents: contentsToGemini(request, tools) };
  const system = request.system.filter((part) => part.text !== "");
  if (system.length > 0) body.systemInstruction = { parts: system.map((part) => ({ text: part.text })) };
  if (request.tools.length > 0) {
    body.tools = [{ functionDeclarations: request.tools.map((tool) => toolToGemini(tool, tools)) }];
    if (request.toolChoice !== undefined) {
      body.toolConfig = { functionCallingConfig: functionCallingConfig(request.toolChoice, tools) };
    }
  }
  const generationConfig = generationConfigOf(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

/** https://ai.google.dev/api/generate-content#generationconfig — only the settings the request holds. */
function generationConfigOf(request: CanonicalRequest): Json {
  const config: Json = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.stopSequences !== undefined && request.stopSequences.length > 0) {
    config.stopSequences = request.stopSequences;
  }
  if (request.seed !== undefined) config.seed = request.seed;
  // A zero penalty is no penalty, and models without penalties (gemini-2.5-pro) answer 400
  // "Penalty is not enabled" to any value: send only the ones that change something.
  if (request.presencePenalty) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty) config.frequencyPenalty = request.frequencyPenalty;
  Object.assign(config, responseFormatConfig(request.responseFormat));
  const thinking = thinkingConfig(request.reasoning);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return config;
}

/**
 * JSON mode is a response MIME type. A schema goes as `responseJsonSchema` (v1beta), which takes JSON
 * Schema as written — `$ref`/`$defs`, `additionalProperties`, `anyOf` — unlike `responseSchema`, an
 * OpenAPI subset; the google-genai SDKs send it unchanged too (`tJsonSchema` is the identity).
 * https://ai.google.dev/api/generate-content#generationconfig
 * https://ai.google.dev/gemini-api/docs/structured-output
 */
function responseFormatConfig(format: ResponseFormat | undefined): Json {
  switch (format?.type) {
    case undefined:
    case "text":
      return {};
    case "json_object":
      return { responseMimeType: "application/json" };
    case "json_schema":
      return { responseMimeType: "application/json", responseJsonSchema: format.schema };
  }
}

/** https://ai.google.dev/api/caching#FunctionCallingConfig (Gemini has no switch for parallel calls). */
function functionCallingConfig(choice: ToolChoice, tools: GeminiToolMapping): Json {
  switch (choice.type) {
    case "auto":
      return { mode: "AUTO" };
    case "any":
      return { mode: "ANY" };
    case "tool":
      return { mode: "ANY", allowedFunctionNames: [tools.toGemini(choice.name)] };
    case "none":
      return { mode: "NONE" };
  }
}

/**
 * https://ai.google.dev/gemini-api/docs/thinking#set-budget — budget 0 turns thinking off (models that
 * cannot think less than a minimum answer 400), no budget lets the model decide.
 */
function thinkingConfig(reasoning: ReasoningControl | undefined): Json | undefined {
  if (reasoning === undefined) return undefined;
  const { enabled, budgetTokens, effort } = reasoning;
  if (!enabled || budgetTokens === 0 || (budgetTokens === undefined && effort === "minimal")) {
    return { thinkingBudget: 0 };
  }
  const budget = budgetTokens ??
    (effort === undefined || effort === "minimal" ? undefined : EFFORT_BUDGETS[effort]);
  return budget === undefined ? { includeThoughts: true } : { includeThoughts: true, thinkingBudget: budget };
}

/** https://ai.google.dev/api/caching#FunctionDeclaration — no `parameters` for a tool without any. */
function toolToGemini(tool: CanonicalTool, tools: GeminiToolMapping): Json {
  const declaration: Json = { name: tools.toGemini(tool.name) };
  if (tool.description !== undefined) declaration.description = tool.description;
  const parameters = cleanSchemaForGemini(tool.inputSchema);
  if (parameters.properties !== undefined) declaration.parameters = parameters;
  return declaration;
}

/**
 * Canonical turns → Gemini contents: turns of one role merged (Gemini wants all the answers to one
 * step's calls in one content), function responses first in a user content.
 */
function contentsToGemini(request: CanonicalRequest, tools: GeminiToolMapping): Content[] {
  // Gemini names the function a response answers; canonical tool results only carry the call id.
  const toolNames = new Map<string, string>();
  const contents: Content[] = [];
  request.messages.forEach((message, index) => {
    const path = `messages.${index}.content`;
    const role = message.role === "assistant" ? "model" : "user";
    const parts = role === "model"
      ? modelParts(message.content, { toolNames, tools, path })
      : userParts(message.content, { toolNames, path });
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  const signCalls = needsCallSignatures(request.model);
  for (const content of contents) {
    if (content.role === "user") {
      content.parts = [
        ...content.parts.filter((part) => part.functionResponse !== undefined),
        ...content.parts.filter((part) => part.functionResponse === undefined),
      ];
    } else if (signCalls) signFirstCall(content.parts);
  }
  return contents;
}

/** What turning a turn's parts into Gemini parts needs to know of the conversation. */
interface TurnContext {
  /** Call id → the Gemini name of the function called, filled by model turns, read by user turns. */
  toolNames: Map<string, string>;
  /** Where the turn's content sits in the request, for errors. */
  path: string;
}

function userParts(content: CanonicalPart[], context: TurnContext): Json[] {
  const { toolNames, path } = context;
  const parts: Json[] = [];
  const images: Json[] = [];
  content.forEach((part, index) => {
    switch (part.type) {
      case "text":
        if (part.text !== "") parts.push({ text: part.text });
        break;
      case "image":
        parts.push(imageToGemini(part.source));
        break;
      case "document":
        parts.push(documentToGemini(part.source, part.title));
        break;
      case "tool-result": {
        const name = toolNames.get(part.toolCallId);
        if (name === undefined) {
          throw invalid(
            `${path}.${index}.toolCallId`,
            `no earlier tool call has the id "${part.toolCallId}"`,
          );
        }
        const text = part.content.flatMap((item) => item.type === "text" ? [item.text] : []).join("\n");
        const response: Json = { name, response: part.isError ? { error: text } : { content: text } };
        if (part.toolCallId !== "") response.id = part.toolCallId;
        parts.push({ functionResponse: response });
        // Function responses hold JSON only (multimodal ones need Gemini 3): images follow as parts.
        for (const item of part.content) if (item.type === "image") images.push(imageToGemini(item.source));
        break;
      }
      case "reasoning":
      case "redacted-reasoning":
        break;
      case "tool-call":
        throw invalid(`${path}.${index}`, 'a "tool-call" part belongs to an assistant turn');
    }
  });
  return [...parts, ...images];
}

function modelParts(
  content: CanonicalPart[],
  context: TurnContext & { tools: GeminiToolMapping },
): Json[] {
  const { toolNames, tools, path } = context;
  const pending: PendingPart[] = [];
  content.forEach((part, index) => {
    switch (part.type) {
      case "text":
        if (part.text !== "") pending.push({ part: { text: part.text } });
        break;
      case "reasoning":
        pending.push(...reasoningToGemini(part, { keepUnsigned: false }));
        break;
      case "tool-call": {
        const name = tools.toGemini(part.name);
        toolNames.set(part.id, name);
        pending.push({ part: toolCallToGemini({ ...part, name }) });
        break;
      }
      case "image":
        pending.push({ part: imageToGemini(part.source) });
        break;
      case "document":
        pending.push({ part: documentToGemini(part.source, part.title) });
        break;
      case "redacted-reasoning":
        // Anthropic's encrypted thinking means nothing to Gemini.
        break;
      case "tool-result":
        throw invalid(`${path}.${index}`, 'a "tool-result" part belongs to a user turn');
    }
  });
  return placeSignatures(pending);
}

/**
 * Gemini 3 rejects a step whose first function call lacks its signature (400 "Function call is
 * missing a thought_signature"); older models neither need nor check the stand-in.
 */
function needsCallSignatures(model: string): boolean {
  return /^(models\/)?gemini-/.test(model) && !/^(models\/)?gemini-[12][.-]/.test(model);
}

function signFirstCall(parts: Json[]): void {
  const calls = parts.filter((part) => part.functionCall !== undefined);
  if (calls.length === 0 || calls.some((part) => part.thoughtSignature !== undefined)) return;
  calls[0].thoughtSignature = SKIP_SIGNATURE;
}
