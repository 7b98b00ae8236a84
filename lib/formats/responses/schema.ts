/**
 * zod schemas of the OpenAI Responses API wire format. What clients send is checked for the fields the
 * proxy relies on (input items are read one by one, with the path of the bad one, when translated);
 * unknown fields pass through untouched. LangChain and the AI SDK send `strict: null`, `text: {}` and
 * `$schema` inside tool parameters: all accepted.
 * https://platform.openai.com/docs/api-reference/responses/create
 */
import { z } from "zod";

const item = z.object({}, { error: "must be an object" }).loose();

const tool = z.object({ type: z.string({ error: 'must be a string such as "function"' }) }, {
  error: "must be an object",
}).loose();

/** A `POST /v1/responses` body as a client sends it. */
export const responsesRequestSchema = z.object({
  model: z.string({ error: 'is required and must be a string such as "openai/gpt-5"' })
    .min(1, "must not be empty"),
  input: z.union([z.string(), z.array(item)], { error: "must be a string or an array of input items" })
    .nullish(),
  instructions: z.string({ error: "must be a string" }).nullish(),
  stream: z.boolean({ error: "must be a boolean" }).nullish(),
  store: z.boolean({ error: "must be a boolean" }).nullish(),
  background: z.boolean({ error: "must be a boolean" }).nullish(),
  previous_response_id: z.string({ error: "must be a string" }).min(1, "must not be empty").nullish(),
  max_output_tokens: z.number({ error: "must be an integer" }).int("must be an integer")
    .min(1, "must be at least 1").nullish(),
  temperature: z.number({ error: "must be a number" }).nullish(),
  top_p: z.number({ error: "must be a number" }).nullish(),
  tools: z.array(tool, { error: "must be an array of tools" }).nullish(),
  tool_choice: z.union([z.string(), z.object({ type: z.string() }).loose()], {
    error: 'must be "none", "auto", "required" or an object naming a tool',
  }).nullish(),
  parallel_tool_calls: z.boolean({ error: "must be a boolean" }).nullish(),
  reasoning: z.object({
    effort: z.string({ error: 'must be a string such as "medium"' }).nullish(),
    summary: z.string({ error: 'must be a string such as "auto"' }).nullish(),
  }, { error: "must be an object" }).loose().nullish(),
  text: z.object({
    format: z.object({ type: z.string({ error: 'must be a string such as "json_schema"' }) }, {
      error: "must be an object",
    }).loose().nullish(),
  }, { error: "must be an object" }).loose().nullish(),
  include: z.array(z.string(), { error: "must be an array of strings" }).nullish(),
  prompt_cache_key: z.string({ error: "must be a string" }).nullish(),
  metadata: z.record(z.string(), z.unknown(), { error: "must be an object" }).nullish(),
}).loose();

/** A validated Responses request; unknown fields are kept. */
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
