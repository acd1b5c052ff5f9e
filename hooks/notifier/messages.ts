/**
 * The notifier's Slack messages (Block Kit with a plain `text` fallback), one builder per kind of
 * incident, sharing the live hook's Block Kit helpers. Pure.
 */
import {
  alarmConsoleUrl,
  arnResourceId,
  clusterNameOfArn,
  codeDeployConsoleUrl,
  ecsServiceConsoleUrl,
  ecsTaskConsoleUrl,
  pipelineExecutionConsoleUrl,
  taskDefinitionLabel,
} from "../core/console";
import { shortCommit } from "../core/build-metadata";
import { formatDuration } from "../core/format";
import {
  escapeMrkdwn,
  fitMrkdwn,
  headerBlock,
  labelledField,
  mrkdwnText,
  slackLink,
  SlackLimits,
  type MrkdwnText,
  type SlackBlock,
  type SlackMessage,
} from "../core/notify";
import type { DeploymentDetails } from "./deployment";
import type {
  AlarmIncident,
  DeploymentIncident,
  Incident,
  PipelineIncident,
  ServiceDeploymentIncident,
  StoppedContainer,
  TaskStoppedIncident,
} from "./events";

/** What an alert says besides the incident itself. */
export interface AlertContext {
  readonly environment: string;
  /**
   * The region of the console links.
   * @default - no console links
   */
  readonly region?: string;
  /**
   * Events of this incident held back since its previous post.
   * @default - none
   */
  readonly suppressed?: {
    readonly count: number;
    /** When the previous post was (epoch seconds). */
    readonly since?: number;
    /** The de-duplication window, seconds. */
    readonly windowSeconds?: number;
  };
  /**
   * For a deployment: what `GetDeployment` said, or why it could not be read.
   * @default - the reason is unknown
   */
  readonly deployment?: DeploymentDetails | { readonly unavailable: string };
}

/** What the alert of a branch, tag or commit the event does not carry says. */
export const UNKNOWN = "unknown";

/** Builds the alert for an incident. */
export function buildAlertMessage(incident: Incident, context: AlertContext): SlackMessage {
  switch (incident.kind) {
    case "pipeline":
      return pipelineMessage(incident, context);
    case "deployment":
      return deploymentMessage(incident, context);
    case "service-deployment":
      return serviceDeploymentMessage(incident, context);
    case "task-stopped":
      return taskStoppedMessage(incident, context);
    case "alarm":
      return alarmMessage(incident, context);
  }
}

function pipelineMessage(incident: PipelineIncident, context: AlertContext): SlackMessage {
  const { environment, region } = context;
  const failed = incident.state === "FAILED";
  const where = incident.stage === undefined ? "" : ` at ${incident.stage}`;
  const headline = failed
    ? `❌ Pipeline ${incident.pipeline} failed${where} in ${environment}`
    : `⏭️ Pipeline ${incident.pipeline}: an execution was superseded in ${environment}`;
  const url =
    region === undefined
      ? undefined
      : pipelineExecutionConsoleUrl(region, incident.pipeline, incident.executionId);
  const fields = [
    labelledField("Environment", escapeMrkdwn(environment)),
    labelledField("Pipeline", escapeMrkdwn(incident.pipeline)),
  ];
  if (failed) {
    fields.push(labelledField("Failed stage", escapeMrkdwn(incident.stage ?? UNKNOWN)));
  } else if (incident.stage !== undefined) {
    fields.push(labelledField("Stage", escapeMrkdwn(incident.stage)));
  }
  if (incident.action !== undefined) {
    const provider = incident.provider === undefined ? "" : ` (${incident.provider})`;
    fields.push(labelledField("Action", escapeMrkdwn(`${incident.action}${provider}`)));
  }
  fields.push(
    labelledField("Branch or tag", escapeMrkdwn(incident.ref ?? UNKNOWN)),
    labelledField(
      "Commit",
      incident.commit === undefined ? UNKNOWN : `\`${escapeMrkdwn(shortCommit(incident.commit))}\``,
    ),
    labelledField("Execution", link(url, incident.executionId)),
  );
  if (incident.trigger !== undefined) {
    fields.push(labelledField("Started by", escapeMrkdwn(describeTrigger(incident.trigger))));
  }
  const lines: string[] = [];
  if (failed) {
    if (incident.errorCode !== undefined || incident.summary !== undefined) {
      const code =
        incident.errorCode === undefined ? "" : `\`${escapeMrkdwn(incident.errorCode)}\` `;
      lines.push(`*Error*: ${code}${escapeMrkdwn(incident.summary ?? "")}`.trim());
    }
    if (incident.stage === undefined) {
      lines.push("The event does not name the failed stage; the execution page shows it.");
    }
    if (incident.externalUrl !== undefined) {
      lines.push(
        slackLink(incident.externalUrl, `Details in ${incident.provider ?? "the action"}`),
      );
    }
  } else {
    lines.push(
      "A newer execution went ahead while this one waited for the next stage; this one stops here.",
    );
  }
  const blocks: SlackBlock[] = [headerBlock(headline), section(fields)];
  if (lines.length > 0) blocks.push(text(lines.join("\n")));
  blocks.push(...contextBlocks(context, url, "Open the execution"));
  return message(blocks, `${headline} (execution ${incident.executionId})`, context);
}

