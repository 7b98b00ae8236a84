/**
 * The Code Assist API (`cloudcode-pa` `v1internal`) shared by `gemini_cli` and `antigravity`: a Gemini
 * `generateContent` body inside `{model, project, user_prompt_id, request}`, answers inside
 * `{response}` (one per SSE event, no `[DONE]`), and its quota and capacity errors. See
 * `shared/vendor-facts/google-code-assist.md` §5 and §8.
 */
import { randomBytes } from "node:crypto";
import type { AnyCredential } from "../../lib/credentials/credential.ts";
import { isRecord } from "../../lib/formats/json_values.ts";
import type { SseEvent } from "../../lib/formats/sse.ts";
import type { AnswerEnvelope, VendorFailure } from "../types.ts";

/** The project of a Code Assist account; the API refuses calls without one. */
export function projectOf(credential: AnyCredential): string {
  const project = credential.kind === "oauth" ? credential.metadata.projectId : undefined;
  // An empty project gets Google's 400 "Invalid project resource name projects/"; say why instead.
  if (!project) throw new Error(`${credential.label} has no Code Assist project yet; log in again`);
  return project;
}

/** `<base>/v1internal:<method>` (streaming adds `?alt=sse`). */
export function codeAssistUrl(baseUrl: string, stream: boolean): string {
  return `${baseUrl}/v1internal:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`;
}

/** 14 random hex characters, as Mirrowel's gateway sends `user_prompt_id`. */
export function userPromptId(): string {
  return randomBytes(7).toString("hex");
}

/** Remove what Code Assist takes at the envelope level (the model) from a Gemini body. */
export function innerRequest(body: Record<string, unknown>): Record<string, unknown> {
  const { model: _model, ...request } = body;
  return request;
}

/** The envelope reader: `{response: {...}}` → the Gemini body inside. */
export function unwrapCodeAssist(json: unknown): unknown {
  return isRecord(json) && isRecord(json.response) ? json.response : json;
}

/** Unwraps every `data:` event; events that are not JSON pass unchanged (the format reader decides). */
export function codeAssistEnvelope(onChunk?: (response: Record<string, unknown>) => void): AnswerEnvelope {
  return {
    unwrapJson: unwrapCodeAssist,
    unwrapEvents: () =>
      new TransformStream<SseEvent, SseEvent>({
        transform(event, controller) {
          let json: unknown;
          try {
            json = JSON.parse(event.data);
          } catch {
            controller.enqueue(event);
            return;
          }
          const inner = unwrapCodeAssist(json);
          if (isRecord(inner)) onChunk?.(inner);
          controller.enqueue({ ...event, data: JSON.stringify(inner) });
        },
      }),
  };
}

/**
 * `MODEL_CAPACITY_EXHAUSTED` / "No capacity available": the model is busy for everyone, so the account
 * is not cooled (CLIProxyAPI `antigravityShouldRetryNoCapacity`).
 */
export function readCodeAssistFailure(status: number, body: string): VendorFailure | null {
  if (status !== 503 && status !== 429) return null;
  if (/MODEL_CAPACITY_EXHAUSTED|MODEL_CAPACITY_EXCEEDED|No capacity available/i.test(body)) {
    return { providerBusy: true };
  }
  return null;
}

/** Quota groups of Code Assist models: Pro and Flash families share a quota per account. */
export function codeAssistQuotaGroup(model: string): string | null {
  if (/claude/i.test(model)) return "claude";
  if (/flash-lite/i.test(model)) return "flash-lite";
  if (/flash/i.test(model)) return "flash";
  if (/pro/i.test(model)) return "pro";
  return null;
}
