/**
 * The version and commit `proxy --version` prints. A release build overwrites this file before
 * `deno compile` (see .github/workflows/release.yml and the Dockerfile); a source checkout says "dev".
 */
export const BUILD_INFO = { version: "0.3.0-dev", commit: "source checkout" } as const;