function deploymentMessage(incident: DeploymentIncident, context: AlertContext): SlackMessage {
  const { environment, region } = context;
  const details =
    context.deployment === undefined || "unavailable" in context.deployment
      ? undefined
      : context.deployment;
  const rollback = details?.rollback;
  const rolledBack = rollback?.rollbackDeploymentId !== undefined;
  const verb =
    incident.state === "STOP"
      ? rolledBack
        ? "was stopped and rolled back"
        : "was stopped"
      : rolledBack
        ? "failed and was rolled back"
        : "failed";
  const icon = incident.state === "STOP" ? "⏹️" : "❌";
  const headline = `${icon} Deployment to ${incident.deploymentGroup} ${verb} in ${environment}`;
  const url =
    region === undefined ? undefined : codeDeployConsoleUrl(region, incident.deploymentId);
  const fields = [
    labelledField("Environment", escapeMrkdwn(environment)),
    labelledField("Application", escapeMrkdwn(incident.application)),
    labelledField("Deployment group", escapeMrkdwn(incident.deploymentGroup)),
    labelledField("Deployment", link(url, incident.deploymentId)),
  ];
  if (details?.status !== undefined) {
    fields.push(labelledField("Status", escapeMrkdwn(details.status)));
  }
  if (details?.taskDefinitionArn !== undefined) {
    fields.push(
      labelledField(
        "Task definition",
        escapeMrkdwn(taskDefinitionLabel(details.taskDefinitionArn)),
      ),
    );
  }
  if (details?.creator !== undefined) {
    fields.push(labelledField("Started by", escapeMrkdwn(details.creator)));
  }
  const lines: string[] = [];
  if (context.deployment !== undefined && "unavailable" in context.deployment) {
    lines.push(`*Reason*: ${UNKNOWN} (${escapeMrkdwn(context.deployment.unavailable)})`);
  } else if (details?.errorMessage !== undefined || details?.errorCode !== undefined) {
    const code = details.errorCode === undefined ? "" : `\`${escapeMrkdwn(details.errorCode)}\` `;
    lines.push(`*Reason*: ${code}${escapeMrkdwn(details.errorMessage ?? "")}`.trim());
  } else {
    lines.push(`*Reason*: ${UNKNOWN}`);
  }
  if (rollback !== undefined) {
    if (rollback.rollbackDeploymentId !== undefined) {
      const rollbackUrl =
        region === undefined
          ? undefined
          : codeDeployConsoleUrl(region, rollback.rollbackDeploymentId);
      lines.push(`*Rolled back by*: ${link(rollbackUrl, rollback.rollbackDeploymentId)}`);
    }
    if (rollback.rollsBackDeploymentId !== undefined) {
      lines.push(
        `*This deployment is the rollback of* ${escapeMrkdwn(rollback.rollsBackDeploymentId)}`,
      );
    }
    if (rollback.message !== undefined) {
      lines.push(`*Rollback*: ${escapeMrkdwn(rollback.message)}`);
    }
  }
  const blocks: SlackBlock[] = [headerBlock(headline), section(fields), text(lines.join("\n"))];
  blocks.push(...contextBlocks(context, url, "Open the deployment"));
  const reason =
    details?.errorMessage === undefined ? "" : `: ${details.errorMessage.split("\n")[0] ?? ""}`;
  return message(blocks, `${headline} (${incident.deploymentId})${reason}`, context);
}

