/**
 * Resolving an ECS service deployment into what the live check needs, from the APIs Amazon ECS
 * added with its native blue/green deployments (`@aws-sdk/client-ecs`):
 *
 * - `DescribeServiceRevisions([targetServiceRevisionArn])` → the green revision's `taskDefinition`,
 *   its `loadBalancers[].advancedConfiguration {productionListenerRule, testListenerRule,
 *   alternateTargetGroupArn}` and `resolvedConfiguration.loadBalancers[] {targetGroupArn,
 *   productionListenerRule}`: the target group the green tasks are registered in (AWS's sample
 *   aws-samples/sample-amazon-ecs-blue-green-deployment-patterns, canaryFunction, reads the same
 *   fields; `resolvedConfiguration` is present for an active revision only).
 * - `DescribeTaskDefinition(taskDefinition)` → the expected version and build metadata (the
 *   container environment the build wrote, as for the CodeDeploy hook).
 * - `DescribeServiceDeployments([resourceArn])` → when the deployment was created (the notice's
 *   "took") and its `status` (a deployment that is no longer PENDING or IN_PROGRESS is over).
 * - `DescribeRules([rule])` → the rule's `host-header` condition: with one HTTPS listener for every
 *   service, the probe must carry the service's own host name, or it reaches the listener's
 *   default action. The listener ARN is the rule ARN without its last segment
 *   (`listener-rule/app/<lb>/<lb-id>/<listener-id>/<rule-id>`), as AWS's sample derives it.
 * - `DescribeListeners` and, without a host, `DescribeLoadBalancers` → protocol, port, DNS name.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  type ContainerDefinition,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  type RuleCondition,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { BuildEnv, buildMetadataFromEnvironment, type BuildMetadata } from "../core/build-metadata";
import { nonBlank } from "../core/format";
import { callAws } from "../shared/aws";
import { heaviestForwardTarget } from "../shared/elb";
import type { EcsHookClients } from "./aws";
import { parseServiceArn } from "./event";

/** The version path when the task definition does not name one. */
export const DEFAULT_VERSION_PATH = "/version";

/** The deployment cannot be resolved; the message says which piece is missing. Not retried. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResolveError";
  }
}

/** Which listener rule the check goes through. */
export type CheckRoute = "production" | "test";

/** Everything the live check needs to know about an ECS service deployment. */
export interface ResolvedServiceDeployment {
  readonly serviceDeploymentArn: string;
  readonly serviceArn: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly targetServiceRevisionArn: string;
  /** The deployment's status when it was read (`IN_PROGRESS` while hooks run). */
  readonly status?: ServiceDeploymentStatus;
  /** When Amazon ECS created the deployment (epoch milliseconds), when known. */
  readonly createdAt?: number;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  /** The container's image (pinned by digest when the pipeline deployed it), when known. */
  readonly image?: string;
  readonly build: BuildMetadata;
  /** `GREENLIGHT_SERVICE`, else the ECS service name. */
  readonly service: string;
  /** The task definition's `GREENLIGHT_ENVIRONMENT`, when set. */
  readonly environment?: string;
  /** The task definition's `GREENLIGHT_REPOSITORY_URL`, when set. */
  readonly repositoryUrl?: string;
  readonly route: CheckRoute;
  /** The listener rule the probe goes through. */
  readonly ruleArn: string;
  readonly versionUrl: string;
  /** The target group of the green revision's tasks. */
  readonly targetGroupArn: string;
}

/** How to resolve. */
export interface EcsResolveOptions {
  readonly route: CheckRoute;
  /** @default - the rule's host, else the load balancer's DNS name, with the listener's port */
  readonly probeBaseUrl?: string;
  /** @default - the rule's host-header value, else the load balancer's DNS name */
  readonly probeHost?: string;
  readonly signal?: AbortSignal;
}

/** What the event says about the deployment. */
export interface DeploymentIds {
  readonly serviceDeploymentArn: string;
  readonly serviceArn: string;
  readonly targetServiceRevisionArn: string;
}

