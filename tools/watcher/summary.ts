/**
 * What a watch saw: one record per request, and the summary of a run (failures by kind, versions in
 * order of appearance, each version transition with its overlap, latency percentiles). Pure.
 */

/**
 * Why a request failed:
 * - `timeout`: no complete answer within the per-request timeout;
 * - `connect`: the connection was refused, reset, closed early or unreachable;
 * - `dns`: the host name did not resolve;
 * - `http_<status>`: an answer outside 2xx, e.g. `http_502`;
 * - `bad_json`: a 2xx answer that is not a JSON object with a string `version`;
 * - `too_large`: a body over the size limit (a version document is a few hundred bytes);
 * - `other`: anything else (detail in the record).
 */
export type FailureKind =
  "timeout" | "connect" | "dns" | "bad_json" | "too_large" | "other" | `http_${number}`;

/** One request, as written to the JSON Lines file. */
export interface WatchRecord {
  /** When the request started, epoch milliseconds. */
  readonly t: number;
  /** The HTTP status, or null when no response arrived. */
  readonly status: number | null;
  /** Milliseconds from the start of the request to its complete answer (or failure). */
  readonly latencyMs: number;
  /** The version answered, for successful requests. */
  readonly version?: string;
  /** Why the request failed; absent when it succeeded. */
  readonly error?: FailureKind;
  /** The low-level reason of a failure, e.g. `ECONNREFUSED`. */
  readonly detail?: string;
  /**
   * True when a kept-alive connection turned out to be closed by the server before the request was
   * answered and the request was sent again on a new connection (what browsers and HTTP clients do;
   * counted so it stays visible).
   */
  readonly retried?: true;
}

/** One version and when it was served. */
export interface VersionSeen {
  readonly version: string;
  /** Successful answers carrying it. */
  readonly count: number;
  /** Start of the first request that it answered, epoch ms. */
  readonly firstAt: number;
  /** Start of the last request that it answered, epoch ms. */
  readonly lastAt: number;
}

/**
 * A change from one version to the next (in order of first appearance). Times are request starts.
 * During a blue/green cutover both versions answer for a while: `overlapMs` is that window.
 */
export interface VersionTransition {
  readonly from: string;
  readonly to: string;
  /** First time `to` was seen, epoch ms. */
  readonly firstNewAt: number;
  /** Last time `from` was seen, epoch ms. */
  readonly lastOldAt: number;
  /** `lastOldAt - firstNewAt`, or 0 when the old version was never seen after the new one. */
  readonly overlapMs: number;
  /** Answers with `from` in requests started after `firstNewAt` (interleaving at the flip). */
  readonly oldAfterNew: number;
}

