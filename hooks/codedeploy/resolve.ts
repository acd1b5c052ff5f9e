/**
 * Resolving a CodeDeploy deployment into what the live check needs: the expected version and build
 * metadata (from the task definition's container environment), the version URL (through the
 * production listener) and the live target group.
 */
import {
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import { DescribeTaskDefinitionCommand, type ContainerDefinition } from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  type Action,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  BuildEnv,
  buildMetadataFromEnvironment,
  PromotionEnv,
  type BuildMetadata,
} from "../core/build-metadata";
import { nonBlank } from "../core/format";
import { toTargetHealthState, type TargetHealth } from "../core/targets";
import { readAppSpec } from "./appspec";
import { retryAws, type AwsRetryWindow } from "../shared/aws";
import { callAws, type HookClients, type SendOptions } from "./aws";

/** The version path when the task definition does not name one. */
export const DEFAULT_VERSION_PATH = "/version";

/** Everything the live check needs to know about a deployment. */
export interface ResolvedDeployment {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** When CodeDeploy created the deployment (epoch milliseconds), when known. */
  readonly createdAt?: number;
  readonly taskDefinitionArn: string;
  /** The container whose environment carries the build metadata. */
  readonly containerName: string;
  /** That container's image (pinned by digest when the pipeline deployed it), when known. */
  readonly image?: string;
  readonly build: BuildMetadata;
  /** `GREENLIGHT_SERVICE`, else the ECS service name, else the CodeDeploy application name. */
  readonly service: string;
  /** The task definition's `GREENLIGHT_ENVIRONMENT`, when set. */
  readonly environment?: string;
  /** The task definition's `GREENLIGHT_REPOSITORY_URL`, when set. */
  readonly repositoryUrl?: string;
  /** A promoted release: where it came from (`GREENLIGHT_PROMOTED_*`). */
  readonly promotedFrom?: { readonly environment: string; readonly deploymentId: string };
  readonly versionPath: string;
  /** The full URL to probe. */
  readonly versionUrl: string;
  /** The target group the production listener forwards to. */
  readonly targetGroupArn: string;
}

/** The deployment cannot be resolved; the message says which piece is missing. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResolveError";
  }
}

/** How to resolve. */
export interface ResolveOptions {
  /**
   * Probe this base URL instead of the load balancer's DNS name.
   * @default - `<listener protocol>://<load balancer DNS name>:<listener port>`
   */
  readonly probeBaseUrl?: string;
  /**
   * Probe this host name (the domain an HTTPS listener's certificate names, pointing at the load
   * balancer) with the listener's own protocol and port, instead of the load balancer's DNS name.
   * @default - the load balancer's DNS name
   */
  readonly probeHost?: string;
  /** Aborts the AWS calls. */
  readonly signal?: AbortSignal;
  /**
   * Retry each AWS call across this window (each attempt with its own timeout).
   * @default - each call is made once (with the SDK's own retries), bounded by `signal`
   */
  readonly retry?: AwsRetryWindow;
  /**
   * The deployments this hook may act on: checked right after `GetDeployment`, before anything
   * else is read; anything else throws {@link ForeignDeploymentError}.
   * @default - any deployment
   */
  readonly owner?: DeploymentOwner;
}

/** The stack's CodeDeploy application and its services' deployment groups. */
export interface DeploymentOwner {
  readonly applicationName: string;
  readonly deploymentGroupNames: readonly string[];
}

/** The deployment belongs to another application or group: the hook leaves it alone. */
export class ForeignDeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForeignDeploymentError";
  }
}

/** Why a deployment is not the owner's, or `undefined` when it is. Pure. */
export function foreignDeploymentProblem(
  owner: DeploymentOwner,
  applicationName: string,
  deploymentGroupName: string,
): string | undefined {
  if (applicationName !== owner.applicationName) {
    return `the deployment belongs to application ${applicationName}, not ${owner.applicationName}`;
  }
  if (!owner.deploymentGroupNames.includes(deploymentGroupName)) {
    return (
      `the deployment belongs to deployment group ${deploymentGroupName}, not one of this stack's ` +
      `services (${owner.deploymentGroupNames.join(", ")})`
    );
  }
  return undefined;
}

