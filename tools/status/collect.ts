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
import { DescribeServicesCommand, type ECSClient, type Service } from "@aws-sdk/client-ecs";
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
  readonly id: string;
  /** `Created`, `Queued`, `InProgress`, `Ready`. */
  readonly status: string;
  /** The current lifecycle event, e.g. `AllowTraffic (InProgress)`, when it could be read. */
  readonly stage?: string;
  /** The task definition it deploys, from its AppSpec. */
  readonly taskDefinitionArn?: string;
  readonly createdAt?: string;
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
  /** The task definition serving production: the PRIMARY task set's (or deployment's). */
  readonly taskDefinitionArn?: string;
  readonly runningCount: number;
  readonly desiredCount: number;
  readonly pendingCount: number;
  readonly taskSets: readonly TaskSetStatus[];
}

/** The status of one service. */
export interface ServiceStatus {
  readonly service: string;
  readonly state: ServiceState;
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

/** Calls AWS, wrapping any failure in an {@link AwsCallError} that names the IAM action. */
export async function call<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new AwsCallError(action, error);
  }
}

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
  const ecsServices = await describeEcsServices(
    clients.ecs,
    index.cluster,
    services.map((name) => index.services[name]?.ecsService ?? name),
  );
  const statuses = await Promise.all(
    services.map(async (service): Promise<ServiceStatus> => {
      const entry = index.services[service];
      const ecsName = entry?.ecsService ?? service;
      const [record, deployment] = await Promise.all([
        readRelease(clients.ssm, index.environment, service),
        entry === undefined
          ? Promise.resolve<DeploymentLookup>({ warnings: [] })
          : readDeploymentInProgress(clients.codeDeploy, index.application, entry.deploymentGroup),
      ]);
      const ecs = ecsServices.get(ecsName);
      return serviceStatus({
        service,
        environment: index.environment,
        cluster: index.cluster,
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

/** DescribeServices in batches of 10 (its limit), by service name. */
async function describeEcsServices(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[],
): Promise<Map<string, EcsRunning>> {
  const found = new Map<string, EcsRunning>();
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const { services } = await call("ecs:DescribeServices", () =>
      ecs.send(new DescribeServicesCommand({ cluster, services: batch })),
    );
    for (const service of services ?? []) {
      if (service.serviceName !== undefined && service.status !== "INACTIVE") {
        found.set(service.serviceName, ecsRunning(service));
      }
    }
  }
  return found;
}

/** What ECS runs, from `DescribeServices`. Pure. */
export function ecsRunning(service: Service): EcsRunning {
  const taskSets: TaskSetStatus[] = (service.taskSets ?? []).map((set) => ({
    id: set.id ?? "(unknown)",
    status: set.status ?? "UNKNOWN",
    ...(set.taskDefinition === undefined ? {} : { taskDefinitionArn: set.taskDefinition }),
    runningCount: set.runningCount ?? 0,
    desiredCount: set.computedDesiredCount ?? 0,
  }));
  const primaryTaskSet = taskSets.find((set) => set.status === "PRIMARY");
  const primaryDeployment = service.deployments?.find((d) => d.status === "PRIMARY");
  const taskDefinitionArn =
    primaryTaskSet?.taskDefinitionArn ??
    primaryDeployment?.taskDefinition ??
    service.taskDefinition;
  return {
    serviceName: service.serviceName ?? "(unknown)",
    status: service.status ?? "UNKNOWN",
    deploymentController: service.deploymentController?.type ?? "ECS",
    ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
    runningCount: service.runningCount ?? 0,
    desiredCount: service.desiredCount ?? 0,
    pendingCount: service.pendingCount ?? 0,
    taskSets,
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
