/** `POST /v1/chat/completions`: the OpenAI front door, JSON and streaming, for every provider. */
import type { Handler } from "hono";
import { CODECS } from "../../formats/mod.ts";
import { chatCompletionRequestSchema } from "../../formats/openai/schema.ts";
import { runChat } from "../chat_pipeline.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { liveProviders } from "../live_providers.ts";
import { resolveTargets } from "../model_resolution.ts";
import { readJsonBody } from "../request_body.ts";
import { validateBody } from "../validation.ts";

/** Build the chat completions handler. */
export function chatCompletions(deps: AppDeps): Handler<AppEnv> {
  const { config } = deps;
  // Read per call: OAuth logins and removals change the providers while the proxy runs.
  const providers = liveProviders(deps);
  return async function chatCompletions(c) {
    const body = await readJsonBody(c.req.raw, config.maxRequestBodyBytes);
    const { model, stream, stream_options: streamOptions } = validateBody(chatCompletionRequestSchema, body);
    c.get("access").model = model;
    return await runChat(deps, c, {
      inbound: CODECS.openai,
      frontDoor: "openai",
      body,
      clientModel: model,
      targets: resolveTargets(model, providers, config.rotation, { format: "openai" }),
      stream: stream === true,
      includeUsage: streamOptions?.include_usage === true,
    });
  };
}
