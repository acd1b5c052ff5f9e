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

/** The deployment engines the rehearsal plays. */
export const ENGINES = ["codedeploy", "ecs"] as const;
export type Engine = (typeof ENGINES)[number];

/** Whether `value` names an engine. */
export function isEngine(value: string): value is Engine {
  return (ENGINES as readonly string[]).includes(value);
}

/** The most bake time Amazon ECS takes (`bakeTimeInMinutes`, 0–1440). */
export const MAX_ECS_BAKE_MINUTES = 1440;

/** Amazon ECS's `deploymentConfiguration` for a stack's traffic shifting and termination wait. */
export type EcsStrategy =
  | { readonly strategy: "BLUE_GREEN"; readonly bakeTimeInMinutes: number }
  | {
      readonly strategy: "LINEAR";
      readonly stepPercent: number;
      readonly stepBakeTimeInMinutes: number;
      readonly bakeTimeInMinutes: number;
    }
  | {
      readonly strategy: "CANARY";
      readonly canaryPercent: number;
      readonly canaryBakeTimeInMinutes: number;
      readonly bakeTimeInMinutes: number;
    };

/**
 * The Amazon ECS strategy for the stack's traffic shifting (ECS developer guide,
 * "deployment-type-blue-green", "deployment-type-linear", "deployment-type-canary"):
 * - AllAtOnce → BLUE_GREEN: all production traffic moves at once;
 * - Linear N % every M min → LINEAR, `stepPercent` N (3.0–100.0), `stepBakeTimeInMinutes` M;
 * - Canary N % then the rest after M min → CANARY, `canaryPercent` N (0.1–100.0),
 *   `canaryBakeTimeInMinutes` M.
 * `bakeTimeInMinutes` (0–1440) is the termination wait: blue keeps running that long after all
 * production traffic moved, and a rollback meanwhile is a weight flip back to it. Throws a
 * `RangeError` naming a value Amazon ECS refuses. Pure.
 */
export function ecsStrategy(
  shifting: TrafficShifting,
  terminationWaitMinutes: number,
): EcsStrategy {
  if (
    !Number.isInteger(terminationWaitMinutes) ||
    terminationWaitMinutes < 0 ||
    terminationWaitMinutes > MAX_ECS_BAKE_MINUTES
  ) {
    throw new RangeError(
      `deployment.terminationWaitMinutes is ${terminationWaitMinutes}; Amazon ECS bakes 0 to ${MAX_ECS_BAKE_MINUTES} minutes.`,
    );
  }
  const bakeTimeInMinutes = terminationWaitMinutes;
  if (shifting.type === "AllAtOnce") return { strategy: "BLUE_GREEN", bakeTimeInMinutes };
  if (shifting.intervalMinutes > MAX_ECS_BAKE_MINUTES) {
    throw new RangeError(
      `the traffic shifting waits ${shifting.intervalMinutes} minutes between steps; Amazon ECS waits at most ${MAX_ECS_BAKE_MINUTES}.`,
    );
  }
  if (shifting.type === "Linear") {
    if (shifting.percent < 3) {
      throw new RangeError(
        `the traffic shifting moves ${shifting.percent} % a step; Amazon ECS linear steps are 3 to 100 %.`,
      );
    }
    return {
      strategy: "LINEAR",
      stepPercent: shifting.percent,
      stepBakeTimeInMinutes: shifting.intervalMinutes,
      bakeTimeInMinutes,
    };
  }
  return {
    strategy: "CANARY",
    canaryPercent: shifting.percent,
    canaryBakeTimeInMinutes: shifting.intervalMinutes,
    bakeTimeInMinutes,
  };
}

/**
 * The production weight changes Amazon ECS makes for `strategy`, one minute lasting `minuteMs`:
 * BLUE_GREEN 100 % at once; LINEAR `stepPercent`, twice that, … every `stepBakeTimeInMinutes`,
 * capped at 100 %; CANARY `canaryPercent`, then 100 % after `canaryBakeTimeInMinutes`. (The same
 * steps as CodeDeploy's configurations of the same names.) Pure.
 */
export function ecsTrafficPlan(strategy: EcsStrategy, minuteMs: number): TrafficStep[] {
  if (strategy.strategy === "BLUE_GREEN") {
    return trafficPlan({ type: "AllAtOnce", predefined: "AllAtOnce" }, minuteMs);
  }
  return strategy.strategy === "LINEAR"
    ? trafficPlan(
        {
          type: "Linear",
          percent: strategy.stepPercent,
          intervalMinutes: strategy.stepBakeTimeInMinutes,
        },
        minuteMs,
      )
    : trafficPlan(
        {
          type: "Canary",
          percent: strategy.canaryPercent,
          intervalMinutes: strategy.canaryBakeTimeInMinutes,
        },
        minuteMs,
      );
}

/** A short name for an ECS strategy, e.g. `CANARY 10 %, the rest after 5 min; bake 60 min (60000 ms here)`. */
export function describeEcsStrategy(strategy: EcsStrategy, minuteMs: number): string {
  const here = (minutes: number): string => `${minutes} min (${minutes * minuteMs} ms here)`;
  const bake = `bake ${here(strategy.bakeTimeInMinutes)}`;
  if (strategy.strategy === "BLUE_GREEN") return `BLUE_GREEN: 100 % at once; ${bake}`;
  return strategy.strategy === "LINEAR"
    ? `LINEAR: +${strategy.stepPercent} % every ${here(strategy.stepBakeTimeInMinutes)}; ${bake}`
    : `CANARY: ${strategy.canaryPercent} %, the rest after ${here(strategy.canaryBakeTimeInMinutes)}; ${bake}`;
}
