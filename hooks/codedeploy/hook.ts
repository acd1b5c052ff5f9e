/**
 * The CodeDeploy AfterAllowTraffic live hook, as a plain function of its dependencies: check that
 * the deployment is this stack's, resolve it, run the platform-free live check, report `Succeeded`
 * or `Failed` to CodeDeploy from a `finally` (retried with backoff across the report window until
 * it lands once, see `./report`), then post the Slack notice and, when the deployment went live,
 * record the release in Parameter Store (the two side by side).
 *
 * The report comes before the Slack post and the record: CodeDeploy moves on (or starts rolling
 * back) without waiting for either, a Slack or Parameter Store outage cannot touch the deployment's
 * outcome, and the notice says what CodeDeploy holds: live, failed and rolling back, or that it
 * could not be told. Only the invocation whose report CodeDeploy took posts (`../core/once`).
 */
import { deadlineSignal } from "../core/clock";
import { codeDeployConsoleUrl } from "../core/console";
import { runLiveCheck, type LiveCheckOutcome } from "../core/live-check";
import type { Logger } from "../core/logger";
import {
  buildCheckErrorMessage,
  buildFailureMessage,
  buildLiveMessage,
  buildUndeliveredMessage,
  type DeploymentNotice,
  type SlackMessage,
} from "../core/notify";
import { describeError, secretFragmentsOfUrl } from "../core/redact";
import { releaseParameterName } from "../core/release";
import { nonBlank, truncate } from "../core/format";
import { postToSlack, SLACK_WEBHOOK_GONE_STATUSES, type SlackPostResult } from "../core/slack";
import type { LambdaDeps } from "../shared/runtime";
import { afterDelivery, type AfterDelivery } from "../core/once";
import type { RetryPolicy } from "../core/retry";
import { awsTimeoutsFromEnv } from "../shared/aws";
import type { HookClients } from "./aws";
import {
  LifecycleStatus,
  reportLifecycleStatus,
  type LifecycleStatusValue,
  type ReportDelivery,
} from "./report";
import { releaseRecordFor, writeReleaseRecord, type ReleaseWrite } from "./record";
import {
  ForeignDeploymentError,
  readTargetHealth,
  regionOfArn,
  resolveDeployment,
  type ResolvedDeployment,
} from "./resolve";
import { HookDefaults, HookEnv, parseHookSettings, type HookSettings } from "./settings";
import type { WebhookSource } from "./webhook";

/** The event CodeDeploy sends a lifecycle hook. */
export interface CodeDeployLifecycleHookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

export { codeDeployConsoleUrl } from "../core/console";

export { LifecycleStatus, type LifecycleStatusValue } from "./report";

/** The part of the Lambda context the hook uses. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** What a failure notice from this hook says happens next. */
export const CODEDEPLOY_FAILURE_CONSEQUENCE = "CodeDeploy is rolling back.";

/**
 * How long CodeDeploy waits for a lifecycle hook's report before it fails the event and rolls
 * back: one hour ("If the hook does not respond within an hour, the lifecycle event fails",
 * CodeDeploy user guide, AppSpec "hooks" section for ECS).
 */
export const CODEDEPLOY_HOOK_TIMEOUT_MS = 60 * 60 * 1000;

/** The Slack post and the release record end this long before the Lambda's own timeout. */
export const SLACK_MARGIN_MS = 500;

/**
 * The retry policy of the hook's own retry loops around AWS calls: one loop attempt lets the SDK
 * abandon a hung HTTP attempt and retry it once (two attempt timeouts and a connection timeout).
 * Pure.
 */
export function awsRetryPolicy(env: HookDeps["env"]): Partial<RetryPolicy> {
  const timeouts = awsTimeoutsFromEnv(env);
  return { attemptTimeoutMs: 2 * timeouts.attemptTimeoutMs + timeouts.connectionTimeoutMs };
}

/** What the notice says when CodeDeploy could not be told. Pure. */
export function undeliveredConsequence(rollbackAt: number): string {
  const at = new Date(rollbackAt).toISOString().slice(11, 16);
  return `CodeDeploy could not be told — it will time out and roll back at ${at} UTC; act in the console.`;
}

