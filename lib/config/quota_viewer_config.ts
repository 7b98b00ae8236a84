/**
 * `quota_viewer_config.json`: running proxies whose `/v1/quota-stats` the quota viewer (launcher and
 * `proxy usage --remote`) may show. A remote's client key is a secret: the file is mode 0600 and the
 * key is never printed.
 */
import { join } from "node:path";
import { z } from "zod";
import { readJsonSettings, writeJsonSettings } from "./json_settings_file.ts";

/** The file name inside the data directory. */
export const QUOTA_VIEWER_CONFIG_FILE = "quota_viewer_config.json";

const httpUrl = z.string().trim().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}, "must be an http:// or https:// URL");

/** One saved remote proxy. */
export const remoteProxySchema = z.object({
  name: z.string().trim().min(1, "must not be empty"),
  url: httpUrl,
  /** The remote proxy's `PROXY_API_KEY`. */
  apiKey: z.string().optional(),
}).loose();

/** Schema of `quota_viewer_config.json`. */
export const quotaViewerConfigSchema = z.object({
  remotes: z.array(remoteProxySchema).default([]),
  /** Name of the remote shown last. */
  selected: z.string().optional(),
}).loose();

/** One saved remote proxy. */
export type RemoteProxy = z.infer<typeof remoteProxySchema>;
/** The quota viewer's saved settings. */
export type QuotaViewerConfig = z.infer<typeof quotaViewerConfigSchema>;

/** Read `<dataDir>/quota_viewer_config.json`. Throws {@link ConfigError} when malformed. */
export function readQuotaViewerConfig(dataDir: string): Promise<QuotaViewerConfig> {
  return readJsonSettings(join(dataDir, QUOTA_VIEWER_CONFIG_FILE), quotaViewerConfigSchema, { remotes: [] });
}

/** Save the quota viewer's settings (mode 0600). */
export function writeQuotaViewerConfig(dataDir: string, config: QuotaViewerConfig): Promise<void> {
  return writeJsonSettings(join(dataDir, QUOTA_VIEWER_CONFIG_FILE), config);
}
