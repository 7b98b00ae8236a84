/**
 * Calling a provider's model listing from the command line: the cheapest authenticated request every
 * adapter knows (`modelsRequest`), used by `credentials test` and `models`.
 */
import type { Credential } from "../lib/credentials/credential.ts";
import { readUpstreamErrorBody, UpstreamError } from "../lib/errors.ts";
import { type Authorize, authorizeApiKey } from "../lib/rotator/upstream_client.ts";
import type { ConfiguredProvider } from "../providers/mod.ts";
import type { ListedModel } from "../providers/types.ts";

/** A fetch function, injected in tests. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of the listing calls. */
export interface ListingOptions {
  /** @default globalThis.fetch */
  fetch?: Fetch;
  /** Bound on one call. @default 15000 */
  timeoutMs?: number;
  /** How a credential becomes an access token (OAuth accounts refresh theirs). @default authorizeApiKey */
  authorize?: Authorize;
}

/** How one credential's test call went. */
export type TestVerdict = "ok" | "invalid" | "rate_limited" | "unreachable" | "error";

/** The outcome of one test call. */
export interface TestOutcome {
  verdict: TestVerdict;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** A short explanation (the upstream's message, never the key). */
  detail: string;
}

/** One page of a provider's listing: the answer, or a thrown error on any failure. */
async function fetchPage(
  provider: ConfiguredProvider,
  credential: Credential,
  options: ListingOptions & { pageToken?: string },
): Promise<Response> {
  const { fetch = globalThis.fetch, timeoutMs = 15_000, pageToken, authorize = authorizeApiKey } = options;
  const signal = AbortSignal.timeout(timeoutMs);
  const auth = provider.adapter.authHeaders(await authorize(credential, { signal }), credential);
  const request = provider.adapter.modelsRequest({ baseUrl: provider.baseUrl, credential, auth, pageToken });
  return await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal,
  });
}

/** Classify an answer status: 2xx ok, 401/403 invalid, 429 rate limited, anything else an error. */
export function verdictForStatus(status: number): TestVerdict {
  if (status >= 200 && status < 300) return "ok";
  if (status === 401 || status === 403) return "invalid";
  if (status === 429) return "rate_limited";
  return "error";
}

/** Make one cheap live call with a credential and say how it went. */
export async function testCredential(
  provider: ConfiguredProvider,
  credential: Credential,
  options: ListingOptions = {},
): Promise<TestOutcome> {
  let response: Response;
  try {
    response = await fetchPage(provider, credential, options);
  } catch (error) {
    // An OAuth account whose refresh the vendor refused needs a new login: the credential is invalid.
    if (error instanceof UpstreamError && error.status === 401) {
      return { verdict: "invalid", status: 401, detail: error.message };
    }
    const name = (error as Error).name;
    const detail = name === "TimeoutError" ? "no answer in time" : (error as Error).message.split("\n")[0];
    return { verdict: "unreachable", status: 0, detail };
  }
  const body = await response.text().catch(() => "");
  const verdict = verdictForStatus(response.status);
  const message = verdict === "ok" ? "" : readUpstreamErrorBody(body).message ?? "";
  return {
    verdict,
    status: response.status,
    detail: masked(`HTTP ${response.status}${message ? `: ${message}` : ""}`, credential),
  };
}

/** Every model of a provider's own listing (all pages, at most `maxPages`). Throws on failure. */
export async function listProviderModels(
  provider: ConfiguredProvider,
  credential: Credential,
  options: ListingOptions & { maxPages?: number } = {},
): Promise<ListedModel[]> {
  const { maxPages = 20 } = options;
  const models: ListedModel[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await fetchPage(provider, credential, { ...options, pageToken });
    const text = await response.text();
    if (!response.ok) {
      const message = readUpstreamErrorBody(text).message;
      throw new Error(masked(`HTTP ${response.status}${message ? `: ${message}` : ""}`, credential));
    }
    const listing = provider.adapter.parseModels(JSON.parse(text));
    models.push(...listing.models);
    if (listing.nextPageToken === null) break;
    pageToken = listing.nextPageToken;
  }
  return models;
}

/** Some upstreams quote the key they refused; only its masked label may reach the screen. */
function masked(text: string, credential: Credential): string {
  if (credential.kind !== "api_key" || credential.secret === "") return text;
  return text.replaceAll(credential.secret, credential.label);
}
