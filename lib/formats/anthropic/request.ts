/**
 * Anthropic Messages requests ↔ the canonical request.
 * https://docs.anthropic.com/en/api/messages
 */
import type {
  CanonicalMessage,
  CanonicalPart,
  CanonicalRequest,
  CanonicalTool,
  DocumentSource,
  ImagePart,
  ImageSource,
  ReasoningControl,
  ResponseFormat,
  TextPart,
  ToolChoice,
} from "../canonical.ts";
import { appendTurn, signatureFor } from "../canonical.ts";
import {
  type ContentBlock,
  type DocumentBlock,
  isCustomTool,
  isServerToolBlockType,
  type MessagesRequest,
  MIN_THINKING_BUDGET,
  type RequestMessage,
  type SearchResultBlock,
  type ServerToolBlock,
  type ToolResultItem,
} from "./schema.ts";

export { MIN_THINKING_BUDGET };

type Json = Record<string, unknown>;

/** `max_tokens` is required by Anthropic; this is sent when the client gave none. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Thinking budgets standing in for an OpenAI-style effort (`minimal` means no thinking). */
export const EFFORT_BUDGETS: Readonly<Record<"low" | "medium" | "high", number>> = {
  low: 2048,
  medium: 8192,
  high: 24576,
};

/** A validated Messages body → canonical (`model` is the upstream model id). */
export function anthropicRequestToCanonical(body: MessagesRequest, model: string): CanonicalRequest {
  const request: CanonicalRequest = {
    model,
    system: systemFromAnthropic(body.system),
    messages: messagesFromAnthropic(body.messages),
    // Server tools (web search, code execution, …) and toolsets run at Anthropic only: other upstreams cannot.
    tools: (body.tools ?? []).filter(isCustomTool).map((tool): CanonicalTool => ({
      name: tool.name,
      ...(typeof tool.description === "string" ? { description: tool.description } : {}),
      inputSchema: tool.input_schema,
    })),
    stream: body.stream === true,
  };
  if (body.tool_choice !== undefined) request.toolChoice = toolChoiceFromAnthropic(body.tool_choice);
  // `max_tokens: 0` only fills Anthropic's prompt cache. Other providers cache prefixes on their own when
  // a request is served, so the cheapest faithful request is one that generates a single token.
  if (body.max_tokens !== undefined) request.maxTokens = Math.max(1, body.max_tokens);
  if (body.temperature !== undefined) request.temperature = body.temperature;
  if (body.top_p !== undefined) request.topP = body.top_p;
  if (body.top_k !== undefined) request.topK = body.top_k;
  if (body.stop_sequences !== undefined) request.stopSequences = body.stop_sequences;
  if (typeof body.metadata?.user_id === "string") request.user = body.metadata.user_id;
  const reasoning = body.thinking === undefined ? undefined : reasoningFromAnthropic(body.thinking);
  if (reasoning !== undefined) request.reasoning = reasoning;
  const responseFormat = responseFormatFromAnthropic(body.output_config);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  return request;
}

/**
 * Structured outputs: `output_config.format` (`{type: "json_schema", schema}`) asks for JSON matching a
 * schema. https://platform.claude.com/docs/en/build-with-claude/structured-outputs
 */
function responseFormatFromAnthropic(outputConfig: unknown): ResponseFormat | undefined {
  if (outputConfig === null || typeof outputConfig !== "object") return undefined;
  const format = (outputConfig as { format?: unknown }).format as { type?: unknown; schema?: unknown } | null;
  if (format?.type !== "json_schema" || format.schema === null || typeof format.schema !== "object") {
    return undefined;
  }
  return { type: "json_schema", name: "response", schema: format.schema as Record<string, unknown> };
}

/** What a JSON-object answer (no schema) is asked with: Anthropic has no such mode, so the prompt says it. */
export const JSON_OBJECT_INSTRUCTION = "Respond with a single valid JSON object and nothing else.";

/**
 * Messages → canonical turns. Consecutive turns of one role are merged, tool results first, as Anthropic
 * itself combines them (and other providers need roles to alternate).
 */
function messagesFromAnthropic(messages: readonly RequestMessage[]): CanonicalMessage[] {
  const turns: CanonicalMessage[] = [];
  messages.forEach((message, index) => {
    if (message.role !== "system") appendTurn(turns, message.role, contentParts(message.content));
    else if (!isCleared(message, messages.slice(index + 1))) {
      appendTurn(turns, "user", systemReminder(message.content));
    }
  });
  return turns;
}

/** Whether a `clear_at: "next_user_message"` system message is no longer shown: a user turn follows it. */
function isCleared(
  message: Extract<RequestMessage, { role: "system" }>,
  later: readonly RequestMessage[],
): boolean {
  return message.clear_at === "next_user_message" && later.some((entry) => entry.role === "user");
}

