/**
 * Drives the ECS lifecycle hook the way Amazon ECS does (invoke; on IN_PROGRESS wait
 * `callBackDelay` seconds, merge the returned `hookDetails`, invoke again) against mocked AWS
 * clients (an in-memory Parameter Store) and real local `/version` and Slack servers on 127.0.0.1.
 *
 * The call-back delay is not slept: the hook's clock is the system clock plus an offset, and the
 * driver moves the offset forward by the delay, so the check's deadline sees exactly the time
 * Amazon ECS would have let pass.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type ServiceDeploymentStatus,
} from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthStateEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
  type PutParameterCommandInput,
} from "@aws-sdk/client-ssm";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { HookEnv } from "../../../hooks/codedeploy/settings";
import { secretsManagerWebhookSource } from "../../../hooks/codedeploy/webhook";
import type { Clock } from "../../../hooks/core/clock";
import { systemClock } from "../../../hooks/core/clock";
import { globalFetch } from "../../../hooks/core/http";
import { createMemoryLogger, type MemoryLogger } from "../../../hooks/core/logger";
import type { EcsLifecycleHookResponse } from "../../../hooks/ecs/event";
import { runEcsLifecycleHook, type EcsHookDeps, type EcsHookRun } from "../../../hooks/ecs/hook";
import { EcsHookEnv } from "../../../hooks/ecs/settings";
import {
  BLUE_TG,
  buildEnvironment,
  GREEN_TG,
  IMAGE_URI,
  NEW_VERSION,
  OLD_VERSION,
  REGION,
  SLACK_SECRET_ARN,
} from "./aws-fixtures";
import { assertNoWebhookInLogs } from "./hook-scenario";
import {
  startSlackServer,
  startVersionServer,
  type SlackAnswer,
  type SlackServer,
  type VersionAnswer,
} from "./servers";

export const ACCOUNT = "123456789012";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/shop`;
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/shop/checkout`;
export const DEPLOYMENT_ID = "EZe5RNVLH6PPzHXINuP28";
export const DEPLOYMENT_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/shop/checkout/${DEPLOYMENT_ID}`;
export const GREEN_REVISION = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/shop/checkout/9313423515462893900`;
export const BLUE_REVISION = `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/shop/checkout/1920498462936580504`;
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/shop-checkout:43`;
const LB = `app/shop/50dc6c495c0c9188`;
export const LISTENER_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/${LB}/f2f7dc8efc522ab2`;
export const TEST_LISTENER_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/${LB}/0a1b2c3d4e5f6789`;
export const PROD_RULE = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`;
export const TEST_RULE = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/${LB}/0a1b2c3d4e5f6789/1111aaaa2222bbbb`;
export const LOAD_BALANCER_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${LB}`;
export const CREATED_AT = new Date(Date.now() - 4 * 60 * 1000);
export const EXECUTION_ID = "5f40ed04-7e54-437d-b95d-98bc872fec49";

export { NEW_VERSION, OLD_VERSION };
export const NEW: VersionAnswer = { version: NEW_VERSION };
export const OLD: VersionAnswer = { version: OLD_VERSION };

/** The event Amazon ECS sends at `stage` (the documented POST_PRODUCTION_TRAFFIC_SHIFT shape). */
export function ecsEvent(
  stage = "POST_PRODUCTION_TRAFFIC_SHIFT",
  overrides: {
    serviceArn?: string;
    executionId?: string;
    hookDetails?: Record<string, unknown>;
  } = {},
) {
  return {
    executionId: overrides.executionId ?? EXECUTION_ID,
    lifecycleStage: stage,
    resourceArn: DEPLOYMENT_ARN,
    executionDetails: {
      serviceArn: overrides.serviceArn ?? SERVICE_ARN,
      targetServiceRevisionArn: GREEN_REVISION,
      testTrafficWeights: {},
      productionTrafficWeights: {},
    },
    ...(overrides.hookDetails === undefined ? {} : { hookDetails: overrides.hookDetails }),
  };
}

