/**
 * zod schemas of the Anthropic Messages wire format: strict for what clients send us (so a bad field
 * is a clear 400 naming its path), loose for what upstreams send back.
 * https://docs.anthropic.com/en/api/messages
 */
import { z } from "zod";

/** "Field required" when absent (Anthropic's own wording), `problem` otherwise. */
function required(problem: string) {
  return { error: (issue: { input?: unknown }) => issue.input === undefined ? "Field required" : problem };
}

/** The message of a discriminated union whose `type` is missing, unknown or not an object. */
function unsupported(what: string, expected: readonly string[]) {
  return {
    error: (issue: { code?: string; input?: unknown }) => {
      if (issue.code === "invalid_type") return `must be an object with a "type" (${expected.join(", ")})`;
      const type = (issue.input as { type?: unknown } | null)?.type;
      if (type === undefined) return `is required (expected ${expected.join(", ")})`;
      return `unsupported ${what} type ${JSON.stringify(type)} (expected ${expected.join(", ")})`;
    },
  };
}

/** Copy the issues of a nested parse into `context` under `path`, so the 400 names the inner field. */
function report(error: z.ZodError, context: z.core.$RefinementCtx, path: PropertyKey[], input: unknown) {
  for (const issue of error.issues) {
    context.issues.push({ code: "custom", message: issue.message, path: [...path, ...issue.path], input });
  }
}

/**
 * A string or an array of `item`s. A plain `z.union` would report "Invalid input" for the whole field;
 * this reports the first bad item with its own path (`content.1.type: …`).
 */
function stringOrList<T extends z.ZodType>(item: T, what: string) {
  return z.union([z.string(), z.array(z.unknown())], { error: `must be a string or an array of ${what}` })
    .transform((value, context): string | Array<z.output<T>> => {
      if (typeof value === "string") return value;
      const items: Array<z.output<T>> = [];
      value.forEach((entry, index) => {
        const result = item.safeParse(entry);
        if (result.success) items.push(result.data);
        else report(result.error, context, [index], entry);
      });
      return items;
    });
}

/**
 * Blocks of Anthropic's server tools (`server_tool_use`, `web_search_tool_result`, `mcp_tool_use`, …) and
 * `container_upload`: history that only Anthropic's own tools read. Translation drops them, as it drops
 * the server tools themselves.
 */
export type ServerToolBlock = { type: `${string}_tool_use` | `${string}_tool_result` | "container_upload" };

/** Whether a content block `type` is a {@link ServerToolBlock} (new server tools follow the same naming). */
export function isServerToolBlockType(type: string): type is ServerToolBlock["type"] {
  return type === "container_upload" || /._tool_(use|result)$/.test(type);
}

/** `schema`, or any {@link ServerToolBlock} as it is (so unknown types still get `schema`'s 400). */
function orServerToolBlock<T extends z.ZodType>(schema: T) {
  return z.unknown().transform((value, context): z.output<T> | ServerToolBlock => {
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type === "string" && isServerToolBlockType(type)) return value as ServerToolBlock;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    report(result.error, context, [], value);
    return z.NEVER;
  });
}

const textBlock = z.object({ type: z.literal("text"), text: z.string(required("must be a string")) }).loose();

const imageSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("url"), url: z.string() }).loose(),
], unsupported("image source", ["base64", "url"]));

const imageBlock = z.object({ type: z.literal("image"), source: imageSource }).loose();

/** The content of a `{"type": "content"}` document source: text and images. */
const documentContentItem = z.discriminatedUnion(
  "type",
  [textBlock, imageBlock],
  unsupported("document content block", ["text", "image"]),
);

// `file` sources (Files API ids) are not listed: only Anthropic can read them.
const documentSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("url"), url: z.string() }).loose(),
  z.object({
    type: z.literal("content"),
    content: stringOrList(documentContentItem, "text or image blocks"),
  }).loose(),
], unsupported("document source", ["text", "base64", "url", "content"]));

const documentBlock = z.object({
  type: z.literal("document"),
  source: documentSource,
  title: z.string().nullish(),
}).loose();

/** A document block of a request. */
export type DocumentBlock = z.output<typeof documentBlock>;