/**
 * A mid-conversation system message → a user-turn text part wrapped in `<system-reminder>`, the tag
 * Claude Code itself uses for system notes inside user turns. It stays where the client put it: what it
 * says applies from that point on, and moving it into the system prompt would both change its meaning and
 * change the prompt prefix on every turn (defeating upstream prompt caches). Every provider accepts user
 * text, while a system role inside the conversation exists at OpenAI only.
 */
function systemReminder(content: Extract<RequestMessage, { role: "system" }>["content"]): TextPart[] {
  const text = typeof content === "string"
    ? content
    : (content ?? []).map((block) => block.text).join("\n\n");
  return text.trim() === "" ? [] : [{ type: "text", text: `<system-reminder>\n${text}\n</system-reminder>` }];
}

function textParts(text: string): TextPart[] {
  return text === "" ? [] : [{ type: "text", text }];
}

function contentParts(content: string | readonly ContentBlock[]): CanonicalPart[] {
  return typeof content === "string" ? textParts(content) : content.flatMap(partsFromAnthropic);
}

function systemFromAnthropic(system: MessagesRequest["system"]): TextPart[] {
  if (system === undefined) return [];
  if (typeof system === "string") return textParts(system);
  return system.map((block) => ({ type: "text", text: block.text }));
}

function imageSource(
  source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string },
) {
  return source.type === "base64"
    ? { kind: "base64", mediaType: source.media_type, data: source.data } satisfies ImageSource
    : { kind: "url", url: source.url } satisfies ImageSource;
}

/**
 * A document → canonical. A `content` source (text and images the client chunked itself) becomes one
 * plain-text document of its text, followed by its images.
 */
function documentParts(block: DocumentBlock): Array<CanonicalPart & { type: "document" | "image" }> {
  const title = typeof block.title === "string" ? { title: block.title } : {};
  const { source } = block;
  if (source.type !== "content") {
    const canonical: DocumentSource = source.type === "url"
      ? { kind: "url", url: source.url }
      : { kind: source.type, mediaType: source.media_type, data: source.data };
    return [{ type: "document", source: canonical, ...title }];
  }
  const items = typeof source.content === "string"
    ? [{ type: "text" as const, text: source.content }]
    : source.content;
  const text = items.flatMap((item) => item.type === "text" ? [item.text] : []).join("\n\n");
  const images = items.flatMap((item): ImagePart[] =>
    item.type === "image" ? [{ type: "image", source: imageSource(item.source) }] : []
  );
  const document = {
    type: "document" as const,
    source: { kind: "text" as const, mediaType: "text/plain", data: text },
  };
  return [...(text === "" ? [] : [{ ...document, ...title }]), ...images];
}

/** A search result → text naming its title and source, so the model can still cite it. */
function searchResultText(block: SearchResultBlock): string {
  const text = block.content.map((item) => item.text).join("\n\n");
  return `Search result: ${block.title}\nSource: ${block.source}\n\n${text}`;
}

/** One content block → canonical parts (none for server-tool history). */
function partsFromAnthropic(block: ContentBlock): CanonicalPart[] {
  if (isServerToolBlock(block)) return [];
  switch (block.type) {
    case "text":
      return textParts(block.text);
    case "image":
      return [{ type: "image", source: imageSource(block.source) }];
    case "document":
      return documentParts(block);
    case "search_result":
      return [{ type: "text", text: searchResultText(block) }];
    case "tool_use":
      return [{ type: "tool-call", id: block.id, name: block.name, input: block.input }];
    case "tool_result":
      return toolResultParts(block);
    case "thinking":
      return [
        block.signature === ""
          ? { type: "reasoning", text: block.thinking }
          : { type: "reasoning", text: block.thinking, signature: block.signature },
      ];
    case "redacted_thinking":
      return [{ type: "redacted-reasoning", data: block.data }];
  }
}

function isServerToolBlock(block: ContentBlock): block is ServerToolBlock {
  return isServerToolBlockType(block.type);
}

/**
 * A tool result → canonical. Its content holds text and images: text documents, search results, tool
 * references and browser state become text; PDFs and URL documents follow the result in the same turn.
 */
