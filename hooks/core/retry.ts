/**
 * Retrying one call for as long as a window allows: exponential backoff with full jitter, a longer
 * pause after throttling, each attempt bounded by its own deadline (so a hung attempt is abandoned
 * and retried), and a record of whether any failed attempt may still have taken effect (its answer
 * was lost), which callers of non-idempotent calls need to read a refusal correctly.
 */
import { deadlineSignal, raceAbort, type Clock } from "./clock";

/** How a failed attempt is treated. */
export type AttemptFailure =
  /** Transient (5xx, network, timeout): the request may have reached the service. */
  | "retry"
  /** The service refused for rate: the request did not take effect; wait longer. */
  | "throttled"
  /** Retrying cannot help (bad input, access denied, a final refusal). */
  | "stop";

/** How to retry. */
export interface RetryPolicy {
  /** Milliseconds of the first backoff (before jitter). */
  readonly baseDelayMs: number;
  /** The longest backoff (before jitter). */
  readonly maxDelayMs: number;
  /** The shortest pause after a throttling answer. */
  readonly throttleDelayMs: number;
  /** Milliseconds one attempt may take before it is abandoned. */
  readonly attemptTimeoutMs: number;
}

/** Defaults of {@link RetryPolicy}. */
export const RetryDefaults: RetryPolicy = {
  baseDelayMs: 200,
  maxDelayMs: 5000,
  throttleDelayMs: 1000,
  attemptTimeoutMs: 10_000,
};

/** The request to retry. */
export interface RetryRequest<T> {
  /** One attempt; it must honour `signal`. */
  readonly attempt: (signal: AbortSignal, index: number) => Promise<T>;
  /** How a failure of an attempt is treated. */
  readonly classify: (error: unknown) => AttemptFailure;
  /** The time (epoch milliseconds) by which the last attempt must have ended. */
  readonly stopBy: number;
  /** @default {@link RetryDefaults} */
  readonly policy?: Partial<RetryPolicy>;
  /** Called after each failed attempt that will be retried. */
  readonly onRetry?: (error: unknown, index: number, delayMs: number) => void;
}

/** What retrying came to. */
export type RetryResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number; readonly uncertain: boolean }
  | {
      readonly ok: false;
      /** The last attempt's error. */
      readonly error: unknown;
      readonly attempts: number;
      /** Whether the window ran out (`window`) or an attempt could not be retried (`final`). */
      readonly reason: "window" | "final";
      /** Whether an earlier attempt failed in a way that may have reached the service. */
      readonly uncertain: boolean;
    };

/** The time kept for the last attempt when a backoff would run past the window. */
export const LAST_ATTEMPT_ROOM_MS = 1000;

/** The backoff before attempt `index + 1` (full jitter). Pure given `random`. */
export function backoffDelay(
  index: number,
  failure: AttemptFailure,
  policy: RetryPolicy,
  random: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(index, 20));
  // Never 0: an attempt that fails at once must not spin.
  const jittered = Math.max(Math.round(ceiling * random), Math.ceil(policy.baseDelayMs / 4));
  return failure === "throttled" ? Math.max(policy.throttleDelayMs, jittered) : jittered;
}

/**
 * Calls `attempt` until it succeeds, an error is classified `stop`, or the window ends. Never
 * throws (unless `classify` does); the result says which.
 */
export async function retryWithin<T>(
  request: RetryRequest<T>,
  deps: { readonly clock: Clock; readonly random?: () => number },
): Promise<RetryResult<T>> {
  const { clock } = deps;
  const random = deps.random ?? Math.random;
  const policy = { ...RetryDefaults, ...request.policy };
  let uncertain = false;
  let lastError: unknown = new Error("no attempt fitted in the window");
  for (let index = 0; ; index += 1) {
    const left = request.stopBy - clock.now();
    if (left <= 0)
      return { ok: false, error: lastError, attempts: index, reason: "window", uncertain };
    const timer = deadlineSignal(clock, Math.min(left, policy.attemptTimeoutMs));
    try {
      const value = await raceAbort(request.attempt(timer.signal, index), timer.signal);
      return { ok: true, value, attempts: index + 1, uncertain };
    } catch (error) {
      lastError = error;
      const failure = request.classify(error);
      if (failure === "stop") {
        return { ok: false, error, attempts: index + 1, reason: "final", uncertain };
      }
      if (failure === "retry") uncertain = true;
      // The last wait is cut so that one more attempt still fits before the window ends.
      const room = Math.min(policy.attemptTimeoutMs, LAST_ATTEMPT_ROOM_MS);
      const latest = request.stopBy - room - clock.now();
      const delay = Math.min(backoffDelay(index, failure, policy, random()), latest);
      if (latest <= 0) {
        return { ok: false, error, attempts: index + 1, reason: "window", uncertain };
      }
      request.onRetry?.(error, index, delay);
      await clock.sleep(delay);
    } finally {
      timer.cancel();
    }
  }
}
