/**
 * Anthropic Messages requests → the canonical request (the other way is in `request.ts`).
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
import { appendTurn } from "../canonical.ts";
import {
  type ContentBlock,
  type DocumentBlock,
  isCustomTool,
  isServerToolBlockType,
  type MessagesRequest,
  type RequestMessage,
  type SearchResultBlock,
  type ServerToolBlock,
  type ToolResultItem,
} from "./schema.ts";
import { invalid } from "../json_values.ts";

type Effort = NonNullable<ReasoningControl["effort"]>;

/**
 * `output_config.effort` → the canonical effort. Levels above "high" (`xhigh`, `max`) have no canonical
 * counterpart: the nearest is "high". https://platform.claude.com/docs/en/build-with-claude/effort
 */
const EFFORTS: Readonly<Record<string, Effort>> = {
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "high",
  max: "high",
};

/**
 * The line Claude Code puts first in its system prompt (`x-anthropic-billing-header: cc_version=…;
 * cc_entrypoint=…; cch=…;`): metadata for Anthropic's API, not for the model. It changes between
 * sessions, so left at the front of the prompt it defeats every other provider's prefix cache.
 * https://github.com/anthropics/claude-code/issues/68900
 */
const BILLING_HEADER_LINE = /^x-anthropic-billing-header:[^\n]*(?:\n|$)/;

/** A validated Messages body → canonical (`model` is the upstream model id). */
export function anthropicRequestToCanonical(body: MessagesRequest, model: string): CanonicalRequest {
  const request: CanonicalRequest = {
    model,
    system: systemFromAnthropic(body.system),
    messages: messagesFromAnthropic(body.messages),
    tools: toolsFromAnthropic(body.tools ?? []),
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
  const reasoning = body.thinking === undefined
    ? undefined
    : withEffort(reasoningFromAnthropic(body.thinking), effortFromAnthropic(body.output_config));
  if (reasoning !== undefined) request.reasoning = reasoning;
  const responseFormat = responseFormatFromAnthropic(body.output_config);
  if (responseFormat !== undefined) request.responseFormat = responseFormat;
  return request;
}

/**
 * Custom tools → canonical. Server tools (web search, code execution, …) and toolsets run at Anthropic
 * only: next to custom tools they are left out, but a request whose only tools are server tools (Claude
 * Code's WebSearch call) is refused, as the model would otherwise answer without them, inventing results.
 */
function toolsFromAnthropic(tools: NonNullable<MessagesRequest["tools"]>): CanonicalTool[] {
  const custom = tools.filter(isCustomTool);
  if (tools.length > 0 && custom.length === 0) {
    throw invalid(
      "tools.0.type",
      `server tool ${JSON.stringify(tools[0].type)} cannot be translated: server tools such as web_search ` +
        "run only on Anthropic-native providers",
    );
  }
  return custom.map((tool): CanonicalTool => ({
    name: tool.name,
    ...(typeof tool.description === "string" ? { description: tool.description } : {}),
    inputSchema: tool.input_schema,
  }));
}

/** `output_config.effort` (low, medium, high, xhigh, max) → canonical, or undefined (absent or unknown). */
function effortFromAnthropic(outputConfig: unknown): Effort | undefined {
  if (outputConfig === null || typeof outputConfig !== "object") return undefined;
  const effort = (outputConfig as { effort?: unknown }).effort;
  return typeof effort === "string" && Object.hasOwn(EFFORTS, effort) ? EFFORTS[effort] : undefined;
}

/**
 * Reasoning refined by an effort. The effort only tunes thinking that is on and sized by the model
 * (`adaptive`, `between_tools`): an explicit `budget_tokens` is the more precise control and wins, and an
 * effort never turns on thinking the client did not ask for.
 */
function withEffort(
  reasoning: ReasoningControl | undefined,
  effort: Effort | undefined,
): ReasoningControl | undefined {
  if (effort === undefined || !reasoning?.enabled || reasoning.budgetTokens !== undefined) return reasoning;
  return { ...reasoning, effort };
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

/** The system prompt → canonical text, without Claude Code's billing line (see {@link BILLING_HEADER_LINE}). */
function systemFromAnthropic(system: MessagesRequest["system"]): TextPart[] {
  if (system === undefined) return [];
  if (typeof system === "string") return textParts(withoutBillingHeader(system));
  return system.flatMap((block) => textParts(withoutBillingHeader(block.text)));
}

/** `text` without a first line that is Claude Code's billing header (a block of only that line is emptied). */
function withoutBillingHeader(text: string): string {
  return text.replace(BILLING_HEADER_LINE, "");
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
