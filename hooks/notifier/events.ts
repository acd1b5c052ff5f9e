/**
 * The EventBridge events the notifier handles, read into incidents. Pure: no AWS call here.
 *
 * | source             | detail-type                                   | incident states          |
 * | ------------------ | --------------------------------------------- | ------------------------ |
 * | `aws.codepipeline` | `CodePipeline Pipeline Execution State Change` | `FAILED`, `SUPERSEDED`   |
 * | `aws.codepipeline` | `CodePipeline Stage Execution State Change`    | `FAILED`                 |
 * | `aws.codepipeline` | `CodePipeline Action Execution State Change`   | `FAILED`                 |
 * | `aws.codedeploy`   | `CodeDeploy Deployment State-change Notification` | `FAILURE`, `STOP`     |
 * | `aws.ecs`          | `ECS Task State Change`                        | `lastStatus` `STOPPED`, unless a normal stop |
 * | `aws.ecs`          | `ECS Deployment State Change`                  | `SERVICE_DEPLOYMENT_FAILED`; `SERVICE_DEPLOYMENT_IN_PROGRESS` of a rollback |
 * | `aws.cloudwatch`   | `CloudWatch Alarm State Change`                | `state.value` `ALARM`    |
 *
 * Every other state (a pipeline that `SUCCEEDED`, a deployment's `SUCCESS`, an ECS deployment's
 * `SERVICE_DEPLOYMENT_COMPLETED`, an alarm back to `OK`) is ignored.
 */

/** EventBridge sources. */
export const EventSource = {
  codePipeline: "aws.codepipeline",
  codeDeploy: "aws.codedeploy",
  ecs: "aws.ecs",
  cloudWatch: "aws.cloudwatch",
} as const;

/** EventBridge detail types. */
export const DetailType = {
  pipelineExecution: "CodePipeline Pipeline Execution State Change",
  stageExecution: "CodePipeline Stage Execution State Change",
  actionExecution: "CodePipeline Action Execution State Change",
  deployment: "CodeDeploy Deployment State-change Notification",
  task: "ECS Task State Change",
  /** Amazon ECS service deployments (the `ECS` deployment controller: rolling and native blue/green). */
  serviceDeployment: "ECS Deployment State Change",
  alarm: "CloudWatch Alarm State Change",
} as const;

/** The states that are incidents, per detail type (for the program's event patterns too). */
export const IncidentStates = {
  pipelineExecution: ["FAILED", "SUPERSEDED"],
  stageExecution: ["FAILED"],
  actionExecution: ["FAILED"],
  deployment: ["FAILURE", "STOP"],
  /** `detail.lastStatus`. */
  task: ["STOPPED"],
  /** `detail.state.value`. */
  alarm: ["ALARM"],
} as const;

/**
 * `detail.eventName` of "ECS Deployment State Change" (Amazon ECS Developer Guide, "Amazon ECS
 * service deployment state change events", ecs_service_deployment_events): `IN_PROGRESS` is sent
 * when a deployment starts, for a new revision and for a rollback alike, and only its `reason`
 * tells them apart (`ECS deployment circuit breaker: rolling back to deploymentId …`);
 * `COMPLETED` once the service is steady after it; `FAILED` when it failed (`eventType`
 * `ERROR`). The guide names no rollback-specific event name, for native blue/green either.
 */
export const ServiceDeploymentEvent = {
  inProgress: "SERVICE_DEPLOYMENT_IN_PROGRESS",
  completed: "SERVICE_DEPLOYMENT_COMPLETED",
  failed: "SERVICE_DEPLOYMENT_FAILED",
} as const;

/** The event names the notifier's rule sends it; `COMPLETED` is left out (the live hook posts "live"). */
export const SERVICE_DEPLOYMENT_EVENT_NAMES: readonly string[] = [
  ServiceDeploymentEvent.inProgress,
  ServiceDeploymentEvent.failed,
];

/** An in-progress `reason` that says the deployment is a rollback. */
const ROLLBACK_REASON = /\broll(?:ing|ed|s)?[ -]?back\b/i;

