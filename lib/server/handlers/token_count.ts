/**
 * `POST /v1/token-count`: `{model, messages}` (OpenAI chat messages) or `{model, text}` → the input
 * tokens. Providers with a count endpoint of their own (Anthropic's `count_tokens`) are asked; every
 * other model is counted locally with the bundled tokenizer (o200k_base), an estimate of the right size.
 */
import type { Handler } from "hono";
import { z } from "zod";
import { CODECS } from "../../formats/mod.ts";
import { chatCompletionRequestSchema } from "../../formats/openai/schema.ts";
import { countInputTokens, countTexts } from "../../formats/token_count.ts";
import type { RotationSettings } from "../../config/rotation.ts";
import type { UpstreamClient } from "../../rotator/upstream_client.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import type { AppEnv } from "../context.ts";
import { resolveTargets } from "../model_resolution.ts";
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
}

/** The tokenizer's name, shown so a client knows the count is an estimate. */
const TOKENIZER = "o200k_base";

/** Build the token count handler. */
export function tokenCount(options: TokenCountOptions): Handler<AppEnv> {
  const { upstream, rotation, maxRequestBodyBytes, connectTimeoutMs } = options;
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
    // Counted in pieces off the event loop (the token Worker), like every local count.
    if (body.text !== undefined) return answer(await countTexts([body.text]), "tokenizer");
    const canonical = CODECS.openai.toCanonicalRequest(
      { model: body.model, messages: body.messages },
      target.model,
    );
    const { provider } = target;
    if (provider.adapter.format !== "anthropic" || !provider.adapter.countTokensRequest) {
      return answer(await countInputTokens(canonical), "tokenizer");
    }
    const native = CODECS.anthropic.fromCanonicalRequest(canonical);
    delete native.max_tokens;
    delete native.stream;
    const result = await upstream.json({
      targets: [target],
      signal: c.req.raw.signal,
      facts: { requestId: c.get("requestId"), frontDoor: "openai" },
      // A count is quick: it gets the connect timeout, not the long wait of a generation.
      readTimeoutMs: connectTimeoutMs,
      build: ({ credential, auth }) =>
        provider.adapter.countTokensRequest!({
          baseUrl: provider.baseUrl,
          credential,
          auth,
          model: target.model,
          body: native,
          stream: false,
          clientHeaders: c.req.raw.headers,
        }),
    });
    c.get("access").keyLabel = result.credential.label;
    result.finish({ ok: true });
    const parsed = z.object({ input_tokens: z.number().int().min(0) }).loose().safeParse(result.value.json);
    // An answer without a count: the local estimate rather than an error for a question we can answer.
    if (!parsed.success) return answer(await countInputTokens(canonical), "tokenizer");
    return answer(parsed.data.input_tokens, "provider");
  };
}
