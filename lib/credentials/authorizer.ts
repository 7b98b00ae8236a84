/**
 * The upstream client's `authorize` step backed by {@link OAuthAccounts}: API keys are their own token,
 * OAuth accounts get a fresh access token. A failure becomes an {@link UpstreamError}, so the rotator
 * treats it like the vendor refusing the credential (an account that needs a new login) or like a
 * connection failure (the token endpoint could not be reached), and another credential serves.
 */
import { UpstreamError } from "../errors.ts";
import type { AnyCredential } from "./credential.ts";
import { NeedsReloginError } from "./needs_relogin_error.ts";
import type { AuthorizeOptions, OAuthAccounts } from "./oauth_accounts.ts";

/** `authorize(credential, options)` for the upstream client. */
export function oauthAuthorizer(
  accounts: OAuthAccounts,
): (credential: AnyCredential, options: AuthorizeOptions) => Promise<string> {
  return async function authorize(credential, options) {
    if (credential.kind === "api_key") return credential.secret;
    try {
      return await accounts.authorize(credential, options);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const provider = credential.provider;
      if (error instanceof NeedsReloginError) {
        // A 401 with the vendors' own wording: the failure policy reads it as an auth failure of this key.
        throw new UpstreamError(error.message, {
          kind: "http",
          provider,
          status: 401,
          body: JSON.stringify({ error: { message: error.message, type: "needs_relogin" } }),
          retryable: true,
        });
      }
      throw new UpstreamError(
        `refreshing the token of ${credential.label} failed: ${(error as Error).message}`,
        { kind: "connection", provider },
      );
    }
  };
}