/** What the hook needs from its surroundings. */
export interface HookDeps extends LambdaDeps {
  /**
   * The AWS clients. `ssm` writes the release record.
   * @default ssm - no release record is written
   */
  readonly clients: Pick<HookClients, "codeDeploy" | "ecs" | "elb"> &
    Partial<Pick<HookClients, "ssm">>;
}

/** What one invocation did. */
export interface HookRun {
  /** The status reported to CodeDeploy; absent when there was nothing to report to. */
  readonly reported?: LifecycleStatusValue;
  /** Set when the report could not be delivered inside the report window. */
  readonly reportError?: string;
  /** What became of the report (accepted, refused as already completed, undelivered). */
  readonly delivery?: ReportDelivery;
  /** Which notice this invocation owed, and why (see `afterDelivery`). */
  readonly after?: AfterDelivery<LifecycleStatusValue>;
  /** Set when the deployment is not this stack's: nothing was reported, posted or recorded. */
  readonly ignored?: string;
  /** The live check's outcome, when it ran. */
  readonly outcome?: LiveCheckOutcome;
  /** Set when the check could not run (bad settings, unknown deployment, missing metadata). */
  readonly checkError?: string;
  /** The Slack post, or why there was none. */
  readonly slack?: SlackPostResult | { readonly skipped: string };
  /** The release record, or why none was written (only a live deployment is recorded). */
  readonly release?: ReleaseWrite;
}

/** Runs the AfterAllowTraffic hook for one event. Never throws. */
export async function runAfterAllowTraffic(
  event: unknown,
  context: RemainingTime,
  deps: HookDeps,
): Promise<HookRun> {
  const lambdaDeadline = deps.clock.now() + context.getRemainingTimeInMillis();
  const ids = readEvent(event);
  if (ids === undefined) {
    deps.logger.error("hook.malformed-event", {
      problem:
        "the event has no DeploymentId or LifecycleEventHookExecutionId; nothing to report to",
      received: truncate(safeJson(event), 500),
    });
    return {};
  }
  const logger = deps.logger.child({
    deploymentId: ids.deploymentId,
    executionId: ids.executionId,
  });
  const startedAt = deps.clock.now();
  const slackSecretArn = nonBlank(deps.env[HookEnv.slackSecretArn]);
  const slackStopBy = lambdaDeadline - SLACK_MARGIN_MS;
  const reportStopBy = lambdaDeadline - noticeReserveMs(deps.env, lambdaDeadline - startedAt);
  // Read the webhook URL while the check runs, so the notice goes out as soon as it can.
  const webhook =
    slackSecretArn === undefined
      ? undefined
      : fetchWebhook(slackSecretArn, slackStopBy, deps, logger);

  let status: LifecycleStatusValue = LifecycleStatus.failed;
  let check: CheckResult = {};
  let delivery: ReportDelivery | undefined;
  try {
    check = await checkDeployment(ids.deploymentId, lambdaDeadline, deps, logger);
    if (check.outcome?.verdict.live === true) status = LifecycleStatus.succeeded;
  } finally {
    if (check.foreign === undefined) {
      delivery = await reportLifecycleStatus(
        deps.clients.codeDeploy,
        { ...ids, status, stopBy: reportStopBy, policy: awsRetryPolicy(deps.env) },
        { clock: deps.clock, logger },
      );
    }
  }
  if (delivery === undefined) {
    logger.warn("hook.foreign-deployment", {
      reason: check.foreign,
      action: "left alone: no report, no notice, no record",
    });
    return { ignored: check.foreign ?? "not this stack's deployment" };
  }

  const after = afterDelivery(status, delivery);
  logger.info("hook.after-report", {
    notice: after.notice,
    holds: after.holds,
    reason: after.reason,
  });
  const run: HookRun = {
    reported: status,
    delivery,
    after,
    ...(delivery.kind === "undelivered" ? { reportError: delivery.error } : {}),
    ...(check.outcome === undefined ? {} : { outcome: check.outcome }),
    ...(check.error === undefined ? {} : { checkError: check.error }),
  };
  const rollbackAt = startedAt + CODEDEPLOY_HOOK_TIMEOUT_MS;
  // After the report, side by side: neither waits for the other, neither can change the status.
  const [slack, release] = await Promise.all([
    after.notice === "none"
      ? Promise.resolve({ skipped: `no new notice: ${after.reason}` })
      : notify(
          webhook,
          check,
          status,
          after,
          rollbackAt,
          ids.deploymentId,
          slackStopBy,
          deps,
          logger,
        ),
    recordRelease(check, after, slackStopBy, deps, logger),
  ]);
  return { ...run, slack, release };
}

