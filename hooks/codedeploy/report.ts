/**
 * Telling CodeDeploy the verdict, so that it lands once whatever the network does:
 * `PutLifecycleEventHookExecutionStatus` retried with backoff (longer after throttling) across the
 * whole report window, each attempt bounded by its own deadline; when CodeDeploy answers that the
 * lifecycle event is already completed, the hook reads what CodeDeploy recorded for it
 * (`ListDeploymentTargets` → `BatchGetDeploymentTargets` → `ecsTarget.lifecycleEvents`) and
 * `afterDelivery` (`../core/once`) decides whether this invocation owns the notice.
 */
import {
  BatchGetDeploymentTargetsCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { VerdictDelivery } from "../core/once";
import { describeError } from "../core/redact";
import { retryWithin, type RetryPolicy } from "../core/retry";
import { awsErrorName, classifyAwsError, type HookClients } from "./aws";

/** The statuses a lifecycle hook reports. */
export const LifecycleStatus = { succeeded: "Succeeded", failed: "Failed" } as const;
export type LifecycleStatusValue = (typeof LifecycleStatus)[keyof typeof LifecycleStatus];

/** The lifecycle event this hook answers. */
export const HOOK_LIFECYCLE_EVENT = "AfterAllowTraffic";

/** CodeDeploy's answer when the lifecycle event already has a status. */
export const ALREADY_COMPLETED_ERROR = "LifecycleEventAlreadyCompletedException";

/** What a report needs. */
export interface ReportRequest {
  readonly deploymentId: string;
  readonly executionId: string;
  readonly status: LifecycleStatusValue;
  /** When the last attempt must have ended (epoch milliseconds). */
  readonly stopBy: number;
  /** @default - `RetryDefaults` of `../core/retry` */
  readonly policy?: Partial<RetryPolicy>;
}

/** What the report came to, and the calls it made. */
export type ReportDelivery = VerdictDelivery<LifecycleStatusValue> & {
  /** The `PutLifecycleEventHookExecutionStatus` calls this invocation made. */
  readonly reportCalls: number;
};

/** Reports `status`; never throws. */
export async function reportLifecycleStatus(
  codeDeploy: HookClients["codeDeploy"],
  request: ReportRequest,
  deps: { readonly clock: Clock; readonly logger: Logger; readonly random?: () => number },
): Promise<ReportDelivery> {
  const { clock, logger } = deps;
  const result = await retryWithin(
    {
      attempt: (signal) =>
        codeDeploy.send(
          new PutLifecycleEventHookExecutionStatusCommand({
            deploymentId: request.deploymentId,
            lifecycleEventHookExecutionId: request.executionId,
            status: request.status,
          }),
          { abortSignal: signal },
        ),
      classify: (error) =>
        awsErrorName(error) === ALREADY_COMPLETED_ERROR ? "stop" : classifyAwsError(error),
      stopBy: request.stopBy,
      ...(request.policy === undefined ? {} : { policy: request.policy }),
      onRetry: (error, index, delayMs) =>
        logger.warn("hook.report-retry", {
          status: request.status,
          attempt: index + 1,
          errorName: awsErrorName(error),
          error: describeError(error),
          retryInMs: delayMs,
        }),
    },
    { clock, ...(deps.random === undefined ? {} : { random: deps.random }) },
  );
  const reportCalls = result.attempts;
  if (result.ok) {
    logger.info("hook.reported", { status: request.status, reportCalls });
    return { kind: "accepted", attempts: reportCalls, reportCalls };
  }
  if (awsErrorName(result.error) === ALREADY_COMPLETED_ERROR) {
    // The SDK may have retried inside the last call: an attempt whose answer was lost landed.
    const uncertain = result.uncertain || sdkAttempts(result.error) > 1;
    const recorded = await recordedLifecycleStatus(codeDeploy, request.deploymentId, {
      stopBy: request.stopBy,
      ...(request.policy === undefined ? {} : { policy: request.policy }),
      clock,
      logger,
    });
    logger.info("hook.report-already-completed", {
      status: request.status,
      recorded: recorded ?? "unreadable",
      uncertain,
      reportCalls,
    });
    return {
      kind: "refused",
      ...(recorded === undefined ? {} : { recorded }),
      uncertain,
      attempts: reportCalls,
      reportCalls,
    };
  }
  const error = describeError(result.error);
  logger.error("hook.report-failed", {
    status: request.status,
    errorName: awsErrorName(result.error),
    error,
    reportCalls,
    gaveUp: result.reason === "window" ? "the report window ended" : "the error is final",
  });
  return { kind: "undelivered", error, attempts: reportCalls, reportCalls };
}

/**
 * The status CodeDeploy recorded for {@link HOOK_LIFECYCLE_EVENT} of a deployment's ECS target,
 * when it is a final one (`Succeeded` or `Failed`); `undefined` when it cannot be read in time.
 */
export async function recordedLifecycleStatus(
  codeDeploy: HookClients["codeDeploy"],
  deploymentId: string,
  options: {
    readonly stopBy: number;
    readonly policy?: Partial<RetryPolicy>;
    readonly clock: Clock;
    readonly logger: Logger;
  },
): Promise<LifecycleStatusValue | undefined> {
  const result = await retryWithin(
    {
      attempt: async (signal) => {
        const { targetIds } = await codeDeploy.send(
          new ListDeploymentTargetsCommand({ deploymentId }),
          { abortSignal: signal },
        );
        if (targetIds === undefined || targetIds.length === 0) return undefined;
        const { deploymentTargets } = await codeDeploy.send(
          new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds.slice(0, 25) }),
          { abortSignal: signal },
        );
        for (const target of deploymentTargets ?? []) {
          const event = target.ecsTarget?.lifecycleEvents?.find(
            (candidate) => candidate.lifecycleEventName === HOOK_LIFECYCLE_EVENT,
          );
          if (event?.status === LifecycleStatus.succeeded) return LifecycleStatus.succeeded;
          if (event?.status === LifecycleStatus.failed) return LifecycleStatus.failed;
        }
        return undefined;
      },
      classify: classifyAwsError,
      stopBy: options.stopBy,
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    },
    { clock: options.clock },
  );
  if (result.ok) return result.value;
  options.logger.error("hook.recorded-status-unreadable", {
    errorName: awsErrorName(result.error),
    error: describeError(result.error),
  });
  return undefined;
}

function sdkAttempts(error: unknown): number {
  const metadata = (error as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.attempts === "number" ? metadata.attempts : 1;
}
