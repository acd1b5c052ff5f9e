/**
 * The Amazon ECS lifecycle hook, run by the rehearsal as Amazon ECS runs it: the hook's real core
 * (`runEcsLifecycleHook`, the function the Lambda entry point calls) with real AWS SDK clients
 * whose calls this module answers in process from the rehearsal's own state (the deployment, the
 * task definition the build wrote, the listener rules, HAProxy's health checks as target health,
 * Parameter Store in memory), and a driver that follows the IN_PROGRESS protocol: invoke, wait the
 * returned `callBackDelay` (one minute lasting `--minute-ms`), merge the returned `hookDetails`,
 * invoke again, until SUCCEEDED or FAILED.
 *
 * Each SDK client gets an `initialize`-step middleware that answers the command without sending
 * it: no request leaves the machine and no credentials are read (the placeholder keys below are
 * never used to sign). A command the rehearsal does not model is answered with an error, which the
 * hook treats as an AWS failure.
 */
import * as dns from "node:dns";
import * as http from "node:http";
import type { LookupFunction } from "node:net";

import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type DescribeServiceDeploymentsCommandOutput,
  type DescribeServiceRevisionsCommandOutput,
  type DescribeTaskDefinitionCommandOutput,
} from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type DescribeListenersCommandOutput,
  type DescribeRulesCommandOutput,
  type DescribeTargetHealthCommandOutput,
  type RuleCondition,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type PutParameterCommandInput,
} from "@aws-sdk/client-ssm";

import { HookEnv } from "../../hooks/codedeploy/settings";
import type { Clock } from "../../hooks/core/clock";
import type { FetchLike } from "../../hooks/core/http";
import { silentLogger } from "../../hooks/core/logger";
import type { TargetHealth } from "../../hooks/core/targets";
import { EcsLifecycleStage, HookStatus, type EcsLifecycleHookEvent } from "../../hooks/ecs/event";
import { runEcsLifecycleHook, type EcsHookDeps, type EcsHookRun } from "../../hooks/ecs/hook";
import { EcsHookEnv } from "../../hooks/ecs/settings";
import { LOOPBACK, type ListenerRoute, type Slot } from "./haproxy-config";

/** The rehearsal's made-up AWS account, region and names (never sent anywhere). */
export const RehearsalAws = {
  region: "eu-west-1",
  account: "000000000000",
  cluster: "greenlight-rehearsal",
  loadBalancer: "app/greenlight-rehearsal/0000000000000000",
  prodListenerId: "1111111111111111",
  testListenerId: "2222222222222222",
  slackSecretArn:
    "arn:aws:secretsmanager:eu-west-1:000000000000:secret:greenlight/rehearsal/slack-webhook",
} as const;

const arnPrefix = (service: string): string =>
  `arn:aws:${service}:${RehearsalAws.region}:${RehearsalAws.account}:`;

/** The rehearsal cluster's ARN. */
export const REHEARSAL_CLUSTER_ARN = `${arnPrefix("ecs")}cluster/${RehearsalAws.cluster}`;

/** A service's ARN in the rehearsal cluster. */
export function rehearsalServiceArn(service: string): string {
  return `${arnPrefix("ecs")}service/${RehearsalAws.cluster}/${service}`;
}

/** A slot's target group ARN (`<service>-blue`, `<service>-green`). */
export function rehearsalTargetGroupArn(service: string, slot: Slot): string {
  return `${arnPrefix("elasticloadbalancing")}targetgroup/${service}-${slot}/${slot === "blue" ? "b" : "9"}${"0".repeat(15)}`;
}

/** The listener ARN of the production or test listener. */
export function rehearsalListenerArn(listener: "prod" | "test"): string {
  const id = listener === "prod" ? RehearsalAws.prodListenerId : RehearsalAws.testListenerId;
  return `${arnPrefix("elasticloadbalancing")}listener/${RehearsalAws.loadBalancer}/${id}`;
}

/** A service's listener rule ARN on the production or test listener. */
export function rehearsalRuleArn(listener: "prod" | "test", route: ListenerRoute): string {
  const id = listener === "prod" ? RehearsalAws.prodListenerId : RehearsalAws.testListenerId;
  const rule = String(route.priority).padStart(16, "0");
  return `${arnPrefix("elasticloadbalancing")}listener-rule/${RehearsalAws.loadBalancer}/${id}/${rule}`;
}

/** The rule conditions of a route, as `DescribeRules` returns them. Pure. */
export function ruleConditions(route: ListenerRoute): RuleCondition[] {
  return [
    ...(route.hostname === undefined
      ? []
      : [{ Field: "host-header", HostHeaderConfig: { Values: [route.hostname] } }]),
    ...(route.pathPattern === undefined
      ? []
      : [{ Field: "path-pattern", PathPatternConfig: { Values: [route.pathPattern] } }]),
  ];
}