/** Parameter Store in memory, with the create-only semantics of `Overwrite: false`. */
export interface MemoryParameters {
  readonly values: Map<string, string>;
  readonly puts: PutParameterCommandInput[];
  /** Makes the next `n` writes to names under `prefix` fail with an internal error. */
  failWrites(prefix: string, n: number): void;
}

export interface EcsFixture {
  readonly ecs: AwsClientStub<ECSClient>;
  readonly elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  readonly ssm: AwsClientStub<SSMClient>;
  readonly secrets: AwsClientStub<SecretsManagerClient>;
  readonly clients: { ecs: ECSClient; elb: ElasticLoadBalancingV2Client; ssm: SSMClient };
  readonly secretsClient: SecretsManagerClient;
  readonly parameters: MemoryParameters;
}

export interface EcsFixtureOptions {
  readonly targetStates?: readonly TargetHealthStateEnum[];
  readonly deploymentStatus?: ServiceDeploymentStatus;
  readonly webhookUrl?: string;
}

export function mockEcsAws(options: EcsFixtureOptions = {}): EcsFixture {
  const ecsClient = new ECSClient({ region: REGION });
  const elbClient = new ElasticLoadBalancingV2Client({ region: REGION });
  const ssmClient = new SSMClient({ region: REGION });
  const secretsClient = new SecretsManagerClient({ region: REGION });
  const ecs = mockClient(ecsClient);
  const elb = mockClient(elbClient);
  const ssm = mockClient(ssmClient);
  const secrets = mockClient(secretsClient);

  ecs.on(DescribeServiceRevisionsCommand).resolves({
    serviceRevisions: [
      {
        serviceRevisionArn: GREEN_REVISION,
        serviceArn: SERVICE_ARN,
        clusterArn: CLUSTER_ARN,
        taskDefinition: TASK_DEFINITION_ARN,
        loadBalancers: [
          {
            targetGroupArn: BLUE_TG,
            containerName: "app",
            containerPort: 8080,
            advancedConfiguration: {
              alternateTargetGroupArn: GREEN_TG,
              productionListenerRule: PROD_RULE,
              testListenerRule: TEST_RULE,
              roleArn: `arn:aws:iam::${ACCOUNT}:role/greenlight-dev-ecs-infrastructure`,
            },
          },
        ],
        resolvedConfiguration: {
          loadBalancers: [{ targetGroupArn: GREEN_TG, productionListenerRule: PROD_RULE }],
        },
      },
    ],
    failures: [],
  });
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [
      {
        serviceDeploymentArn: DEPLOYMENT_ARN,
        serviceArn: SERVICE_ARN,
        clusterArn: CLUSTER_ARN,
        createdAt: CREATED_AT,
        status: options.deploymentStatus ?? "IN_PROGRESS",
        lifecycleStage: "POST_PRODUCTION_TRAFFIC_SHIFT",
        targetServiceRevision: { arn: GREEN_REVISION },
        sourceServiceRevisions: [{ arn: BLUE_REVISION }],
      },
    ],
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerDefinitions: [
        { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable" },
        { name: "app", image: IMAGE_URI, environment: buildEnvironment() },
      ],
    },
  });
  const rule = (ruleArn: string, host: string) => ({
    RuleArn: ruleArn,
    Priority: "10",
    Conditions: [{ Field: "host-header", HostHeaderConfig: { Values: [host] } }],
    Actions: [
      {
        Type: "forward" as const,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE_TG, Weight: 0 },
            { TargetGroupArn: GREEN_TG, Weight: 100 },
          ],
        },
      },
    ],
  });
  elb.on(DescribeRulesCommand, { RuleArns: [PROD_RULE] }).resolves({
    Rules: [rule(PROD_RULE, "checkout.shop.example.com")],
  });
  elb.on(DescribeRulesCommand, { RuleArns: [TEST_RULE] }).resolves({
    Rules: [rule(TEST_RULE, "checkout.shop.example.com")],
  });
  elb.on(DescribeListenersCommand, { ListenerArns: [LISTENER_ARN] }).resolves({
    Listeners: [
      {
        ListenerArn: LISTENER_ARN,
        LoadBalancerArn: LOAD_BALANCER_ARN,
        Port: 443,
        Protocol: "HTTPS",
      },
    ],
  });
  elb.on(DescribeListenersCommand, { ListenerArns: [TEST_LISTENER_ARN] }).resolves({
    Listeners: [
      {
        ListenerArn: TEST_LISTENER_ARN,
        LoadBalancerArn: LOAD_BALANCER_ARN,
        Port: 9443,
        Protocol: "HTTPS",
      },
    ],
  });
  elb.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [
      { LoadBalancerArn: LOAD_BALANCER_ARN, DNSName: "shop-123456.eu-west-1.elb.amazonaws.com" },
    ],
  });
  const states = options.targetStates ?? ["healthy", "healthy"];
  elb.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: states.map((state, i) => ({
      Target: { Id: `10.0.${i + 1}.20`, Port: 8080 },
      TargetHealth: {
        State: state,
        ...(state === "unhealthy"
          ? { Reason: "Target.FailedHealthChecks", Description: "Health checks failed" }
          : {}),
      },
    })),
  });
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: options.webhookUrl ?? "http://127.0.0.1:9/services/T/B/unused" });

  const values = new Map<string, string>();
  const puts: PutParameterCommandInput[] = [];
  const failures: { prefix: string; left: number }[] = [];
  ssm.on(PutParameterCommand).callsFake(async (input: PutParameterCommandInput) => {
    const name = input.Name ?? "";
    const failure = failures.find((f) => name.startsWith(f.prefix) && f.left > 0);
    if (failure !== undefined) {
      failure.left -= 1;
      throw Object.assign(new Error("Parameter Store is unavailable"), {
        name: "InternalServerError",
      });
    }
    puts.push(input);
    if (values.has(name) && input.Overwrite !== true) {
      throw new ParameterAlreadyExists({ message: `${name} exists`, $metadata: {} });
    }
    values.set(name, input.Value ?? "");
    return { Version: puts.filter((p) => p.Name === name).length, Tier: input.Tier };
  });
  ssm.on(GetParameterCommand).callsFake(async (input: { Name?: string }) => {
    const value = values.get(input.Name ?? "");
    if (value === undefined) {
      throw new ParameterNotFound({ message: `${input.Name} not found`, $metadata: {} });
    }
    return { Parameter: { Name: input.Name, Value: value, Version: 1 } };
  });
  return {
    ecs,
    elb,
    ssm,
    secrets,
    clients: { ecs: ecsClient, elb: elbClient, ssm: ssmClient },
    secretsClient,
    parameters: {
      values,
      puts,
      failWrites: (prefix, n) => failures.push({ prefix, left: n }),
    },
  };
}