/** ECS task stop codes (`detail.stopCode`). */
export const StopCode = {
  taskFailedToStart: "TaskFailedToStart",
  essentialContainerExited: "EssentialContainerExited",
  userInitiated: "UserInitiated",
  serviceSchedulerInitiated: "ServiceSchedulerInitiated",
  spotInterruption: "SpotInterruption",
  terminationNotice: "TerminationNotice",
} as const;

/** A pipeline execution that failed or was superseded (from a pipeline, stage or action event). */
export interface PipelineIncident {
  readonly kind: "pipeline";
  readonly pipeline: string;
  readonly executionId: string;
  readonly state: "FAILED" | "SUPERSEDED";
  /** Which event told: the pipeline's, a stage's or an action's. */
  readonly level: "pipeline" | "stage" | "action";
  /** The stage that failed, when the event names it. */
  readonly stage?: string;
  /** The action that failed, when the event names it. */
  readonly action?: string;
  /** The action's provider (`CodeBuild`, `CodeDeployToECS`, `Manual`). */
  readonly provider?: string;
  /** `execution-result.error-code` (`JobFailed`, …). */
  readonly errorCode?: string;
  /** `execution-result.external-execution-summary`. */
  readonly summary?: string;
  /** `execution-result.external-execution-url`: e.g. the CodeBuild build. */
  readonly externalUrl?: string;
  /** `execution-trigger`: what started the execution. */
  readonly trigger?: { readonly type: string; readonly detail?: string };
  /** The branch or tag, when the event carries it (no CodePipeline event does today). */
  readonly ref?: string;
  /**
   * The commit, when the event carries it: a source action's `external-execution-id` is the
   * commit it fetched. Pipeline and stage events carry none.
   */
  readonly commit?: string;
  readonly region?: string;
  readonly time?: string;
}

/** A CodeDeploy deployment that failed or was stopped. */
export interface DeploymentIncident {
  readonly kind: "deployment";
  readonly application: string;
  readonly deploymentGroup: string;
  readonly deploymentId: string;
  readonly state: "FAILURE" | "STOP";
  readonly region?: string;
  readonly time?: string;
}

/** An Amazon ECS service deployment that failed, or a rollback that started. */
export interface ServiceDeploymentIncident {
  readonly kind: "service-deployment";
  /** `resources[0]`: `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`. */
  readonly serviceArn: string;
  readonly cluster: string;
  readonly service: string;
  /** `detail.deploymentId`: `ecs-svc/<id>`. */
  readonly deploymentId: string;
  /** `failed`: `SERVICE_DEPLOYMENT_FAILED`; `rolling-back`: a rollback's `IN_PROGRESS`. */
  readonly state: "failed" | "rolling-back";
  /** `detail.reason`. */
  readonly reason?: string;
  readonly region?: string;
  readonly time?: string;
}

