/**
 * Credentials: API keys and OAuth accounts, their store, refresh, login, import and export. The CLI
 * and the server use this face; the files behind it hold one concept each.
 */
export {
  type AnyCredential,
  type ApiKeyCredential,
  apiKeyCredential,
  type Credential,
  hashSecret,
  type OAuthCredential,
  oauthCredential,
  type OAuthMetadata,
} from "./credential.ts";
export {
  type AccountChange,
  type AccountPreparer,
  type AuthorizeOptions,
  OAuthAccounts,
  type OAuthAccountsOptions,
  priorityOfTier,
} from "./oauth_accounts.ts";
export { NeedsReloginError } from "./needs_relogin_error.ts";
export {
  login,
  type LoginOptions,
  loginOptionsFromConfig,
  type LoginResult,
  openInBrowser,
} from "./login.ts";
export { LoginError } from "./callback_server.ts";
export {
  importCredentials,
  type ImportedCredential,
  importOnFirstStart,
  type ImportOptions,
} from "./home_import.ts";
export { exportCredentials, type ExportOptions } from "./export_credentials.ts";
export { readEnvCredentials } from "./env_credentials.ts";
export { credentialsDirectory, readCredentialFiles, saveCredential } from "./file_store.ts";
export { OAUTH_CLIENTS, type OAuthClient, oauthClientOf, redirectVendorUrl } from "./oauth_clients.ts";
export {
  AccountIneligibleError,
  CODE_ASSIST_DAILY,
  CODE_ASSIST_PROD,
  codeAssistPreparer,
  setupCodeAssist,
} from "./code_assist_setup.ts";
export { OAuthTokenError } from "./token_endpoint.ts";
export { oauthAuthorizer } from "./authorizer.ts";
export { type FolderWatch, watchCredentialsFolder } from "./folder_watch.ts";