/** The ECS console's Deployments tab of a service: its service deployments, their stages and rollbacks. */
export function ecsServiceDeploymentsConsoleUrl(
  region: string,
  cluster: string,
  service: string,
): string {
  return ecsServiceConsoleUrl(region, cluster, service).replace(/\/events\?/, "/deployments?");
}

function serviceDeploymentMessage(
  incident: ServiceDeploymentIncident,
  context: AlertContext,
): SlackMessage {
  const { environment, region } = context;
  const headline =
    incident.state === "failed"
      ? `❌ ${incident.service}: a deployment failed in ${environment}`
      : `↩️ ${incident.service}: a deployment is rolling back in ${environment}`;
  const url =
    region === undefined
      ? undefined
      : ecsServiceDeploymentsConsoleUrl(region, incident.cluster, incident.service);
  const fields = [
    labelledField("Environment", escapeMrkdwn(environment)),
    labelledField("Service", escapeMrkdwn(incident.service)),
    labelledField("Cluster", escapeMrkdwn(incident.cluster)),
    labelledField("Deployment", link(url, incident.deploymentId)),
  ];
  const lines = [`*Reason*: ${escapeMrkdwn(incident.reason ?? UNKNOWN)}`];
  lines.push(
    incident.state === "failed"
      ? "Amazon ECS rolls back to the last completed deployment when rollback is set; the Deployments tab shows it."
      : "Amazon ECS is moving traffic back to the previous service revision.",
  );
  const blocks: SlackBlock[] = [headerBlock(headline), section(fields), text(lines.join("\n"))];
  blocks.push(...contextBlocks(context, url, "Service deployments"));
  const reason = incident.reason === undefined ? "" : `: ${incident.reason}`;
  return message(blocks, `${headline} (${incident.deploymentId})${reason}`, context);
}

function taskStoppedMessage(incident: TaskStoppedIncident, context: AlertContext): SlackMessage {
  const { environment, region } = context;
  const cluster = clusterNameOfArn(incident.clusterArn);
  const taskId = arnResourceId(incident.taskArn);
  const what = incident.outOfMemory ? "ran out of memory" : "stopped unexpectedly";
  const headline = `🛑 ${incident.service}: a task ${what} in ${environment}`;
  const taskUrl = region === undefined ? undefined : ecsTaskConsoleUrl(region, cluster, taskId);
  const serviceUrl =
    region === undefined || incident.service.includes(":")
      ? undefined
      : ecsServiceConsoleUrl(region, cluster, incident.service);
  const fields = [
    labelledField("Environment", escapeMrkdwn(environment)),
    labelledField("Service", escapeMrkdwn(incident.service)),
    labelledField("Stop code", escapeMrkdwn(incident.stopCode ?? UNKNOWN)),
    labelledField("Exit codes", escapeMrkdwn(describeExits(incident.containers))),
  ];
  if (incident.taskDefinitionArn !== undefined) {
    fields.push(
      labelledField(
        "Task definition",
        escapeMrkdwn(taskDefinitionLabel(incident.taskDefinitionArn)),
      ),
    );
  }
  fields.push(labelledField("Task", link(taskUrl, taskId)));
  const lines = [`*Stopped reason*: ${escapeMrkdwn(incident.stoppedReason ?? UNKNOWN)}`];
  for (const container of incident.containers) {
    if (container.reason !== undefined) {
      lines.push(`• \`${escapeMrkdwn(container.name)}\`: ${escapeMrkdwn(container.reason)}`);
    }
  }
  const blocks: SlackBlock[] = [headerBlock(headline), section(fields), text(lines.join("\n"))];
  blocks.push(...contextBlocks(context, serviceUrl, "Service events"));
  return message(
    blocks,
    `${headline}: ${incident.stopCode ?? UNKNOWN}, exit ${describeExits(incident.containers)}`,
    context,
  );
}

