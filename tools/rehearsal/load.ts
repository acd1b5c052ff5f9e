/**
 * Load beside the watcher: `--load <connections>` runs autocannon (a well-kept HTTP load
 * generator, pinned in package.json) in a child process against the production frontend for the
 * whole rehearsal, keep-alive connections, one request in flight on each. Every non-2xx answer
 * and socket error comes back with its time, so the report can put it on the rehearsal's timeline.
 * The machine's CPU is sampled meanwhile, so the summary can tell "the deployment failed
 * requests" (non-2xx answers, resets, refused connections) from "the machine could not keep up"
 * (timeouts, CPU saturated, a low achieved rate).
 */

import * as os from "node:os";
import * as path from "node:path";

import { systemClock, type Clock } from "../../hooks/core/clock";
import type { LoadLine } from "./load-child";
import { bundleForNode, REPO_ROOT, type Child, type ProcessGroup } from "./processes";

/**
 * The load generator's niceness. It asks for as many requests as the machine can serve, so on a
 * small machine it takes every idle cycle; below the priority of HAProxy, the apps and the
 * rehearsal's own watcher and live check, it presses on the system under test without starving
 * the processes that measure it.
 */
export const LOAD_NICENESS = 10;

/** How long autocannon waits for an answer before it counts a timeout, s. */
export const LOAD_TIMEOUT_S = 10;

/** A machine whose CPUs were busier than this over a second was saturated that second, %. */
export const SATURATED_PERCENT = 95;

/** One failed request of the load, on the rehearsal's timeline. */
export interface LoadFailure {
  /** Milliseconds since the rehearsal started. */
  readonly atMs: number;
  /** `HTTP 503`, `ECONNRESET`, `ECONNREFUSED`, `timeout`, … */
  readonly what: string;
}

/** The machine's CPU while the load ran. */
export interface CpuFigures {
  /** Seconds sampled. */
  readonly seconds: number;
  /** Busy share of every core over the whole run, %. */
  readonly busyPercent: number;
  /** Seconds in which the cores were busier than {@link SATURATED_PERCENT}. */
  readonly saturatedSeconds: number;
}

/** What the load came to. */
export interface LoadSummary {
  readonly connections: number;
  readonly url: string;
  readonly durationMs: number;
  /** Answers of any status. */
  readonly answers: number;
  /** Achieved answers per second. */
  readonly rate: number;
  /** The slowest and busiest seconds: answers in each full second of the run. */
  readonly minSecondRate: number;
  readonly non2xx: number;
  /** Socket errors other than timeouts (resets, refused connections). */
  readonly errors: number;
  readonly timeouts: number;
  /** Latency of 2xx answers, ms (autocannon's histogram). */
  readonly p50: number;
  readonly p99: number;
  /** Every failure written one by one (see `failuresNotListed`). */
  readonly failures: readonly LoadFailure[];
  /** Failures counted but not listed one by one. */
  readonly failuresNotListed: number;
  readonly cpu: CpuFigures;
  /** Set when the load generator did not end as asked. */
  readonly problem?: string;
}

/** A run of failures close together. */
export interface FailureBurst {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
  /** Failures by kind, e.g. `{ "HTTP 503": 40, ECONNRESET: 2 }`. */
  readonly kinds: Readonly<Record<string, number>>;
}

/** Groups failures into bursts separated by more than `gapMs`. Pure. */
export function failureBursts(failures: readonly LoadFailure[], gapMs = 250): FailureBurst[] {
  const sorted = [...failures].sort((a, b) => a.atMs - b.atMs);
  const bursts: { fromMs: number; toMs: number; count: number; kinds: Record<string, number> }[] =
    [];
  for (const failure of sorted) {
    let last = bursts[bursts.length - 1];
    if (last === undefined || failure.atMs - last.toMs > gapMs) {
      last = { fromMs: failure.atMs, toMs: failure.atMs, count: 0, kinds: {} };
      bursts.push(last);
    }
    last.toMs = failure.atMs;
    last.count += 1;
    last.kinds[failure.what] = (last.kinds[failure.what] ?? 0) + 1;
  }
  return bursts;
}

/** Requests the deployment failed: non-2xx answers and socket errors other than timeouts. Pure. */
export function deploymentFailures(load: LoadSummary): number {
  return load.non2xx + load.errors;
}

/**
 * Whether the machine could not keep up, and why: requests that timed out, or CPUs saturated for
 * a quarter of the run or more. Undefined when it kept up. Pure.
 */
export function couldNotKeepUp(load: LoadSummary): string | undefined {
  const reasons: string[] = [];
  if (load.timeouts > 0) {
    reasons.push(`${load.timeouts} requests got no answer within ${LOAD_TIMEOUT_S} s`);
  }
  if (load.cpu.seconds > 0 && load.cpu.saturatedSeconds * 4 >= load.cpu.seconds) {
    reasons.push(
      `the CPUs were over ${SATURATED_PERCENT} % busy for ${load.cpu.saturatedSeconds} of ${load.cpu.seconds} s`,
    );
  }
  return reasons.length === 0 ? undefined : reasons.join("; ");
}

/** Total and idle CPU time of every core, ms. */
export interface CpuTimes {
  readonly total: number;
  readonly idle: number;
}

