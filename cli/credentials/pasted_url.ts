/**
 * The paste prompt of `credentials login --no-browser`: on a remote machine the user's browser lands on
 * a `localhost` page that fails to load, and the user pastes that page's URL into the terminal instead
 * of forwarding the port. The login reads it while its callback server waits; whichever comes first wins.
 */

/** Reads one pasted line per call; `signal` ends the reading (the login finished another way). */
export type PastedUrlReader = (signal: AbortSignal) => Promise<string>;

/**
 * A {@link PastedUrlReader} over `input` (stdin by default), one line per call. When the input ends (no
 * terminal, `stdin` closed) it never answers, so the callback server alone decides; once `signal` aborts,
 * the input is released.
 */
export function pastedUrlReader(input?: ReadableStream<Uint8Array>): PastedUrlReader {
  let reader: ReadableStreamDefaultReader<string> | null = null;
  let buffered = "";
  let ended = false;
  const never = new Promise<string>(() => {});
  return async function readPastedUrl(signal: AbortSignal): Promise<string> {
    const release = () => {
      ended = true;
      reader?.cancel().catch(() => {});
    };
    if (signal.aborted) release();
    if (ended) return never;
    const lines = reader ??= (input ?? Deno.stdin.readable).pipeThrough(new TextDecoderStream()).getReader();
    signal.addEventListener("abort", release, { once: true });
    try {
      for (;;) {
        const newline = buffered.indexOf("\n");
        if (newline !== -1) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          return line;
        }
        const { value, done } = await lines.read().catch(() => ({ value: undefined, done: true }));
        if (done || signal.aborted) {
          ended = true;
          // The last line may come without a newline (`echo -n`, a paste then Ctrl-D).
          if (!signal.aborted && buffered.trim() !== "") {
            const line = buffered;
            buffered = "";
            return line;
          }
          return never;
        }
        buffered += value;
      }
    } finally {
      signal.removeEventListener("abort", release);
    }
  };
}
