/**
 * Security: fields a client could use to redirect or re-authenticate the upstream call. The upstream
 * URL and credential come only from configuration, so these never leave the proxy.
 */

/** Body fields removed before forwarding (LiteLLM-style routing and credential overrides). */
export const FORBIDDEN_BODY_FIELDS: ReadonlySet<string> = new Set([
  "api_base",
  "base_url",
  "api_key",
  "api_version",
  "headers",
  "extra_headers",
  "extra_query",
  "extra_body",
  "custom_llm_provider",
  "organization",
  "azure_ad_token",
  "azure_ad_token_provider",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_region_name",
  "aws_profile_name",
  "vertex_project",
  "vertex_location",
  "vertex_credentials",
  "proxy",
  "proxies",
  "http_client",
  "client",
]);

/** A copy of `body` without the forbidden fields (the input is not modified). */
export function removeForbiddenFields(body: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const key in body) {
    if (!FORBIDDEN_BODY_FIELDS.has(key)) clean[key] = body[key];
  }
  return clean;
}
