/**
 * The rehearsal as a benchmark, under load: for each stack and each number of keep-alive
 * connections, a whole rehearsal with autocannon driving the production frontend beside the
 * watcher. Per run: the achieved request rate, failed requests (target 0; the deployment's and
 * the machine's counted apart), autocannon's p50/p99, the CPU, and as plain figures the watcher's
 * p99 during the cutover against the steady state and the time from the flip to the live notice.
 * About 3–5 minutes with the defaults here (nine rehearsals).
 */

import { deploymentFailures } from "../tools/rehearsal/load";
import { RehearsalDefaults, runRehearsal, type RehearsalResult } from "../tools/rehearsal/run";
import { loadStackSettings, STACKS, type StackName } from "../tools/rehearsal/stack";

/** The loads each stack is rehearsed at: keep-alive connections. */
export const BENCH_LOADS = [16, 64, 256] as const;

/** How to bench. */
export interface RehearsalBenchOptions {
  /**
   * The stacks whose traffic shifting is rehearsed.
   * @default - every stack: dev, staging, prod
   */
  readonly stacks?: readonly StackName[];
  /**
   * Keep-alive connections of the load generator, one rehearsal each.
   * @default - {@link BENCH_LOADS}
   */
  readonly loads?: readonly number[];
  /**
   * Steady state before and after each deployment, ms.
   * @default 4000
   */
  readonly steadyMs?: number;
}

/** What one rehearsal under load measured. */
export interface RehearsalBenchResult {
  readonly name: "rehearsal";
  readonly stack: string;
  readonly connections: number;
  /** Requests of the watcher and the load generator, and how many failed (target 0). */
  readonly requests: number;
  readonly failed: number;
  /** Of the failed: non-2xx answers and socket errors (the deployment's doing). */
  readonly deploymentFailed: number;
  /** Of the failed: requests that timed out (the machine not keeping up). */
  readonly timedOut: number;
  /** The load generator's achieved rate and latency of 2xx answers. */
  readonly achievedRps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The machine's CPU over the run, %. */
  readonly cpuBusyPercent: number;
  /** The watcher's p99 in the cutover window and in steady state, ms: figures, not targets. */
  readonly watcherP99: { readonly steadyMs: number; readonly cutoverMs: number };
  /** The watcher's first answer from v2 until the live notice reached the webhook, ms. */
  readonly flipToNoticeMs: number | undefined;
  /** Whether the rehearsal itself passed (no failed request, v2 live, v3 rolled back). */
  readonly rehearsalOk: boolean;
  readonly problems: readonly string[];
  readonly ok: boolean;
  readonly wallMs: number;
}

/** Reads the bench figures out of a rehearsal's result. Pure. */
export function rehearsalBenchFigures(result: RehearsalResult): RehearsalBenchResult {
  const cutover = result.scenarios.find((scenario) => scenario.name === "cutover");
  const load = result.load;
  const watcherTimeouts = result.scenarios.reduce(
    (sum, scenario) => sum + (scenario.summary.failures.timeout ?? 0),
    0,
  );
  const timedOut = watcherTimeouts + (load?.timeouts ?? 0);
  return {
    name: "rehearsal",
    stack: result.stack,
    connections: load?.connections ?? 0,
    requests: result.requests,
    failed: result.failed,
    deploymentFailed: result.failed - timedOut,
    timedOut,
    achievedRps: load?.rate ?? 0,
    p50Ms: load?.p50 ?? Number.NaN,
    p99Ms: load?.p99 ?? Number.NaN,
    cpuBusyPercent: load?.cpu.busyPercent ?? Number.NaN,
    watcherP99: {
      steadyMs: cutover?.latency.steady.p99 ?? Number.NaN,
      cutoverMs: cutover?.latency.cutover.p99 ?? Number.NaN,
    },
    flipToNoticeMs: cutover?.flipToNoticeMs,
    rehearsalOk: result.ok,
    problems: result.problems,
    ok: result.ok && result.failed === 0 && (load === undefined || deploymentFailures(load) === 0),
    wallMs: result.wallMs,
  };
}

/** Runs the rehearsal of each stack at each load, one after the other. */
export async function benchRehearsal(
  options: RehearsalBenchOptions = {},
): Promise<RehearsalBenchResult[]> {
  const results: RehearsalBenchResult[] = [];
  for (const stack of options.stacks ?? STACKS) {
    for (const connections of options.loads ?? BENCH_LOADS) {
      const result = await runRehearsal({
        settings: loadStackSettings(stack),
        rate: RehearsalDefaults.rate,
        steadyMs: options.steadyMs ?? 4000,
        load: connections,
      });
      results.push(rehearsalBenchFigures(result));
    }
  }
  return results;
}

if (require.main === module) {
  void benchRehearsal().then((results) => {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    process.exitCode = results.every((result) => result.ok) ? 0 : 1;
  });
}
