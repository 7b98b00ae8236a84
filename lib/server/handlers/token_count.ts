/**
 * `POST /v1/token-count`: `{model, messages}` (OpenAI chat messages) or `{model, text}` (counted as one user
 * message) → the input tokens. Providers with a count endpoint of their own (Anthropic's `count_tokens`,
 * Gemini's `:countTokens`) are asked; every other model, and any count call that fails, is counted locally
 * with the bundled tokenizer (o200k_base), an estimate of the right size. `method` says which counted.
 */
import type { Handler } from "hono";
import { z } from "zod";
import { CODECS } from "../../formats/mod.ts";
import { chatCompletionRequestSchema } from "../../formats/openai/schema.ts";
import { countInputTokens, countTexts } from "../../formats/token_count.ts";
import type { RotationSettings } from "../../config/rotation.ts";
import type { Logger } from "../../log/logger.ts";
import type { UpstreamClient } from "../../rotator/upstream_client.ts";
import { ClientAbortError } from "../../rotator/upstream_call.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import type { AppEnv } from "../context.ts";
import { resolveTargets } from "../model_resolution.ts";
import { canCount, providerCount } from "../provider_count.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

/** The request body: exactly one of `messages` and `text`. */
export const tokenCountRequestSchema = z.object({
  model: z.string({ error: 'is required and must be a string such as "openai/gpt-4o"' }).min(1),
  messages: chatCompletionRequestSchema.shape.messages.optional(),
  text: z.string({ error: "must be a string" }).optional(),
}).strict().refine((body) => (body.messages === undefined) !== (body.text === undefined), {
  message: "give either messages or text (exactly one of them)",
  path: ["messages"],
});

/** Options of {@link tokenCount}. */
export interface TokenCountOptions {
  providers: readonly ConfiguredProvider[];
  /** The one upstream client (the count endpoint is called through the rotator like any call). */
  upstream: UpstreamClient;
  rotation: RotationSettings;
  maxRequestBodyBytes: number;
  connectTimeoutMs: number;
  /** Told why a provider's count failed (the estimate answers instead). @default silent */
  logger?: Logger;
}

/** The tokenizer's name, shown so a client knows the count is an estimate. */
const TOKENIZER = "o200k_base";

/** Build the token count handler. */
export function tokenCount(options: TokenCountOptions): Handler<AppEnv> {
  const { upstream, rotation, maxRequestBodyBytes, connectTimeoutMs, logger } = options;
  const providers = new Map(options.providers.map((provider) => [provider.id, provider]));
  return async function tokenCount(c) {
    const body = validateBody(tokenCountRequestSchema, await readJsonBody(c.req.raw, maxRequestBodyBytes));
    c.get("access").model = body.model;
    const [target] = resolveTargets(body.model, providers, rotation);
    const answer = (inputTokens: number, method: "provider" | "tokenizer") =>
      c.json({
        object: "token_count",
        model: body.model,
        input_tokens: inputTokens,
        method,
        ...(method === "tokenizer" ? { tokenizer: TOKENIZER } : {}),
      });
    // A text is one user message to a provider's counter; the tokenizer counts the bare text.
    const messages = body.messages ?? [{ role: "user" as const, content: body.text ?? "" }];
    const canonical = CODECS.openai.toCanonicalRequest({ model: body.model, messages }, target.model);
    // Counted in pieces off the event loop (the token Worker), like every local count.
    const estimate = async () =>
      answer(
        body.text !== undefined ? await countTexts([body.text]) : await countInputTokens(canonical),
        "tokenizer",
      );
    if (!canCount(target)) return await estimate();
    const native = CODECS[target.provider.adapter.format].fromCanonicalRequest(canonical);
    // Fields of a generation that count endpoints reject (the adapters keep only what theirs takes).
    delete native.max_tokens;
    delete native.stream;
    try {
      const counted = await providerCount(target, native, {
        upstream,
        readTimeoutMs: connectTimeoutMs,
        signal: c.req.raw.signal,
        requestId: c.get("requestId"),
        frontDoor: "openai",
        clientHeaders: c.req.raw.headers,
        onServed: (label) => c.get("access").keyLabel = label,
      });
      if (counted !== null) return answer(counted, "provider");
      logger?.debug(`${target.provider.id}/${target.model}: the count endpoint answered without a count`);
    } catch (error) {
      if (error instanceof ClientAbortError) throw error;
      // The question has an answer of the right size without the provider: the estimate, never an error.
      logger?.debug(
        `${target.provider.id}/${target.model}: the provider's count failed, estimating instead: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    return await estimate();
  };
}