/** One service deployment, as Amazon ECS describes it while its hooks run. */
export interface RehearsalDeployment {
  readonly id: string;
  /** The slot (target group) the green revision's tasks run in. */
  readonly greenSlot: Slot;
  /** The revision number of the green service revision. */
  readonly revision: number;
  /** The green task definition's container environment (what the build wrote). */
  readonly environment: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

/** What the fake AWS reads from the rehearsal. */
export interface RehearsalAwsState {
  readonly service: string;
  readonly route: ListenerRoute;
  readonly ports: { readonly prod: number; readonly test: number };
  /** The deployment under way; `undefined` between deployments. */
  deployment(): RehearsalDeployment | undefined;
  /** The production weights of the two target groups (0–100 each, as the rule's forward). */
  weights(): Readonly<Record<Slot, number>>;
  /** The health of a slot's targets, from HAProxy. */
  targets(slot: Slot): Promise<readonly TargetHealth[]>;
}

/** The IDs of a deployment, as its ARNs. */
export function deploymentArns(service: string, deployment: RehearsalDeployment) {
  const base = `${RehearsalAws.cluster}/${service}`;
  return {
    serviceDeploymentArn: `${arnPrefix("ecs")}service-deployment/${base}/${deployment.id}`,
    serviceRevisionArn: `${arnPrefix("ecs")}service-revision/${base}/${deployment.revision}`,
    taskDefinitionArn: `${arnPrefix("ecs")}task-definition/${RehearsalAws.cluster}-${service}:${deployment.revision}`,
  };
}

/** The event Amazon ECS sends the hook at `stage` of `deployment`. Pure. */
export function hookEvent(
  state: Pick<RehearsalAwsState, "service">,
  deployment: RehearsalDeployment,
  stage: string,
  executionId: string,
): EcsLifecycleHookEvent {
  const arns = deploymentArns(state.service, deployment);
  return {
    executionId,
    lifecycleStage: stage,
    resourceArn: arns.serviceDeploymentArn,
    executionDetails: {
      serviceArn: rehearsalServiceArn(state.service),
      targetServiceRevisionArn: arns.serviceRevisionArn,
      testTrafficWeights: {},
      productionTrafficWeights: {},
    },
  };
}

/** Parameter Store in memory, with the create-only semantics of `Overwrite: false`. */
export class MemoryParameterStore {
  readonly values = new Map<string, string>();

  put(input: PutParameterCommandInput): { Version: number } {
    const name = input.Name ?? "";
    if (this.values.has(name) && input.Overwrite !== true) {
      throw new ParameterAlreadyExists({
        message: `The parameter ${name} already exists.`,
        $metadata: {},
      });
    }
    this.values.set(name, input.Value ?? "");
    return { Version: 1 };
  }

