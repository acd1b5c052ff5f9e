/**
 * Amazon ECS native blue/green, as `status` and the commands read it: the service deployments of
 * a service (`ListServiceDeployments`, `DescribeServiceDeployments`), the task definitions of
 * service revisions (`DescribeServiceRevisions`), and what the service runs. Field names are those
 * of `@aws-sdk/client-ecs` (`ServiceDeployment`, `ServiceDeploymentBrief`, `ServiceRevision`).
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import { call } from "./call";

/** The statuses of a service deployment that is not over (the ECS guide's pending and ongoing). */
export const ACTIVE_SERVICE_DEPLOYMENT_STATUSES: ServiceDeploymentStatus[] = [
  "PENDING",
  "IN_PROGRESS",
  "STOP_REQUESTED",
  "ROLLBACK_REQUESTED",
  "ROLLBACK_IN_PROGRESS",
];

/** The statuses of a service deployment that is over. */
export const FINISHED_SERVICE_DEPLOYMENT_STATUSES: ReadonlySet<string> = new Set([
  "SUCCESSFUL",
  "STOPPED",
  "ROLLBACK_SUCCESSFUL",
  "ROLLBACK_FAILED",
]);

/** Statuses in which the deployment is already going back. */
export const ROLLING_BACK_STATUSES: ReadonlySet<string> = new Set([
  "STOP_REQUESTED",
  "ROLLBACK_REQUESTED",
  "ROLLBACK_IN_PROGRESS",
]);

/** The lifecycle stage after the live hook's (`POST_PRODUCTION_TRAFFIC_SHIFT`): blue still kept. */
export const BAKE_TIME = "BAKE_TIME";

/** The short id of a service deployment (the last part of its ARN). Pure. */
export function serviceDeploymentShortId(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

/** The service deployments of a service, newest first. */
export async function listServiceDeployments(
  ecs: ECSClient,
  cluster: string,
  service: string,
  filter: { readonly statuses?: ServiceDeploymentStatus[]; readonly createdAfter?: Date } = {},
): Promise<ServiceDeploymentBrief[]> {
  const found: ServiceDeploymentBrief[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await call("ecs:ListServiceDeployments", () =>
      ecs.send(
        new ListServiceDeploymentsCommand({
          cluster,
          service,
          ...(filter.statuses === undefined ? {} : { status: filter.statuses }),
          ...(filter.createdAfter === undefined
            ? {}
            : { createdAt: { after: filter.createdAfter } }),
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      ),
    );
    found.push(...(page.serviceDeployments ?? []));
    nextToken = page.nextToken;
    // A handful are ever active; a bounded number of pages is plenty for "created after".
  } while (nextToken !== undefined && nextToken !== "" && found.length < 100);
  return found.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

/** One service deployment, `undefined` when ECS no longer has it. */
export async function describeServiceDeployment(
  ecs: ECSClient,
  serviceDeploymentArn: string,
): Promise<ServiceDeployment | undefined> {
  const { serviceDeployments } = await call("ecs:DescribeServiceDeployments", () =>
    ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }),
    ),
  );
  return serviceDeployments?.find((d) => d.serviceDeploymentArn === serviceDeploymentArn);
}

/** The task definition of each service revision (`DescribeServiceRevisions`, 20 at a time). */
export async function revisionTaskDefinitions(
  ecs: ECSClient,
  serviceRevisionArns: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const arns = [...new Set(serviceRevisionArns)];
  for (let i = 0; i < arns.length; i += 20) {
    const batch = arns.slice(i, i + 20);
    const { serviceRevisions } = await call("ecs:DescribeServiceRevisions", () =>
      ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })),
    );
    for (const revision of serviceRevisions ?? []) {
      if (revision.serviceRevisionArn !== undefined && revision.taskDefinition !== undefined) {
        found.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
  }
  return found;
}

/**
 * The stage to show: the lifecycle stage, with the production traffic the target revision is
 * asked to carry while traffic shifts (linear and canary move it in steps), e.g.
 * `PRODUCTION_TRAFFIC_SHIFT (30% of production)`. Pure.
 */
export function describeEcsStage(deployment: ServiceDeployment): string | undefined {
  const stage = deployment.lifecycleStage;
  if (stage === undefined) return undefined;
  const weight = deployment.targetServiceRevision?.requestedProductionTrafficWeight;
  if (stage === "PRODUCTION_TRAFFIC_SHIFT" && weight !== undefined) {
    return `${stage} (${Number(weight.toFixed(1))}% of production)`;
  }
  return stage;
}

/** A service revision ECS runs for a service. */
export interface RunningRevision {
  readonly arn: string;
  readonly taskDefinitionArn?: string;
  readonly runningCount: number;
  readonly requestedCount: number;
}

/**
 * The revisions an ECS-controller service runs (`currentServiceRevisions`), each with its task
 * definition. More than one while a deployment is under way or baking.
 */
export async function runningRevisions(
  ecs: ECSClient,
  service: Service,
): Promise<RunningRevision[]> {
  const current = (service.currentServiceRevisions ?? []).filter(
    (revision): revision is typeof revision & { arn: string } => revision.arn !== undefined,
  );
  if (current.length === 0) return [];
  const taskDefinitions = await revisionTaskDefinitions(
    ecs,
    current.map((revision) => revision.arn),
  );
  return current.map((revision) => {
    const taskDefinitionArn = taskDefinitions.get(revision.arn);
    return {
      arn: revision.arn,
      ...(taskDefinitionArn === undefined ? {} : { taskDefinitionArn }),
      runningCount: revision.runningTaskCount ?? 0,
      requestedCount: revision.requestedTaskCount ?? 0,
    };
  });
}

/**
 * The task definition an ECS-controller service serves: the running revision with the most
 * running tasks (there is one when no deployment is under way), else the PRIMARY deployment's,
 * else the service's. Pure.
 */
export function servingTaskDefinition(
  service: Service,
  revisions: readonly RunningRevision[],
): string | undefined {
  const serving = [...revisions]
    .filter((revision) => revision.taskDefinitionArn !== undefined)
    .sort((a, b) => b.runningCount - a.runningCount)[0];
  return (
    serving?.taskDefinitionArn ??
    service.deployments?.find((d) => d.status === "PRIMARY")?.taskDefinition ??
    service.taskDefinition
  );
}
