/** Configuration: loading, validation and safe `.env` writing. */
export * from "./schema.ts";
export * from "./load.ts";
export * from "./env_file.ts";
export * from "./rotation.ts";
export * from "./pricing.ts";
