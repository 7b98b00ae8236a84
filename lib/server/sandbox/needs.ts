/**
 * What the server needs to reach, read from its configuration: the address it listens on, every
 * configured provider's API base (and the hosts its adapter names for its credentials), the token and
 * userinfo endpoints of OAuth providers (moved by `<PROVIDER>_OAUTH_BASE`), and the state store. The
 * input of {@link sandboxPermissions}.
 */
import type { ProxyConfig } from "../../config/schema.ts";
import { OAUTH_CLIENTS, redirectVendorUrl } from "../../credentials/oauth_clients.ts";
import { type ConfiguredProvider, KNOWN_PROVIDERS } from "../../../providers/mod.ts";
import type { SandboxNeeds } from "./permissions.ts";

/** The sandbox needs of a server running `config` with `providers`. */
export function sandboxNeeds(config: ProxyConfig, providers: readonly ConfiguredProvider[]): SandboxNeeds {
  const upstreams: string[] = [];
  for (const provider of providers) {
    upstreams.push(provider.baseUrl);
    upstreams.push(...(provider.adapter.extraOrigins?.(provider.baseUrl, provider.credentials) ?? []));
  }
  // An OAuth account may join while the server runs (a login, a file copied into oauth_creds/): the OAuth
  // vendors' token, userinfo and API hosts are always reachable, as few and as fixed as they are.
  for (const client of OAUTH_CLIENTS.values()) {
    const base = config.oauth.oauthBases[client.provider];
    for (const url of [client.tokenUrl, client.userinfoUrl]) {
      if (url) upstreams.push(redirectVendorUrl(url, base));
    }
    const adapter = KNOWN_PROVIDERS.get(client.provider);
    const configured = config.providers.find((provider) => provider.id === client.provider)?.baseUrl;
    if (!adapter) continue;
    const apiBase = configured ?? adapter.defaultBaseUrl;
    upstreams.push(apiBase, ...(adapter.extraOrigins?.(apiBase, []) ?? []));
  }
  if (config.stateStore.kind === "redis") upstreams.push(config.stateStore.url);
  return {
    listen: [
      { hostname: config.host, port: config.port },
      ...(config.observability.metricsPort === null
        ? []
        : [{ hostname: config.host, port: config.observability.metricsPort }]),
    ],
    upstreams,
    dataDir: config.dataDir,
  };
}
