/**
 * Logging: one leveled logger, secret scrubbing and masking, escaping of client-supplied values, and the
 * request, raw and failure logs.
 */
export * from "./logger.ts";
export * from "./log_value.ts";
export * from "./failure_log.ts";
export * from "./logging_fetch.ts";
export * from "./raw_log.ts";
export * from "./redaction.ts";
export * from "./request_context.ts";
export * from "./request_log.ts";
export * from "./rotating_file.ts";
