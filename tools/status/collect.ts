/**
 * Reading what runs where: the stack index, each service's release record, the CodeDeploy
 * deployment in progress (and its lifecycle stage), and what ECS actually runs; and a service's
 * release history. Every AWS call goes through {@link call}, which names the IAM action it needs.
 */
import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentStatus,
  type LifecycleEvent,
} from "@aws-sdk/client-codedeploy";
import type { ECSClient, Service } from "@aws-sdk/client-ecs";
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { readAppSpec } from "../../hooks/codedeploy/appspec";
import { taskDefinitionLabel } from "../../hooks/core/console";
import { describeError } from "../../hooks/core/redact";
import {
  parseReleaseRecord,
  parseStackIndex,
  releaseParameterName,
  stackIndexParameterName,
  type ReleaseRecord,
  type StackIndex,
} from "../../hooks/core/release";
import { call } from "./call";
import {
  ACTIVE_SERVICE_DEPLOYMENT_STATUSES,
  describeEcsStage,
  describeServiceDeployment,
  listServiceDeployments,
  revisionTaskDefinitions,
  runningRevisions,
  servingTaskDefinition,
  type RunningRevision,
} from "./ecs";
import { describeServices, engineOf, type Engine } from "./engine";
import { AwsCallError, StackIndexMissingError, StackIndexUnreadableError } from "./errors";

/** The clients `status` uses. */
export interface StatusClients {
  readonly ssm: SSMClient;
  readonly codeDeploy: CodeDeployClient;
  readonly ecs: ECSClient;
}

/** The statuses of a deployment that is not over. */
export const ACTIVE_DEPLOYMENT_STATUSES: DeploymentStatus[] = [
  "Created",
  "Queued",
  "InProgress",
  "Ready",
];

/** What a service is doing, in one word. */
export type ServiceState = "live" | "deploying" | "drift" | "no-record" | "missing";

/** A deployment in progress. */
export interface DeploymentProgress {
  /** CodeDeploy: the deployment id (`d-…`); ECS: the service deployment ARN. */
  readonly id: string;
  /**
   * CodeDeploy: `Created`, `Queued`, `InProgress`, `Ready`. ECS: `PENDING`, `IN_PROGRESS`,
   * `STOP_REQUESTED`, `ROLLBACK_REQUESTED`, `ROLLBACK_IN_PROGRESS`.
   */
  readonly status: string;
  /**
   * CodeDeploy: the current lifecycle event, e.g. `AllowTraffic (InProgress)`; ECS: the lifecycle
   * stage, e.g. `BAKE_TIME`; when it could be read.
   */
  readonly stage?: string;
  /** The task definition it deploys: from its AppSpec, or its target service revision. */
  readonly taskDefinitionArn?: string;
  readonly createdAt?: string;
  /** ECS: why it is in its status (e.g. the alarm or hook that failed it). */
  readonly statusReason?: string;
  /** ECS: the rollback under way, when there is one. */
  readonly rollback?: { readonly reason?: string; readonly startedAt?: string };
}

/** One task set of a blue/green service. */
export interface TaskSetStatus {
  readonly id: string;
  /** `PRIMARY` (serving), `ACTIVE` (the other colour during a deployment), `DRAINING`. */
  readonly status: string;
  readonly taskDefinitionArn?: string;
  readonly runningCount: number;
  readonly desiredCount: number;
}

/** What ECS runs for a service. */
export interface EcsRunning {
  readonly serviceName: string;
  readonly status: string;
  readonly deploymentController: string;
  /**
   * The task definition serving production: the PRIMARY task set's (CodeDeploy), the running
   * service revision's (ECS), else the PRIMARY deployment's.
   */
  readonly taskDefinitionArn?: string;
  readonly runningCount: number;
  readonly desiredCount: number;
  readonly pendingCount: number;
  /** CodeDeploy's task sets (none with the ECS controller). */
  readonly taskSets: readonly TaskSetStatus[];
  /** The service revisions running (ECS controller only). */
  readonly revisions?: readonly RunningRevision[];
}

/** The status of one service. */
export interface ServiceStatus {
  readonly service: string;
  readonly state: ServiceState;
  /** The engine that deploys it, from its deployment controller; absent when ECS has no such service. */
  readonly engine?: Engine;
  /** The live release, from its record. */
  readonly release?: ReleaseRecord;
  readonly deployment?: DeploymentProgress;
  readonly ecs?: EcsRunning;
  readonly warnings: readonly string[];
}

/** The status of an environment. */
export interface StatusReport {
  readonly environment: string;
  readonly region: string;
  readonly cluster: string;
  readonly application: string;
  readonly generatedAt: string;
  readonly services: readonly ServiceStatus[];
}