const searchResultBlock = z.object({
  type: z.literal("search_result"),
  source: z.string(required("must be a string")),
  title: z.string(required("must be a string")),
  content: z.array(textBlock, required("must be an array of text blocks")),
}).loose();

/** A search result block of a request. */
export type SearchResultBlock = z.output<typeof searchResultBlock>;

const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string(required("must be a string")),
  name: z.string(required("must be a string")),
  input: z.record(z.string(), z.unknown(), required("must be an object")),
}).loose();

// Tool search answers with `tool_reference`s; browser toolset members with a `browser_state`.
const toolResultItem = z.discriminatedUnion(
  "type",
  [
    textBlock,
    imageBlock,
    documentBlock,
    searchResultBlock,
    z.object({ type: z.literal("tool_reference"), tool_name: z.string(required("must be a string")) })
      .loose(),
    z.object({ type: z.literal("browser_state"), tabs: z.array(z.unknown(), required("must be an array")) })
      .loose(),
  ],
  unsupported("tool_result content block", [
    "text",
    "image",
    "document",
    "search_result",
    "tool_reference",
    "browser_state",
  ]),
);

/** One item of a `tool_result`'s content. */
export type ToolResultItem = z.output<typeof toolResultItem>;

const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string(required("must be a string")),
  content: stringOrList(toolResultItem, "tool_result content blocks").optional(),
  is_error: z.boolean().optional(),
}).loose();

const thinkingBlock = z.object({
  type: z.literal("thinking"),
  thinking: z.string(required("must be a string")),
  signature: z.string(required("must be a string")),
}).loose();

const redactedThinkingBlock = z.object({
  type: z.literal("redacted_thinking"),
  data: z.string(required("must be a string")),
}).loose();

const contentBlock = orServerToolBlock(z.discriminatedUnion(
  "type",
  [
    textBlock,
    imageBlock,
    documentBlock,
    searchResultBlock,
    toolUseBlock,
    toolResultBlock,
    thinkingBlock,
    redactedThinkingBlock,
  ],
  unsupported("content block", [
    "text",
    "image",
    "document",
    "search_result",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
  ]),
));

/** One content block of a request message. */
export type ContentBlock = z.output<typeof contentBlock>;

const systemContent = stringOrList(
  z.discriminatedUnion("type", [textBlock], unsupported("system block", ["text"])),
  "text blocks",
);

const turnMessage = <Role extends "user" | "assistant">(role: Role) =>
  z.object({ role: z.literal(role), content: stringOrList(contentBlock, "content blocks") }).loose();

/**
 * A mid-conversation system message (SDK `SystemMessageParam`, beta `mid-conversation-system-2026-04-07`).
 * `clear_at: "next_user_message"` shows it only until a later user turn.
 */
const systemMessage = z.object({
  role: z.literal("system"),
  content: systemContent.optional(),
  clear_at: z.enum(["next_user_message", "never"], { error: 'must be "next_user_message" or "never"' })
    .nullish(),
}).loose();

const message = z.discriminatedUnion("role", [turnMessage("user"), turnMessage("assistant"), systemMessage], {
  error: (issue: { code?: string; input?: unknown }) => {
    if (issue.code === "invalid_type") return "must be an object with a role";
    const role = (issue.input as { role?: unknown } | null)?.role;
    return role === undefined ? "Field required" : 'must be "user", "assistant" or "system"';
  },
});

/** One message of a request. */
export type RequestMessage = z.output<typeof message>;

/** Whether a message's content is empty (a system message may carry only an `output_config`). */
function isEmpty(message: RequestMessage): boolean {
  if (message.role === "system" && message.output_config !== undefined && message.content === undefined) {
    return false;
  }
  return message.content === undefined || message.content.length === 0;
}

// Anthropic's own words: every message but a final assistant prefill needs content.
const messages = z.array(message, required("must be an array of messages"))
  .min(1, "must contain at least one message")
  .superRefine((list, context) => {
    list.forEach((entry, index) => {
      const prefill = entry.role === "assistant" && index === list.length - 1;
      if (prefill || !isEmpty(entry)) return;
      context.issues.push({
        code: "custom",
        message: "all messages must have non-empty content except for the optional final assistant message",
        path: [index],
        input: entry,
      });
    });
  });

