/**
 * The watcher: polls a version URL at a fixed rate (request `i` starts at `t0 + i / rate`, whether
 * or not earlier requests have answered), records every request and summarises the run.
 */

import { systemClock, type Clock } from "../../hooks/core/clock";
import { createHttpProbe, type HttpProbe, type Probe } from "./http-probe";
import { summarise, type WatchRecord, type WatchSummary } from "./summary";

/** Defaults of {@link WatchOptions}. */
export const WatchDefaults = {
  path: "/version",
  rate: 50,
  durationMs: 60_000,
  timeoutMs: 1_000,
} as const;

/** The highest accepted rate, requests per second. */
export const MAX_RATE = 5_000;

/** What to watch and how hard. */
export interface WatchOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:8080` or a load balancer's `http://...`. */
  readonly url: string;
  /**
   * Path of the version document, appended to `url`'s path.
   * @default "/version"
   */
  readonly path?: string;
  /**
   * Requests per second (more than 0, at most {@link MAX_RATE}).
   * @default 50
   */
  readonly rate?: number;
  /**
   * How long to watch, in ms; `Infinity` watches until `signal` aborts.
   * @default 60000
   */
  readonly durationMs?: number;
  /**
   * Per-request timeout in ms (headers and body).
   * @default 1000
   */
  readonly timeoutMs?: number;
  /**
   * Stops the watch: no further request starts; those in flight finish (or time out) and the
   * summary covers what was done.
   * @default - runs for `durationMs`
   */
  readonly signal?: AbortSignal;
  /** Called with every record as its request completes, e.g. to write JSON Lines or progress. */
  readonly onRecord?: (record: WatchRecord) => void;
}

/** The options with defaults applied and the URL resolved. */
export interface ResolvedWatchOptions {
  /** The full URL polled. */
  readonly url: string;
  readonly rate: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
}

/** What the watcher needs from its surroundings. */
export interface WatcherDeps {
  /**
   * Wall clock and sleeps, for scheduling and record times.
   * @default - the system clock
   */
  readonly clock?: Clock;
  /**
   * Makes one request.
   * @default - a keep-alive `node:http` probe sized for `rate × timeout` concurrent requests
   */
  readonly probe?: Probe;
  /**
   * Monotonic milliseconds, for latencies.
   * @default - `performance.now`
   */
  readonly monotonicMs?: () => number;
}

/** A started watch. */
export interface WatchHandle {
  /** Stops the watch early; `done` then settles once requests in flight have finished. */
  stop(): void;
  /** The summary, when the watch is over. */
  readonly done: Promise<WatchSummary>;
}

/** Joins a base URL and a path: `http://lb/app` + `/version` → `http://lb/app/version`. */
export function versionUrl(base: string, path: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new RangeError(
      `url is "${base}"; give an absolute http(s) URL such as http://127.0.0.1:8080.`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new RangeError(`url is "${base}"; only http:// and https:// URLs can be watched.`);
  }
  if (!path.startsWith("/")) {
    throw new RangeError(`path is "${path}"; it must start with "/", e.g. /version.`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}${path}${url.search}`;
}

/** Applies the defaults and checks every option; throws a `RangeError` naming a bad one. */
export function resolveWatchOptions(options: WatchOptions): ResolvedWatchOptions {
  const rate = options.rate ?? WatchDefaults.rate;
  const durationMs = options.durationMs ?? WatchDefaults.durationMs;
  const timeoutMs = options.timeoutMs ?? WatchDefaults.timeoutMs;
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
    throw new RangeError(
      `rate is ${rate}; give requests per second above 0 and at most ${MAX_RATE}.`,
    );
  }
  if (Number.isNaN(durationMs) || durationMs <= 0) {
    throw new RangeError(`duration is ${durationMs} ms; it must be more than 0.`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(`timeout is ${timeoutMs} ms; it must be a whole number of at least 1.`);
  }
  return {
    url: versionUrl(options.url, options.path ?? WatchDefaults.path),
    rate,
    durationMs,
    timeoutMs,
  };
}

/** Requests a run of `durationMs` at `rate` makes: every `i` with `i / rate < duration`. */
export function plannedRequests(rate: number, durationMs: number): number {
  return Number.isFinite(durationMs) ? Math.ceil((durationMs * rate) / 1000 - 1e-9) : Infinity;
}

/**
 * Watches `options.url + options.path` until `durationMs` has passed or `signal` aborts, and
 * resolves with the summary once every request has finished. Rejects only on invalid options.
 */
export async function runWatcher(
  options: WatchOptions,
  deps: WatcherDeps = {},
): Promise<WatchSummary> {
  const settings = resolveWatchOptions(options);
  const clock = deps.clock ?? systemClock;
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());
  // At most rate × timeout requests are in flight at once; each needs its own connection.
  const transport: HttpProbe =
    deps.probe === undefined
      ? createHttpProbe({ maxSockets: Math.ceil((settings.rate * settings.timeoutMs) / 1000) + 8 })
      : { probe: deps.probe, close: () => undefined };
  const { signal } = options;

  const records: WatchRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const fire = (): void => {
    const t = clock.now();
    const started = monotonicMs();
    const request = transport.probe(settings.url, settings.timeoutMs).then((outcome) => {
      const record: WatchRecord = {
        t,
        status: outcome.status,
        latencyMs: Math.round((monotonicMs() - started) * 1000) / 1000,
        ...(outcome.version === undefined ? {} : { version: outcome.version }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
        ...(outcome.retried === true ? { retried: true as const } : {}),
      };
      records.push(record);
      options.onRecord?.(record);
    });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  };

  const planned = plannedRequests(settings.rate, settings.durationMs);
  const intervalMs = 1000 / settings.rate;
  const t0 = clock.now();
  let next = 0;
  try {
    while (next < planned && signal?.aborted !== true) {
      const wait = t0 + next * intervalMs - clock.now();
      if (wait > 0) {
        await clock.sleep(wait, signal);
        continue;
      }
      fire(); // late ticks (after a stall) fire at once, so the count stays rate × duration
      next += 1;
    }
    await Promise.all(inFlight);
  } finally {
    transport.close();
  }
  return {
    ...summarise(records),
    run: {
      url: settings.url,
      rate: settings.rate,
      plannedMs: Number.isFinite(settings.durationMs) ? settings.durationMs : null,
      stopped: next < planned,
    },
  };
}

/** Starts {@link runWatcher} and returns a handle to stop it (for the rehearsal). */
export function startWatcher(options: WatchOptions, deps: WatcherDeps = {}): WatchHandle {
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort();
  if (options.signal?.aborted === true) controller.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const done = runWatcher({ ...options, signal: controller.signal }, deps).finally(() =>
    options.signal?.removeEventListener("abort", onOuterAbort),
  );
  return { stop: () => controller.abort(), done };
}