export { call };

function isNotFound(error: unknown): boolean {
  const cause = error instanceof AwsCallError ? error.error : error;
  return cause instanceof Error && cause.name === "ParameterNotFound";
}

/** Reads the stack index. Throws {@link StackIndexMissingError} when there is none. */
export async function readStackIndex(ssm: SSMClient, environment: string): Promise<StackIndex> {
  const name = stackIndexParameterName(environment);
  let value: string | undefined;
  try {
    const { Parameter: parameter } = await call("ssm:GetParameter", () =>
      ssm.send(new GetParameterCommand({ Name: name })),
    );
    value = parameter?.Value;
  } catch (error) {
    if (isNotFound(error)) throw new StackIndexMissingError(name);
    throw error;
  }
  if (value === undefined) throw new StackIndexMissingError(name);
  try {
    return parseStackIndex(value);
  } catch (error) {
    throw new StackIndexUnreadableError(name, (error as Error).message);
  }
}

/** Reads the status of `services` (names in the index). */
export async function collectStatus(
  index: StackIndex,
  services: readonly string[],
  clients: StatusClients,
  now: number,
): Promise<StatusReport> {
  const ecsServices = await describeServices(
    clients.ecs,
    index.cluster,
    services.map((name) => index.services[name]?.ecsService ?? name),
  );
  const statuses = await Promise.all(
    services.map(async (service): Promise<ServiceStatus> => {
      const entry = index.services[service];
      const ecsName = entry?.ecsService ?? service;
      const described = ecsServices.get(ecsName);
      const engine = described === undefined ? undefined : engineOf(described);
      const [record, deployment, revisions] = await Promise.all([
        readRelease(clients.ssm, index.environment, service),
        engine === "ecs"
          ? readEcsDeploymentInProgress(clients.ecs, index.cluster, ecsName)
          : entry === undefined || entry.deploymentGroup === "" || engine !== "codedeploy"
            ? Promise.resolve<DeploymentLookup>({ warnings: [] })
            : readDeploymentInProgress(
                clients.codeDeploy,
                index.application,
                entry.deploymentGroup,
              ),
        engine === "ecs" && described !== undefined
          ? runningRevisions(clients.ecs, described)
          : Promise.resolve(undefined),
      ]);
      const ecs = described === undefined ? undefined : ecsRunning(described, revisions);
      return serviceStatus({
        service,
        environment: index.environment,
        cluster: index.cluster,
        ...(engine === undefined ? {} : { engine }),
        ...(record.release === undefined ? {} : { release: record.release }),
        ...(deployment.progress === undefined ? {} : { deployment: deployment.progress }),
        ...(ecs === undefined ? {} : { ecs }),
        ecsName,
        warnings: [...record.warnings, ...deployment.warnings],
      });
    }),
  );
  return {
    environment: index.environment,
    region: index.region,
    cluster: index.cluster,
    application: index.application,
    generatedAt: new Date(now).toISOString(),
    services: statuses,
  };
}

/** What was found about a service, before it is judged. */
export interface ServiceFacts {
  readonly service: string;
  readonly environment: string;
  readonly cluster: string;
  readonly ecsName: string;
  readonly engine?: Engine;
  readonly release?: ReleaseRecord;
  readonly deployment?: DeploymentProgress;
  readonly ecs?: EcsRunning;
  readonly warnings: readonly string[];
}

/**
 * Judges a service: `missing` when ECS has no such service, `deploying` while a deployment is in
 * progress, `no-record` when no release was recorded, `drift` when ECS serves another task
 * definition than the recorded release, else `live`. Pure.
 */
export function serviceStatus(facts: ServiceFacts): ServiceStatus {
  const warnings = [...facts.warnings];
  const { release, deployment, ecs } = facts;
  let state: ServiceState;
  if (ecs === undefined) {
    state = "missing";
    warnings.push(`ECS service ${facts.ecsName} was not found in cluster ${facts.cluster}`);
  } else if (deployment !== undefined) {
    state = "deploying";
  } else if (release === undefined) {
    state = "no-record";
  } else if (
    ecs.taskDefinitionArn !== undefined &&
    release.taskDefinitionArn !== "" &&
    ecs.taskDefinitionArn !== release.taskDefinitionArn
  ) {
    state = "drift";
    warnings.push(
      `drift: ECS serves ${taskDefinitionLabel(ecs.taskDefinitionArn)} but the recorded release ` +
        `${release.version} is ${taskDefinitionLabel(release.taskDefinitionArn)}`,
    );
  } else {
    state = "live";
  }
  if (release === undefined) {
    warnings.push(
      `no release recorded at ${releaseParameterName(facts.environment, facts.service)}`,
    );
  }
  if (ecs !== undefined) {
    if (ecs.status !== "ACTIVE") warnings.push(`ECS service status is ${ecs.status}`);
    if (ecs.runningCount < ecs.desiredCount) {
      warnings.push(`${ecs.runningCount} of ${ecs.desiredCount} tasks running`);
    }
  }
  return {
    service: facts.service,
    state,
    ...(facts.engine === undefined ? {} : { engine: facts.engine }),
    ...(release === undefined ? {} : { release }),
    ...(deployment === undefined ? {} : { deployment }),
    ...(ecs === undefined ? {} : { ecs }),
    warnings,
  };
}

