/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally: feed it the bytes as they come,
 * get the body's bytes back as views into them (no copies). Chunk extensions are skipped, trailer
 * fields read and dropped.
 */
import { HttpProtocolError } from "./response_head.ts";

const LF = 10;
/** Longest chunk-size line (with extensions) or trailer line accepted. */
const MAX_LINE = 4096;
const HEX_SIZE = /^[0-9A-Fa-f]{1,12}$/;

type Phase = "size" | "data" | "data-end" | "trailer" | "done";

/** Decoder state: where in the coding the next byte falls. */
export class ChunkedDecoder {
  #phase: Phase = "size";
  /** Bytes of the current data chunk still to come. */
  #remaining = 0;
  /** The part of a size or trailer line seen so far. */
  #line = "";

  /** The last chunk and the trailer section were read. */
  get done(): boolean {
    return this.#phase === "done";
  }

  /**
   * Decode `bytes`; returns the body bytes they hold and how many input bytes were used (fewer than all
   * only once the coding is done: what follows belongs to no response of ours).
   */
  push(bytes: Uint8Array<ArrayBuffer>): { data: Uint8Array<ArrayBuffer>[]; used: number } {
    const data: Uint8Array<ArrayBuffer>[] = [];
    let offset = 0;
    while (offset < bytes.length && this.#phase !== "done") {
      if (this.#phase === "data") {
        const take = Math.min(this.#remaining, bytes.length - offset);
        data.push(bytes.subarray(offset, offset + take));
        offset += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#phase = "data-end";
        continue;
      }
      const lineEnd = bytes.indexOf(LF, offset);
      const end = lineEnd < 0 ? bytes.length : lineEnd;
      for (let index = offset; index < end; index++) this.#line += String.fromCharCode(bytes[index]);
      if (this.#line.length > MAX_LINE) throw new HttpProtocolError("chunk line too long");
      if (lineEnd < 0) break;
      offset = lineEnd + 1;
      if (!this.#line.endsWith("\r")) throw new HttpProtocolError("chunk line not ended by CR LF");
      const line = this.#line.slice(0, -1);
      this.#line = "";
      this.#endLine(line);
    }
    return { data, used: offset };
  }

  #endLine(line: string): void {
    switch (this.#phase) {
      case "size": {
        const semicolon = line.indexOf(";");
        const size = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
        if (!HEX_SIZE.test(size)) throw new HttpProtocolError(`invalid chunk size: ${line.slice(0, 40)}`);
        this.#remaining = parseInt(size, 16);
        this.#phase = this.#remaining === 0 ? "trailer" : "data";
        return;
      }
      case "data-end":
        if (line !== "") throw new HttpProtocolError("chunk data longer than its size");
        this.#phase = "size";
        return;
      case "trailer":
        if (line === "") this.#phase = "done";
        return;
    }
  }
}