/** One container of a stopped task. */
export interface StoppedContainer {
  readonly name: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

/** A task that stopped when it should not have. */
export interface TaskStoppedIncident {
  readonly kind: "task-stopped";
  readonly clusterArn: string;
  /** The service (`group` `service:<name>`), or the task group for tasks outside a service. */
  readonly service: string;
  readonly taskArn: string;
  readonly taskDefinitionArn?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly containers: readonly StoppedContainer[];
  readonly startedBy?: string;
  /** A container ran out of memory (`OutOfMemoryError`). */
  readonly outOfMemory: boolean;
  readonly region?: string;
  readonly time?: string;
}

/** An alarm that went to ALARM. */
export interface AlarmIncident {
  readonly kind: "alarm";
  readonly alarmName: string;
  readonly reason?: string;
  readonly description?: string;
  readonly previousState?: string;
  readonly region?: string;
  readonly time?: string;
}

export type Incident =
  | PipelineIncident
  | DeploymentIncident
  | ServiceDeploymentIncident
  | TaskStoppedIncident
  | AlarmIncident;

/** What the notifier knows of its own stack, to leave other stacks' events alone. */
export interface EventScope {
  /**
   * The stack's cluster: ECS task and deployment events of any other cluster are ignored.
   * @default - every cluster's events are read (the EventBridge rules already scope them)
   */
  readonly clusterArn?: string;
}

/**
 * The prefix of the ARNs of a cluster's services: `arn:aws:ecs:eu-west-1:123456789012:cluster/dev`
 * → `arn:aws:ecs:eu-west-1:123456789012:service/dev/`. Service ARNs carry their cluster in ECS's
 * default, long ARN format (`service/<cluster>/<service>`); a service with an old short ARN
 * (`service/<service>`) does not match. Pure.
 */
export function servicesArnPrefix(clusterArn: string): string {
  return `${clusterArn.replace(/:cluster\//, ":service/")}/`;
}

/** What an event is to the notifier. */
export type Classification =
  | { readonly kind: "incident"; readonly incident: Incident }
  /** A state that is not an incident (success, recovery, a normal task stop). */
  | { readonly kind: "ignored"; readonly reason: string }
  /** Not an event the notifier understands. */
  | { readonly kind: "malformed"; readonly reason: string };

type Json = Readonly<Record<string, unknown>>;

/** Reads an EventBridge event. Pure. */
export function classifyEvent(event: unknown, scope: EventScope = {}): Classification {
  const envelope = object(event);
  if (envelope === undefined) return { kind: "malformed", reason: "the event is not an object" };
  const source = text(envelope, "source");
  const detailType = text(envelope, "detail-type");
  const detail = object(envelope.detail);
  if (source === undefined || detailType === undefined || detail === undefined) {
    return {
      kind: "malformed",
      reason: 'the event has no "source", "detail-type" or "detail": not an EventBridge event',
    };
  }
  const meta = {
    ...optional("region", text(envelope, "region") ?? text(detail, "region")),
    ...optional("time", text(envelope, "time")),
  };
  if (source === EventSource.codePipeline) return pipelineEvent(detailType, detail, meta);
  if (source === EventSource.codeDeploy && detailType === DetailType.deployment) {
    return deploymentEvent(detail, meta);
  }
  if (source === EventSource.ecs && detailType === DetailType.task) {
    return taskEvent(detail, meta, scope);
  }
  if (source === EventSource.ecs && detailType === DetailType.serviceDeployment) {
    return serviceDeploymentEvent(envelope, detail, meta, scope);
  }
  if (source === EventSource.cloudWatch && detailType === DetailType.alarm) {
    return alarmEvent(detail, meta);
  }
  return { kind: "malformed", reason: `the notifier does not handle ${source} "${detailType}"` };
}

/**
 * The key that groups the events of one incident, for de-duplication:
 * `pipeline:<pipeline>:<execution>` (the pipeline, stage and action events of one failed execution
 * are one incident), `deployment:<id>`, `service-deployment:<service ARN>` (a failed deployment and
 * the rollback it starts are one incident, whichever event comes first), `task-stopped:<service>:<stopCode>:<exit code>` (a crash
 * loop is one incident), `alarm:<name>`. Pure.
 */
export function incidentKey(incident: Incident): string {
  switch (incident.kind) {
    case "pipeline":
      return `pipeline:${incident.pipeline}:${incident.executionId}`;
    case "deployment":
      return `deployment:${incident.deploymentId}`;
    case "service-deployment":
      return `service-deployment:${incident.serviceArn}`;
    case "task-stopped":
      return `task-stopped:${incident.service}:${incident.stopCode ?? "unknown"}:${exitCodeOf(incident.containers) ?? "none"}`;
    case "alarm":
      return `alarm:${incident.alarmName}`;
  }
}

/** The exit code that explains a stop: the first non-zero one, else the first one. Pure. */
export function exitCodeOf(containers: readonly StoppedContainer[]): number | undefined {
  const codes = containers
    .map((container) => container.exitCode)
    .filter((code): code is number => code !== undefined);
  return codes.find((code) => code !== 0) ?? codes[0];
}

/**
 * `stoppedReason`s with which the ECS service scheduler stops tasks on purpose. ECS writes
 * `Scaling activity initiated by (deployment ecs-svc/<id>)` when it scales a deployment or a task
 * set down: rolling replacement, scale-in by Service Auto Scaling or a lower desired count, and the
 * blue/green cleanup in which CodeDeploy scales down and deletes the original task set (task set
 * ids are `ecs-svc/<id>` too). The other patterns cover task-set deletion worded as such,
 * Availability Zone rebalancing, and Fargate's infrastructure maintenance (ECS starts a
 * replacement).
 *
 * Amazon ECS native blue/green (the `ECS` controller, strategy `BLUE_GREEN`, `LINEAR` or `CANARY`)
 * needs no other pattern: each service revision runs as a service deployment with an `ecs-svc/<id>`
 * id (the `deploymentId` of its "ECS Deployment State Change" events, the `startedBy` of its
 * tasks), and the scheduler scales the blue revision to zero after the bake time (`CLEAN_UP`), or
 * the green one on a rollback, as it scales any deployment down: stop code
 * `ServiceSchedulerInitiated`, reason `Scaling activity initiated by (deployment ecs-svc/<id>)`.
 * Sources: the ECS API reference's `ServiceDeployment.lifecycleStage` (`CLEAN_UP`: the blue
 * service revision is scaled down after `BAKE_TIME`), the ECS guide's deployment state change
 * events (`deploymentId` `ecs-svc/<id>` for rolling and blue/green alike); the guide documents no
 * stop reason of its own for blue/green, and none other is reported in the field. A green task
 * that fails its target group's health checks stops with `Task failed ELB health checks in …`,
 * and stays an incident.
 */
export const NORMAL_STOP_REASONS: readonly RegExp[] = [
  /^Scaling activity initiated by \(deployment [^)]*\)/i,
  /\btask ?set\b.*\bdelet/i,
  /\bAZ rebalanc/i,
  /performing maintenance on the underlying infrastructure/i,
];

