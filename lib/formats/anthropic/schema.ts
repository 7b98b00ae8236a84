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
        else {
          for (const issue of result.error.issues) {
            context.issues.push({
              code: "custom",
              message: issue.message,
              path: [index, ...issue.path],
              input: entry,
            });
          }
        }
      });
      return items;
    });
}

const textBlock = z.object({ type: z.literal("text"), text: z.string(required("must be a string")) }).loose();

const imageSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("url"), url: z.string() }).loose(),
], unsupported("image source", ["base64", "url"]));

const imageBlock = z.object({ type: z.literal("image"), source: imageSource }).loose();

const documentSource = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
  z.object({ type: z.literal("url"), url: z.string() }).loose(),
], unsupported("document source", ["text", "base64", "url"]));

const documentBlock = z.object({
  type: z.literal("document"),
  source: documentSource,
  title: z.string().nullish(),
}).loose();

const toolUseBlock = z.object({
  type: z.literal("tool_use"),
  id: z.string(required("must be a string")),
  name: z.string(required("must be a string")),
  input: z.record(z.string(), z.unknown(), required("must be an object")),
}).loose();

const toolResultItem = z.discriminatedUnion(
  "type",
  [textBlock, imageBlock],
  unsupported("tool_result content block", ["text", "image"]),
);

const toolResultBlock = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string(required("must be a string")),
  content: stringOrList(toolResultItem, "text or image blocks").optional(),
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

const contentBlock = z.discriminatedUnion(
  "type",
  [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock],
  unsupported("content block", [
    "text",
    "image",
    "document",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
  ]),
);

/** One content block of a request message. */
export type ContentBlock = z.output<typeof contentBlock>;

const message = z.object({
  role: z.enum(["user", "assistant"], required('must be "user" or "assistant"')),
  content: stringOrList(contentBlock, "content blocks"),
}).loose();

// Server tools (`web_search_20250305`, `bash_20250124`, …) carry a `type` and no `input_schema`.
const tool = z.object({
  name: z.string(required("must be a string")).min(1, "must not be empty"),
  type: z.string().nullish(),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object" }).optional(),
}).loose().refine(
  (value) =>
    (value.type !== undefined && value.type !== null && value.type !== "custom") ||
    value.input_schema !== undefined,
  { path: ["input_schema"], error: "Field required" },
);

const parallel = { disable_parallel_tool_use: z.boolean().optional() };

const toolChoice = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auto"), ...parallel }).loose(),
  z.object({ type: z.literal("any"), ...parallel }).loose(),
  z.object({ type: z.literal("tool"), name: z.string(required("must be a string")), ...parallel }).loose(),
  z.object({ type: z.literal("none") }).loose(),
], unsupported("tool_choice", ["auto", "any", "tool", "none"]));

// `adaptive` lets the model pick its own budget (Claude 4.6+, sent by recent Claude Code).
const thinking = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("enabled"),
    budget_tokens: z.number(required("must be a positive integer")).int().positive(),
  }).loose(),
  z.object({ type: z.literal("disabled") }).loose(),
  z.object({ type: z.literal("adaptive") }).loose(),
], unsupported("thinking", ["enabled", "disabled", "adaptive"]));

const maxTokens = z.number(required("must be a positive integer"))
  .int("must be a positive integer")
  .positive("must be a positive integer");

const requestShape = {
  model: z.string(required("must be a string")).min(1, "must not be empty"),
  max_tokens: maxTokens,
  messages: z.array(message, required("must be an array of messages"))
    .min(1, "must contain at least one message"),
  system: stringOrList(
    z.discriminatedUnion("type", [textBlock], unsupported("system block", ["text"])),
    "text blocks",
  ).optional(),
  tools: z.array(tool, { error: "must be an array of tools" }).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string(), { error: "must be an array of strings" }).optional(),
  temperature: z.number({ error: "must be a number" }).optional(),
  top_p: z.number({ error: "must be a number" }).optional(),
  top_k: z.number({ error: "must be an integer" }).int("must be an integer").optional(),
  metadata: z.object({ user_id: z.string({ error: "must be a string" }).nullish() }).loose().optional(),
  thinking: thinking.optional(),
  stream: z.boolean({ error: "must be a boolean" }).optional(),
};

/** A `POST /v1/messages` body that is to be translated for a non-Anthropic upstream. */
export const messagesRequestSchema = z.object(requestShape).loose();

/** A validated Messages request; unknown fields are kept. */
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** A `POST /v1/messages` body bound for an Anthropic-native upstream: only what routing needs. */
export const passThroughRequestSchema = z.object({
  model: requestShape.model,
  max_tokens: maxTokens,
  messages: z.array(z.unknown(), required("must be an array of messages")),
  stream: requestShape.stream,
}).loose();

/** A `POST /v1/messages/count_tokens` body: a Messages request without `max_tokens`. */
export const countTokensRequestSchema = z.object({ ...requestShape, max_tokens: maxTokens.optional() })
  .loose();

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
