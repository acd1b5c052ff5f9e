import type { Clock } from "../../../hooks/core/clock";
import type { FetchInit, FetchLike, FetchResponse } from "../../../hooks/core/http";

/** What a scripted request does. */
export type Scripted =
  | { readonly version: string; readonly delayMs?: number }
  | {
      readonly status: number;
      readonly body?: string;
      readonly headers?: Record<string, string>;
      readonly delayMs?: number;
    }
  | { readonly network: string }
  | { readonly hang: true };

/** A request a fake fetch received. */
export interface Recorded {
  readonly url: string;
  readonly init: FetchInit | undefined;
  readonly at: number;
}

/**
 * A fetch that plays a script, one entry per request (the last entry repeats). Delays run on the
 * given clock; a hanging request settles only when its signal aborts.
 */
export function scriptedFetch(
  clock: Clock,
  script: readonly Scripted[],
): { fetch: FetchLike; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init, at: clock.now() });
    const step = script[Math.min(calls.length - 1, script.length - 1)];
    if (step === undefined) throw new Error("empty script");
    if ("hang" in step) {
      return new Promise<FetchResponse>((_resolve, reject) => {
        const signal = init?.signal;
        if (signal === undefined) return;
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    }
    if ("network" in step) {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(step.network), { code: "ECONNREFUSED" }),
      });
    }
    if (step.delayMs !== undefined) await clock.sleep(step.delayMs);
    if ("version" in step) {
      return response(200, JSON.stringify({ version: step.version, service: "shop" }), {
        "content-type": "application/json",
      });
    }
    return response(step.status, step.body ?? "", step.headers ?? {});
  };
  return { fetch, calls };
}

/**
 * A response whose body is ready at once (a real `Response` reads its body through streams, which
 * may take a turn of the event loop and so race the fake clock).
 */
export function response(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): FetchResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    status,
    headers: { get: (name) => lower[name.toLowerCase()] ?? null },
    text: () => Promise.resolve(body),
  };
}

/** `n` copies of a step. */
export function times(n: number, step: Scripted): Scripted[] {
  return Array.from({ length: n }, () => step);
}