  get(name: string): { Parameter: { Name: string; Value: string; Version: number } } {
    const value = this.values.get(name);
    if (value === undefined) {
      throw new ParameterNotFound({ message: `Parameter ${name} not found.`, $metadata: {} });
    }
    return { Parameter: { Name: name, Value: value, Version: 1 } };
  }
}

type Answer = (command: string, input: Record<string, unknown>) => Promise<object>;

/** Makes `client` answer every command with `answer` instead of sending it. */
function answerLocally(
  client: ECSClient | ElasticLoadBalancingV2Client | SSMClient,
  answer: Answer,
): void {
  const stack = client.middlewareStack as unknown as {
    add(middleware: unknown, options: { step: "initialize"; name: string; priority: "high" }): void;
  };
  stack.add(
    (_next: unknown, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => ({
        output: { $metadata: {}, ...(await answer(context.commandName ?? "", args.input)) },
        response: {},
      }),
    { step: "initialize", name: "greenlightRehearsalAws", priority: "high" },
  );
}

function notModelled(command: string): never {
  throw Object.assign(new Error(`the rehearsal does not answer ${command}`), {
    name: "UnsupportedOperation",
  });
}

/** The ECS, Elastic Load Balancing and SSM clients of the hook, answered from `state`. */
export function rehearsalAwsClients(
  state: RehearsalAwsState,
  parameters: MemoryParameterStore,
): EcsHookDeps["clients"] {
  const config = {
    region: RehearsalAws.region,
    credentials: { accessKeyId: "REHEARSAL", secretAccessKey: "never-used-to-sign" },
  };
  const ecs = new ECSClient(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const ssm = new SSMClient(config);
  const serviceArn = rehearsalServiceArn(state.service);
  const current = (): RehearsalDeployment => {
    const deployment = state.deployment();
    if (deployment === undefined) notModelled("a call outside a deployment");
    return deployment;
  };
  answerLocally(ecs, async (command, input) => {
    const deployment = current();
    const arns = deploymentArns(state.service, deployment);
    const blue = deployment.greenSlot === "blue" ? "green" : "blue";
    if (command === DescribeServiceRevisionsCommand.name) {
      const asked = (input.serviceRevisionArns as string[] | undefined) ?? [];
      const output: Omit<DescribeServiceRevisionsCommandOutput, "$metadata"> = asked.includes(
        arns.serviceRevisionArn,
      )
        ? {
            serviceRevisions: [
              {
                serviceRevisionArn: arns.serviceRevisionArn,
                serviceArn,
                clusterArn: REHEARSAL_CLUSTER_ARN,
                taskDefinition: arns.taskDefinitionArn,
                loadBalancers: [
                  {
                    targetGroupArn: rehearsalTargetGroupArn(state.service, blue),
                    containerName: "app",
                    containerPort: 8080,
                    advancedConfiguration: {
                      alternateTargetGroupArn: rehearsalTargetGroupArn(
                        state.service,
                        deployment.greenSlot,
                      ),
                      productionListenerRule: rehearsalRuleArn("prod", state.route),
                      testListenerRule: rehearsalRuleArn("test", state.route),
                      roleArn: `arn:aws:iam::${RehearsalAws.account}:role/greenlight-rehearsal-ecs-infrastructure`,
                    },
                  },
                ],
                resolvedConfiguration: {
                  loadBalancers: [
                    {
                      targetGroupArn: rehearsalTargetGroupArn(state.service, deployment.greenSlot),
                      productionListenerRule: rehearsalRuleArn("prod", state.route),
                    },
                  ],
                },
              },
            ],
            failures: [],
          }
        : { serviceRevisions: [], failures: asked.map((arn) => ({ arn, reason: "MISSING" })) };
      return output;
    }
    if (command === DescribeServiceDeploymentsCommand.name) {
      const output: Omit<DescribeServiceDeploymentsCommandOutput, "$metadata"> = {
        serviceDeployments: [
          {
            serviceDeploymentArn: arns.serviceDeploymentArn,
            serviceArn,
            clusterArn: REHEARSAL_CLUSTER_ARN,
            createdAt: new Date(deployment.createdAt),
            status: "IN_PROGRESS",
            targetServiceRevision: { arn: arns.serviceRevisionArn },
          },
        ],
      };
      return output;
    }
    if (command === DescribeTaskDefinitionCommand.name) {
      const output: Omit<DescribeTaskDefinitionCommandOutput, "$metadata"> = {
        taskDefinition: {
          taskDefinitionArn: arns.taskDefinitionArn,
          containerDefinitions: [
            {
              name: "app",
              image: `${RehearsalAws.account}.dkr.ecr.${RehearsalAws.region}.amazonaws.com/${state.service}:rehearsal-${deployment.revision}`,
              environment: Object.entries(deployment.environment).map(([name, value]) => ({
                name,
                value,
              })),
            },
          ],
        },
      };
      return output;
    }
    return notModelled(command);
  });
  answerLocally(elb, async (command, input) => {
    if (command === DescribeRulesCommand.name) {
      const asked = (input.RuleArns as string[] | undefined) ?? [];
      const weights = state.weights();
      const output: Omit<DescribeRulesCommandOutput, "$metadata"> = {
        Rules: (["prod", "test"] as const)
          .map((listener) => rehearsalRuleArn(listener, state.route))
          .filter((arn) => asked.includes(arn))
          .map((arn) => ({
            RuleArn: arn,
            Priority: String(state.route.priority),
            Conditions: ruleConditions(state.route),
            Actions: [
              {
                Type: "forward",
                ForwardConfig: {
                  TargetGroups: (["blue", "green"] as const).map((slot) => ({
                    TargetGroupArn: rehearsalTargetGroupArn(state.service, slot),
                    Weight: weights[slot],
                  })),
                },
              },
            ],
          })),
      };
      return output;
    }
    if (command === DescribeListenersCommand.name) {
      const asked = (input.ListenerArns as string[] | undefined) ?? [];
      const output: Omit<DescribeListenersCommandOutput, "$metadata"> = {
        Listeners: (["prod", "test"] as const)
          .filter((listener) => asked.includes(rehearsalListenerArn(listener)))
          .map((listener) => ({
            ListenerArn: rehearsalListenerArn(listener),
            LoadBalancerArn: `${arnPrefix("elasticloadbalancing")}loadbalancer/${RehearsalAws.loadBalancer}`,
            Port: state.ports[listener],
            // The rehearsal's listeners are plain HTTP on loopback (the ALB's 443 is HTTPS).
            Protocol: "HTTP",
          })),
      };
      return output;
    }
    if (command === DescribeLoadBalancersCommand.name) {
      return { LoadBalancers: [{ DNSName: LOOPBACK }] };
    }
    if (command === DescribeTargetHealthCommand.name) {
      const slot = (["blue", "green"] as const).find(
        (candidate) => rehearsalTargetGroupArn(state.service, candidate) === input.TargetGroupArn,
      );
      if (slot === undefined) {
        throw Object.assign(new Error(`target group ${String(input.TargetGroupArn)} not found`), {
          name: "TargetGroupNotFoundException",
        });
      }
      const output: Omit<DescribeTargetHealthCommandOutput, "$metadata"> = {
        TargetHealthDescriptions: (await state.targets(slot)).map((target) => ({
          Target: { Id: target.id, ...(target.port === undefined ? {} : { Port: target.port }) },
          TargetHealth: {
            State: target.state,
            ...(target.reason === undefined ? {} : { Reason: target.reason as never }),
            ...(target.description === undefined ? {} : { Description: target.description }),
          },
        })),
      };
      return output;
    }
    return notModelled(command);
  });
  answerLocally(ssm, async (command, input) => {
    if (command === PutParameterCommand.name) {
      return parameters.put(input as unknown as PutParameterCommandInput);
    }
    if (command === GetParameterCommand.name) return parameters.get(String(input.Name));
    return notModelled(command);
  });
  return { ecs, elb, ssm };
}

/**
 * A resolver that answers `hosts` with 127.0.0.1 and asks the system for any other name: the
 * rehearsal's DNS, so clients use the service's host name (and send it as the Host header) while
 * reaching the local HAProxy.
 */
export function loopbackLookup(hosts: readonly string[]): LookupFunction {
  const local = new Set(hosts.map((host) => host.toLowerCase()));
  return (hostname, options, callback) => {
    if (!local.has(hostname.toLowerCase())) {
      dns.lookup(hostname, options, callback as never);
      return;
    }
    if (options.all === true) {
      (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, [
        { address: LOOPBACK, family: 4 },
      ]);
    } else callback(null, LOOPBACK, 4);
  };
}

/** The largest answer body {@link lookupFetch} reads. */
export const MAX_FETCH_BODY_BYTES = 1024 * 1024;

/**
 * A `fetch` over `node:http` with a keep-alive agent that resolves names with `lookup` (Node's
 * global `fetch` ignores a Host header it is given, so it cannot reach a host-routed rule on
 * loopback). Plain `http:` only: the rehearsal's listeners and Slack receiver are plain HTTP.
 */
export function lookupFetch(lookup: LookupFunction): { fetch: FetchLike; close(): void } {
  const agent = new http.Agent({ keepAlive: true, lookup });
  const fetch: FetchLike = (target, init = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(target);
      if (url.protocol !== "http:") {
        reject(new TypeError(`the rehearsal reaches http:// URLs only, not ${url.protocol}`));
        return;
      }
      const request = http.request(
        url,
        {
          method: init.method ?? "GET",
          headers: { ...init.headers },
          agent,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_FETCH_BODY_BYTES) {
              request.destroy(new Error(`the answer is over ${MAX_FETCH_BODY_BYTES} bytes`));
            } else chunks.push(chunk);
          });
          response.on("error", reject);
          response.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            resolve({
              status: response.statusCode ?? 0,
              headers: {
                get: (name) => {
                  const value = response.headers[name.toLowerCase()];
                  return value === undefined
                    ? null
                    : Array.isArray(value)
                      ? value.join(", ")
                      : value;
                },
              },
              text: async () => body,
            });
          });
        },
      );
      request.on("error", reject);
      request.end(init.body);
    });
  return { fetch, close: () => agent.destroy() };
}

