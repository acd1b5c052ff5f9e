/**
 * Time, injected: the live check waits, times out and keeps deadlines through a `Clock`, so tests
 * drive it with a fake clock and the Lambda, the CLI and the rehearsal use the system clock.
 */

/** A source of time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds (at once when `ms <= 0`), or as soon as `signal` aborts.
   * Never rejects, so callers can use it to bound work without try/catch.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** The `name` of the error a {@link deadlineSignal} aborts with. */
export const DEADLINE_ERROR_NAME = "TimeoutError";

/** An abort signal that fires at a deadline, and the means to release its timer early. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Releases the timer; call it in a `finally` once the guarded work is over. */
  cancel(): void;
}

/**
 * Returns a signal that aborts after `ms` milliseconds on `clock` (at once when `ms <= 0`), or when
 * `parent` aborts. The abort reason of a deadline is an `Error` named {@link DEADLINE_ERROR_NAME}.
 */
export function deadlineSignal(clock: Clock, ms: number, parent?: AbortSignal): DeadlineSignal {
  const controller = new AbortController();
  const release = new AbortController();
  const onParentAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) {
    controller.abort(parent.reason);
  } else {
    parent?.addEventListener("abort", onParentAbort, { once: true });
  }
  if (ms <= 0) {
    controller.abort(deadlineError(ms));
  } else if (!controller.signal.aborted) {
    void clock.sleep(ms, release.signal).then(() => {
      if (!release.signal.aborted) controller.abort(deadlineError(ms));
    });
  }
  return {
    signal: controller.signal,
    cancel: () => {
      release.abort();
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

function deadlineError(ms: number): Error {
  const error = new Error(`deadline of ${Math.max(0, Math.round(ms))} ms reached`);
  error.name = DEADLINE_ERROR_NAME;
  return error;
}

/**
 * Settles like `work`, or rejects with the signal's reason as soon as `signal` aborts, whichever
 * comes first. Use it around calls that may not honour an abort signal themselves.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}