/** Container reasons and stop reasons that mean the task ran out of memory. */
const OUT_OF_MEMORY = /OutOfMemory/i;

/** Whether a stop is part of normal operation, and why. */
export interface StopVerdict {
  readonly normal: boolean;
  readonly why: string;
  /** A container ran out of memory. */
  readonly outOfMemory: boolean;
}

/**
 * Tells a normal stop from an incident. Pure.
 *
 * 1. Out of memory is always an incident: a container's `reason` (or the `stoppedReason`) says
 *    `OutOfMemoryError`, whatever the stop code.
 * 2. `UserInitiated`: someone or something called `StopTask` on purpose (the reason is theirs,
 *    `Task stopped by user` by default): normal.
 * 3. `ServiceSchedulerInitiated` with a reason in {@link NORMAL_STOP_REASONS}: ECS stopped the
 *    task for a deployment, a scale-in or a task set's deletion: normal. Exit code 137 here is the
 *    SIGKILL that follows SIGTERM after the stop timeout, not a crash.
 * 4. Everything else is an incident: `EssentialContainerExited` (a crash, exit code 137 without a
 *    memory reason included), `TaskFailedToStart` (image pull, secrets, ENI), `SpotInterruption`,
 *    `TerminationNotice`, and `ServiceSchedulerInitiated` for other reasons, such as
 *    `Task failed ELB health checks in (target-group …)` or failed container health checks.
 */
export function judgeTaskStop(stop: {
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly containers: readonly StoppedContainer[];
}): StopVerdict {
  const reason = stop.stoppedReason ?? "";
  if (
    OUT_OF_MEMORY.test(reason) ||
    stop.containers.some((c) => OUT_OF_MEMORY.test(c.reason ?? ""))
  ) {
    return { normal: false, why: "a container ran out of memory", outOfMemory: true };
  }
  if (stop.stopCode === StopCode.userInitiated) {
    return {
      normal: true,
      why: `stopped on purpose (${StopCode.userInitiated}: ${reason})`,
      outOfMemory: false,
    };
  }
  if (stop.stopCode === StopCode.serviceSchedulerInitiated) {
    const pattern = NORMAL_STOP_REASONS.find((candidate) => candidate.test(reason));
    if (pattern !== undefined) {
      return {
        normal: true,
        why: `stopped by the service scheduler for a deployment or scale-in (${reason})`,
        outOfMemory: false,
      };
    }
    return {
      normal: false,
      why: `stopped by the service scheduler: ${reason}`,
      outOfMemory: false,
    };
  }
  return {
    normal: false,
    why: `${stop.stopCode ?? "no stop code"}: ${reason}`,
    outOfMemory: false,
  };
}