/** The notice reserve the settings ask for, or the default when they cannot be read. */
function noticeReserveMs(env: HookDeps["env"], remainingMs: number): number {
  try {
    return parseHookSettings(env).noticeReserveMs;
  } catch {
    return Math.min(HookDefaults.noticeReserveMs, Math.floor(remainingMs / 4));
  }
}

async function notify(
  webhook: FetchedWebhook | undefined,
  check: CheckResult,
  status: LifecycleStatusValue,
  after: AfterDelivery<LifecycleStatusValue>,
  rollbackAt: number,
  deploymentId: string,
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): Promise<SlackPostResult | { readonly skipped: string }> {
  if (webhook === undefined) {
    logger.info("slack.skipped", { reason: `${HookEnv.slackSecretArn} is not set` });
    return { skipped: `${HookEnv.slackSecretArn} is not set` };
  }
  const message =
    after.notice === "undelivered"
      ? undeliveredNoticeFor(check, status, after.reason, rollbackAt, deploymentId, deps)
      : noticeFor(check, deploymentId, deps);
  return sendNotice(webhook, message, stopBy, deps, logger);
}

/**
 * Writes the release record when CodeDeploy was told `Succeeded` (and took it). Never throws: a
 * failure is logged and returned.
 */
async function recordRelease(
  check: CheckResult,
  after: AfterDelivery<LifecycleStatusValue>,
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): Promise<ReleaseWrite> {
  const skip = (reason: string): ReleaseWrite => {
    logger.info("release.skipped", { reason });
    return { written: false, reason };
  };
  const { resolved } = check;
  if (after.notice === "undelivered") {
    return skip("CodeDeploy was not told the deployment is live (the report failed)");
  }
  if (after.holds !== LifecycleStatus.succeeded || resolved === undefined) {
    return skip("the deployment was not declared live");
  }
  if (after.notice === "none") {
    return skip(`recorded by the invocation whose report CodeDeploy took (${after.reason})`);
  }
  const ssm = deps.clients.ssm;
  if (ssm === undefined) return skip("no Parameter Store client was given");
  const environment = environmentName(check, deps);
  if (environment === undefined) {
    return skip(
      `no environment name: set ${HookEnv.environment} on the hook or in the task definition`,
    );
  }
  const record = releaseRecordFor(resolved, {
    environment,
    deployedAt: deps.clock.now(),
    ...(check.durationMs === undefined ? {} : { durationMs: check.durationMs }),
  });
  const name = releaseParameterName(record.environment, record.service);
  const timer = deadlineSignal(deps.clock, stopBy - deps.clock.now());
  try {
    const parameterVersion = await writeReleaseRecord(ssm, record, timer.signal);
    logger.info("release.recorded", {
      parameter: name,
      version: record.version,
      ...(parameterVersion === undefined ? {} : { parameterVersion }),
    });
    return {
      written: true,
      name,
      ...(parameterVersion === undefined ? {} : { parameterVersion }),
    };
  } catch (error) {
    const detail = describeError(error);
    logger.error("release.record-failed", {
      parameter: name,
      errorName: error instanceof Error ? error.name : typeof error,
      error: detail,
    });
    return { written: false, reason: detail };
  } finally {
    timer.cancel();
  }
}

/** The environment name: the hook's setting, else the raw variable, else the task definition's. */
function environmentName(check: CheckResult, deps: HookDeps): string | undefined {
  return (
    check.settings?.environment ??
    nonBlank(deps.env[HookEnv.environment]) ??
    check.resolved?.environment
  );
}

