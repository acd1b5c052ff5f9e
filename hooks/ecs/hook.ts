/**
 * The live check as an Amazon ECS deployment lifecycle hook (native blue/green, linear and
 * canary), as a plain function of its dependencies. Over the same platform-free core as the
 * CodeDeploy hook (`../core`: probe, decide, Slack messages, release record):
 *
 * - At POST_PRODUCTION_TRAFFIC_SHIFT (and POST_TEST_TRAFFIC_SHIFT through the test listener
 *   rule, when the program registers it) it probes the green revision's version through the
 *   service's own listener rule and checks the health of the green target group. Each invocation
 *   checks for at most `GREENLIGHT_ECS_INVOCATION_BUDGET_MS` (and never into the reserve before
 *   the Lambda timeout); without a verdict it answers IN_PROGRESS with `callBackDelay` and its
 *   state in `hookDetails`, until the probe deadline (counted from the first invocation) ends the
 *   check.
 * - The verdict is SUCCEEDED or FAILED; the first invocation to reach it claims it in Parameter
 *   Store (`./marker`), then posts the Slack notice and, for a production verdict of SUCCEEDED,
 *   writes the release record, both before answering (a Lambda's work after it returns is frozen).
 *   A duplicate or late invocation finds the marker, answers the recorded verdict and posts
 *   nothing.
 * - A service outside this stack's cluster, a malformed event, or settings that do not say which
 *   cluster is ours: the hook answers FAILED without calling AWS or Slack. Fail closed: Amazon ECS
 *   rolls back on a missing status or an error anyway, and SUCCEEDED would wave through a
 *   deployment nobody checked. Other stages of our own services answer SUCCEEDED without acting,
 *   so a hook registered at a rollback stage never blocks a rollback.
 *
 * Never throws: a thrown error would roll the deployment back with no word in Slack.
 */
import { ServiceDeploymentStatus } from "@aws-sdk/client-ecs";
import { deadlineSignal } from "../core/clock";
import { ecsServiceConsoleUrl } from "../core/console";
import { nonBlank, truncate } from "../core/format";
import { runLiveCheck, type LiveCheckOutcome } from "../core/live-check";
import type { Logger } from "../core/logger";
import {
  buildCheckErrorMessage,
  buildFailureMessage,
  buildLiveMessage,
  type SlackMessage,
} from "../core/notify";
import { describeError, secretFragmentsOfUrl } from "../core/redact";
import { releaseParameterName, type ReleaseRecord } from "../core/release";
import { postToSlack, SLACK_WEBHOOK_GONE_STATUSES, type SlackPostResult } from "../core/slack";
import { HookEnv, HookSettingsError } from "../codedeploy/settings";
import { describeTargetHealth } from "../shared/elb";
import type { LambdaDeps } from "../shared/runtime";
import type { EcsHookClients } from "./aws";
import {
  CHECK_STATE_KEY,
  CHECKED_STAGES,
  checkStateDetails,
  EcsLifecycleStage,
  HookStatus,
  parseServiceArn,
  readCheckState,
  readEcsHookEvent,
  serviceDeploymentId,
  type CheckState,
  type EcsLifecycleHookResponse,
  type FinalHookStatus,
  type HookInvocation,
} from "./event";
import { claimVerdict, readVerdictMark, verdictMarkerName, type ClaimResult } from "./marker";
import { writeRelease, type ReleaseWrite } from "./record";
import { ResolveError, resolveServiceDeployment, type ResolvedServiceDeployment } from "./resolve";
import { isOwnService, parseEcsHookSettings, type EcsHookSettings } from "./settings";

/** The part of the Lambda context the hook uses. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** The answer, the Slack post and the release record end this long before the Lambda timeout. */
export const RETURN_MARGIN_MS = 1000;

/** What a failure notice says happens next, per route. */
export const EcsFailureConsequence = {
  production: "Amazon ECS is rolling back to the previous revision.",
  test: "Amazon ECS is rolling back; production traffic was not moved.",
} as const;

