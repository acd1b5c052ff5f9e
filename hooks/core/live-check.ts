/**
 * The live check, free of any deployment platform: probe the version URL, then (when the version is
 * live and a load balancer can be asked) check target health, then decide. The CodeDeploy adapter,
 * the CLI and the local rehearsal all run this.
 */
import { decide, type Verdict } from "./decide";
import { describeError } from "./redact";
import {
  probeVersion,
  resolveProbeSettings,
  type ProbeDeps,
  type ProbeResult,
  type ProbeSettings,
} from "./probe";
import {
  evaluateTargets,
  unreadableTargets,
  type TargetHealth,
  type TargetsVerdict,
} from "./targets";

/** What to check. */
export interface LiveCheckRequest {
  /** The full version URL. */
  readonly versionUrl: string;
  readonly expectedVersion: string;
  /** @default - the probe defaults */
  readonly probe?: ProbeSettings;
  /**
   * A time (epoch milliseconds) by which the check must have returned.
   * @default - only the probe deadline applies
   */
  readonly stopBy?: number;
  /**
   * Reads the health of the live target group's targets. While targets are still `initial` the
   * check asks again every probe interval, until the deadline.
   * @default - target health is not checked
   */
  readonly readTargets?: () => Promise<readonly TargetHealth[]>;
}

/** What the check found. */
export interface LiveCheckOutcome {
  readonly verdict: Verdict;
  readonly probe: ProbeResult;
  /** Absent when target health was not checked (no reader, or the version was not live). */
  readonly targets?: TargetsVerdict;
}

/** Runs the live check. Never throws for a failed check; the verdict says what failed. */
export async function runLiveCheck(
  request: LiveCheckRequest,
  deps: ProbeDeps,
): Promise<LiveCheckOutcome> {
  const settings = resolveProbeSettings(request.probe ?? {});
  const end = Math.min(
    deps.clock.now() + settings.deadlineMs,
    request.stopBy ?? Number.POSITIVE_INFINITY,
  );
  const probe = await probeVersion(
    {
      ...settings,
      url: request.versionUrl,
      expectedVersion: request.expectedVersion,
      stopBy: end,
    },
    deps,
  );
  if (!probe.live || request.readTargets === undefined) {
    return { verdict: decide(probe), probe };
  }
  const targets = await waitForTargets(request.readTargets, settings.intervalMs, end, deps);
  return { verdict: decide(probe, targets), probe, targets };
}

async function waitForTargets(
  readTargets: () => Promise<readonly TargetHealth[]>,
  intervalMs: number,
  end: number,
  deps: ProbeDeps,
): Promise<TargetsVerdict> {
  for (;;) {
    let verdict: TargetsVerdict;
    try {
      verdict = evaluateTargets(await readTargets());
    } catch (error) {
      verdict = unreadableTargets(describeError(error));
    }
    deps.logger?.[verdict.healthy ? "info" : "warn"]("targets.checked", {
      healthy: verdict.healthy,
      pending: verdict.pending,
      total: verdict.total,
      counts: verdict.counts,
      reason: verdict.reason,
    });
    const waitMs = Math.max(intervalMs, 1);
    if (!verdict.pending || deps.clock.now() + waitMs >= end) return verdict;
    await deps.clock.sleep(waitMs);
  }
}
