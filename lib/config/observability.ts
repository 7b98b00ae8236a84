/**
 * Settings of logs and metrics: the console log format, request and raw logging, the size cap and
 * rotation of every log file, and the separate metrics port.
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";

/** Logs and metrics settings. */
export interface ObservabilitySettings {
  /** `PROXY_LOG_FORMAT`: `text` for people, `json` (one object a line) for log shippers. */
  logFormat: "text" | "json";
  /**
   * `REQUEST_LOGGING` (or `ENABLE_REQUEST_LOGGING`, which `--enable-request-logging` sets): one folder per
   * request under `logs/requests/`.
   */
  requestLogging: boolean;
  /** `RAW_LOGGING` (or `ENABLE_RAW_LOGGING`, set by `--enable-raw-logging`): `logs/raw.jsonl`. */
  rawLogging: boolean;
  /** `LOG_MAX_MB` in bytes: a log file rotates past this size. */
  logMaxBytes: number;
  /** `LOG_KEEP`: rotated files kept per log. */
  logKeep: number;
  /** `METRICS_PORT`: a second listener serving `/metrics` without authentication; null for none. */
  metricsPort: number | null;
}

const flag = z.string().trim().toLowerCase().pipe(z.enum(["true", "false", "1", "0", "yes", "no"], {
  error: "must be true or false",
})).transform((value) => value === "true" || value === "1" || value === "yes");

const schema = z.object({
  PROXY_LOG_FORMAT: z.string().trim().toLowerCase().pipe(z.enum(["text", "json"], {
    error: "must be text or json",
  })).prefault("text"),
  REQUEST_LOGGING: flag.prefault("false"),
  ENABLE_REQUEST_LOGGING: flag.prefault("false"),
  RAW_LOGGING: flag.prefault("false"),
  ENABLE_RAW_LOGGING: flag.prefault("false"),
  LOG_MAX_MB: z.string().trim().regex(/^\d+(\.\d+)?$/, "must be a positive number").transform(Number)
    .refine((value) => value > 0, "must be greater than 0").prefault("10"),
  LOG_KEEP: z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).prefault("5"),
  METRICS_PORT: z.string().trim().regex(/^\d+$/, "must be a whole number (a TCP port)").transform(Number)
    .refine((port) => port >= 0 && port <= 65535, "must be between 0 and 65535").optional(),
});

/** Read the settings from `variables`. Throws {@link ConfigError} naming the variable. */
export function parseObservabilitySettings(variables: Record<string, string>): ObservabilitySettings {
  const input: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const value = variables[name];
    if (value !== undefined && value.trim() !== "") input[name] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue.path[0] ?? "configuration");
    throw new ConfigError(variable, `${issue.message} (got "${input[variable] ?? ""}")`);
  }
  const settings = result.data;
  return {
    logFormat: settings.PROXY_LOG_FORMAT,
    requestLogging: settings.REQUEST_LOGGING || settings.ENABLE_REQUEST_LOGGING,
    rawLogging: settings.RAW_LOGGING || settings.ENABLE_RAW_LOGGING,
    logMaxBytes: Math.floor(settings.LOG_MAX_MB * 1024 * 1024),
    logKeep: settings.LOG_KEEP,
    metricsPort: settings.METRICS_PORT ?? null,
  };
}
