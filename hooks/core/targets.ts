/**
 * Target health: the live check passes only when every target of the live target group is
 * `healthy`, and there is at least one.
 */

/** The states a load balancer reports for a target (Elastic Load Balancing v2 names). */
export const TargetHealthStates = [
  "healthy",
  "unhealthy",
  "draining",
  "initial",
  "unused",
  "unavailable",
] as const;
export type TargetHealthState = (typeof TargetHealthStates)[number];

/** One target and its health. */
export interface TargetHealth {
  /** The target id: an IP address for Fargate tasks. */
  readonly id: string;
  readonly port?: number;
  readonly state: TargetHealthState;
  /** A reason code, e.g. `Target.FailedHealthChecks`. */
  readonly reason?: string;
  readonly description?: string;
}

/** The verdict on a set of targets. */
export interface TargetsVerdict {
  /** Every target is healthy and there is at least one. */
  readonly healthy: boolean;
  /**
   * Not healthy yet, but nothing is wrong either: some targets are still `initial` (registering,
   * first health checks running) and the rest are healthy. Worth asking again shortly.
   */
  readonly pending: boolean;
  readonly total: number;
  readonly counts: Readonly<Record<TargetHealthState, number>>;
  /** A sentence for people. */
  readonly reason: string;
}

/** How many unhealthy targets a reason names before it summarises. */
const LISTED_TARGETS = 5;

/** Reads a state reported by the load balancer; unknown states count as `unavailable`. */
export function toTargetHealthState(state: string | undefined): TargetHealthState {
  return (TargetHealthStates as readonly string[]).includes(state ?? "")
    ? (state as TargetHealthState)
    : "unavailable";
}

/** Decides whether every target is healthy. Pure. */
export function evaluateTargets(targets: readonly TargetHealth[]): TargetsVerdict {
  const counts = Object.fromEntries(TargetHealthStates.map((state) => [state, 0])) as Record<
    TargetHealthState,
    number
  >;
  for (const target of targets) counts[target.state] += 1;
  const total = targets.length;
  if (total === 0) {
    return {
      healthy: false,
      pending: false,
      total,
      counts,
      reason: "the live target group has no registered targets",
    };
  }
  const notHealthy = targets.filter((target) => target.state !== "healthy");
  if (notHealthy.length === 0) {
    return {
      healthy: true,
      pending: false,
      total,
      counts,
      reason: total === 1 ? "the 1 target is healthy" : `all ${total} targets are healthy`,
    };
  }
  const listed = notHealthy.slice(0, LISTED_TARGETS).map(describeTarget);
  if (notHealthy.length > LISTED_TARGETS)
    listed.push(`and ${notHealthy.length - LISTED_TARGETS} more`);
  const verb = notHealthy.length === 1 ? "is" : "are";
  return {
    healthy: false,
    pending: notHealthy.every((target) => target.state === "initial"),
    total,
    counts,
    reason: `${notHealthy.length} of ${total} targets ${verb} not healthy: ${listed.join("; ")}`,
  };
}

/** The verdict when target health could not be read at all. */
export function unreadableTargets(detail: string): TargetsVerdict {
  const counts = Object.fromEntries(TargetHealthStates.map((state) => [state, 0])) as Record<
    TargetHealthState,
    number
  >;
  return {
    healthy: false,
    pending: false,
    total: 0,
    counts,
    reason: `target health could not be read: ${detail}`,
  };
}

function describeTarget(target: TargetHealth): string {
  const where = target.port === undefined ? target.id : `${target.id}:${target.port}`;
  const why = [target.reason, target.description].filter((part) => (part ?? "") !== "").join(": ");
  return why === "" ? `${where} ${target.state}` : `${where} ${target.state} (${why})`;
}