async function readRelease(
  ssm: SSMClient,
  environment: string,
  service: string,
): Promise<{ readonly release?: ReleaseRecord; readonly warnings: string[] }> {
  const name = releaseParameterName(environment, service);
  try {
    const { Parameter: parameter } = await call("ssm:GetParameter", () =>
      ssm.send(new GetParameterCommand({ Name: name })),
    );
    if (parameter?.Value === undefined) return { warnings: [] };
    try {
      return { release: parseReleaseRecord(parameter.Value), warnings: [] };
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      return { warnings: [`the release record at ${name} cannot be read: ${problem}`] };
    }
  } catch (error) {
    if (isNotFound(error)) return { warnings: [] };
    throw error;
  }
}

/** The deployment in progress, if any, and what could not be read about it. */
interface DeploymentLookup {
  readonly progress?: DeploymentProgress;
  readonly warnings: string[];
}

async function readDeploymentInProgress(
  codeDeploy: CodeDeployClient,
  applicationName: string,
  deploymentGroupName: string,
): Promise<DeploymentLookup> {
  const { deployments } = await call("codedeploy:ListDeployments", () =>
    codeDeploy.send(
      new ListDeploymentsCommand({
        applicationName,
        deploymentGroupName,
        includeOnlyStatuses: ACTIVE_DEPLOYMENT_STATUSES,
      }),
    ),
  );
  const deploymentId = deployments?.[0];
  if (deploymentId === undefined) return { warnings: [] };
  const { deploymentInfo: info } = await call("codedeploy:GetDeployment", () =>
    codeDeploy.send(new GetDeploymentCommand({ deploymentId })),
  );
  const content = info?.revision?.appSpecContent?.content ?? info?.revision?.string?.content;
  let taskDefinitionArn: string | undefined;
  try {
    taskDefinitionArn = content === undefined ? undefined : readAppSpec(content).taskDefinitionArn;
  } catch {
    taskDefinitionArn = undefined;
  }
  const warnings: string[] = [];
  let stage: string | undefined;
  try {
    stage = await currentStage(codeDeploy, deploymentId);
  } catch (error) {
    // The stage is a detail: show the rest and say why it is missing.
    const action = error instanceof AwsCallError ? `${error.action}: ` : "";
    const cause = error instanceof AwsCallError ? error.error : error;
    warnings.push(`lifecycle stage unavailable (${action}${describeError(cause)})`);
  }
  return {
    progress: {
      id: deploymentId,
      status: info?.status ?? "unknown",
      ...(stage === undefined ? {} : { stage }),
      ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
      ...(info?.createTime === undefined ? {} : { createdAt: info.createTime.toISOString() }),
    },
    warnings,
  };
}

/** The lifecycle event a blue/green ECS deployment is at, from its (single) target. */
async function currentStage(
  codeDeploy: CodeDeployClient,
  deploymentId: string,
): Promise<string | undefined> {
  const { targetIds } = await call("codedeploy:ListDeploymentTargets", () =>
    codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId })),
  );
  const targetId = targetIds?.[0];
  if (targetId === undefined) return undefined;
  const { deploymentTarget } = await call("codedeploy:GetDeploymentTarget", () =>
    codeDeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId })),
  );
  return describeStage(deploymentTarget?.ecsTarget?.lifecycleEvents ?? []);
}

/**
 * The stage to show: the lifecycle event in progress, else the next one pending, else the last
 * one (`AllowTraffic (InProgress)`). Pure.
 */
export function describeStage(events: readonly LifecycleEvent[]): string | undefined {
  const event =
    events.find((candidate) => candidate.status === "InProgress") ??
    events.find((candidate) => candidate.status === "Pending") ??
    events[events.length - 1];
  if (event?.lifecycleEventName === undefined) return undefined;
  return `${event.lifecycleEventName} (${event.status ?? "Unknown"})`;
}

/**
 * What ECS runs, from `DescribeServices` (and, for the ECS controller, the running service
 * revisions with their task definitions). Pure.
 */