function toolResultParts(block: Extract<ContentBlock, { type: "tool_result" }>): CanonicalPart[] {
  const items: readonly ToolResultItem[] = typeof block.content === "string"
    ? [{ type: "text", text: block.content }]
    : block.content ?? [];
  const content: Array<TextPart | ImagePart> = [];
  const documents: CanonicalPart[] = [];
  for (const item of items) {
    switch (item.type) {
      case "text":
        content.push(...textParts(item.text));
        break;
      case "image":
        content.push({ type: "image", source: imageSource(item.source) });
        break;
      case "document":
        for (const part of documentParts(item)) {
          if (part.type === "image") content.push(part);
          else if (part.source.kind !== "text") documents.push(part);
          else {content.push({
              type: "text",
              text: [part.title, part.source.data].filter(Boolean).join("\n\n"),
            });}
        }
        break;
      case "search_result":
        content.push({ type: "text", text: searchResultText(item) });
        break;
      case "tool_reference":
        content.push({ type: "text", text: `Tool reference: ${item.tool_name}` });
        break;
      case "browser_state": {
        const { type: _, cache_control: __, ...state } = item;
        content.push({ type: "text", text: `Browser state: ${JSON.stringify(state)}` });
        break;
      }
    }
  }
  const result: CanonicalPart = {
    type: "tool-result",
    toolCallId: block.tool_use_id,
    content,
    isError: block.is_error === true,
  };
  return [result, ...documents];
}

function toolChoiceFromAnthropic(choice: NonNullable<MessagesRequest["tool_choice"]>): ToolChoice {
  if (choice.type === "none") return { type: "none" };
  // Only an explicit `disable_parallel_tool_use` says anything about parallel calls.
  const parallel = choice.disable_parallel_tool_use === undefined
    ? {}
    : { parallel: !choice.disable_parallel_tool_use };
  return choice.type === "tool"
    ? { type: "tool", name: choice.name, ...parallel }
    : { type: choice.type, ...parallel };
}

/**
 * `thinking` → canonical, or undefined to let the model decide (for types this proxy does not know yet).
 * `adaptive` and `between_tools` leave the budget to the model, as an unset budget does.
 */
function reasoningFromAnthropic(
  thinking: NonNullable<MessagesRequest["thinking"]>,
): ReasoningControl | undefined {
  switch (thinking.type) {
    case "enabled":
      return typeof thinking.budget_tokens === "number"
        ? { enabled: true, budgetTokens: thinking.budget_tokens }
        : { enabled: true };
    case "disabled":
      return { enabled: false };
    case "adaptive":
    case "between_tools":
      return { enabled: true };
    default:
      return undefined;
  }
}

/** A canonical request → an Anthropic Messages body. */
export function canonicalToAnthropicRequest(request: CanonicalRequest): Record<string, unknown> {
  const messages = messagesToAnthropic(request.messages);
  // Anthropic refuses a tool_choice without tools ("tool_choice may only be specified while providing tools").
  const toolChoice = request.tools.length > 0 ? request.toolChoice : undefined;
  const budget = thinkingAllowed(toolChoice, messages) ? thinkingBudget(request.reasoning) : null;
  let maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;
  // The budget must be below max_tokens, or Anthropic answers 400.
  if (budget !== null && maxTokens <= budget) maxTokens = budget + DEFAULT_MAX_TOKENS;
  const body: Json = { model: request.model, max_tokens: maxTokens };
  const system = request.system.filter((part) => part.text !== "");
  if (request.responseFormat?.type === "json_object") {
    system.push({ type: "text", text: JSON_OBJECT_INSTRUCTION });
  }
  if (system.length === 1) body.system = system[0].text;
  else if (system.length > 1) body.system = system.map((part) => ({ type: "text", text: part.text }));
  body.messages = messages;
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      input_schema: tool.inputSchema,
    }));
  }
  if (toolChoice !== undefined) body.tool_choice = toolChoiceToAnthropic(toolChoice);
  // Anthropic refuses stop sequences made only of whitespace ("\n" is common from OpenAI clients).
  const stops = request.stopSequences?.filter((stop) => stop.trim() !== "") ?? [];
  if (stops.length > 0) body.stop_sequences = stops;
  if (budget === null) {
    // Anthropic's temperature range is 0–1 (OpenAI's is 0–2).
    if (request.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, request.temperature));
    // Newer models refuse both ("`temperature` and `top_p` cannot both be specified for this model").
    if (request.topP !== undefined && request.temperature === undefined) body.top_p = request.topP;
    if (request.topK !== undefined) body.top_k = request.topK;
  } else {
    // With thinking, temperature and top_k must stay at their defaults and top_p within 0.95–1.
    // https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#feature-compatibility
    if (request.topP !== undefined && request.topP >= 0.95) body.top_p = request.topP;
    body.thinking = { type: "enabled", budget_tokens: budget };
  }
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.responseFormat?.type === "json_schema") {
    body.output_config = { format: { type: "json_schema", schema: request.responseFormat.schema } };
  }
  if (request.stream) body.stream = true;
  return body;
}

/**
 * Whether thinking may be enabled: not with forced tool use, and not when the last assistant turn
 * calls tools without a signed thinking block first (history from other providers never has one).
 */
