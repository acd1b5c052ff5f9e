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