/** Service deployment states in which hooks still run; any other means the deployment is over. */
const RUNNING_STATES: readonly string[] = [
  ServiceDeploymentStatus.PENDING,
  ServiceDeploymentStatus.IN_PROGRESS,
];

/** What the hook needs from its surroundings. */
export interface EcsHookDeps extends LambdaDeps {
  readonly clients: Pick<EcsHookClients, "ecs" | "elb" | "ssm">;
}

/** Why an invocation answered without checking. */
export type SkipReason =
  | "malformed-event"
  | "bad-settings"
  | "foreign-service"
  | "unchecked-stage"
  | "already-decided"
  | "deployment-over";

/** What one invocation did. */
export interface EcsHookRun {
  /** What the function returns to Amazon ECS. */
  readonly response: EcsLifecycleHookResponse;
  /** Set when the invocation answered without checking. */
  readonly skipped?: SkipReason;
  /** A sentence on why, when skipped or when the check could not run. */
  readonly detail?: string;
  readonly outcome?: LiveCheckOutcome;
  /** The marker claim, when there was a verdict to claim. */
  readonly claim?: ClaimResult;
  readonly slack?: SlackPostResult | { readonly skipped: string };
  readonly release?: ReleaseWrite;
}

/** Runs the lifecycle hook for one invocation. Never throws. */
export async function runEcsLifecycleHook(
  event: unknown,
  context: RemainingTime,
  deps: EcsHookDeps,
): Promise<EcsHookRun> {
  const { clock } = deps;
  const lambdaDeadline = clock.now() + context.getRemainingTimeInMillis();
  const read = readEcsHookEvent(event);
  if ("problems" in read) {
    deps.logger.error("hook.malformed-event", {
      problems: read.problems,
      received: truncate(safeJson(event), 500),
    });
    return failClosed("malformed-event", read.problems.join("; "));
  }
  const invocation = read.invocation;
  const logger = deps.logger.child({
    serviceDeployment: invocation.serviceDeploymentArn,
    executionId: invocation.executionId,
    stage: invocation.stage,
  });
  let settings: EcsHookSettings;
  try {
    settings = parseEcsHookSettings(deps.env);
  } catch (error) {
    const detail = error instanceof HookSettingsError ? error.message : describeError(error);
    logger.error("hook.bad-settings", { error: detail });
    return failClosed("bad-settings", detail);
  }
  if (!isOwnService(invocation.serviceArn, settings)) {
    logger.warn("hook.foreign-service", {
      serviceArn: invocation.serviceArn,
      clusterArn: settings.clusterArn,
      ...(settings.serviceNames === undefined ? {} : { serviceNames: settings.serviceNames }),
      answer: HookStatus.failed,
    });
    return failClosed(
      "foreign-service",
      `${invocation.serviceArn} is not a service of ${settings.clusterArn}`,
    );
  }
  if (!CHECKED_STAGES.includes(invocation.stage)) {
    logger.warn("hook.unchecked-stage", {
      checkedStages: CHECKED_STAGES,
      answer: HookStatus.succeeded,
    });
    return {
      response: { hookStatus: HookStatus.succeeded },
      skipped: "unchecked-stage",
      detail: `the live check runs at ${CHECKED_STAGES.join(" and ")}, not at ${invocation.stage}`,
    };
  }
  return checkStage(invocation, settings, lambdaDeadline, deps, logger);
}

function failClosed(skipped: SkipReason, detail: string): EcsHookRun {
  return { response: { hookStatus: HookStatus.failed }, skipped, detail };
}

