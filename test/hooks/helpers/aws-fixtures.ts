import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetHealthStateEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { BuildEnv } from "../../../hooks/core/build-metadata";

export const REGION = "eu-west-1";
export const DEPLOYMENT_ID = "d-TEST12345";
export const EXECUTION_ID = "a1b2c3d4-hook-execution";
export const APPLICATION = "shop-checkout";
export const DEPLOYMENT_GROUP = "shop-checkout-dev";
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:123456789012:task-definition/shop-checkout:42`;
export const LISTENER_ARN = `arn:aws:elasticloadbalancing:${REGION}:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`;
export const LOAD_BALANCER_ARN = `arn:aws:elasticloadbalancing:${REGION}:123456789012:loadbalancer/app/shop/50dc6c495c0c9188`;
export const BLUE_TG = `arn:aws:elasticloadbalancing:${REGION}:123456789012:targetgroup/shop-checkout-blue/aaaa`;
export const GREEN_TG = `arn:aws:elasticloadbalancing:${REGION}:123456789012:targetgroup/shop-checkout-green/bbbb`;
export const SLACK_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:greenlight/dev/slack-AbCdEf`;
export const NEW_VERSION = "1.4.3";
export const OLD_VERSION = "1.4.2";
export const COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
/** How long before the hook runs the fixture deployment was created. */
export const DEPLOYMENT_AGE_MS = 5 * 60 * 1000;

/** When the fixture deployment was created, `DEPLOYMENT_AGE_MS` before `now` (the test's clock). */
export function createdAt(now: number = Date.now()): Date {
  return new Date(now - DEPLOYMENT_AGE_MS);
}
export const IMAGE_URI =
  "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-checkout@sha256:" + "ab12".repeat(16);

/** The AppSpec CodePipeline's CodeDeployToECS action hands CodeDeploy, in YAML. */
export function appSpecYaml(taskDefinitionArn: string = TASK_DEFINITION_ARN): string {
  return [
    "version: 0.0",
    "Resources:",
    "  - TargetService:",
    "      Type: AWS::ECS::Service",
    "      Properties:",
    `        TaskDefinition: "${taskDefinitionArn}"`,
    "        LoadBalancerInfo:",
    '          ContainerName: "app"',
    "          ContainerPort: 8080",
    "Hooks:",
    '  - AfterAllowTraffic: "greenlight-live-hook-dev"',
    "",
  ].join("\n");
}

/** The container environment CodeBuild writes into taskdef.json. */
export function buildEnvironment(version: string = NEW_VERSION): { name: string; value: string }[] {
  return [
    { name: BuildEnv.version, value: version },
    { name: BuildEnv.commit, value: COMMIT },
    { name: BuildEnv.ref, value: "main" },
    { name: BuildEnv.refType, value: "branch" },
    { name: BuildEnv.commitMessage, value: "Fix checkout totals & rounding" },
    { name: BuildEnv.author, value: "Ada Lovelace" },
    { name: BuildEnv.service, value: "checkout" },
    { name: BuildEnv.environment, value: "dev" },
    { name: BuildEnv.versionPath, value: "/version" },
    { name: BuildEnv.repositoryUrl, value: "https://github.com/acme/shop" },
  ];
}

export interface AwsFixture {
  readonly codeDeployClient: CodeDeployClient;
  readonly ecsClient: ECSClient;
  readonly elbClient: ElasticLoadBalancingV2Client;
  readonly secretsClient: SecretsManagerClient;
  readonly ssmClient: SSMClient;
  readonly codeDeploy: AwsClientStub<CodeDeployClient>;
  readonly ecs: AwsClientStub<ECSClient>;
  readonly elb: AwsClientStub<ElasticLoadBalancingV2Client>;
  readonly secrets: AwsClientStub<SecretsManagerClient>;
  readonly ssm: AwsClientStub<SSMClient>;
  /** The deployment's creation time GetDeployment answers (set when the mocks were made). */
  readonly createdAt: Date;
}

export interface FixtureOptions {
  /** @default - every target healthy */
  readonly targetStates?: readonly TargetHealthStateEnum[];
  /** @default - a local URL that nobody listens on */
  readonly webhookUrl?: string;
}

/** AWS clients with each instance's `send` mocked to describe one healthy blue/green deployment. */
export function mockAws(options: FixtureOptions = {}): AwsFixture {
  const codeDeployClient = new CodeDeployClient({ region: REGION });
  const ecsClient = new ECSClient({ region: REGION });
  const elbClient = new ElasticLoadBalancingV2Client({ region: REGION });
  const secretsClient = new SecretsManagerClient({ region: REGION });
  const ssmClient = new SSMClient({ region: REGION });
  const codeDeploy = mockClient(codeDeployClient);
  const ecs = mockClient(ecsClient);
  const elb = mockClient(elbClient);
  const secrets = mockClient(secretsClient);
  const ssm = mockClient(ssmClient);

  const created = createdAt();
  codeDeploy.on(GetDeploymentCommand).resolves(deploymentOutput(created));
  codeDeploy.on(GetDeploymentGroupCommand).resolves(deploymentGroupOutput());
  codeDeploy
    .on(PutLifecycleEventHookExecutionStatusCommand)
    .resolves({ lifecycleEventHookExecutionId: EXECUTION_ID });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerDefinitions: [
        {
          name: "log-router",
          image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
          environment: [],
        },
        { name: "app", image: IMAGE_URI, environment: buildEnvironment() },
      ],
    },
  });
  elb.on(DescribeListenersCommand).resolves({
    Listeners: [
      {
        ListenerArn: LISTENER_ARN,
        LoadBalancerArn: LOAD_BALANCER_ARN,
        Port: 80,
        Protocol: "HTTP",
        DefaultActions: [
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 0 },
                { TargetGroupArn: GREEN_TG, Weight: 100 },
              ],
            },
          },
        ],
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
      Target: { Id: `10.0.${i + 1}.10`, Port: 8080 },
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
  ssm.on(PutParameterCommand).resolves({ Version: 7, Tier: "Standard" });
  return {
    codeDeployClient,
    ecsClient,
    elbClient,
    secretsClient,
    ssmClient,
    codeDeploy,
    ecs,
    elb,
    secrets,
    ssm,
    createdAt: created,
  };
}

export function deploymentOutput(created: Date = createdAt()) {
  return {
    deploymentInfo: {
      deploymentId: DEPLOYMENT_ID,
      applicationName: APPLICATION,
      deploymentGroupName: DEPLOYMENT_GROUP,
      createTime: created,
      revision: {
        revisionType: "AppSpecContent" as const,
        appSpecContent: { content: appSpecYaml(), sha256: "0".repeat(64) },
      },
    },
  };
}

export function deploymentGroupOutput() {
  return {
    deploymentGroupInfo: {
      applicationName: APPLICATION,
      deploymentGroupName: DEPLOYMENT_GROUP,
      ecsServices: [{ clusterName: "shop", serviceName: "checkout" }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: "shop-checkout-blue" }, { name: "shop-checkout-green" }],
            prodTrafficRoute: { listenerArns: [LISTENER_ARN] },
          },
        ],
      },
    },
  };
}