// Only custom tools (no `type`, or "custom") need a name and an input schema: typed tools (server tools
// like `web_search_20250305`, toolsets like `browser_toolset_20260801`, `mcp_toolset`) are Anthropic's.
const customTool = z.object({
  name: z.string(required("must be a string")).min(1, "must not be empty"),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown(), required("must be a JSON Schema object")),
}).loose();

/** A custom tool: the only kind other providers can run. */
export type CustomTool = z.output<typeof customTool> & { type?: "custom" | null };

/** Whether a tool is a custom one (the client runs it; its schema is in the request). */
export function isCustomTool(tool: { type?: string | null }): tool is CustomTool {
  return tool.type === undefined || tool.type === null || tool.type === "custom";
}

const toolType = { type: z.string({ error: "must be a string" }).nullish() };

const tool = z.object(toolType, { error: "must be an object" }).loose().superRefine((value, context) => {
  if (!isCustomTool(value)) return;
  const result = customTool.safeParse(value);
  if (!result.success) report(result.error, context, [], value);
});

const parallel = { disable_parallel_tool_use: z.boolean().optional() };

const toolChoice = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), ...parallel }).loose(),
  z.object({ type: z.literal("any"), ...parallel }).loose(),
  z.object({ type: z.literal("tool"), name: z.string(required("must be a string")), ...parallel }).loose(),
  z.object({ type: z.literal("none") }).loose(),
], unsupported("tool_choice", ["auto", "any", "tool", "none"]));

/** Anthropic's smallest `thinking.budget_tokens`. https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking */
export const MIN_THINKING_BUDGET = 1024;

const thinkingBudget = z.number(required("must be an integer"))
  .int("must be an integer")
  .min(MIN_THINKING_BUDGET, `Input should be greater than or equal to ${MIN_THINKING_BUDGET}`);

// Types are open-ended (`enabled`, `disabled`, `adaptive`, `between_tools`, and more to come): only
// `enabled` has a field to check; the translation lets the model decide for types it does not know.
const thinking = z.object({ type: z.string(required("must be a string")) }, { error: "must be an object" })
  .loose()
  .superRefine((value, context) => {
    if (value.type !== "enabled") return;
    const result = thinkingBudget.safeParse(value.budget_tokens);
    if (!result.success) report(result.error, context, ["budget_tokens"], value);
  });

// 0 is valid: it fills the prompt cache without generating anything.
const maxTokens = z.number(required("must be a non-negative integer"))
  .int("must be a non-negative integer")
  .nonnegative("must be a non-negative integer");

const unitInterval = z.number({ error: "must be a number" })
  .min(0, "Input should be greater than or equal to 0")
  .max(1, "Input should be less than or equal to 1");

const requestShape = {
  model: z.string(required("must be a string")).min(1, "must not be empty"),
  max_tokens: maxTokens,
  messages,
  system: systemContent.optional(),
  tools: z.array(tool, { error: "must be an array of tools" }).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string(), { error: "must be an array of strings" }).optional(),
  temperature: unitInterval.optional(),
  top_p: unitInterval.optional(),
  top_k: z.number({ error: "must be an integer" }).int("must be an integer")
    .nonnegative("Input should be greater than or equal to 0").optional(),
  metadata: z.object({ user_id: z.string({ error: "must be a string" }).nullish() }).loose().optional(),
  thinking: thinking.optional(),
  stream: z.boolean({ error: "must be a boolean" }).optional(),
};

/**
 * Anthropic's rule that thinking fits in the output: `budget_tokens` below `max_tokens`. Not for
 * `max_tokens: 0`, which generates nothing and only fills the prompt cache.
 */
function budgetBelowMaxTokens(
  body: { max_tokens: number; thinking?: { type: string; budget_tokens?: unknown } },
  context: z.core.$RefinementCtx,
): void {
  const budget = body.thinking?.type === "enabled" ? body.thinking.budget_tokens : undefined;
  if (typeof budget !== "number" || body.max_tokens === 0 || budget < body.max_tokens) return;
  context.issues.push({
    code: "custom",
    message: "must be greater than thinking.budget_tokens",
    path: ["max_tokens"],
    input: body.max_tokens,
  });
}