/** Reads the deployment, its task definition and its production listener. */
export async function resolveDeployment(
  deploymentId: string,
  clients: Pick<HookClients, "codeDeploy" | "ecs" | "elb">,
  options: ResolveOptions = {},
): Promise<ResolvedDeployment> {
  const { signal, retry } = options;
  const call = <Output>(send: (o: SendOptions) => Promise<Output>): Promise<Output> =>
    retry === undefined ? callAws(signal, send) : retryAws(retry, send);
  const { deploymentInfo } = await call((o) =>
    clients.codeDeploy.send(new GetDeploymentCommand({ deploymentId }), o),
  );
  if (deploymentInfo === undefined)
    throw new ResolveError(`GetDeployment ${deploymentId} returned no deployment`);
  const applicationName = required(
    deploymentInfo.applicationName,
    `deployment ${deploymentId} has no application name`,
  );
  const deploymentGroupName = required(
    deploymentInfo.deploymentGroupName,
    `deployment ${deploymentId} has no deployment group name`,
  );
  if (options.owner !== undefined) {
    const problem = foreignDeploymentProblem(options.owner, applicationName, deploymentGroupName);
    if (problem !== undefined) throw new ForeignDeploymentError(problem);
  }
  const appSpec = readAppSpec(appSpecContent(deploymentInfo, deploymentId));

  const [taskDefinition, group] = await Promise.all([
    call((o) =>
      clients.ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: appSpec.taskDefinitionArn }),
        o,
      ),
    ),
    call((o) =>
      clients.codeDeploy.send(
        new GetDeploymentGroupCommand({ applicationName, deploymentGroupName }),
        o,
      ),
    ),
  ]);
  const containers = taskDefinition.taskDefinition?.containerDefinitions ?? [];
  const container = pickContainer(containers, appSpec.containerName, appSpec.taskDefinitionArn);
  const env = containerEnvironment(container);
  const build = buildMetadataFromEnvironment(env);
  if (build.version === "") {
    throw new ResolveError(
      `container ${container.name ?? "(unnamed)"} of task definition ${appSpec.taskDefinitionArn} has no ` +
        `${BuildEnv.version} in its environment; the build must write it into taskdef.json`,
    );
  }

  const groupInfo = group.deploymentGroupInfo;
  const listenerArn =
    groupInfo?.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.prodTrafficRoute?.listenerArns?.[0];
  if (listenerArn === undefined) {
    throw new ResolveError(
      `deployment group ${applicationName}/${deploymentGroupName} has no production listener ` +
        "(loadBalancerInfo.targetGroupPairInfoList[0].prodTrafficRoute.listenerArns[0])",
    );
  }
  const { Listeners: listeners } = await call((o) =>
    clients.elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }), o),
  );
  const listener = listeners?.[0];
  if (listener === undefined) throw new ResolveError(`listener ${listenerArn} was not found`);
  const targetGroupArn = liveTargetGroupArn(listener.DefaultActions ?? []);
  if (targetGroupArn === undefined) {
    throw new ResolveError(
      `listener ${listenerArn} does not forward to a target group with weight above 0`,
    );
  }

  const versionPath = normalisePath(env[BuildEnv.versionPath] ?? "");
  const protocol = (listener.Protocol ?? "HTTP").toLowerCase();
  const withPort = (host: string) =>
    listener.Port === undefined
      ? `${protocol}://${host}`
      : `${protocol}://${host}:${listener.Port}`;
  let baseUrl =
    options.probeBaseUrl ??
    (options.probeHost === undefined ? undefined : withPort(options.probeHost));
  if (baseUrl === undefined) {
    const loadBalancerArn = required(
      listener.LoadBalancerArn,
      `listener ${listenerArn} has no load balancer`,
    );
    const { LoadBalancers: loadBalancers } = await call((o) =>
      clients.elb.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
        o,
      ),
    );
    const dnsName = required(
      loadBalancers?.[0]?.DNSName,
      `load balancer ${loadBalancerArn} has no DNS name`,
    );
    baseUrl = withPort(dnsName);
  }

  const service =
    nonBlank(env[BuildEnv.service]) ??
    nonBlank(groupInfo?.ecsServices?.[0]?.serviceName) ??
    applicationName;
  const environment = nonBlank(env[BuildEnv.environment]);
  const repositoryUrl = nonBlank(env[BuildEnv.repositoryUrl]);
  const image = nonBlank(container.image);
  const promotedFrom = nonBlank(env[PromotionEnv.from]);
  return {
    deploymentId,
    applicationName,
    deploymentGroupName,
    ...(deploymentInfo.createTime === undefined
      ? {}
      : { createdAt: deploymentInfo.createTime.getTime() }),
    taskDefinitionArn: appSpec.taskDefinitionArn,
    containerName: container.name ?? "",
    ...(image === undefined ? {} : { image }),
    build,
    service,
    ...(environment === undefined ? {} : { environment }),
    ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
    ...(promotedFrom === undefined
      ? {}
      : {
          promotedFrom: {
            environment: promotedFrom,
            deploymentId: nonBlank(env[PromotionEnv.deployment]) ?? "",
          },
        }),
    versionPath,
    versionUrl: versionUrl(baseUrl, versionPath),
    targetGroupArn,
  };
}

