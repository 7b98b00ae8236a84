/**
 * The provider registry: the only file that lists every provider. It turns the configured
 * provider settings into ready providers (adapter + base URL + credentials).
 */
import type { ProviderSetting } from "../lib/config/schema.ts";
import { apiKeyCredential, type Credential } from "../lib/credentials/credential.ts";
import type { Logger } from "../lib/log/logger.ts";
import { anthropic } from "./api_key/anthropic.ts";
import { chutes } from "./api_key/chutes.ts";
import { cohere } from "./api_key/cohere.ts";
import { deepseek } from "./api_key/deepseek.ts";
import { fireworks } from "./api_key/fireworks.ts";
import { gemini } from "./api_key/gemini.ts";
import { groq } from "./api_key/groq.ts";
import { mistral } from "./api_key/mistral.ts";
import { nvidiaNim } from "./api_key/nvidia_nim.ts";
import { openAICompatible } from "./api_key/openai_compatible.ts";
import { openai } from "./api_key/openai.ts";
import { openrouter } from "./api_key/openrouter.ts";
import { together } from "./api_key/together.ts";
import { xai } from "./api_key/xai.ts";
import type { ProviderAdapter } from "./types.ts";

export type { ProviderAdapter, UpstreamRequest, WireFormat } from "./types.ts";

/** Every built-in provider adapter, by id. */
export const KNOWN_PROVIDERS: ReadonlyMap<string, ProviderAdapter> = new Map(
  [
    openai,
    anthropic,
    gemini,
    openrouter,
    groq,
    mistral,
    nvidiaNim,
    chutes,
    deepseek,
    xai,
    together,
    fireworks,
    cohere,
  ].map((
    adapter,
  ) => [adapter.id, adapter]),
);

/** A provider ready to be called: its adapter, effective base URL and credential pool. */
export interface ConfiguredProvider {
  readonly id: string;
  readonly adapter: ProviderAdapter;
  readonly baseUrl: string;
  readonly credentials: readonly Credential[];
  /** True for a `<NAME>_API_BASE` provider that is not built in. */
  readonly custom: boolean;
  /** `<PROVIDER>_MODELS`: models listed in addition to the provider's own listing. */
  readonly configuredModels: readonly string[];
}

/**
 * Resolve provider settings into configured providers. A known provider may override its base URL;
 * an unknown name becomes a custom OpenAI-compatible provider only when it has a base URL. Providers
 * without any key are skipped (with a note in the log), as are unknown names without a base URL
 * (`*_API_KEY` variables of other tools share the environment).
 */
export function resolveProviders(
  settings: readonly ProviderSetting[],
  logger?: Logger,
): ConfiguredProvider[] {
  const providers: ConfiguredProvider[] = [];
  for (const setting of settings) {
    const known = KNOWN_PROVIDERS.get(setting.id);
    if (!known && setting.baseUrl === null) {
      logger?.debug(
        `ignoring ${setting.id.toUpperCase()}_API_KEY: not a known provider and no API_BASE is set`,
      );
      continue;
    }
    if (setting.apiKeys.length === 0) {
      logger?.warn(
        `provider ${setting.id} has a base URL but no key; set ${setting.id.toUpperCase()}_API_KEY ` +
          `(any value for a server that needs none)`,
      );
      continue;
    }
    let adapter = known ?? openAICompatible({ id: setting.id, baseUrl: setting.baseUrl! });
    if (setting.responsesModels !== undefined) {
      if (adapter.withResponsesModels) adapter = adapter.withResponsesModels(setting.responsesModels);
      else {logger?.warn(
          `ignoring ${setting.id.toUpperCase()}_RESPONSES_MODELS: ${setting.id} has no Responses API`,
        );}
    }
    providers.push({
      id: setting.id,
      adapter,
      baseUrl: setting.baseUrl ?? adapter.defaultBaseUrl,
      credentials: setting.apiKeys.map((key) => apiKeyCredential(key.value, key.priority)),
      custom: !known,
      configuredModels: setting.models,
    });
  }
  return providers;
}
