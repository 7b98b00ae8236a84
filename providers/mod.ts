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
import { antigravity } from "./oauth/antigravity.ts";
import { geminiCli } from "./oauth/gemini_cli.ts";
import { isRegistrable } from "./oauth/oauth_adapter.ts";
import { openaiCodex } from "./oauth/openai_codex.ts";
import { qwenCode } from "./oauth/qwen_code.ts";
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
    // OAuth providers; OpenAI Codex joins once the Responses format can be spoken upstream.
    ...[geminiCli, antigravity, qwenCode, openaiCodex].filter(isRegistrable),
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

/** Options of {@link resolveProviders}. */
export interface ResolveOptions {
  logger?: Logger;
  /** The OAuth accounts of a provider id (they join its pool after its API keys). @default none */
  oauthCredentials?: (providerId: string) => readonly Credential[];
}

/**
 * Resolve provider settings into configured providers. A known provider may override its base URL;
 * an unknown name becomes a custom OpenAI-compatible provider only when it has a base URL. Providers
 * without any key or OAuth account are skipped (with a note in the log), as are unknown names without a
 * base URL (`*_API_KEY` variables of other tools share the environment).
 */
export function resolveProviders(
  settings: readonly ProviderSetting[],
  options: Logger | ResolveOptions = {},
): ConfiguredProvider[] {
  const { logger, oauthCredentials = () => [] } = "warn" in options ? { logger: options } : options;
  const providers: ConfiguredProvider[] = [];
  const seen = new Set<string>();
  for (const setting of settings) {
    seen.add(setting.id);
    const known = KNOWN_PROVIDERS.get(setting.id);
    if (!known && setting.baseUrl === null) {
      logger?.debug(
        `ignoring ${setting.id.toUpperCase()}_API_KEY: not a known provider and no API_BASE is set`,
      );
      continue;
    }
    const accounts = known?.authKind === "oauth" ? oauthCredentials(setting.id) : [];
    if (setting.apiKeys.length === 0 && accounts.length === 0) {
      logger?.warn(
        known?.authKind === "oauth"
          ? `provider ${setting.id} has settings but no account yet; log in with \`proxy credentials login ${setting.id}\``
          : `provider ${setting.id} has a base URL but no key; set ${setting.id.toUpperCase()}_API_KEY ` +
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
      credentials: [
        ...setting.apiKeys.map((key) => apiKeyCredential(key.value, key.priority)),
        ...accounts,
      ],
      custom: !known,
      configuredModels: setting.models,
    });
  }
  // OAuth providers named by nothing but their accounts.
  for (const adapter of KNOWN_PROVIDERS.values()) {
    if (adapter.authKind !== "oauth" || seen.has(adapter.id)) continue;
    const accounts = oauthCredentials(adapter.id);
    if (accounts.length === 0) continue;
    providers.push({
      id: adapter.id,
      adapter,
      baseUrl: adapter.defaultBaseUrl,
      credentials: [...accounts],
      custom: false,
      configuredModels: [],
    });
  }
  return providers.sort((a, b) => a.id.localeCompare(b.id));
}