/** How the rehearsal sets the hook up (its Lambda environment). */
export interface RehearsalHookSettings {
  readonly environment: string;
  readonly consecutive: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** The live check's deadline, from the first invocation. */
  readonly deadlineMs: number;
  /** What one invocation may spend checking before it answers IN_PROGRESS. */
  readonly invocationBudgetMs: number;
  /** The `callBackDelay` the hook returns with IN_PROGRESS, in seconds (at least 1). */
  readonly callBackDelaySeconds: number;
}

/** The hook's Lambda environment for the rehearsal. Pure. */
export function rehearsalHookEnv(settings: RehearsalHookSettings): Record<string, string> {
  return {
    [HookEnv.environment]: settings.environment,
    [HookEnv.slackSecretArn]: RehearsalAws.slackSecretArn,
    [HookEnv.probeConsecutive]: String(settings.consecutive),
    [HookEnv.probeIntervalMs]: String(settings.intervalMs),
    [HookEnv.probeTimeoutMs]: String(settings.timeoutMs),
    [HookEnv.probeDeadlineMs]: String(settings.deadlineMs),
    [HookEnv.reportReserveMs]: "2000",
    [EcsHookEnv.clusterArn]: REHEARSAL_CLUSTER_ARN,
    [EcsHookEnv.callBackDelaySeconds]: String(settings.callBackDelaySeconds),
    [EcsHookEnv.invocationBudgetMs]: String(settings.invocationBudgetMs),
  };
}

