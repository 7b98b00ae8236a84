/**
 * `POST /v1/messages` and `POST /v1/messages/count_tokens`: the Anthropic front door. Bodies go to an
 * Anthropic-native provider untouched, and through the canonical hub to any other.
 */
import type { Handler } from "hono";
import { CODECS } from "../../formats/mod.ts";
import {
  countTokensRequestSchema,
  interleavedMessagesRequestSchema,
  messagesRequestSchema,
  passThroughCountTokensRequestSchema,
  passThroughRequestSchema,
} from "../../formats/anthropic/schema.ts";
import { countInputTokens } from "../../formats/token_count.ts";
import type { Target } from "../../rotator/rotator.ts";
import { targetFormat } from "../chat_body.ts";
import { runChat } from "../chat_pipeline.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import { resolveTargets } from "../model_resolution.ts";
import { relayHeaders } from "../relay.ts";
import { readJsonBody } from "../request_body.ts";
import { removeForbiddenFields } from "../sanitize.ts";
import { validateBody } from "../validation.ts";

/** Whether every target speaks Anthropic natively (so the body passes through untouched). */
function allNative(targets: readonly Target[]): boolean {
  return targets.every((target) => targetFormat(target) === "anthropic");
}

/**
 * The schema a body to translate must pass. With the interleaved-thinking beta Anthropic lets
 * `thinking.budget_tokens` exceed `max_tokens`, so the stricter check would refuse a valid body.
 */
function translationSchema(headers: Headers) {
  const betas = headers.get("anthropic-beta") ?? "";
  return betas.includes("interleaved-thinking") ? interleavedMessagesRequestSchema : messagesRequestSchema;
}

/** Build the Messages handler. */
export function messages(deps: AppDeps): Handler<AppEnv> {
  const { config } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function messages(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    validateBody(passThroughRequestSchema, body);
    const model = body.model as string;
    c.get("access").model = model;
    const targets = resolveTargets(model, providers, config.rotation, { format: "anthropic" });
    if (!allNative(targets)) validateBody(translationSchema(c.req.raw.headers), body);
    return await runChat(deps, c, {
      inbound: CODECS.anthropic,
      frontDoor: "anthropic",
      body,
      clientModel: model,
      targets,
      stream: body.stream === true,
      // Anthropic streams always carry usage (message_start, message_delta).
      includeUsage: true,
    });
  };
}

/** Build the count_tokens handler: the provider's own count when it has one, else a local estimate. */
export function countTokens(deps: AppDeps): Handler<AppEnv> {
  const { config, upstream } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function countTokens(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    // Only what routing needs: an Anthropic-native provider judges the rest itself (as for /v1/messages).
    validateBody(passThroughCountTokensRequestSchema, body);
    const model = body.model as string;
    c.get("access").model = model;
    const [target] = resolveTargets(model, providers, config.rotation, { format: "anthropic" });
    const { provider } = target;
    const { adapter } = provider;
    if (adapter.format === "anthropic" && adapter.countTokensRequest) {
      const forwarded = removeForbiddenFields(body);
      const result = await upstream.json({
        targets: [target],
        signal: c.req.raw.signal,
        facts: { requestId: c.get("requestId"), frontDoor: "anthropic" },
        // A count is quick: it gets the connect timeout, not the long wait of a generation.
        readTimeoutMs: config.connectTimeoutMs,
        build: ({ credential, auth }) =>
          adapter.countTokensRequest!({
            baseUrl: provider.baseUrl,
            credential,
            auth,
            model: target.model,
            body: forwarded,
            stream: false,
            clientHeaders: c.req.raw.headers,
          }),
      });
      c.get("access").keyLabel = result.credential.label;
      result.finish({ ok: true });
      const { response, text } = result.value;
      return new Response(text, { status: response.status, headers: relayHeaders(response.headers) });
    }
    validateBody(countTokensRequestSchema, body);
    const canonical = CODECS.anthropic.toCanonicalRequest(removeForbiddenFields(body), target.model);
    return c.json({ input_tokens: await countInputTokens(canonical) });
  };
}
