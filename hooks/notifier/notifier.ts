/**
 * The notifier, as a plain function of its dependencies: read an EventBridge event, drop what is
 * not an incident (successes, recoveries, normal task stops), fold bursts of one incident through
 * the incidents table, and post the alert to the stack's Slack channel. It never throws: EventBridge
 * would retry a failed invocation and post the same alert again.
 */
import { deadlineSignal, type Clock } from "../core/clock";
import { truncate } from "../core/format";
import type { Logger } from "../core/logger";
import { describeError, secretFragmentsOfUrl } from "../core/redact";
import { postToSlack, SLACK_WEBHOOK_GONE_STATUSES, type SlackPostResult } from "../core/slack";
import type { LambdaDeps } from "../shared/runtime";
import type { NotifierClients } from "./aws";
import { dynamoDbIncidentGate, openGate, type GateDecision, type IncidentGate } from "./dedup";
import { readDeploymentDetails, type DeploymentDetails } from "./deployment";
import { classifyEvent, incidentKey, type Incident } from "./events";
import { buildAlertMessage, type AlertContext } from "./messages";
import { NotifierEnv, parseNotifierSettings, type NotifierSettings } from "./settings";

/** The time the notifier gives itself when it is not told the Lambda's (tests, tools). */
export const DEFAULT_BUDGET_MS = 30_000;
/** Every call ends this long before the Lambda's own timeout. */
export const NOTIFIER_MARGIN_MS = 500;

/** The part of the Lambda context the notifier uses. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** What the notifier needs from its surroundings. */
export interface NotifierDeps extends LambdaDeps {
  readonly clients: Pick<NotifierClients, "codeDeploy" | "dynamoDb">;
}

/** What one invocation did. */
export interface NotifierRun {
  readonly outcome: "malformed" | "ignored" | "suppressed" | "posted" | "not-posted";
  /** Why it was ignored, malformed or not posted. */
  readonly reason?: string;
  /** The incident key. */
  readonly incident?: string;
  /** What the incidents table decided. */
  readonly gate?: GateDecision;
  /** The Slack post, or why there was none. */
  readonly slack?: SlackPostResult | { readonly skipped: string };
}

/** Handles one EventBridge event. Never throws. */
export async function runNotifier(
  event: unknown,
  context: RemainingTime | undefined,
  deps: NotifierDeps,
): Promise<NotifierRun> {
  const { clock } = deps;
  const stopBy =
    clock.now() + (context?.getRemainingTimeInMillis() ?? DEFAULT_BUDGET_MS) - NOTIFIER_MARGIN_MS;
  try {
    return await notify(event, stopBy, deps);
  } catch (error) {
    deps.logger.error("notifier.error", {
      errorName: error instanceof Error ? error.name : typeof error,
      error: describeError(error),
    });
    return { outcome: "not-posted", reason: describeError(error) };
  }
}

async function notify(event: unknown, stopBy: number, deps: NotifierDeps): Promise<NotifierRun> {
  const { settings, problems } = parseNotifierSettings(deps.env);
  for (const problem of problems) deps.logger.warn("notifier.settings", { problem });

  const classification = classifyEvent(
    event,
    settings.clusterArn === undefined ? {} : { clusterArn: settings.clusterArn },
  );
  if (classification.kind === "malformed") {
    deps.logger.warn("notifier.malformed-event", {
      reason: classification.reason,
      received: truncate(safeJson(event), 500),
    });
    return { outcome: "malformed", reason: classification.reason };
  }
  if (classification.kind === "ignored") {
    deps.logger.info("notifier.ignored", { reason: classification.reason });
    return { outcome: "ignored", reason: classification.reason };
  }
  const { incident } = classification;
  const key = incidentKey(incident);
  const logger = deps.logger.child({ incident: key });

  const gate = incidentGate(settings, deps, logger);
  const decision = await withDeadline(deps.clock, stopBy, (signal) =>
    gate.claim(key, deps.clock.now(), signal),
  );
  if (decision.action === "suppress") {
    logger.info("notifier.suppressed", {
      ...(decision.suppressed === undefined ? {} : { suppressed: decision.suppressed }),
      ...(decision.postedAt === undefined ? {} : { postedAt: decision.postedAt }),
    });
    return { outcome: "suppressed", incident: key, gate: decision };
  }

  const message = buildAlertMessage(incident, {
    environment: settings.environment,
    ...optionalRegion(settings.consoleRegion ?? incident.region ?? deps.region),
    ...suppressedContext(decision, settings),
    ...(await deploymentContext(incident, stopBy, deps, logger)),
  });
  logger.info("notifier.alert", { text: message.text });

  const slack = await post(message, settings, stopBy, deps, logger);
  const failure = "skipped" in slack ? slack.skipped : slack.ok ? undefined : slack.detail;
  const posted = failure === undefined;
  // A post that failed gives its claim back, so the next event of the incident tries again (not
  // when Slack is simply not configured: there is nothing to try again).
  const retry = !posted && settings.slackSecretArn !== undefined;
  if (retry && decision.action === "post" && decision.postedAt !== undefined) {
    const postedAt = decision.postedAt;
    await withDeadline(deps.clock, stopBy, (signal) => gate.release(key, postedAt, signal));
  }
  return {
    outcome: posted ? "posted" : "not-posted",
    incident: key,
    gate: decision,
    slack,
    ...(failure === undefined ? {} : { reason: failure }),
  };
}

