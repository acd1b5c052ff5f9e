/**
 * The slice of the WHATWG `fetch` API the core uses. Node's global `fetch` satisfies it; tests pass
 * fakes that do.
 */

/** The request options the core passes to {@link FetchLike}. */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** The response fields the core reads. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  /**
   * The body as a stream, as Node's `fetch` gives it: {@link readBodyCapped} reads at most its
   * cap from it and cancels the rest.
   * @default - the body is read with `text()` (fakes whose bodies are already in memory)
   */
  readonly body?: ReadableStream<Uint8Array> | null;
}

/** A body read up to a cap. */
export interface CappedBody {
  /** The body, or its first `maxBytes` bytes (decoded as UTF-8). */
  readonly text: string;
  /** Whether the body was longer than the cap (the rest was not downloaded). */
  readonly truncated: boolean;
}

/**
 * Reads at most `maxBytes` of a response body from its stream, then cancels the stream so the rest
 * is never downloaded: memory stays flat whatever the server sends.
 */
export async function readBodyCapped(
  response: FetchResponse,
  maxBytes: number,
): Promise<CappedBody> {
  const stream = response.body;
  if (stream === undefined || stream === null) {
    if (stream === null) return { text: "", truncated: false };
    const text = await response.text();
    const bytes = Buffer.from(text, "utf8");
    return bytes.byteLength <= maxBytes
      ? { text, truncated: false }
      : { text: bytes.subarray(0, maxBytes).toString("utf8"), truncated: true };
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - size;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        size += room;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks, size).toString("utf8"), truncated };
}

/** A `fetch`. */
export type FetchLike = (url: string, init?: FetchInit) => Promise<FetchResponse>;

/** Node's global `fetch`, typed as {@link FetchLike}. */
export const globalFetch: FetchLike = (url, init) => fetch(url, init);

/** The user agent of every request the live check makes, so service logs can tell it apart. */
export const USER_AGENT = "greenlight-live-check/1";

/** Whether `value` parses as an absolute `http:` or `https:` URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}
