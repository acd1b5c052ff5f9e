/**
 * The CodeDeploy AfterAllowTraffic live hook, as a plain function of its dependencies: resolve the
 * deployment, run the platform-free live check, report `Succeeded` or `Failed` to CodeDeploy exactly
 * once (from a `finally`, with time in reserve), then post the Slack notice and, when the deployment
 * went live, record the release in Parameter Store (the two side by side).
 *
 * The report comes before the Slack post and the record: CodeDeploy moves on (or starts rolling
 * back) without waiting for either, a Slack or Parameter Store outage cannot touch the deployment's
 * outcome, and a failure notice that says "CodeDeploy is rolling back" is true when it arrives.
 */
import { PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { deadlineSignal, type Clock } from "../core/clock";
import { codeDeployConsoleUrl } from "../core/console";
import { runLiveCheck, type LiveCheckOutcome } from "../core/live-check";
import type { Logger } from "../core/logger";
import {
  buildCheckErrorMessage,
  buildFailureMessage,
  buildLiveMessage,
  type DeploymentNotice,
  type SlackMessage,
} from "../core/notify";
import { describeError, secretFragmentsOfUrl } from "../core/redact";
import { releaseParameterName } from "../core/release";
import { nonBlank, truncate } from "../core/format";
import { postToSlack, SLACK_WEBHOOK_GONE_STATUSES, type SlackPostResult } from "../core/slack";
import type { LambdaDeps } from "../shared/runtime";
import { callAws, type HookClients } from "./aws";
import { releaseRecordFor, writeReleaseRecord, type ReleaseWrite } from "./record";
import {
  readTargetHealth,
  regionOfArn,
  resolveDeployment,
  type ResolvedDeployment,
} from "./resolve";
import { HookEnv, parseHookSettings, type HookSettings } from "./settings";
import type { WebhookSource } from "./webhook";

/** The event CodeDeploy sends a lifecycle hook. */
export interface CodeDeployLifecycleHookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

export { codeDeployConsoleUrl } from "../core/console";

/** The statuses a lifecycle hook reports. */
export const LifecycleStatus = { succeeded: "Succeeded", failed: "Failed" } as const;
export type LifecycleStatusValue = (typeof LifecycleStatus)[keyof typeof LifecycleStatus];

/** The part of the Lambda context the hook uses. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** What a failure notice from this hook says happens next. */
export const CODEDEPLOY_FAILURE_CONSEQUENCE = "CodeDeploy is rolling back.";

/** The report call ends this long before the Lambda's own timeout. */
export const REPORT_MARGIN_MS = 500;
/** The report always gets at least this long, even when the Lambda is nearly out of time. */
export const MIN_REPORT_WINDOW_MS = 1000;
/** The Slack post and the release record end this long before the Lambda's own timeout. */
export const SLACK_MARGIN_MS = 500;

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
  /** Set when the report call failed (after the SDK's retries). */
  readonly reportError?: string;
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
  const slackSecretArn = nonBlank(deps.env[HookEnv.slackSecretArn]);
  const slackStopBy = lambdaDeadline - SLACK_MARGIN_MS;
  // Read the webhook URL while the check runs, so the notice goes out as soon as it can.
  const webhook =
    slackSecretArn === undefined
      ? undefined
      : fetchWebhook(slackSecretArn, slackStopBy, deps, logger);

  let status: LifecycleStatusValue = LifecycleStatus.failed;
  let check: CheckResult = {};
  let report: { readonly error?: string } = {};
  try {
    check = await checkDeployment(ids.deploymentId, lambdaDeadline, deps, logger);
    if (check.outcome?.verdict.live === true) status = LifecycleStatus.succeeded;
  } finally {
    report = await reportStatus(
      deps.clients.codeDeploy,
      ids,
      status,
      lambdaDeadline,
      deps.clock,
      logger,
    );
  }

  const run: HookRun = {
    reported: status,
    ...(report.error === undefined ? {} : { reportError: report.error }),
    ...(check.outcome === undefined ? {} : { outcome: check.outcome }),
    ...(check.error === undefined ? {} : { checkError: check.error }),
  };
  // After the report, side by side: neither waits for the other, neither can change the status.
  const [slack, release] = await Promise.all([
    notify(webhook, check, ids.deploymentId, slackStopBy, deps, logger),
    recordRelease(check, status, report, slackStopBy, deps, logger),
  ]);
  return { ...run, slack, release };
}

async function notify(
  webhook: FetchedWebhook | undefined,
  check: CheckResult,
  deploymentId: string,
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): Promise<SlackPostResult | { readonly skipped: string }> {
  if (webhook === undefined) {
    logger.info("slack.skipped", { reason: `${HookEnv.slackSecretArn} is not set` });
    return { skipped: `${HookEnv.slackSecretArn} is not set` };
  }
  const message = noticeFor(check, deploymentId, deps);
  return sendNotice(webhook, message, stopBy, deps, logger);
}

/**
 * Writes the release record when CodeDeploy was told `Succeeded` (and took it). Never throws: a
 * failure is logged and returned.
 */
async function recordRelease(
  check: CheckResult,
  status: LifecycleStatusValue,
  report: { readonly error?: string },
  stopBy: number,
  deps: HookDeps,
  logger: Logger,
): Promise<ReleaseWrite> {
  const skip = (reason: string): ReleaseWrite => {
    logger.info("release.skipped", { reason });
    return { written: false, reason };
  };
  const { resolved } = check;
  if (status !== LifecycleStatus.succeeded || resolved === undefined) {
    return skip("the deployment was not declared live");
  }
  if (report.error !== undefined) {
    return skip("CodeDeploy was not told the deployment is live (the report failed)");
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
      const resolved = await resolveDeployment(deploymentId, deps.clients, {
        ...(settings.probeBaseUrl === undefined ? {} : { probeBaseUrl: settings.probeBaseUrl }),
        ...(settings.probeHost === undefined ? {} : { probeHost: settings.probeHost }),
        signal: work.signal,
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
            readTargetHealth(deps.clients.elb, resolved.targetGroupArn, work.signal),
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

async function reportStatus(
  codeDeploy: HookClients["codeDeploy"],
  ids: { deploymentId: string; executionId: string },
  status: LifecycleStatusValue,
  lambdaDeadline: number,
  clock: Clock,
  logger: Logger,
): Promise<{ readonly error?: string }> {
  const windowMs = Math.max(lambdaDeadline - clock.now() - REPORT_MARGIN_MS, MIN_REPORT_WINDOW_MS);
  const timer = deadlineSignal(clock, windowMs);
  try {
    await callAws(timer.signal, (options) =>
      codeDeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: ids.deploymentId,
          lifecycleEventHookExecutionId: ids.executionId,
          status,
        }),
        options,
      ),
    );
    logger.info("hook.reported", { status });
    return {};
  } catch (error) {
    const detail = describeError(error);
    logger.error("hook.report-failed", { status, error: detail, windowMs });
    return { error: detail };
  } finally {
    timer.cancel();
  }
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
