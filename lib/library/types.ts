/**
 * The wire shapes the library's methods take and give: OpenAI Chat Completions and embeddings, Anthropic
 * Messages, as their vendors document them. Only the fields callers reach for most are named; every other
 * documented field passes through (the index signatures), exactly as over HTTP.
 */

/** A JSON object with any fields. */
export type JsonObject = { [field: string]: unknown };

/**
 * An OpenAI Chat Completions request (https://platform.openai.com/docs/api-reference/chat/create).
 *
 * @example
 * ```ts
 * const request: ChatCompletionRequest = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] };
 * ```
 */
export interface ChatCompletionRequest {
  /** `provider/model` (`openai/gpt-4o-mini`), or an alias (`MODEL_ALIAS_<NAME>`). */
  model: string;
  /** The conversation: `{ role, content, … }` objects in OpenAI's shape. */
  messages: JsonObject[];
  /** True for an async iterable of chunks instead of one completion object. */
  stream?: boolean | null;
  /** Output token limit (lowered to the model's ceiling when the upstream names one). */
  max_tokens?: number | null;
  /** Output token limit, the newer name. */
  max_completion_tokens?: number | null;
  /** Sampling temperature. */
  temperature?: number | null;
  /** Function tools in OpenAI's shape. */
  tools?: JsonObject[] | null;
  /** Any other field of the API. */
  [field: string]: unknown;
}

/** One choice of a {@link ChatCompletion}. */
export interface ChatCompletionChoice {
  /** Position of the choice. */
  index: number;
  /** The assistant's message (`content`, `tool_calls`, `reasoning_content`, …). */
  message: JsonObject & { role: "assistant"; content: string | null };
  /** `stop`, `length`, `tool_calls`, `content_filter`. */
  finish_reason: string | null;
  /** Any other field. */
  [field: string]: unknown;
}

/** A chat completion object (`object: "chat.completion"`). */
export interface ChatCompletion {
  /** The completion's id. */
  id: string;
  /** Always `chat.completion`. */
  object: "chat.completion";
  /** Unix seconds. */
  created: number;
  /** The model that answered, as the provider names it. */
  model: string;
  /** The answers; one unless `n` asked for more. */
  choices: ChatCompletionChoice[];
  /** Token counts. */
  usage?: JsonObject & { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** Any other field. */
  [field: string]: unknown;
}

/** One choice of a {@link ChatCompletionChunk}. */
export interface ChatCompletionChunkChoice {
  /** Position of the choice. */
  index: number;
  /** What this chunk adds (`role`, `content`, `tool_calls`, `reasoning_content`, …). */
  delta: JsonObject & { role?: string; content?: string | null };
  /** Set on the choice's last chunk. */
  finish_reason: string | null;
  /** Any other field. */
  [field: string]: unknown;
}

/** One streamed chunk (`object: "chat.completion.chunk"`); the `[DONE]` sentinel is not yielded. */
export interface ChatCompletionChunk {
  /** The completion's id, the same in every chunk. */
  id: string;
  /** Always `chat.completion.chunk`. */
  object: "chat.completion.chunk";
  /** Unix seconds. */
  created: number;
  /** The model that answers. */
  model: string;
  /** The choices' deltas (empty in a usage-only last chunk). */
  choices: ChatCompletionChunkChoice[];
  /** Any other field (`usage` with `stream_options.include_usage`). */
  [field: string]: unknown;
}

/**
 * An Anthropic Messages request (https://docs.anthropic.com/en/api/messages), served by any provider:
 * translated when the provider does not speak Anthropic's format.
 */
export interface MessagesRequest {
  /** `provider/model` (`anthropic/claude-sonnet-4`, `groq/llama-3.3-70b-versatile`) or an alias. */
  model: string;
  /** Output token limit. */
  max_tokens: number;
  /** The conversation: `{ role, content }` objects in Anthropic's shape. */
  messages: JsonObject[];
  /** The system prompt, text or text blocks. */
  system?: string | JsonObject[];
  /** True for an async iterable of Anthropic's stream events instead of one message. */
  stream?: boolean;
  /** Any other field of the API. */
  [field: string]: unknown;
}

/** An Anthropic `message` object. */
export interface Message {
  /** The message's id. */
  id: string;
  /** Always `message`. */
  type: "message";
  /** Always `assistant`. */
  role: "assistant";
  /** The model that answered. */
  model: string;
  /** Content blocks: `text`, `tool_use`, `thinking`, … */
  content: JsonObject[];
  /** `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, … */
  stop_reason: string | null;
  /** Token counts. */
  usage: JsonObject & { input_tokens: number; output_tokens: number };
  /** Any other field. */
  [field: string]: unknown;
}

/**
 * One event of a streamed message, as Anthropic sends it: `message_start`, `content_block_start`,
 * `ping`, `content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`.
 */
export interface MessageStreamEvent {
  /** The event's type. */
  type: string;
  /** The event's other fields. */
  [field: string]: unknown;
}

/** An OpenAI embeddings request (https://platform.openai.com/docs/api-reference/embeddings/create). */
export interface EmbeddingsRequest {
  /** `provider/model`, e.g. `openai/text-embedding-3-small`. */
  model: string;
  /** A text, texts, or token arrays. */
  input: string | string[] | number[] | number[][];
  /** `float` (default) or `base64`. */
  encoding_format?: "float" | "base64";
  /** Fewer dimensions, for models that take them. */
  dimensions?: number;
  /** Any other field of the API. */
  [field: string]: unknown;
}

/** One vector of an {@link EmbeddingsResponse}. */
export interface Embedding {
  /** Always `embedding`. */
  object: "embedding";
  /** Position of its input. */
  index: number;
  /** The vector, or its float32 bytes in base64 with `encoding_format: "base64"`. */
  embedding: number[] | string;
}

/** An OpenAI embeddings answer. */
export interface EmbeddingsResponse {
  /** Always `list`. */
  object: "list";
  /** One vector per input, in input order. */
  data: Embedding[];
  /** The model that answered. */
  model: string;
  /** Token counts. */
  usage: { prompt_tokens: number; total_tokens: number };
  /** Any other field. */
  [field: string]: unknown;
}

/** One model as `models()` lists it. */
export interface ModelInfo {
  /** `provider/model`, or an alias. */
  id: string;
  /** Always `model`. */
  object: "model";
  /** Unix seconds, as the provider says (0 when it does not). */
  created: number;
  /** The provider's owner field, or `alias`. */
  owned_by: string;
}

/**
 * The pools' usage and states, as `GET /v1/quota-stats` reports them: per provider its rotation mode,
 * and per masked key its state, cooldowns, calls in flight and usage (today and in total).
 */
export interface UsageReport {
  /** Always `quota_stats`. */
  object: "quota_stats";
  /** When the report was made (ISO 8601). */
  generated_at: string;
  /** Per provider id. */
  providers: Record<string, JsonObject>;
}

/** Per-call options of every method. */
export interface CallOptions {
  /** Aborting it cancels the call (and a stream being read); its key is freed at once, not blamed. */
  signal?: AbortSignal;
}
