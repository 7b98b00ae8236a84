/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The script of the token-counting Worker (see `token_worker.ts`): loads the tokenizer off the
 * server's thread and answers `{ id, pieces }` with `{ id, tokens }`.
 */
import { countTokens } from "gpt-tokenizer";

/** A request to the Worker. */
export interface CountRequest {
  id: number;
  pieces: string[];
}

/** The Worker's answer. */
export interface CountReply {
  id: number;
  tokens: number;
}

self.onmessage = (event: MessageEvent<CountRequest>) => {
  const { id, pieces } = event.data;
  let tokens = 0;
  for (const piece of pieces) tokens += countTokens(piece);
  self.postMessage({ id, tokens } satisfies CountReply);
};
