/**
 * What the server needs to reach, read from its configuration: the address it listens on, every
 * configured provider's API base (and the endpoints its adapter names besides, such as OAuth token
 * endpoints), and the state store. The input of {@link sandboxPermissions}.
 */
import type { ProxyConfig } from "../../config/schema.ts";
import type { ConfiguredProvider } from "../../../providers/mod.ts";
import type { SandboxNeeds } from "./permissions.ts";

/** The sandbox needs of a server running `config` with `providers`. */
export function sandboxNeeds(config: ProxyConfig, providers: readonly ConfiguredProvider[]): SandboxNeeds {
  const upstreams: string[] = [];
  for (const provider of providers) {
    upstreams.push(provider.baseUrl);
    upstreams.push(...(provider.adapter.extraOrigins?.(provider.baseUrl) ?? []));
  }
  if (config.stateStore.kind === "redis") upstreams.push(config.stateStore.url);
  return {
    listen: [{ hostname: config.host, port: config.port }],
    upstreams,
    dataDir: config.dataDir,
  };
}