/** What checking the deployment found; every field is absent when that step was not reached. */
interface CheckResult {
  readonly settings?: HookSettings;
  readonly resolved?: ResolvedDeployment;
  readonly outcome?: LiveCheckOutcome;
  /** How long the deployment had taken when the verdict was reached. */
  readonly durationMs?: number;
  /** Why the check could not run. */
  readonly error?: string;
  /** Set when the deployment is not this stack's. */
  readonly foreign?: string;
}

/** Parses the settings, resolves the deployment and runs the live check. Never throws. */
async function checkDeployment(
  deploymentId: string,
  lambdaDeadline: number,
  deps: HookDeps,
  logger: Logger,
): Promise<CheckResult> {
  const { clock } = deps;
  let result: CheckResult = {};
  try {
    const settings = parseHookSettings(deps.env);
    result = { settings };
    const reportBy = lambdaDeadline - settings.reportReserveMs;
    logger.info("hook.start", {
      remainingMs: lambdaDeadline - clock.now(),
      checkBudgetMs: reportBy - clock.now(),
      probe: settings.probe,
      reportReserveMs: settings.reportReserveMs,
    });
    // Every AWS call before the report is cut off when the reserve begins.
    const work = deadlineSignal(clock, reportBy - clock.now());
    try {
      const retry = { clock, stopBy: reportBy, policy: awsRetryPolicy(deps.env) };
      if (settings.owner === undefined) {
        logger.warn("hook.owner-unchecked", {
          reason: `${HookEnv.application} and ${HookEnv.deploymentGroups} are not set`,
        });
      }
      const resolved = await resolveDeployment(deploymentId, deps.clients, {
        ...(settings.probeBaseUrl === undefined ? {} : { probeBaseUrl: settings.probeBaseUrl }),
        ...(settings.probeHost === undefined ? {} : { probeHost: settings.probeHost }),
        ...(settings.owner === undefined ? {} : { owner: settings.owner }),
        signal: work.signal,
        retry,
      });
      result = { settings, resolved };
      logger.info("hook.resolved", {
        application: resolved.applicationName,
        deploymentGroup: resolved.deploymentGroupName,
        taskDefinition: resolved.taskDefinitionArn,
        expectedVersion: resolved.build.version,
        versionUrl: resolved.versionUrl,
        targetGroup: resolved.targetGroupArn,
      });
      const outcome = await runLiveCheck(
        {
          versionUrl: resolved.versionUrl,
          expectedVersion: resolved.build.version,
          probe: settings.probe,
          stopBy: reportBy,
          readTargets: () =>
            readTargetHealth(deps.clients.elb, resolved.targetGroupArn, work.signal, retry),
        },
        { clock, fetch: deps.fetch, logger },
      );
      logger[outcome.verdict.live ? "info" : "warn"]("hook.verdict", {
        live: outcome.verdict.live,
        failedCheck: outcome.verdict.failedCheck,
        summary: outcome.verdict.summary,
      });
      return {
        settings,
        resolved,
        outcome,
        ...(resolved.createdAt === undefined
          ? {}
          : { durationMs: clock.now() - resolved.createdAt }),
      };
    } finally {
      work.cancel();
    }
  } catch (error) {
    const detail = describeError(error);
    if (error instanceof ForeignDeploymentError) return { ...result, foreign: detail };
    logger.error("hook.check-error", {
      errorName: error instanceof Error ? error.name : typeof error,
      error: detail,
    });
    return { ...result, error: detail };
  }
}

