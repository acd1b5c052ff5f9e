/** The verdict: is the new version live? */
import type { ProbeResult } from "./probe";
import type { TargetsVerdict } from "./targets";

/** The checks the live check makes. */
export const LiveChecks = ["version", "targets"] as const;
export type FailedCheck = (typeof LiveChecks)[number];

/** Whether the new version is live and, if not, which check failed. */
export interface Verdict {
  readonly live: boolean;
  /** The first check that failed; absent when live. */
  readonly failedCheck?: FailedCheck;
  /** A sentence for people. */
  readonly summary: string;
}

/**
 * Combines the version probe and the target health. The version check comes first: when the
 * version is not live, target health does not change the story. `targets` may be left out where
 * there is no load balancer to ask (the CLI against a plain URL). Pure.
 */
export function decide(probe: ProbeResult, targets?: TargetsVerdict): Verdict {
  if (!probe.live) {
    return {
      live: false,
      failedCheck: "version",
      summary: `version check failed: ${probe.reason}`,
    };
  }
  const versionOk = `version ${probe.expectedVersion} answered ${probe.required} times in a row`;
  if (targets === undefined) return { live: true, summary: versionOk };
  if (!targets.healthy) {
    return {
      live: false,
      failedCheck: "targets",
      summary: `targets check failed: ${targets.reason}`,
    };
  }
  return { live: true, summary: `${versionOk}; ${targets.reason}` };
}
