/**
 * The npm package of the library: `deno task build:npm` bundles `mod.ts` (ESM, every dependency inside,
 * declarations beside it) into `dist/npm/`, then runs this file to write the package's `package.json`
 * and README. The package needs nothing at run time but Node 20 (or any runtime with web streams,
 * `fetch` and `node:fs`).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Options of {@link npmPackageJson}. */
export interface NpmPackageOptions {
  /** @default "0.1.0" */
  version?: string;
}

/** The `package.json` of the package: one ESM entry with its types, no dependencies (all are bundled). */
export function npmPackageJson(options: NpmPackageOptions = {}): Record<string, unknown> {
  const { version = "0.1.0" } = options;
  return {
    name: "llm-proxy",
    version,
    description: "Pools of LLM API keys behind one client: rotation, failover, cooldowns and usage, " +
      "with OpenAI Chat Completions, Anthropic Messages and embeddings for many providers.",
    type: "module",
    main: "./mod.js",
    types: "./mod.d.ts",
    exports: { ".": { types: "./mod.d.ts", import: "./mod.js", default: "./mod.js" } },
    files: ["mod.js", "mod.d.ts", "README.md"],
    engines: { node: ">=20" },
    sideEffects: false,
  };
}

const PACKAGE_README = `# llm-proxy

The resilience engine of the llm-proxy gateway as a library: \`RotatingClient\` spends pools of API keys
across LLM providers (rotation, failover, cooldowns, usage), without HTTP.

\`\`\`js
import { RotatingClient } from "llm-proxy";

const client = new RotatingClient({ apiKeys: { openai: ["sk-1", "sk-2"] }, globalTimeout: 60 });
const messages = [{ role: "user", content: "Hi" }];
const reply = await client.chat({ model: "openai/gpt-4o-mini", messages });
for await (const chunk of await client.chat({ model: "openai/gpt-4o-mini", messages, stream: true })) {
  process.stdout.write(chunk.choices[0]?.delta.content ?? "");
}
await client.close();
\`\`\`

See the "Library" section of the project's README for every option and method.
`;

/** Write `package.json` and `README.md` into `directory` (the bundle's output folder). */
export async function writeNpmPackage(directory: string, options: NpmPackageOptions = {}): Promise<void> {
  const text = JSON.stringify(npmPackageJson(options), null, 2) + "\n";
  await writeFile(join(directory, "package.json"), text);
  await writeFile(join(directory, "README.md"), PACKAGE_README);
}

if (import.meta.main) {
  const directory = Deno.args[0] ?? "dist/npm";
  // The project's version, once deno.json carries one.
  const project = JSON.parse(await readFile("deno.json", "utf8")) as { version?: string };
  await writeNpmPackage(directory, { version: project.version });
}