/** The live notice, the failure notice, or the notice that the check could not run. */
function noticeFor(check: CheckResult, deploymentId: string, deps: HookDeps): SlackMessage {
  const { resolved, outcome } = check;
  // The raw variable too: when the settings are unreadable, the environment name still is.
  const environment = environmentName(check, deps) ?? "unknown";
  const region =
    deps.region ?? (resolved === undefined ? undefined : regionOfArn(resolved.taskDefinitionArn));
  const deployment = {
    id: deploymentId,
    ...(region === undefined ? {} : { url: codeDeployConsoleUrl(region, deploymentId) }),
  };
  const failure = { consequence: CODEDEPLOY_FAILURE_CONSEQUENCE };
  if (resolved === undefined || outcome === undefined) {
    return buildCheckErrorMessage(
      { environment, deployment, error: check.error ?? "unknown error" },
      failure,
    );
  }
  const notice: DeploymentNotice = {
    environment,
    service: resolved.service,
    build: resolved.build,
    ...(resolved.repositoryUrl === undefined ? {} : { repositoryUrl: resolved.repositoryUrl }),
    ...(check.durationMs === undefined ? {} : { durationMs: check.durationMs }),
    deployment,
  };
  return outcome.verdict.live
    ? buildLiveMessage(notice, outcome)
    : buildFailureMessage(notice, outcome, failure);
}

/** The notice that CodeDeploy could not be told, with when it will roll back and the link. */
function undeliveredNoticeFor(
  check: CheckResult,
  status: LifecycleStatusValue,
  error: string,
  rollbackAt: number,
  deploymentId: string,
  deps: HookDeps,
): SlackMessage {
  const { resolved } = check;
  const region =
    deps.region ?? (resolved === undefined ? undefined : regionOfArn(resolved.taskDefinitionArn));
  return buildUndeliveredMessage({
    environment: environmentName(check, deps) ?? "unknown",
    ...(resolved === undefined
      ? {}
      : { service: resolved.service, version: resolved.build.version }),
    deployment: {
      id: deploymentId,
      ...(region === undefined ? {} : { url: codeDeployConsoleUrl(region, deploymentId) }),
    },
    verdict: status === LifecycleStatus.succeeded ? "live" : "failed the live check",
    error: `The report to CodeDeploy (${status}) failed: ${error}`,
    consequence: undeliveredConsequence(rollbackAt),
  });
}

/** Reads the ids from a CodeDeploy lifecycle event; `undefined` when either is missing. Pure. */
export function readEvent(
  event: unknown,
): { deploymentId: string; executionId: string } | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const record = event as Record<string, unknown>;
  const deploymentId = record.DeploymentId;
  const executionId = record.LifecycleEventHookExecutionId;
  if (typeof deploymentId !== "string" || deploymentId.trim() === "") return undefined;
  if (typeof executionId !== "string" || executionId.trim() === "") return undefined;
  return { deploymentId, executionId };
}

interface FetchedWebhook {
  readonly secretId: string;
  readonly source: WebhookSource;
  readonly url: Promise<string | undefined>;
}

/** Starts reading the webhook URL at once, so it is ready when the check ends. Never rejects. */
function fetchWebhook(
  secretId: string,
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): FetchedWebhook {
  const source = deps.webhookSource(secretId);
  const timer = deadlineSignal(deps.clock, stopBy - deps.clock.now());
  const url = source
    .get(timer.signal)
    .then((value) => {
      for (const fragment of secretFragmentsOfUrl(value)) logger.addSecret(fragment);
      return value;
    })
    .catch((error: unknown) => {
      logger.error("slack.secret-unreadable", {
        secretEnv: HookEnv.slackSecretArn,
        errorName: error instanceof Error ? error.name : typeof error,
        error: describeError(error),
      });
      return undefined;
    })
    .finally(() => timer.cancel());
  return { secretId, source, url };
}

async function sendNotice(
  webhook: FetchedWebhook,
  message: SlackMessage,
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): Promise<SlackPostResult | { readonly skipped: string }> {
  const url = await webhook.url;
  if (url === undefined)
    return { skipped: `the webhook URL could not be read from ${webhook.secretId}` };
  const result = await postToSlack(
    url,
    message,
    { fetch: deps.fetch, clock: deps.clock, logger },
    {
      ...deps.slack,
      stopBy,
    },
  );
  if (
    !result.ok &&
    result.status !== undefined &&
    SLACK_WEBHOOK_GONE_STATUSES.includes(result.status)
  ) {
    webhook.source.invalidate();
  }
  return result;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
