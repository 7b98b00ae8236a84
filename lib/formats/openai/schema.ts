/**
 * zod schemas of the OpenAI Chat Completions wire format. What clients send is checked for the
 * fields the proxy relies on; everything else passes through untouched (`.loose()`).
 */
import { z } from "zod";

const message = z.object({
  role: z.string({ error: 'must be a string such as "user"' }).min(1, "must not be empty"),
}).loose();

/** A `POST /v1/chat/completions` body as a client sends it. */
export const chatCompletionRequestSchema = z.object({
  model: z.string({ error: 'is required and must be a string such as "openai/gpt-4o-mini"' })
    .min(1, "must not be empty"),
  messages: z.array(message, { error: "is required and must be an array of messages" })
    .min(1, "must contain at least one message"),
  // openai-python types `stream` as `Optional[Literal[False]] | Literal[True]`: null means not streaming.
  stream: z.boolean({ error: "must be a boolean" }).nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
  n: z.number().int().min(1).nullish(),
  max_tokens: z.number().int().min(1, "must be at least 1").nullish(),
  max_completion_tokens: z.number().int().min(1, "must be at least 1").nullish(),
  temperature: z.number({ error: "must be a number" }).nullish(),
  top_p: z.number({ error: "must be a number" }).nullish(),
  presence_penalty: z.number({ error: "must be a number" }).nullish(),
  frequency_penalty: z.number({ error: "must be a number" }).nullish(),
  seed: z.number({ error: "must be an integer" }).int("must be an integer").nullish(),
  // Only the type is checked here: OpenAI-compatible servers accept more types than OpenAI, and the
  // full shape is read when the request is translated.
  response_format: z.object({ type: z.string({ error: 'must be a string such as "json_object"' }) }, {
    error: "must be an object",
  }).loose().nullish(),
  tools: z.array(z.object({ type: z.string() }).loose(), { error: "must be an array of tools" }).nullish(),
}).loose();

/** A validated chat completion request; unknown fields are kept. */
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