/** Reads the service deployment, its target revision, task definition and listener rule. */
export async function resolveServiceDeployment(
  ids: DeploymentIds,
  clients: Pick<EcsHookClients, "ecs" | "elb">,
  options: EcsResolveOptions,
): Promise<ResolvedServiceDeployment> {
  const { signal } = options;
  const arn = parseServiceArn(ids.serviceArn);
  if (arn === undefined) throw new ResolveError(`${ids.serviceArn} is not a service ARN`);
  const [revisions, deployments] = await Promise.all([
    callAws(signal, (o) =>
      clients.ecs.send(
        new DescribeServiceRevisionsCommand({
          serviceRevisionArns: [ids.targetServiceRevisionArn],
        }),
        o,
      ),
    ),
    callAws(signal, (o) =>
      clients.ecs.send(
        new DescribeServiceDeploymentsCommand({
          serviceDeploymentArns: [ids.serviceDeploymentArn],
        }),
        o,
      ),
    ),
  ]);
  const revision = revisions.serviceRevisions?.find(
    (candidate) => candidate.serviceRevisionArn === ids.targetServiceRevisionArn,
  );
  if (revision === undefined) {
    const failure = revisions.failures?.[0];
    throw new ResolveError(
      `DescribeServiceRevisions did not return ${ids.targetServiceRevisionArn}` +
        (failure === undefined
          ? ""
          : ` (${failure.reason ?? "no reason"}: ${failure.detail ?? ""})`),
    );
  }
  if (revision.serviceArn !== undefined && revision.serviceArn !== ids.serviceArn) {
    throw new ResolveError(
      `service revision ${ids.targetServiceRevisionArn} belongs to ${revision.serviceArn}, ` +
        `not to ${ids.serviceArn}`,
    );
  }
  const taskDefinitionArn = required(
    revision.taskDefinition,
    `service revision ${ids.targetServiceRevisionArn} names no task definition`,
  );
  const deployment = deployments.serviceDeployments?.find(
    (candidate) => candidate.serviceDeploymentArn === ids.serviceDeploymentArn,
  );

  const loadBalancer = revision.loadBalancers?.[0];
  const resolvedLoadBalancer = revision.resolvedConfiguration?.loadBalancers?.[0];
  const ruleArn =
    options.route === "test"
      ? loadBalancer?.advancedConfiguration?.testListenerRule
      : (loadBalancer?.advancedConfiguration?.productionListenerRule ??
        resolvedLoadBalancer?.productionListenerRule);
  if (ruleArn === undefined || ruleArn === "") {
    throw new ResolveError(
      `service revision ${ids.targetServiceRevisionArn} has no ${options.route} listener rule ` +
        `(loadBalancers[0].advancedConfiguration.${options.route === "test" ? "testListenerRule" : "productionListenerRule"})`,
    );
  }

  const [taskDefinition, rules] = await Promise.all([
    callAws(signal, (o) =>
      clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }), o),
    ),
    callAws(signal, (o) => clients.elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }), o)),
  ]);
  const container = pickContainer(
    taskDefinition.taskDefinition?.containerDefinitions ?? [],
    loadBalancer?.containerName,
    taskDefinitionArn,
  );
  const env = Object.fromEntries(
    (container.environment ?? [])
      .filter((variable) => variable.name !== undefined)
      .map((variable) => [variable.name as string, variable.value ?? ""]),
  );
  const build = buildMetadataFromEnvironment(env);
  if (build.version === "") {
    throw new ResolveError(
      `container ${container.name ?? "(unnamed)"} of task definition ${taskDefinitionArn} has no ` +
        `${BuildEnv.version} in its environment; the build must write it into the task definition`,
    );
  }

  const rule = rules.Rules?.find((candidate) => candidate.RuleArn === ruleArn) ?? rules.Rules?.[0];
  if (rule === undefined) throw new ResolveError(`listener rule ${ruleArn} was not found`);
  const targetGroupArn =
    nonBlank(resolvedLoadBalancer?.targetGroupArn) ?? heaviestForwardTarget(rule.Actions ?? []);
  if (targetGroupArn === undefined) {
    throw new ResolveError(
      `neither service revision ${ids.targetServiceRevisionArn} nor listener rule ${ruleArn} ` +
        "names a target group with weight above 0",
    );
  }

  const listenerArn = listenerArnOfRule(ruleArn);
  if (listenerArn === undefined) {
    throw new ResolveError(`${ruleArn} is not an Application Load Balancer listener rule ARN`);
  }
  const { Listeners: listeners } = await callAws(signal, (o) =>
    clients.elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }), o),
  );
  const listener = listeners?.[0];
  if (listener === undefined) throw new ResolveError(`listener ${listenerArn} was not found`);
  const protocol = (listener.Protocol ?? "HTTP").toLowerCase();
  const withPort = (host: string): string =>
    listener.Port === undefined
      ? `${protocol}://${host}`
      : `${protocol}://${host}:${listener.Port}`;
  const host = options.probeHost ?? hostOfConditions(rule.Conditions ?? []);
  let baseUrl = options.probeBaseUrl ?? (host === undefined ? undefined : withPort(host));
  if (baseUrl === undefined) {
    const loadBalancerArn = required(
      listener.LoadBalancerArn,
      `listener ${listenerArn} has no load balancer`,
    );
    const { LoadBalancers: loadBalancers } = await callAws(signal, (o) =>
      clients.elb.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
        o,
      ),
    );
    baseUrl = withPort(
      required(loadBalancers?.[0]?.DNSName, `load balancer ${loadBalancerArn} has no DNS name`),
    );
  }

  const path = nonBlank(env[BuildEnv.versionPath]) ?? DEFAULT_VERSION_PATH;
  const image = nonBlank(container.image);
  const environment = nonBlank(env[BuildEnv.environment]);
  const repositoryUrl = nonBlank(env[BuildEnv.repositoryUrl]);
  return {
    serviceDeploymentArn: ids.serviceDeploymentArn,
    serviceArn: ids.serviceArn,
    clusterName: arn.cluster,
    serviceName: arn.service,
    targetServiceRevisionArn: ids.targetServiceRevisionArn,
    ...(deployment?.status === undefined ? {} : { status: deployment.status }),
    ...(deployment?.createdAt === undefined ? {} : { createdAt: deployment.createdAt.getTime() }),
    taskDefinitionArn,
    containerName: container.name ?? "",
    ...(image === undefined ? {} : { image }),
    build,
    service: nonBlank(env[BuildEnv.service]) ?? arn.service,
    ...(environment === undefined ? {} : { environment }),
    ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
    route: options.route,
    ruleArn,
    versionUrl: `${baseUrl.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`,
    targetGroupArn,
  };
}

