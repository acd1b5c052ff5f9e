/**
 * Exactly one true answer, and one notice that matches it, from a hook that may run more than once
 * for the same event (a retried invocation, a duplicate delivery, a report whose answer was lost).
 *
 * The platform's own conditional write is the marker: a deployment platform accepts one verdict per
 * lifecycle event and refuses the rest. The invocation whose verdict was accepted owns the notice
 * (and the release record); an invocation that is refused asks the platform what it holds and owns
 * the notice only when one of its own earlier attempts may have landed (its answer was lost) and the
 * platform holds exactly the verdict it sent. Everything else is a duplicate and posts nothing new.
 * Platform-free: the CodeDeploy adapter feeds it `PutLifecycleEventHookExecutionStatus` outcomes;
 * any adapter with a write-once verdict can.
 */

/** What became of an attempt to deliver a verdict. */
export type VerdictDelivery<Status extends string> =
  /** The platform took this invocation's verdict. */
  | { readonly kind: "accepted"; readonly attempts: number }
  /** The platform said a verdict was already recorded. */
  | {
      readonly kind: "refused";
      /** The verdict the platform holds, when it could be read. */
      readonly recorded?: Status;
      /** Whether an earlier attempt of this invocation may have reached the platform. */
      readonly uncertain: boolean;
      readonly attempts: number;
    }
  /** The verdict could not be delivered inside the window (outage, access denied, …). */
  | { readonly kind: "undelivered"; readonly error: string; readonly attempts: number };

/** What the hook does after delivering. */
export interface AfterDelivery<Status extends string> {
  /**
   * `verdict`: post the notice of the verdict the platform holds; `undelivered`: post that the
   * platform could not be told; `none`: post nothing (a duplicate).
   */
  readonly notice: "verdict" | "undelivered" | "none";
  /** The verdict the platform holds, when known. */
  readonly holds?: Status;
  /** Why, for the logs. */
  readonly reason: string;
}

/** Decides the notice after a delivery. Pure. */
export function afterDelivery<Status extends string>(
  sent: Status,
  delivery: VerdictDelivery<Status>,
): AfterDelivery<Status> {
  switch (delivery.kind) {
    case "accepted":
      return { notice: "verdict", holds: sent, reason: "the verdict was accepted" };
    case "undelivered":
      return { notice: "undelivered", reason: delivery.error };
    case "refused": {
      const holds = delivery.recorded === undefined ? {} : { holds: delivery.recorded };
      if (delivery.recorded === undefined) {
        return {
          ...holds,
          notice: "none",
          reason: "a verdict was already recorded and it could not be read; nothing new to say",
        };
      }
      if (delivery.uncertain && delivery.recorded === sent) {
        return {
          ...holds,
          notice: "verdict",
          reason: "an earlier attempt of this invocation landed (its answer was lost)",
        };
      }
      return {
        ...holds,
        notice: "none",
        reason: `a duplicate: the platform already holds ${delivery.recorded}`,
      };
    }
  }
}
