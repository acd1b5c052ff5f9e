/**
 * The rehearsal as a benchmark: p99 latency of `/version` through HAProxy during the cutover
 * (first weight change until the old version's process has exited) against the steady state
 * before it, and the time from the flip (the watcher's first answer from the new version) to the
 * live notice arriving at the local webhook. Runs the dev stack's rehearsal (AllAtOnce), about
 * 30 s with the defaults here.
 */

import { RehearsalDefaults, runRehearsal, type RehearsalResult } from "../tools/rehearsal/run";
import { loadStackSettings, type StackName } from "../tools/rehearsal/stack";

/** What the rehearsal is held to. */
export const RehearsalBenchTargets = {
  /** p99 during the cutover at most this many times the steady state's. */
  cutoverP99Ratio: 2,
} as const;

/** How to bench. */
export interface RehearsalBenchOptions {
  /**
   * The stack whose traffic shifting is rehearsed.
   * @default "dev"
   */
  readonly stack?: StackName;
  /**
   * Watcher requests per second.
   * @default 150
   */
  readonly rate?: number;
  /**
   * Steady state before and after each deployment, ms (the steady window is this minus 1 s).
   * @default 6000
   */
  readonly steadyMs?: number;
}

/** What {@link benchRehearsal} measured. */
export interface RehearsalBenchResult {
  readonly name: "rehearsal";
  readonly stack: string;
  readonly rate: number;
  /** Requests in both scenarios, and how many failed (must be 0). */
  readonly requests: number;
  readonly failed: number;
  /** p99 latency in ms, and the number of answers it was taken from. */
  readonly steady: { readonly p99Ms: number; readonly count: number };
  readonly cutover: { readonly p99Ms: number; readonly count: number };
  /** `cutover.p99Ms / steady.p99Ms`, and whether it is within the target. */
  readonly p99Ratio: number;
  readonly targetRatio: number;
  readonly ok: boolean;
  /** The watcher's first answer from v2 until the live notice reached the webhook, ms. */
  readonly flipToNoticeMs: number | undefined;
  /** Overlap of v1 and v2 answers at the flip, ms. */
  readonly flipOverlapMs: number | undefined;
  /** Whether the rehearsal itself passed (no failed request, v2 live, v3 rolled back). */
  readonly rehearsalOk: boolean;
  readonly wallMs: number;
}

/** Reads the bench figures out of a rehearsal's result. Pure. */
export function rehearsalBenchFigures(result: RehearsalResult, rate: number): RehearsalBenchResult {
  const cutover = result.scenarios.find((scenario) => scenario.name === "cutover");
  const steady = cutover?.latency.steady ?? { count: 0, p99: Number.NaN };
  const during = cutover?.latency.cutover ?? { count: 0, p99: Number.NaN };
  const ratio = Math.round((during.p99 / steady.p99) * 100) / 100;
  return {
    name: "rehearsal",
    stack: result.stack,
    rate,
    requests: result.requests,
    failed: result.failed,
    steady: { p99Ms: steady.p99, count: steady.count },
    cutover: { p99Ms: during.p99, count: during.count },
    p99Ratio: ratio,
    targetRatio: RehearsalBenchTargets.cutoverP99Ratio,
    ok: result.ok && ratio <= RehearsalBenchTargets.cutoverP99Ratio,
    flipToNoticeMs: cutover?.flipToNoticeMs,
    flipOverlapMs: cutover?.summary.flip?.overlapMs,
    rehearsalOk: result.ok,
    wallMs: result.wallMs,
  };
}

/** Runs the rehearsal and reports its latency and flip-to-notice figures. */
export async function benchRehearsal(
  options: RehearsalBenchOptions = {},
): Promise<RehearsalBenchResult> {
  const rate = options.rate ?? RehearsalDefaults.rate;
  const result = await runRehearsal({
    settings: loadStackSettings(options.stack ?? "dev"),
    rate,
    steadyMs: options.steadyMs ?? 6000,
  });
  return rehearsalBenchFigures(result, rate);
}

if (require.main === module) {
  void benchRehearsal().then((result) => {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  });
}
