/** Logging: one leveled logger, secret scrubbing and masking, and escaping of client-supplied values. */
export * from "./logger.ts";
export * from "./log_value.ts";