export function ecsRunning(service: Service, revisions?: readonly RunningRevision[]): EcsRunning {
  const taskSets: TaskSetStatus[] = (service.taskSets ?? []).map((set) => ({
    id: set.id ?? "(unknown)",
    status: set.status ?? "UNKNOWN",
    ...(set.taskDefinition === undefined ? {} : { taskDefinitionArn: set.taskDefinition }),
    runningCount: set.runningCount ?? 0,
    desiredCount: set.computedDesiredCount ?? 0,
  }));
  const primaryTaskSet = taskSets.find((set) => set.status === "PRIMARY");
  const taskDefinitionArn =
    primaryTaskSet?.taskDefinitionArn ?? servingTaskDefinition(service, revisions ?? []);
  return {
    serviceName: service.serviceName ?? "(unknown)",
    status: service.status ?? "UNKNOWN",
    deploymentController: service.deploymentController?.type ?? "ECS",
    ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
    runningCount: service.runningCount ?? 0,
    desiredCount: service.desiredCount ?? 0,
    pendingCount: service.pendingCount ?? 0,
    taskSets,
    ...(revisions === undefined ? {} : { revisions }),
  };
}

/**
 * The ECS service deployment in progress for a service, if any: the newest one not over, with
 * its lifecycle stage, the task definition of its target revision and its rollback.
 */
async function readEcsDeploymentInProgress(
  ecs: ECSClient,
  cluster: string,
  service: string,
): Promise<DeploymentLookup> {
  const [brief] = await listServiceDeployments(ecs, cluster, service, {
    statuses: ACTIVE_SERVICE_DEPLOYMENT_STATUSES,
  });
  const arn = brief?.serviceDeploymentArn;
  if (brief === undefined || arn === undefined) return { warnings: [] };
  const warnings: string[] = [];
  const detail = await describeServiceDeployment(ecs, arn);
  const targetRevision = detail?.targetServiceRevision?.arn ?? brief.targetServiceRevisionArn;
  let taskDefinitionArn: string | undefined;
  if (targetRevision !== undefined) {
    try {
      taskDefinitionArn = (await revisionTaskDefinitions(ecs, [targetRevision])).get(
        targetRevision,
      );
    } catch (error) {
      const action = error instanceof AwsCallError ? `${error.action}: ` : "";
      const cause = error instanceof AwsCallError ? error.error : error;
      warnings.push(`target revision unavailable (${action}${describeError(cause)})`);
    }
  }
  const stage = detail === undefined ? undefined : describeEcsStage(detail);
  const createdAt = detail?.createdAt ?? brief.createdAt;
  const statusReason = detail?.statusReason ?? brief.statusReason;
  const rollback = detail?.rollback;
  return {
    progress: {
      id: arn,
      status: detail?.status ?? brief.status ?? "unknown",
      ...(stage === undefined ? {} : { stage }),
      ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
      ...(createdAt === undefined ? {} : { createdAt: createdAt.toISOString() }),
      ...(statusReason === undefined || statusReason === "" ? {} : { statusReason }),
      ...(rollback === undefined
        ? {}
        : {
            rollback: {
              ...(rollback.reason === undefined ? {} : { reason: rollback.reason }),
              ...(rollback.startedAt === undefined
                ? {}
                : { startedAt: rollback.startedAt.toISOString() }),
            },
          }),
    },
    warnings,
  };
}

/** One past release. */
export interface HistoryEntry {
  /** The parameter version (each release is one). */
  readonly parameterVersion: number;
  /** When the parameter version was written. */
  readonly modifiedAt?: string;
  readonly release?: ReleaseRecord;
  /** Why the version could not be read as a release. */
  readonly problem?: string;
}

/** A service's past releases, newest first (Parameter Store keeps the last 100). */
export async function readHistory(
  ssm: SSMClient,
  environment: string,
  service: string,
): Promise<HistoryEntry[]> {
  const name = releaseParameterName(environment, service);
  const entries: HistoryEntry[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const token = nextToken;
      const page = await call("ssm:GetParameterHistory", () =>
        ssm.send(
          new GetParameterHistoryCommand({
            Name: name,
            MaxResults: 50,
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        ),
      );
      for (const parameter of page.Parameters ?? []) {
        let release: ReleaseRecord | undefined;
        let problem: string | undefined;
        try {
          release = parseReleaseRecord(parameter.Value ?? "");
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        entries.push({
          parameterVersion: parameter.Version ?? 0,
          ...(parameter.LastModifiedDate === undefined
            ? {}
            : { modifiedAt: parameter.LastModifiedDate.toISOString() }),
          ...(release === undefined ? {} : { release }),
          ...(problem === undefined ? {} : { problem }),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== "");
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  return entries.sort((a, b) => b.parameterVersion - a.parameterVersion);
}