/** A Lambda function's longest run: each invocation starts with this much time. */
export const LAMBDA_MAX_MS = 15 * 60 * 1000;

/**
 * The most invocations the driver makes: Amazon ECS bounds the IN_PROGRESS loop by the hook's
 * timeout (`timeoutConfiguration`, ROLLBACK when it passes); the rehearsal by a count.
 */
export const MAX_HOOK_INVOCATIONS = 200;

/** One invocation, as the driver saw it. */
export interface HookInvocationRecord {
  readonly n: number;
  readonly run: EcsHookRun;
  /** How long the invocation took, ms. */
  readonly tookMs: number;
  /** How long the driver then waited before the next one (IN_PROGRESS only), ms. */
  readonly waitedMs?: number;
}

/** What the driver needs. */
export interface HookDriverOptions {
  readonly event: EcsLifecycleHookEvent;
  readonly deps: EcsHookDeps;
  /** One minute of Amazon ECS's waiting (the call-back delay) lasts this long, ms. */
  readonly minuteMs: number;
  readonly clock: Clock;
  /** Called after each invocation. */
  readonly onInvocation?: (record: HookInvocationRecord) => void;
  /** Waits; rejects to stop the driver (Ctrl-C, a child that died). */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Invokes the hook as Amazon ECS does until it answers SUCCEEDED or FAILED: on IN_PROGRESS it
 * waits `callBackDelay` seconds (30 when absent, as Amazon ECS), scaled so that a minute lasts
 * `minuteMs`, then invokes again with the event's `hookDetails` merged with the returned ones.
 * After {@link MAX_HOOK_INVOCATIONS} it stops with FAILED, as the hook's timeout would.
 */
export async function driveEcsHook(options: HookDriverOptions): Promise<{
  readonly status: "SUCCEEDED" | "FAILED";
  readonly invocations: HookInvocationRecord[];
}> {
  const invocations: HookInvocationRecord[] = [];
  let event = options.event;
  for (let n = 1; n <= MAX_HOOK_INVOCATIONS; n += 1) {
    const invoked = options.clock.now();
    const context = {
      getRemainingTimeInMillis: () => LAMBDA_MAX_MS - (options.clock.now() - invoked),
    };
    const run = await runEcsLifecycleHook(event, context, options.deps);
    const tookMs = options.clock.now() - invoked;
    const { hookStatus } = run.response;
    if (hookStatus !== HookStatus.inProgress) {
      const record = { n, run, tookMs };
      invocations.push(record);
      options.onInvocation?.(record);
      return { status: hookStatus, invocations };
    }
    const waitedMs = Math.round(((run.response.callBackDelay ?? 30) * options.minuteMs) / 60);
    const record = { n, run, tookMs, waitedMs };
    invocations.push(record);
    options.onInvocation?.(record);
    await options.sleep(waitedMs);
    event = { ...event, hookDetails: { ...event.hookDetails, ...run.response.hookDetails } };
  }
  return { status: HookStatus.failed, invocations };
}

/** The dependencies of the hook in the rehearsal. */
export function rehearsalHookDeps(input: {
  readonly clients: EcsHookDeps["clients"];
  readonly env: Record<string, string>;
  readonly clock: Clock;
  readonly fetch: FetchLike;
  /** The local Slack receiver: what the webhook secret holds. */
  readonly webhookUrl: string;
}): EcsHookDeps {
  return {
    clients: input.clients,
    env: input.env,
    clock: input.clock,
    fetch: input.fetch,
    logger: silentLogger,
    webhookSource: () => ({ get: async () => input.webhookUrl, invalidate: () => undefined }),
    region: RehearsalAws.region,
  };
}

export { EcsLifecycleStage };