/** Latency percentiles (nearest rank), in milliseconds. */
export interface LatencyStats {
  /** Requests measured: every request that received an HTTP response, whatever its status. */
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** How a run was set up; present when the summary comes from {@link runWatcher}. */
export interface WatchRun {
  /** The URL polled. */
  readonly url: string;
  /** Requests per second. */
  readonly rate: number;
  /** Planned duration, or null when the run lasted until it was stopped. */
  readonly plannedMs: number | null;
  /** True when the run was stopped (signal or `stop()`) before its planned end. */
  readonly stopped: boolean;
}

/** Everything a watch saw. */
export interface WatchSummary {
  /** Requests made (each retried request counts once). */
  readonly total: number;
  /** Requests answered with a version. */
  readonly ok: number;
  /** Requests that failed. */
  readonly failed: number;
  /** Failed requests per kind, most frequent first. */
  readonly failures: Readonly<Partial<Record<FailureKind, number>>>;
  /** Requests that were sent again after a stale keep-alive connection (see `WatchRecord.retried`). */
  readonly retried: number;
  /** Versions in order of first appearance. */
  readonly versions: readonly VersionSeen[];
  /** One per pair of consecutive versions in {@link WatchSummary.versions}. */
  readonly transitions: readonly VersionTransition[];
  /** The first transition, if any: the flip. */
  readonly flip?: VersionTransition;
  /** The version of the last successful answer. */
  readonly finalVersion?: string;
  /**
   * True when more than one version answered and the last answer was not the first version: the
   * service moved to a new version and stayed there (a rollback to the first version is not a flip).
   */
  readonly flipped: boolean;
  /** Start of the first request, epoch ms. */
  readonly firstAt?: number;
  /** Start of the last request, epoch ms. */
  readonly lastAt?: number;
  /** Latency of answered requests; absent when nothing answered. */
  readonly latency?: LatencyStats;
  /** Set by {@link runWatcher}. */
  readonly run?: WatchRun;
}

/** The nearest-rank percentile `p` (0–100] of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

function latencyStats(records: readonly WatchRecord[]): LatencyStats | undefined {
  const sorted = records
    .filter((record) => record.status !== null)
    .map((record) => record.latencyMs)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Summarises records in any order (they arrive in completion order; times are request starts). */
export function summarise(records: readonly WatchRecord[]): WatchSummary {
  const ordered = [...records].sort((a, b) => a.t - b.t);
  const failures = new Map<FailureKind, number>();
  const seen = new Map<string, { count: number; firstAt: number; lastAt: number }>();
  let finalVersion: string | undefined;
  let retried = 0;
  for (const record of ordered) {
    if (record.retried === true) retried += 1;
    if (record.error !== undefined) {
      failures.set(record.error, (failures.get(record.error) ?? 0) + 1);
    } else if (record.version !== undefined) {
      const entry = seen.get(record.version);
      if (entry === undefined)
        seen.set(record.version, { count: 1, firstAt: record.t, lastAt: record.t });
      else {
        entry.count += 1;
        entry.lastAt = record.t;
      }
      finalVersion = record.version;
    }
  }
  const versions: VersionSeen[] = [...seen].map(([version, entry]) => ({ version, ...entry }));
  const transitions: VersionTransition[] = [];
  for (let i = 1; i < versions.length; i += 1) {
    const from = versions[i - 1] as VersionSeen;
    const to = versions[i] as VersionSeen;
    transitions.push({
      from: from.version,
      to: to.version,
      firstNewAt: to.firstAt,
      lastOldAt: from.lastAt,
      overlapMs: Math.max(0, from.lastAt - to.firstAt),
      oldAfterNew: ordered.filter(
        (record) =>
          record.error === undefined && record.version === from.version && record.t > to.firstAt,
      ).length,
    });
  }
  const failed = ordered.filter((record) => record.error !== undefined).length;
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  const latency = latencyStats(ordered);
  return {
    total: ordered.length,
    ok: ordered.length - failed,
    failed,
    failures: Object.fromEntries([...failures].sort((a, b) => b[1] - a[1])),
    retried,
    versions,
    transitions,
    ...(transitions[0] === undefined ? {} : { flip: transitions[0] }),
    ...(finalVersion === undefined ? {} : { finalVersion }),
    flipped: versions.length > 1 && finalVersion !== versions[0]?.version,
    ...(first === undefined ? {} : { firstAt: first.t }),
    ...(last === undefined ? {} : { lastAt: last.t }),
    ...(latency === undefined ? {} : { latency }),
  };
}

/** What {@link judge} decides. */
export interface Verdict {
  /** True when the run passes. */
  readonly ok: boolean;
  /** Why it does not, one sentence each; empty when it passes. */
  readonly problems: readonly string[];
}

/**
 * Passes a run when no request failed and, with `expectFlip`, the service moved to a new version
 * and stayed there.
 */
export function judge(
  summary: WatchSummary,
  options: { readonly expectFlip?: boolean } = {},
): Verdict {
  const problems: string[] = [];
  if (summary.total === 0) problems.push("no request was made");
  if (summary.failed > 0) {
    problems.push(`${summary.failed} of ${summary.total} requests failed`);
  }
  if (options.expectFlip === true && !summary.flipped) {
    const seen = summary.versions.map((entry) => entry.version).join(", ");
    problems.push(
      summary.versions.length > 1
        ? `expected a version flip, but the last answer was the first version again (${seen})`
        : `expected a version flip, but only ${seen === "" ? "no version" : seen} was seen`,
    );
  }
  return { ok: problems.length === 0, problems };
}
