/**
 * The traffic plan: when production traffic moves and how much of it goes to the replacement
 * (green) version, from the stack's traffic-shifting setting, with minutes shortened for a local
 * rehearsal. Pure.
 */

import type { TrafficShifting } from "../../components/config";

/** One weight change: at `atMs` after the shift starts, green takes `greenWeightPercent` of traffic. */
export interface TrafficStep {
  readonly atMs: number;
  readonly greenWeightPercent: number;
}

/** HAProxy's largest server weight: a server with it takes all traffic when the other has 0. */
export const MAX_WEIGHT = 256;

/**
 * The steps CodeDeploy takes for `shifting`, one minute lasting `minuteMs`:
 * - AllAtOnce: 100 % at once;
 * - Canary N % every M minutes: N % at once, the rest M minutes later;
 * - Linear N % every M minutes: N %, 2N %, … every M minutes, the last step capped at 100 %.
 * The last step is always 100 %.
 */
export function trafficPlan(shifting: TrafficShifting, minuteMs: number): TrafficStep[] {
  if (!Number.isFinite(minuteMs) || minuteMs < 0) {
    throw new RangeError(`minute-ms is ${minuteMs}; give a number of milliseconds of at least 0.`);
  }
  if (shifting.type === "AllAtOnce") return [{ atMs: 0, greenWeightPercent: 100 }];
  const { percent, intervalMinutes } = shifting;
  if (!Number.isInteger(percent) || percent < 1 || percent > 99) {
    throw new RangeError(`the traffic-shifting percent is ${percent}; it must be 1 to 99.`);
  }
  const intervalMs = intervalMinutes * minuteMs;
  if (shifting.type === "Canary") {
    return [
      { atMs: 0, greenWeightPercent: percent },
      { atMs: intervalMs, greenWeightPercent: 100 },
    ];
  }
  const steps: TrafficStep[] = [];
  for (let i = 0; ; i += 1) {
    const greenWeightPercent = Math.min(100, percent * (i + 1));
    steps.push({ atMs: i * intervalMs, greenWeightPercent });
    if (greenWeightPercent === 100) return steps;
  }
}

/** HAProxy weights for a step: green's share of {@link MAX_WEIGHT}, blue the rest. */
export function weightsFor(greenWeightPercent: number): { blue: number; green: number } {
  const green = Math.round((MAX_WEIGHT * greenWeightPercent) / 100);
  return { blue: MAX_WEIGHT - green, green };
}

/** One `set server ... weight` of a step. */
export interface WeightChange {
  /** Which side of the deployment: the version serving before it, or its replacement. */
  readonly role: "original" | "replacement";
  readonly weight: number;
}

/**
 * The weight changes of a step, in the order to send them: the side that ends with the larger
 * weight first. HAProxy applies one command at a time, and lowering one side before raising the
 * other would leave a moment where both weigh 0 and HAProxy answers 503.
 */
export function weightChanges(replacementPercent: number): WeightChange[] {
  const { blue, green } = weightsFor(replacementPercent);
  const original: WeightChange = { role: "original", weight: blue };
  const replacement: WeightChange = { role: "replacement", weight: green };
  return green >= blue ? [replacement, original] : [original, replacement];
}

/** How long the plan takes, from its first step to its last, in ms. */
export function planDurationMs(steps: readonly TrafficStep[]): number {
  return steps.reduce((longest, step) => Math.max(longest, step.atMs), 0);
}

/** A short name for the plan, e.g. `Canary 10 % then the rest after 5 min (5000 ms)`. */
export function describeShifting(shifting: TrafficShifting, minuteMs: number): string {
  const name = shifting.predefined ?? shifting.type;
  if (shifting.type === "AllAtOnce") return `${name}: 100 % at once`;
  const every = `${shifting.intervalMinutes} min (${shifting.intervalMinutes * minuteMs} ms here)`;
  return shifting.type === "Canary"
    ? `${name}: ${shifting.percent} %, the rest after ${every}`
    : `${name}: +${shifting.percent} % every ${every}`;
}