function thinkingAllowed(toolChoice: ToolChoice | undefined, messages: readonly Json[]): boolean {
  if (toolChoice?.type === "any" || toolChoice?.type === "tool") return false;
  const lastAssistant = [...messages].reverse().find((message) => message.role === "assistant");
  const blocks = (lastAssistant?.content ?? []) as Json[];
  const callsTools = blocks.some((block) => block.type === "tool_use");
  const startsWithThinking = blocks[0]?.type === "thinking" || blocks[0]?.type === "redacted_thinking";
  return !callsTools || startsWithThinking;
}

/** The `budget_tokens` to ask for, or null for no thinking. */
function thinkingBudget(reasoning: ReasoningControl | undefined): number | null {
  if (reasoning === undefined || !reasoning.enabled) return null;
  if (reasoning.budgetTokens !== undefined) {
    return reasoning.budgetTokens > 0 ? Math.max(MIN_THINKING_BUDGET, reasoning.budgetTokens) : null;
  }
  if (reasoning.effort === "minimal") return null;
  return EFFORT_BUDGETS[reasoning.effort ?? "medium"];
}

function toolChoiceToAnthropic(choice: ToolChoice): Json {
  if (choice.type === "none") return { type: "none" };
  const body: Json = choice.type === "tool" ? { type: "tool", name: choice.name } : { type: choice.type };
  if (choice.parallel === false) body.disable_parallel_tool_use = true;
  return body;
}

/**
 * Canonical messages → Anthropic's: consecutive turns of one role merged (roles must alternate), tool
 * results first in their user turn, and empty turns dropped.
 * https://docs.anthropic.com/en/docs/build-with-claude/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 */
function messagesToAnthropic(messages: readonly CanonicalMessage[]): Json[] {
  const merged: Array<{ role: "user" | "assistant"; content: Json[] }> = [];
  for (const message of messages) {
    const blocks = message.content.flatMap(partToAnthropic);
    if (blocks.length === 0) continue;
    const last = merged.at(-1);
    if (last !== undefined && last.role === message.role) last.content.push(...blocks);
    else merged.push({ role: message.role, content: blocks });
  }
  for (const message of merged) {
    if (message.role !== "user") continue;
    const results = message.content.filter((block) => block.type === "tool_result");
    const others = message.content.filter((block) => block.type !== "tool_result");
    message.content = [...results, ...others];
  }
  // A final assistant turn is a prefill, and Anthropic refuses one that ends in whitespace.
  const last = merged.at(-1);
  const lastBlock = last?.role === "assistant" ? last.content.at(-1) : undefined;
  if (lastBlock?.type === "text" && typeof lastBlock.text === "string") {
    lastBlock.text = lastBlock.text.trimEnd();
    if (lastBlock.text === "") last!.content.pop();
    if (last!.content.length === 0) merged.pop();
  }
  return merged;
}

/** Tool ids must match `^[a-zA-Z0-9_-]+$`; other providers' ids (`functions.get:0`) are mapped alike on both sides. */
export function anthropicToolId(id: string): string {
  return /^[a-zA-Z0-9_-]+$/.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, "_");
}

function imageToAnthropic(source: ImageSource): Json {
  const body = source.kind === "base64"
    ? { type: "base64", media_type: source.mediaType, data: source.data }
    : { type: "url", url: source.url };
  return { type: "image", source: body };
}

/** One canonical part → zero or one Anthropic block. */
function partToAnthropic(part: CanonicalPart): Json[] {
  switch (part.type) {
    case "text":
      // Anthropic rejects empty text blocks.
      return part.text === "" ? [] : [{ type: "text", text: part.text }];
    case "image":
      return [imageToAnthropic(part.source)];
    case "document": {
      const source = part.source.kind === "url"
        ? { type: "url", url: part.source.url }
        : { type: part.source.kind, media_type: part.source.mediaType, data: part.source.data };
      return [{ type: "document", source, ...(part.title !== undefined ? { title: part.title } : {}) }];
    }
    case "tool-call":
      return [{ type: "tool_use", id: anthropicToolId(part.id), name: part.name, input: part.input }];
    case "tool-result": {
      const block: Json = { type: "tool_result", tool_use_id: anthropicToolId(part.toolCallId) };
      const content = part.content.filter((item) => item.type !== "text" || item.text !== "");
      const texts = content.filter((item): item is TextPart => item.type === "text");
      if (content.length > 0 && texts.length === content.length) {
        block.content = texts.map((item) => item.text).join("\n");
      } else if (content.length > 0) {
        block.content = content.map((item) =>
          item.type === "text" ? { type: "text", text: item.text } : imageToAnthropic(item.source)
        );
      }
      if (part.isError) block.is_error = true;
      return [block];
    }
    case "reasoning": {
      // Anthropic rejects thinking blocks it did not sign (e.g. reasoning from another provider).
      const signature = signatureFor("anthropic", part.signature);
      return signature ? [{ type: "thinking", thinking: part.text, signature }] : [];
    }
    case "redacted-reasoning":
      return [{ type: "redacted_thinking", data: part.data }];
  }
}