/**
 * The listener ARN of an Application Load Balancer listener rule ARN, or `undefined` when `ruleArn`
 * is not one. Pure.
 */
export function listenerArnOfRule(ruleArn: string): string | undefined {
  const match =
    /^(arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:)listener-rule\/(app\/[^/]+\/[^/]+\/[^/]+)\/[^/]+$/.exec(
      ruleArn,
    );
  return match === null ? undefined : `${match[1]}listener/${match[2]}`;
}

/**
 * The host name a rule matches, when its `host-header` condition names exactly one host without
 * wildcards (`shop.example.com`); `undefined` otherwise (no host condition, several hosts, `*.x`).
 * Pure.
 */
export function hostOfConditions(conditions: readonly RuleCondition[]): string | undefined {
  const hosts = conditions
    .filter((condition) => condition.Field === "host-header")
    .flatMap((condition) => condition.HostHeaderConfig?.Values ?? condition.Values ?? []);
  const [host] = hosts;
  if (hosts.length !== 1 || host === undefined || /[*?]/.test(host)) return undefined;
  return host.toLowerCase();
}

function pickContainer(
  containers: readonly ContainerDefinition[],
  name: string | undefined,
  taskDefinitionArn: string,
): ContainerDefinition {
  const container =
    containers.find((candidate) => name !== undefined && candidate.name === name) ??
    containers.find((candidate) =>
      (candidate.environment ?? []).some((variable) => variable.name === BuildEnv.version),
    ) ??
    containers[0];
  if (container === undefined) {
    throw new ResolveError(`task definition ${taskDefinitionArn} has no containers`);
  }
  return container;
}

function required<T>(value: T | undefined, problem: string): T {
  if (value === undefined || value === "") throw new ResolveError(problem);
  return value;
}