async function checkStage(
  invocation: HookInvocation,
  settings: EcsHookSettings,
  lambdaDeadline: number,
  deps: EcsHookDeps,
  logger: Logger,
): Promise<EcsHookRun> {
  const { clock } = deps;
  const started = clock.now();
  const route = invocation.stage === EcsLifecycleStage.postTestTrafficShift ? "test" : "production";
  const previous = readCheckState(invocation.hookDetails, started);
  const state: CheckState = previous ?? {
    startedAt: started,
    invocations: 0,
    attempts: 0,
    bestStreak: 0,
  };
  const checkEnd = state.startedAt + settings.probe.deadlineMs;
  const sliceEnd = Math.min(
    started + settings.invocationBudgetMs,
    lambdaDeadline - settings.reportReserveMs,
  );
  const sideEffectsBy = lambdaDeadline - RETURN_MARGIN_MS;
  const serviceName = parseServiceArn(invocation.serviceArn)?.service ?? "";
  const markerFor = (environment: string | undefined): string | undefined =>
    environment === undefined
      ? undefined
      : verdictMarkerName(
          environment,
          serviceName,
          serviceDeploymentId(invocation.serviceDeploymentArn),
          invocation.stage,
        );
  logger.info("hook.start", {
    route,
    invocation: state.invocations + 1,
    checkStartedAt: new Date(state.startedAt).toISOString(),
    ...(previous === undefined && CHECK_STATE_KEY in invocation.hookDetails
      ? { stateDiscarded: true }
      : {}),
    remainingMs: lambdaDeadline - started,
    sliceMs: Math.max(0, Math.min(sliceEnd, checkEnd) - started),
    checkLeftMs: Math.max(0, checkEnd - started),
  });

  // Every AWS call of the check is cut off when the slice ends.
  const work = deadlineSignal(clock, sliceEnd - clock.now());
  let resolved: ResolvedServiceDeployment | undefined;
  let outcome: LiveCheckOutcome | undefined;
  let checkError: { readonly detail: string; readonly retryable: boolean } | undefined;
  let marker = markerFor(settings.environment);
  try {
    if (marker !== undefined) {
      const decided = await existingVerdict(marker, deps, work.signal, logger);
      if (decided !== undefined) return decided;
    }
    resolved = await resolveServiceDeployment(invocation, deps.clients, {
      route,
      ...(settings.probeBaseUrl === undefined ? {} : { probeBaseUrl: settings.probeBaseUrl }),
      ...(settings.probeHost === undefined ? {} : { probeHost: settings.probeHost }),
      signal: work.signal,
    });
    logger.info("hook.resolved", {
      taskDefinition: resolved.taskDefinitionArn,
      expectedVersion: resolved.build.version,
      versionUrl: resolved.versionUrl,
      rule: resolved.ruleArn,
      targetGroup: resolved.targetGroupArn,
      ...(resolved.status === undefined ? {} : { deploymentStatus: resolved.status }),
    });
    if (marker === undefined) {
      marker = markerFor(resolved.environment);
      if (marker !== undefined) {
        const decided = await existingVerdict(marker, deps, work.signal, logger);
        if (decided !== undefined) return decided;
      }
    }
    if (resolved.status !== undefined && !RUNNING_STATES.includes(resolved.status)) {
      logger.warn("hook.deployment-over", { deploymentStatus: resolved.status });
      return failClosed(
        "deployment-over",
        `the service deployment is ${resolved.status}; a late invocation does not check or post`,
      );
    }
    const target = resolved;
    outcome = await runLiveCheck(
      {
        versionUrl: target.versionUrl,
        expectedVersion: target.build.version,
        probe: { ...settings.probe, deadlineMs: Math.max(0, checkEnd - clock.now()) },
        stopBy: sliceEnd,
        readTargets: () =>
          describeTargetHealth(deps.clients.elb, target.targetGroupArn, work.signal),
      },
      { clock, fetch: deps.fetch, logger },
    );
  } catch (error) {
    const detail = describeError(error);
    // Missing data will not appear by asking again; an outage, a throttle or a slow answer may pass.
    const retryable = !(error instanceof ResolveError);
    checkError = { detail, retryable };
    logger.error("hook.check-error", {
      errorName: error instanceof Error ? error.name : typeof error,
      error: detail,
      retryable,
    });
  } finally {
    work.cancel();
  }

  const next: CheckState = {
    startedAt: state.startedAt,
    invocations: state.invocations + 1,
    attempts: state.attempts + (outcome?.probe.attempts ?? 0),
    bestStreak: Math.max(state.bestStreak, outcome?.probe.bestStreak ?? 0),
  };
  // Worth another invocation only if it would still have time to probe after the call-back delay.
  const timeLeft =
    checkEnd - clock.now() > settings.callBackDelaySeconds * 1000 + settings.probe.intervalMs;
  const status = verdictOf(outcome, checkError, timeLeft);
  if (status === HookStatus.inProgress) {
    logger.info("hook.in-progress", {
      callBackDelay: settings.callBackDelaySeconds,
      attempts: next.attempts,
      bestStreak: next.bestStreak,
      ...(outcome === undefined ? {} : { summary: outcome.verdict.summary }),
    });
    return {
      response: {
        hookStatus: HookStatus.inProgress,
        callBackDelay: settings.callBackDelaySeconds,
        hookDetails: checkStateDetails(next),
      },
      ...(outcome === undefined ? {} : { outcome }),
      ...(checkError === undefined ? {} : { detail: checkError.detail }),
    };
  }
  logger[status === HookStatus.succeeded ? "info" : "warn"]("hook.verdict", {
    hookStatus: status,
    attempts: next.attempts,
    invocations: next.invocations,
    ...(outcome === undefined
      ? {}
      : { failedCheck: outcome.verdict.failedCheck, summary: outcome.verdict.summary }),
  });
  return settle(status, {
    invocation,
    settings,
    route,
    marker,
    checkStartedAt: state.startedAt,
    sideEffectsBy,
    deps,
    logger,
    ...(resolved === undefined ? {} : { resolved }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(checkError === undefined ? {} : { checkError: checkError.detail }),
  });
}

/**
 * The answer for what the check found. Pure.
 * - live → SUCCEEDED;
 * - a target unhealthy (not merely still registering) → FAILED at once, as CodeDeploy's hook does;
 * - data that cannot be resolved → FAILED at once;
 * - otherwise (the old version still answers, the streak is not complete, targets still
 *   `initial`, an AWS outage) → IN_PROGRESS while the check has time left, then FAILED.
 */
export function verdictOf(
  outcome: LiveCheckOutcome | undefined,
  checkError: { readonly retryable: boolean } | undefined,
  timeLeft: boolean,
): typeof HookStatus.inProgress | FinalHookStatus {
  if (outcome?.verdict.live === true) return HookStatus.succeeded;
  if (outcome !== undefined && outcome.targets !== undefined && !outcome.targets.pending) {
    return HookStatus.failed;
  }
  if (outcome === undefined && checkError?.retryable !== true) return HookStatus.failed;
  return timeLeft ? HookStatus.inProgress : HookStatus.failed;
}

/** The verdict a marker already holds, as this invocation's answer; `undefined` when none. */
async function existingVerdict(
  marker: string,
  deps: EcsHookDeps,
  signal: AbortSignal,
  logger: Logger,
): Promise<EcsHookRun | undefined> {
  try {
    const mark = await readVerdictMark(deps.clients.ssm, marker, signal);
    if (mark === undefined) return undefined;
    logger.warn("hook.already-decided", {
      marker,
      hookStatus: mark.verdict,
      decidedBy: mark.executionId,
      decidedAt: mark.at,
    });
    return {
      response: { hookStatus: mark.verdict },
      skipped: "already-decided",
      detail: `execution ${mark.executionId} decided ${mark.verdict} at ${mark.at}`,
    };
  } catch (error) {
    // The claim at the verdict still guards the notice; checking again is harmless.
    logger.warn("marker.unreadable", { marker, error: describeError(error) });
    return undefined;
  }
}

interface Settlement {
  readonly invocation: HookInvocation;
  readonly settings: EcsHookSettings;
  readonly route: "production" | "test";
  readonly marker: string | undefined;
  readonly checkStartedAt: number;
  readonly sideEffectsBy: number;
  readonly deps: EcsHookDeps;
  readonly logger: Logger;
  readonly resolved?: ResolvedServiceDeployment;
  readonly outcome?: LiveCheckOutcome;
  readonly checkError?: string;
}

/** Claims the verdict, then posts and records it once. Never throws. */
async function settle(status: FinalHookStatus, s: Settlement): Promise<EcsHookRun> {
  const { deps, logger } = s;
  const base = {
    ...(s.outcome === undefined ? {} : { outcome: s.outcome }),
    ...(s.checkError === undefined ? {} : { detail: s.checkError }),
  };
  let claim: ClaimResult | undefined;
  if (s.marker !== undefined) {
    const timer = deadlineSignal(deps.clock, s.sideEffectsBy - deps.clock.now());
    try {
      claim = await claimVerdict(
        deps.clients.ssm,
        s.marker,
        { verdict: status, executionId: s.invocation.executionId, at: iso(deps.clock.now()) },
        new Date(deps.clock.now() + s.settings.markerRetentionHours * 3_600_000),
        timer.signal,
      );
    } finally {
      timer.cancel();
    }
    if (!claim.claimed && "existing" in claim) {
      logger.warn("hook.already-decided", {
        marker: s.marker,
        hookStatus: claim.existing.verdict,
        decidedBy: claim.existing.executionId,
        ownVerdict: status,
      });
      return {
        ...base,
        response: { hookStatus: claim.existing.verdict },
        skipped: "already-decided",
        claim,
      };
    }
    if (!claim.claimed) {
      logger.error("marker.claim-failed", {
        marker: s.marker,
        error: claim.error,
        consequence: "answering and posting without the duplicate guard",
      });
    }
  } else {
    logger.warn("marker.skipped", {
      reason: `no environment name: set ${HookEnv.environment} on the hook`,
    });
  }
  const [slack, release] = await Promise.all([notify(status, s), record(status, s)]);
  return {
    ...base,
    response: { hookStatus: status },
    ...(claim === undefined ? {} : { claim }),
    slack,
    release,
  };
}

async function notify(
  status: FinalHookStatus,
  s: Settlement,
): Promise<SlackPostResult | { readonly skipped: string }> {
  const { deps, logger } = s;
  const skip = (reason: string) => {
    logger.info("slack.skipped", { reason });
    return { skipped: reason };
  };
  if (s.route === "test" && status === HookStatus.succeeded) {
    return skip("the test route passed; the live notice comes after the production shift");
  }
  const secretId = s.settings.slackSecretArn;
  if (secretId === undefined) return skip(`${HookEnv.slackSecretArn} is not set`);
  const source = deps.webhookSource(secretId);
  const timer = deadlineSignal(deps.clock, s.sideEffectsBy - deps.clock.now());
  let url: string;
  try {
    url = await source.get(timer.signal);
  } catch (error) {
    logger.error("slack.secret-unreadable", {
      secretEnv: HookEnv.slackSecretArn,
      errorName: error instanceof Error ? error.name : typeof error,
      error: describeError(error),
    });
    return { skipped: `the webhook URL could not be read from ${secretId}` };
  } finally {
    timer.cancel();
  }
  for (const fragment of secretFragmentsOfUrl(url)) logger.addSecret(fragment);
  const result = await postToSlack(
    url,
    noticeFor(status, s),
    { fetch: deps.fetch, clock: deps.clock, logger },
    { ...deps.slack, stopBy: s.sideEffectsBy },
  );
  if (
    !result.ok &&
    result.status !== undefined &&
    SLACK_WEBHOOK_GONE_STATUSES.includes(result.status)
  ) {
    source.invalidate();
  }
  return result;
}

function noticeFor(status: FinalHookStatus, s: Settlement): SlackMessage {
  const { resolved, outcome, invocation } = s;
  const environment = s.settings.environment ?? resolved?.environment ?? "unknown";
  const arn = parseServiceArn(invocation.serviceArn);
  const region = s.deps.region ?? arn?.region;
  const deploymentId = serviceDeploymentId(invocation.serviceDeploymentArn);
  const deployment = {
    id: deploymentId,
    ...(region === undefined || arn === undefined
      ? {}
      : { url: ecsServiceConsoleUrl(region, arn.cluster, arn.service) }),
  };
  const failure = { consequence: EcsFailureConsequence[s.route] };
  if (resolved === undefined || outcome === undefined) {
    return buildCheckErrorMessage(
      { environment, deployment, error: s.checkError ?? "unknown error" },
      failure,
    );
  }
  const durationMs = durationOf(resolved, s);
  const notice = {
    environment,
    service: resolved.service,
    build: resolved.build,
    ...(resolved.repositoryUrl === undefined ? {} : { repositoryUrl: resolved.repositoryUrl }),
    ...(durationMs === undefined ? {} : { durationMs }),
    deployment,
  };
  return status === HookStatus.succeeded
    ? buildLiveMessage(notice, outcome)
    : buildFailureMessage(notice, outcome, failure);
}

/** How long the deployment took: since Amazon ECS created it, else since the check began. */
function durationOf(resolved: ResolvedServiceDeployment, s: Settlement): number {
  return s.deps.clock.now() - (resolved.createdAt ?? s.checkStartedAt);
}

async function record(status: FinalHookStatus, s: Settlement): Promise<ReleaseWrite> {
  const { deps, logger, resolved } = s;
  const skip = (reason: string): ReleaseWrite => {
    logger.info("release.skipped", { reason });
    return { written: false, reason };
  };
  if (status !== HookStatus.succeeded || resolved === undefined) {
    return skip("the deployment was not declared live");
  }
  if (s.route !== "production") return skip("only the production verdict is a release");
  const environment = s.settings.environment ?? resolved.environment;
  if (environment === undefined) {
    return skip(
      `no environment name: set ${HookEnv.environment} on the hook or in the task definition`,
    );
  }
  const releaseRecord = ecsReleaseRecord(resolved, {
    environment,
    deployedAt: deps.clock.now(),
    durationMs: durationOf(resolved, s),
  });
  const name = releaseParameterName(environment, releaseRecord.service);
  const timer = deadlineSignal(deps.clock, s.sideEffectsBy - deps.clock.now());
  try {
    const parameterVersion = await writeRelease(deps.clients.ssm, releaseRecord, timer.signal);
    logger.info("release.recorded", { parameter: name, version: releaseRecord.version });
    return {
      written: true,
      name,
      ...(parameterVersion === undefined ? {} : { parameterVersion }),
    };
  } catch (error) {
    const detail = describeError(error);
    logger.error("release.record-failed", { parameter: name, error: detail });
    return { written: false, reason: detail };
  } finally {
    timer.cancel();
  }
}

/**
 * The release record of an ECS deployment that went live. `deploymentId` is the service
 * deployment ARN; the CodeDeploy fields (`application`, `deploymentGroup`) stay empty. Pure.
 */
export function ecsReleaseRecord(
  resolved: ResolvedServiceDeployment,
  facts: {
    readonly environment: string;
    readonly deployedAt: number;
    readonly durationMs?: number;
  },
): ReleaseRecord {
  const { build } = resolved;
  return {
    environment: facts.environment,
    service: resolved.service,
    version: build.version,
    imageUri: nonBlank(resolved.image) ?? "",
    commit: build.commit,
    ref: build.ref,
    refType: build.refType,
    commitMessage: build.commitMessage,
    author: build.author,
    deployedAt: iso(facts.deployedAt),
    deploymentId: resolved.serviceDeploymentArn,
    taskDefinitionArn: resolved.taskDefinitionArn,
    application: "",
    deploymentGroup: "",
    ...(facts.durationMs === undefined ? {} : { durationMs: Math.round(facts.durationMs) }),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