/** The machine's CPU times now. */
export function cpuTimes(cpus: readonly os.CpuInfo[] = os.cpus()): CpuTimes {
  let total = 0;
  let idle = 0;
  for (const cpu of cpus) {
    const { user, nice, sys, irq } = cpu.times;
    total += user + nice + sys + irq + cpu.times.idle;
    idle += cpu.times.idle;
  }
  return { total, idle };
}

/** Busy share between two readings, %; 0 when no time passed. Pure. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  return total <= 0 ? 0 : Math.round((100 * (total - (after.idle - before.idle))) / total);
}

/** Samples the CPUs every second until `stop()`. */
export function sampleCpu(read: () => CpuTimes = cpuTimes): { stop(): CpuFigures } {
  const first = read();
  let previous = first;
  let seconds = 0;
  let saturatedSeconds = 0;
  const timer = setInterval(() => {
    const now = read();
    seconds += 1;
    if (busyPercent(previous, now) > SATURATED_PERCENT) saturatedSeconds += 1;
    previous = now;
  }, 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return { seconds, busyPercent: busyPercent(first, read()), saturatedSeconds };
    },
  };
}

/** Bundles the load generator into `outDir/load.js` (autocannon stays a package); returns its path. */
export function compileLoadGenerator(outDir: string, root = REPO_ROOT): string {
  return bundleForNode(
    path.join(root, "tools", "rehearsal", "load-child.ts"),
    path.join(outDir, "load.js"),
    true,
  );
}

/** Parses one line of the load generator; undefined for anything else. Pure. */
export function parseLoadLine(line: string): LoadLine | undefined {
  try {
    const value = JSON.parse(line) as { kind?: unknown; t?: unknown } | null;
    return typeof value?.kind === "string" && typeof value.t === "number"
      ? (value as LoadLine)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A running load. */
export interface LoadRun {
  readonly child: Child;
  /** Stops the load and resolves with its summary. */
  stop(): Promise<LoadSummary>;
}

/** What the load needs. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** The rehearsal's start (epoch ms): failure times become timeline times. */
  readonly startedAt: number;
  /** The bundle from {@link compileLoadGenerator}. */
  readonly bundle: string;
}

/** Starts the load generator and waits for its first request. */
export async function startLoad(
  group: ProcessGroup,
  options: LoadOptions,
  clock: Clock = systemClock,
): Promise<LoadRun> {
  const child = group.start("autocannon", process.execPath, [options.bundle], {
    PATH: process.env.PATH ?? "",
    NODE_PATH: path.join(REPO_ROOT, "node_modules"),
    LOAD_URL: options.url,
    LOAD_CONNECTIONS: String(options.connections),
    LOAD_TIMEOUT_S: String(LOAD_TIMEOUT_S),
  });
  try {
    os.setPriority(child.pid, LOAD_NICENESS);
  } catch {
    // not permitted here: the load runs at normal priority
  }
  const failures: LoadFailure[] = [];
  const perSecond: number[] = [];
  let lastTick: { answers: number; failures: number } = { answers: 0, failures: 0 };
  let done: Extract<LoadLine, { kind: "done" }> | undefined;
  let startedAt = clock.now();
  child.onLine((text) => {
    const line = parseLoadLine(text);
    if (line === undefined) return;
    if (line.kind === "failure")
      failures.push({ atMs: line.t - options.startedAt, what: line.what });
    else if (line.kind === "tick") {
      perSecond.push(line.answers - lastTick.answers);
      lastTick = line;
    } else if (line.kind === "done") done = line;
    else startedAt = line.t;
  });
  await group.waitForLine(
    child,
    (text) => (parseLoadLine(text)?.kind === "start" ? true : undefined),
    15_000,
  );
  const cpu = sampleCpu();
  return {
    child,
    stop: async () => {
      const exit = await child.stop("SIGTERM", 5000);
      const figures = cpu.stop();
      const durationMs = done?.durationMs ?? clock.now() - startedAt;
      const answers = done?.answers ?? lastTick.answers;
      const counted =
        done === undefined ? lastTick.failures : done.non2xx + done.errors + done.timeouts;
      const problem =
        done === undefined
          ? `the load generator ended without its figures (exit ${exit.code ?? exit.signal}):\n${child.tail()}`
          : undefined;
      const timeouts = done?.timeouts ?? failures.filter((f) => f.what === "timeout").length;
      const non2xx = done?.non2xx ?? failures.filter((f) => f.what.startsWith("HTTP ")).length;
      return {
        connections: options.connections,
        url: options.url,
        durationMs,
        answers,
        rate: durationMs > 0 ? Math.round((answers * 1000) / durationMs) : 0,
        minSecondRate: perSecond.length === 0 ? 0 : Math.min(...perSecond),
        non2xx,
        errors: done?.errors ?? Math.max(0, counted - timeouts - non2xx),
        timeouts,
        p50: done?.p50 ?? Number.NaN,
        p99: done?.p99 ?? Number.NaN,
        failures,
        failuresNotListed: Math.max(0, counted - failures.length),
        cpu: figures,
        ...(problem === undefined ? {} : { problem }),
      };
    },
  };
}
