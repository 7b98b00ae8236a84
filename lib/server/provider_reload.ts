/**
 * Applying re-read provider settings (`.env` keys, base URLs, model lists) to a running proxy without a
 * restart: the providers array the app reads is updated in place and each changed provider's pool is
 * rebuilt, keeping its credentials' saved state (cooldowns, usage), as OAuth logins already do.
 */
import type { ProviderSetting } from "../config/schema.ts";
import type { Credential } from "../credentials/credential.ts";
import type { Logger } from "../log/logger.ts";
import type { Rotator } from "../rotator/rotator.ts";
import { type ConfiguredProvider, resolveProviders } from "../../providers/mod.ts";

/** What a reload changed among the providers, by id. */
export interface ProviderChanges {
  added: string[];
  removed: string[];
  /** Providers whose keys, base URL or models changed. */
  changed: string[];
}

/** Options of {@link applyProviderSettings}. */
export interface ApplyProviderSettingsOptions {
  rotator: Rotator;
  logger: Logger;
  /** The OAuth accounts of a provider id (they stay in its pool). @default none */
  oauthCredentials?: (providerId: string) => readonly Credential[];
}

/** Bring `providers` (mutated in place: the app and the catalog read this very array) in line with `settings`. */
export function applyProviderSettings(
  providers: ConfiguredProvider[],
  settings: readonly ProviderSetting[],
  options: ApplyProviderSettingsOptions,
): ProviderChanges {
  const { rotator, logger, oauthCredentials } = options;
  const next = resolveProviders(settings, { logger, ...(oauthCredentials ? { oauthCredentials } : {}) });
  // Providers that only have OAuth accounts have no setting; they are the OAuth runtime's to follow.
  const oauthOnly = providers.filter((provider) =>
    !settings.some((setting) => setting.id === provider.id) &&
    provider.credentials.every((credential) => credential.kind === "oauth")
  );
  const wanted = [...next, ...oauthOnly.filter((provider) => !next.some((item) => item.id === provider.id))];
  const changes: ProviderChanges = { added: [], removed: [], changed: [] };
  for (const provider of providers) {
    if (!wanted.some((item) => item.id === provider.id)) {
      changes.removed.push(provider.id);
      rotator.removePool(provider.id);
    }
  }
  for (const provider of wanted) {
    const previous = providers.find((item) => item.id === provider.id);
    if (!previous) changes.added.push(provider.id);
    else if (sameProvider(previous, provider)) continue;
    else changes.changed.push(provider.id);
    logger.addSecrets(
      provider.credentials.flatMap((credential) => credential.kind === "api_key" ? [credential.secret] : []),
    );
    rotator.setCredentials(provider);
  }
  if (changes.added.length + changes.removed.length + changes.changed.length > 0) {
    providers.splice(0, providers.length, ...wanted);
  }
  return changes;
}

/** Same endpoint, same credentials in the same order, same models. */
function sameProvider(previous: ConfiguredProvider, next: ConfiguredProvider): boolean {
  const ids = (provider: ConfiguredProvider) =>
    provider.credentials.map((credential) => `${credential.id}:${credential.priority}`);
  return previous.baseUrl === next.baseUrl &&
    previous.custom === next.custom &&
    ids(previous).join(",") === ids(next).join(",") &&
    previous.configuredModels.join(",") === next.configuredModels.join(",");
}

/** What a reload (`SIGHUP`, `POST /v1/admin/reload`) did. */
export interface ReloadResult {
  /** OAuth accounts that joined or left, by label. */
  added: string[];
  removed: string[];
  /** API-key and custom providers re-read from the configuration. */
  providers: ProviderChanges;
  /** A new server Worker took over, with the permissions the new configuration needs. */
  restarted: boolean;
  /** Settings that changed but take effect only at the next start (`--sandbox=off`). */
  pending: string[];
}