function alarmMessage(incident: AlarmIncident, context: AlertContext): SlackMessage {
  const { environment, region } = context;
  const headline = `🚨 Alarm ${incident.alarmName} is in ALARM in ${environment}`;
  const url = region === undefined ? undefined : alarmConsoleUrl(region, incident.alarmName);
  const fields = [
    labelledField("Environment", escapeMrkdwn(environment)),
    labelledField("Alarm", link(url, incident.alarmName)),
    labelledField("Previous state", escapeMrkdwn(incident.previousState ?? UNKNOWN)),
  ];
  const lines: string[] = [];
  if (incident.description !== undefined) lines.push(escapeMrkdwn(incident.description));
  lines.push(`*Reason*: ${escapeMrkdwn(incident.reason ?? UNKNOWN)}`);
  const blocks: SlackBlock[] = [headerBlock(headline), section(fields), text(lines.join("\n"))];
  blocks.push(...contextBlocks(context, url, "Open the alarm"));
  return message(blocks, headline, context);
}

/** `app: 137 (OutOfMemoryError), log-router: 0`, or `none reported`. */
export function describeExits(containers: readonly StoppedContainer[]): string {
  const parts = containers
    .filter((container) => container.exitCode !== undefined)
    .map((container) => {
      const code = container.exitCode ?? 0;
      const note =
        code === 137
          ? /OutOfMemory/i.test(container.reason ?? "")
            ? " (out of memory)"
            : " (SIGKILL)"
          : "";
      return `${container.name}: ${code}${note}`;
    });
  return parts.length === 0 ? "none reported" : parts.join(", ");
}

/**
 * `WebhookV2`, or `StartPipelineExecution by ada` when the trigger names a person: the session of
 * an assumed role (`…:assumed-role/Admin/ada`) or an IAM user (`…:user/ada`).
 */
export function describeTrigger(trigger: NonNullable<PipelineIncident["trigger"]>): string {
  const detail = trigger.detail ?? "";
  const who =
    /:assumed-role\/[^/]+\/([^/]+)$/.exec(detail)?.[1] ??
    /:user\/(?:.*\/)?([^/]+)$/.exec(detail)?.[1];
  return who === undefined ? trigger.type : `${trigger.type} by ${who}`;
}

function link(url: string | undefined, label: string): string {
  return url === undefined ? escapeMrkdwn(label) : slackLink(url, label);
}

function section(fields: readonly MrkdwnText[]): SlackBlock {
  return { type: "section", fields: fields.slice(0, SlackLimits.fields) };
}

function text(body: string): SlackBlock {
  return { type: "section", text: mrkdwnText(body, SlackLimits.sectionText) };
}

/** The context line: the console link and, when events were held back, how many. */
function contextBlocks(
  context: AlertContext,
  url: string | undefined,
  label: string,
): SlackBlock[] {
  const elements: MrkdwnText[] = [];
  if (url !== undefined) elements.push(mrkdwnText(slackLink(url, label), SlackLimits.fieldText));
  const note = suppressedNote(context);
  if (note !== undefined) elements.push(mrkdwnText(escapeMrkdwn(note), SlackLimits.fieldText));
  return elements.length === 0 ? [] : [{ type: "context", elements }];
}

/** `49 more alerts for this were held back since 2026-11-22 03:44 UTC (one message per 15 min).` */
export function suppressedNote(context: Pick<AlertContext, "suppressed">): string | undefined {
  const suppressed = context.suppressed;
  if (suppressed === undefined || suppressed.count <= 0) return undefined;
  const [plural, verb] = suppressed.count === 1 ? ["alert", "was"] : ["alerts", "were"];
  const since =
    suppressed.since === undefined
      ? ""
      : ` since ${new Date(suppressed.since * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const window =
    suppressed.windowSeconds === undefined
      ? ""
      : ` (one message per ${formatDuration(suppressed.windowSeconds * 1000)})`;
  return `${suppressed.count} more ${plural} for this ${verb} held back${since}${window}.`;
}

function message(blocks: SlackBlock[], fallback: string, context: AlertContext): SlackMessage {
  const count = context.suppressed?.count ?? 0;
  const more = count > 0 ? ` (+${count} held back)` : "";
  return {
    text: fitMrkdwn(escapeMrkdwn(`${fallback}${more}`), SlackLimits.fallbackText),
    blocks: blocks.slice(0, SlackLimits.blocks),
  };
}