function pipelineEvent(detailType: string, detail: Json, meta: Meta): Classification {
  const level =
    detailType === DetailType.pipelineExecution
      ? "pipeline"
      : detailType === DetailType.stageExecution
        ? "stage"
        : detailType === DetailType.actionExecution
          ? "action"
          : undefined;
  if (level === undefined) {
    return {
      kind: "malformed",
      reason: `the notifier does not handle aws.codepipeline "${detailType}"`,
    };
  }
  const pipeline = text(detail, "pipeline");
  const executionId = text(detail, "execution-id");
  const state = text(detail, "state");
  if (pipeline === undefined || executionId === undefined || state === undefined) {
    return { kind: "malformed", reason: `${detailType} without pipeline, execution-id or state` };
  }
  const incidentStates: readonly string[] =
    level === "pipeline" ? IncidentStates.pipelineExecution : IncidentStates.actionExecution;
  if (!incidentStates.includes(state)) {
    return { kind: "ignored", reason: `${level} state ${state} is not an incident` };
  }
  const result = object(detail["execution-result"]);
  const trigger = object(detail["execution-trigger"]);
  const triggerType = trigger === undefined ? undefined : text(trigger, "trigger-type");
  const triggerDetail = trigger === undefined ? undefined : text(trigger, "trigger-detail");
  const type = object(detail.type);
  const category = type === undefined ? undefined : text(type, "category");
  const externalId = result === undefined ? undefined : text(result, "external-execution-id");
  const commit =
    category === "Source" && externalId !== undefined && /^[0-9a-f]{40}$/i.test(externalId)
      ? externalId
      : undefined;
  return {
    kind: "incident",
    incident: {
      kind: "pipeline",
      pipeline,
      executionId,
      state: state === "SUPERSEDED" ? "SUPERSEDED" : "FAILED",
      level,
      ...optional("stage", text(detail, "stage")),
      ...optional("action", text(detail, "action")),
      ...optional("provider", type === undefined ? undefined : text(type, "provider")),
      ...optional("errorCode", result === undefined ? undefined : text(result, "error-code")),
      ...optional(
        "summary",
        result === undefined ? undefined : text(result, "external-execution-summary"),
      ),
      ...optional(
        "externalUrl",
        result === undefined ? undefined : text(result, "external-execution-url"),
      ),
      ...(triggerType === undefined
        ? {}
        : { trigger: { type: triggerType, ...optional("detail", triggerDetail) } }),
      ...optional("commit", commit),
      ...meta,
    },
  };
}

function deploymentEvent(detail: Json, meta: Meta): Classification {
  const application = text(detail, "application");
  const deploymentGroup = text(detail, "deploymentGroup");
  const deploymentId = text(detail, "deploymentId");
  const state = text(detail, "state");
  if (
    application === undefined ||
    deploymentGroup === undefined ||
    deploymentId === undefined ||
    state === undefined
  ) {
    return {
      kind: "malformed",
      reason: `${DetailType.deployment} without application, deploymentGroup, deploymentId or state`,
    };
  }
  if (state !== "FAILURE" && state !== "STOP") {
    return { kind: "ignored", reason: `deployment state ${state} is not an incident` };
  }
  return {
    kind: "incident",
    incident: { kind: "deployment", application, deploymentGroup, deploymentId, state, ...meta },
  };
}