/** A `POST /v1/messages` body that is to be translated for a non-Anthropic upstream. */
export const messagesRequestSchema = z.object(requestShape).loose().superRefine(budgetBelowMaxTokens);

/**
 * {@link messagesRequestSchema} for a client that sent the `interleaved-thinking-2025-05-14` beta: then
 * `budget_tokens` spans the whole turn and may exceed `max_tokens`, and Anthropic accepts it.
 * https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#interleaved-thinking
 */
export const interleavedMessagesRequestSchema = z.object(requestShape).loose();

/** A validated Messages request; unknown fields are kept. */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** A `POST /v1/messages` body bound for an Anthropic-native upstream: only what routing needs. */
export const passThroughRequestSchema = z.object({
  model: requestShape.model,
  max_tokens: maxTokens,
  messages: z.array(z.unknown(), required("must be an array of messages")),
  stream: requestShape.stream,
}).loose();

/** A `POST /v1/messages/count_tokens` body to count locally: a Messages request without `max_tokens`. */
export const countTokensRequestSchema = z.object({ ...requestShape, max_tokens: maxTokens.optional() })
  .loose();

/** A `POST /v1/messages/count_tokens` body bound for an Anthropic-native upstream: only what routing needs. */
export const passThroughCountTokensRequestSchema = passThroughRequestSchema.extend({
  max_tokens: maxTokens.optional(),
});

// ——— What upstreams send back (loose) ———

/** An Anthropic `usage` object. */
export const usageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.object({ thinking_tokens: z.number().nullish() }).loose().nullish(),
}).loose();

/** An Anthropic `usage` object as parsed. */
export type AnthropicUsage = z.output<typeof usageSchema>;

/** A response content block we translate; other types (server tool blocks, …) are skipped. */
export const responseBlockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }).loose(),
  z.object({
    type: z.literal("tool_use"),
    id: z.string(),
    name: z.string(),
    input: z.record(z.string(), z.unknown()).nullish(),
  }).loose(),
  // Anthropic-compatible servers sometimes leave the signature out.
  z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string().nullish() }).loose(),
  z.object({ type: z.literal("redacted_thinking"), data: z.string() }).loose(),
]);

/** A response content block we translate, as parsed. */
export type ResponseBlock = z.output<typeof responseBlockSchema>;

/** A `message` object (the non-streamed answer, and the `message` of `message_start`). */
export const messageResponseSchema = z.object({
  id: z.string(),
  type: z.literal("message"),
  model: z.string().optional(),
  content: z.array(z.object({ type: z.string() }).loose()),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: usageSchema.nullish(),
}).loose();

/** One event of an Anthropic stream; unknown event types are not listed here and are skipped. */
export const streamEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message_start"),
    message: z.object({
      id: z.string().optional(),
      model: z.string().optional(),
      usage: usageSchema.nullish(),
    })
      .loose(),
  }).loose(),
  z.object({
    type: z.literal("content_block_start"),
    index: z.number(),
    content_block: z.object({ type: z.string() }).loose(),
  }).loose(),
  z.object({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z.object({ type: z.string() }).loose(),
  }).loose(),
  z.object({ type: z.literal("content_block_stop") }).loose(),
  z.object({
    type: z.literal("message_delta"),
    delta: z.object({ stop_reason: z.string().nullish(), stop_sequence: z.string().nullish() }).loose(),
    usage: usageSchema.nullish(),
  }).loose(),
  z.object({ type: z.literal("message_stop") }).loose(),
  z.object({ type: z.literal("ping") }).loose(),
  z.object({
    type: z.literal("error"),
    error: z.object({ type: z.string().optional(), message: z.string().optional() }).loose(),
  }).loose(),
]);

/** The `delta` of a `content_block_delta` event, for the delta types we translate. */
export const blockDeltaSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text_delta"), text: z.string() }).loose(),
  z.object({ type: z.literal("input_json_delta"), partial_json: z.string() }).loose(),
  z.object({ type: z.literal("thinking_delta"), thinking: z.string() }).loose(),
  z.object({ type: z.literal("signature_delta"), signature: z.string() }).loose(),
]);
