/**
 * The proxy's resilience engine as a library: {@link RotatingClient} spends pools of API keys across LLM
 * providers (rotation, failover, cooldowns, usage) for programs that call it directly, without HTTP.
 * The same providers, rotator and formats as the server; in Deno from this file, in Node from the npm
 * package that `deno task build:npm` builds.
 *
 * @example
 * ```ts
 * import { RotatingClient } from "./mod.ts";
 *
 * const client = new RotatingClient({
 *   apiKeys: { openai: ["sk-1", "sk-2"], mylocal: ["anything"] },
 *   apiBases: { mylocal: "http://127.0.0.1:1234/v1" },
 *   globalTimeout: 60,
 *   store: "./usage",
 * });
 * const reply = await client.chat({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
 * await client.close();
 * ```
 *
 * @module
 */
export * from "./lib/library/mod.ts";