function taskEvent(detail: Json, meta: Meta, scope: EventScope): Classification {
  const lastStatus = text(detail, "lastStatus");
  const clusterArn = text(detail, "clusterArn");
  const taskArn = text(detail, "taskArn");
  if (lastStatus === undefined || clusterArn === undefined || taskArn === undefined) {
    return {
      kind: "malformed",
      reason: `${DetailType.task} without lastStatus, clusterArn or taskArn`,
    };
  }
  if (scope.clusterArn !== undefined && clusterArn !== scope.clusterArn) {
    return { kind: "ignored", reason: `task of another cluster (${clusterArn})` };
  }
  if (lastStatus !== "STOPPED") {
    return { kind: "ignored", reason: `task status ${lastStatus} is not an incident` };
  }
  const containers = (Array.isArray(detail.containers) ? detail.containers : [])
    .map(object)
    .filter((container): container is Json => container !== undefined)
    .map((container) => {
      const exitCode = container.exitCode;
      return {
        name: text(container, "name") ?? "(unnamed)",
        ...(typeof exitCode === "number" ? { exitCode } : {}),
        ...optional("reason", text(container, "reason")),
      };
    });
  const stopCode = text(detail, "stopCode");
  const stoppedReason = text(detail, "stoppedReason");
  const verdict = judgeTaskStop({
    ...optional("stopCode", stopCode),
    ...optional("stoppedReason", stoppedReason),
    containers,
  });
  if (verdict.normal) return { kind: "ignored", reason: `normal task stop: ${verdict.why}` };
  const group = text(detail, "group") ?? "";
  const service = group.startsWith("service:") ? group.slice("service:".length) : group;
  return {
    kind: "incident",
    incident: {
      kind: "task-stopped",
      clusterArn,
      service: service === "" ? "(no service)" : service,
      taskArn,
      ...optional("taskDefinitionArn", text(detail, "taskDefinitionArn")),
      ...optional("stopCode", stopCode),
      ...optional("stoppedReason", stoppedReason),
      containers,
      ...optional("startedBy", text(detail, "startedBy")),
      outOfMemory: verdict.outOfMemory,
      ...meta,
    },
  };
}

function serviceDeploymentEvent(
  envelope: Json,
  detail: Json,
  meta: Meta,
  scope: EventScope,
): Classification {
  const eventName = text(detail, "eventName");
  const deploymentId = text(detail, "deploymentId");
  // The event names its service only in `resources` (its detail has no cluster or service field).
  const resources = Array.isArray(envelope.resources) ? envelope.resources : [];
  const serviceArn = resources.find(
    (resource): resource is string =>
      typeof resource === "string" &&
      /^arn:[^:]+:ecs:[^:]*:[^:]*:service\/[^/]+\/[^/]+$/.test(resource),
  );
  if (eventName === undefined || deploymentId === undefined || serviceArn === undefined) {
    return {
      kind: "malformed",
      reason: `${DetailType.serviceDeployment} without eventName, deploymentId or a service ARN in resources`,
    };
  }
  if (
    scope.clusterArn !== undefined &&
    !serviceArn.startsWith(servicesArnPrefix(scope.clusterArn))
  ) {
    return {
      kind: "ignored",
      reason: `deployment of a service of another cluster (${serviceArn})`,
    };
  }
  const reason = text(detail, "reason");
  const state =
    eventName === ServiceDeploymentEvent.failed
      ? "failed"
      : eventName === ServiceDeploymentEvent.inProgress && ROLLBACK_REASON.test(reason ?? "")
        ? "rolling-back"
        : undefined;
  if (state === undefined) {
    return {
      kind: "ignored",
      reason: `ECS deployment ${eventName} is not an incident${reason === undefined ? "" : ` (${reason})`}`,
    };
  }
  const [, cluster = "", service = ""] = /:service\/([^/]+)\/([^/]+)$/.exec(serviceArn) ?? [];
  return {
    kind: "incident",
    incident: {
      kind: "service-deployment",
      serviceArn,
      cluster,
      service,
      deploymentId,
      state,
      ...optional("reason", reason),
      ...meta,
    },
  };
}

function alarmEvent(detail: Json, meta: Meta): Classification {
  const alarmName = text(detail, "alarmName");
  const state = object(detail.state);
  const value = state === undefined ? undefined : text(state, "value");
  if (alarmName === undefined || state === undefined || value === undefined) {
    return { kind: "malformed", reason: `${DetailType.alarm} without alarmName or state.value` };
  }
  if (value !== "ALARM") {
    return { kind: "ignored", reason: `alarm state ${value} is not an incident` };
  }
  const previous = object(detail.previousState);
  const configuration = object(detail.configuration);
  return {
    kind: "incident",
    incident: {
      kind: "alarm",
      alarmName,
      ...optional("reason", text(state, "reason")),
      ...optional(
        "description",
        configuration === undefined ? undefined : text(configuration, "description"),
      ),
      ...optional("previousState", previous === undefined ? undefined : text(previous, "value")),
      ...meta,
    },
  };
}

interface Meta {
  readonly region?: string;
  readonly time?: string;
}

function object(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function text(record: Json, key: string): string | undefined {
  const value = record[key];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
