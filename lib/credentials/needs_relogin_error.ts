/** The error `authorize` throws for an account that only a new login can bring back. */
import type { OAuthCredential } from "./credential.ts";

/** The account's refresh token is dead (`invalid_grant`, reused, revoked) or it was found ineligible. */
export class NeedsReloginError extends Error {
  override readonly name = "NeedsReloginError";
  readonly provider: string;
  readonly credentialId: string;
  constructor(credential: OAuthCredential, readonly reason: string) {
    super(
      `${credential.provider} account ${credential.label} needs a new login (${reason}); run ` +
        `\`proxy credentials login ${credential.provider}\``,
    );
    this.provider = credential.provider;
    this.credentialId = credential.id;
  }
}