/** The system clock plus an offset the driver moves forward by each call-back delay. */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return systemClock.now() + this.offsetMs;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }
}

export interface EcsScenario {
  readonly version?: (n: number) => VersionAnswer;
  /** What `/version` answers during the `i`-th invocation (1-based); overrides `version`. */
  readonly versionDuring?: (invocation: number) => VersionAnswer;
  readonly slack?: (n: number) => SlackAnswer;
  readonly aws?: EcsFixtureOptions;
  readonly env?: Record<string, string>;
  readonly event?: unknown;
  readonly remainingMs?: number;
  /** Adjusts the mocks; `invocation()` is the number of the invocation under way (1-based). */
  readonly arrange?: (aws: EcsFixture, invocation: () => number) => void;
  /** The most invocations the driver makes before it gives up. @default 40 */
  readonly maxInvocations?: number;
  /** Invoke this many copies of the first event at once (and nothing more). */
  readonly concurrent?: number;
  /** After the protocol has ended, invoke again with these events (duplicates, late calls). */
  readonly afterwards?: readonly unknown[];
}

export interface EcsScenarioResult {
  readonly runs: EcsHookRun[];
  readonly responses: EcsLifecycleHookResponse[];
  /** What each invocation took, wall-clock ms. */
  readonly invocationMs: number[];
  readonly aws: EcsFixture;
  readonly slack: SlackServer;
  readonly versionRequests: number;
  readonly memory: MemoryLogger;
  readonly clock: OffsetClock;
}