function incidentGate(
  settings: NotifierSettings,
  deps: NotifierDeps,
  logger: Logger,
): IncidentGate {
  if (settings.incidentsTable === undefined || settings.dedupWindowSeconds <= 0) {
    logger.info("dedup.off", {
      reason:
        settings.incidentsTable === undefined
          ? `${NotifierEnv.incidentsTable} is not set`
          : `${NotifierEnv.dedupWindowSeconds} is 0`,
    });
    return openGate;
  }
  return dynamoDbIncidentGate({
    client: deps.clients.dynamoDb,
    table: settings.incidentsTable,
    windowSeconds: settings.dedupWindowSeconds,
    logger,
  });
}

function suppressedContext(
  decision: GateDecision,
  settings: NotifierSettings,
): Pick<AlertContext, "suppressed"> {
  if (decision.action !== "post" || decision.suppressedBefore <= 0) return {};
  return {
    suppressed: {
      count: decision.suppressedBefore,
      ...(decision.previousPostedAt === undefined ? {} : { since: decision.previousPostedAt }),
      windowSeconds: settings.dedupWindowSeconds,
    },
  };
}

/** For a deployment: its reason and rollback from `GetDeployment`, or why they are unknown. */
async function deploymentContext(
  incident: Incident,
  stopBy: number,
  deps: NotifierDeps,
  logger: Logger,
): Promise<Pick<AlertContext, "deployment">> {
  if (incident.kind !== "deployment") return {};
  try {
    const details: DeploymentDetails = await withDeadline(deps.clock, stopBy, (signal) =>
      readDeploymentDetails(deps.clients.codeDeploy, incident.deploymentId, signal),
    );
    return { deployment: details };
  } catch (error) {
    const detail = describeError(error);
    logger.warn("notifier.deployment-unreadable", {
      deploymentId: incident.deploymentId,
      errorName: error instanceof Error ? error.name : typeof error,
      error: detail,
    });
    return { deployment: { unavailable: `GetDeployment failed: ${truncate(detail, 200)}` } };
  }
}

async function post(
  message: ReturnType<typeof buildAlertMessage>,
  settings: NotifierSettings,
  stopBy: number,
  deps: NotifierDeps,
  logger: Logger,
): Promise<SlackPostResult | { readonly skipped: string }> {
  if (settings.slackSecretArn === undefined) {
    const skipped = `${NotifierEnv.slackSecretArn} is not set`;
    logger.warn("slack.skipped", { reason: skipped });
    return { skipped };
  }
  const source = deps.webhookSource(settings.slackSecretArn);
  let url: string;
  try {
    url = await withDeadline(deps.clock, stopBy, (signal) => source.get(signal));
  } catch (error) {
    logger.error("slack.secret-unreadable", {
      secretEnv: NotifierEnv.slackSecretArn,
      errorName: error instanceof Error ? error.name : typeof error,
      error: describeError(error),
    });
    return { skipped: `the webhook URL could not be read from ${settings.slackSecretArn}` };
  }
  for (const fragment of secretFragmentsOfUrl(url)) logger.addSecret(fragment);
  const result = await postToSlack(
    url,
    message,
    { fetch: deps.fetch, clock: deps.clock, logger },
    { ...deps.slack, stopBy },
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

/** Runs `work` with a signal that aborts at `stopBy`. */
async function withDeadline<T>(
  clock: Clock,
  stopBy: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timer = deadlineSignal(clock, stopBy - clock.now());
  try {
    return await work(timer.signal);
  } finally {
    timer.cancel();
  }
}

function optionalRegion(region: string | undefined): { readonly region?: string } {
  return region === undefined ? {} : { region };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