/** Reads the health of every target in a target group. */
export async function readTargetHealth(
  elb: HookClients["elb"],
  targetGroupArn: string,
  signal?: AbortSignal,
  retry?: AwsRetryWindow,
): Promise<TargetHealth[]> {
  const send = (o: SendOptions) =>
    elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }), o);
  const { TargetHealthDescriptions: descriptions } =
    retry === undefined ? await callAws(signal, send) : await retryAws(retry, send);
  return (descriptions ?? []).map((description) => ({
    id: description.Target?.Id ?? "(unknown)",
    ...(description.Target?.Port === undefined ? {} : { port: description.Target.Port }),
    state: toTargetHealthState(description.TargetHealth?.State),
    ...(description.TargetHealth?.Reason === undefined
      ? {}
      : { reason: description.TargetHealth.Reason }),
    ...(description.TargetHealth?.Description === undefined
      ? {}
      : { description: description.TargetHealth.Description }),
  }));
}

/**
 * The target group a listener's default action sends traffic to: the forward target with the
 * highest weight above 0 (CodeDeploy leaves the old group in the action at weight 0), or the
 * action's `TargetGroupArn` when it is not weighted. Pure.
 */
export function liveTargetGroupArn(actions: readonly Action[]): string | undefined {
  const forward = actions.find((action) => action.Type === "forward");
  if (forward === undefined) return undefined;
  const weighted = (forward.ForwardConfig?.TargetGroups ?? [])
    .filter((group) => group.TargetGroupArn !== undefined && (group.Weight ?? 1) > 0)
    .sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1));
  return weighted[0]?.TargetGroupArn ?? forward.TargetGroupArn;
}

/** Joins a base URL and a path. Pure. */
export function versionUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${normalisePath(path)}`;
}

/** The region in an ARN (`arn:aws:ecs:eu-west-1:…` → `eu-west-1`). Pure. */
export function regionOfArn(arn: string): string | undefined {
  return nonBlank(arn.split(":")[3]);
}

function appSpecContent(info: DeploymentInfo, deploymentId: string): string {
  const content = info.revision?.appSpecContent?.content ?? info.revision?.string?.content;
  if (content === undefined || content.trim() === "") {
    throw new ResolveError(
      `deployment ${deploymentId} has no AppSpec content (revision type ${info.revision?.revisionType ?? "unknown"}); ` +
        "the live hook reads the task definition from revision.appSpecContent or revision.string",
    );
  }
  return content;
}

function pickContainer(
  containers: readonly ContainerDefinition[],
  name: string | undefined,
  taskDefinitionArn: string,
): ContainerDefinition {
  const named =
    name === undefined ? undefined : containers.find((container) => container.name === name);
  const withVersion = containers.find((container) =>
    (container.environment ?? []).some((variable) => variable.name === BuildEnv.version),
  );
  const container = named ?? withVersion ?? containers[0];
  if (container === undefined)
    throw new ResolveError(`task definition ${taskDefinitionArn} has no containers`);
  return container;
}

function containerEnvironment(container: ContainerDefinition): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.environment ?? []) {
    if (variable.name !== undefined) env[variable.name] = variable.value ?? "";
  }
  return env;
}

function normalisePath(path: string): string {
  const trimmed = path.trim();
  if (trimmed === "") return DEFAULT_VERSION_PATH;
  return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

function required<T>(value: T | undefined, problem: string): T {
  if (value === undefined || value === "") throw new ResolveError(problem);
  return value;
}