/** Settings that keep a test short: 3 answers in a row, 25 ms apart, 200 ms a slice. */
export function ecsTestEnv(versionUrl: string): Record<string, string> {
  return {
    [HookEnv.environment]: "dev",
    [HookEnv.slackSecretArn]: SLACK_SECRET_ARN,
    [HookEnv.probeConsecutive]: "3",
    [HookEnv.probeIntervalMs]: "25",
    [HookEnv.probeTimeoutMs]: "150",
    [HookEnv.probeDeadlineMs]: "6000",
    [HookEnv.reportReserveMs]: "1000",
    [HookEnv.probeBaseUrl]: versionUrl,
    [EcsHookEnv.clusterArn]: CLUSTER_ARN,
    [EcsHookEnv.callBackDelaySeconds]: "1",
    [EcsHookEnv.invocationBudgetMs]: "200",
  };
}

/** Runs the protocol to its end (or `maxInvocations`), then the `afterwards` invocations. */
export async function ecsScenario(spec: EcsScenario): Promise<EcsScenarioResult> {
  let invocationNumber = 0;
  const versionDuring = spec.versionDuring;
  const versionServer = await startVersionServer(
    versionDuring === undefined
      ? (spec.version ?? (() => NEW))
      : () => versionDuring(invocationNumber),
  );
  const slack = await startSlackServer(spec.slack);
  try {
    const aws = mockEcsAws({ webhookUrl: slack.webhookUrl, ...spec.aws });
    spec.arrange?.(aws, () => invocationNumber);
    const memory = createMemoryLogger();
    const clock = new OffsetClock();
    const source = secretsManagerWebhookSource(aws.secretsClient, SLACK_SECRET_ARN, clock);
    const deps: EcsHookDeps = {
      clients: aws.clients,
      env: { ...ecsTestEnv(versionServer.url), ...spec.env },
      clock,
      fetch: globalFetch,
      logger: memory.logger,
      webhookSource: () => source,
      region: REGION,
      slack: { baseDelayMs: 20, timeoutMs: 1000 },
    };
    const runs: EcsHookRun[] = [];
    const invocationMs: number[] = [];
    const invoke = async (event: unknown): Promise<EcsHookRun> => {
      invocationNumber += 1;
      const invoked = clock.now();
      const remainingMs = spec.remainingMs ?? 30_000;
      const context = { getRemainingTimeInMillis: () => remainingMs - (clock.now() - invoked) };
      const run = await runEcsLifecycleHook(event, context, deps);
      invocationMs.push(clock.now() - invoked);
      runs.push(run);
      return run;
    };
    let event: unknown = "event" in spec ? spec.event : ecsEvent();
    if (spec.concurrent !== undefined) {
      await Promise.all(Array.from({ length: spec.concurrent }, () => invoke(event)));
    }
    for (let i = 0; spec.concurrent === undefined && i < (spec.maxInvocations ?? 40); i += 1) {
      const run = await invoke(event);
      if (run.response.hookStatus !== "IN_PROGRESS") break;
      // What Amazon ECS does: wait, merge the returned hookDetails into the configured ones.
      clock.offsetMs += (run.response.callBackDelay ?? 30) * 1000;
      const previous = event as { hookDetails?: Record<string, unknown> };
      event = {
        ...previous,
        hookDetails: { ...previous.hookDetails, ...run.response.hookDetails },
      };
    }
    for (const late of spec.afterwards ?? []) await invoke(late);
    assertNoWebhookInLogs(memory, slack);
    return {
      runs,
      responses: runs.map((run) => run.response),
      invocationMs,
      aws,
      slack,
      versionRequests: versionServer.requests(),
      memory,
      clock,
    };
  } finally {
    await Promise.all([versionServer.close(), slack.close()]);
  }
}
