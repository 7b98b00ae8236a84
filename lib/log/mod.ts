/** Logging: one leveled logger, secret scrubbing and masking. */
export * from "./logger.ts";
