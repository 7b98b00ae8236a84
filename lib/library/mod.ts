/** The library's public surface (re-exported by `mod.ts` at the root). */
export { RotatingClient } from "./rotating_client.ts";
export type {
  ClientClock,
  ClientLogLevel,
  OAuthAccount,
  RotatingClientOptions,
  UsageStore,
} from "./options.ts";
export { RotatingClientError, type RotatingClientErrorFields } from "./errors.ts";
export type {
  CallOptions,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionRequest,
  Embedding,
  EmbeddingsRequest,
  EmbeddingsResponse,
  JsonObject,
  Message,
  MessagesRequest,
  MessageStreamEvent,
  ModelInfo,
  UsageReport,
} from "./types.ts";
