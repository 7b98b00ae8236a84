/**
 * `launcher_config.json`: what the interactive launcher's "Proxy settings" chose (listen address and
 * logging switches). The launcher writes the same values to `.env`, which the server reads; this file
 * remembers the launcher's choices for the next session.
 */
import { join } from "node:path";
import { z } from "zod";
import { readJsonSettings, writeJsonSettings } from "./json_settings_file.ts";

/** The file name inside the data directory. */
export const LAUNCHER_CONFIG_FILE = "launcher_config.json";

/** Schema of `launcher_config.json`; unknown fields are kept so newer launchers can add some. */
export const launcherConfigSchema = z.object({
  host: z.string().trim().min(1, "must not be empty").optional(),
  port: z.number().int().min(1, "must be a port from 1 to 65535").max(65535, "must be a port from 1 to 65535")
    .optional(),
  requestLogging: z.boolean().optional(),
  rawLogging: z.boolean().optional(),
}).loose();

/** The launcher's saved settings. */
export type LauncherConfig = z.infer<typeof launcherConfigSchema>;

/** Read `<dataDir>/launcher_config.json` ({} when missing). Throws {@link ConfigError} when malformed. */
export function readLauncherConfig(dataDir: string): Promise<LauncherConfig> {
  return readJsonSettings(join(dataDir, LAUNCHER_CONFIG_FILE), launcherConfigSchema, {});
}

/** Save the launcher's settings (mode 0600). */
export function writeLauncherConfig(dataDir: string, config: LauncherConfig): Promise<void> {
  return writeJsonSettings(join(dataDir, LAUNCHER_CONFIG_FILE), config);
}
