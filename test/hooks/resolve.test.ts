import { strict as assert } from "node:assert";
import { GetDeploymentCommand } from "@aws-sdk/client-codedeploy";
import { DescribeTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import {
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { readAppSpec } from "../../hooks/codedeploy/appspec";
import {
  liveTargetGroupArn,
  readTargetHealth,
  regionOfArn,
  resolveDeployment,
  versionUrl,
} from "../../hooks/codedeploy/resolve";
import { secretsManagerWebhookSource, webhookUrlFromSecret } from "../../hooks/codedeploy/webhook";
import { cachedWebhookSources } from "../../hooks/shared/webhook";
import {
  APPLICATION,
  appSpecYaml,
  BLUE_TG,
  buildEnvironment,
  COMMIT,
  DEPLOYMENT_GROUP,
  DEPLOYMENT_ID,
  deploymentOutput,
  GREEN_TG,
  mockAws,
  TASK_DEFINITION_ARN,
  IMAGE_URI,
} from "./helpers/aws-fixtures";
import { FakeClock } from "./helpers/fake-clock";

describe("hooks/codedeploy readAppSpec", () => {
  it("reads the task definition and container from YAML AppSpec content", () => {
    assert.deepEqual(readAppSpec(appSpecYaml()), {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerName: "app",
      containerPort: 8080,
    });
  });

  it("reads unquoted and single-quoted YAML scalars and ignores comments", () => {
    const yaml = [
      "version: 0.0",
      "Resources:",
      "  - TargetService:",
      "      Type: AWS::ECS::Service",
      "      Properties:",
      `        TaskDefinition: ${TASK_DEFINITION_ARN}   # rendered by CodePipeline`,
      "        LoadBalancerInfo:",
      "          ContainerName: 'web'",
    ].join("\n");
    assert.deepEqual(readAppSpec(yaml), {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerName: "web",
    });
  });

  it("reads JSON AppSpec content", () => {
    const json = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: TASK_DEFINITION_ARN,
              LoadBalancerInfo: { ContainerName: "app", ContainerPort: 8080 },
            },
          },
        },
      ],
    });
    assert.deepEqual(readAppSpec(json), {
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerName: "app",
      containerPort: 8080,
    });
  });

  it("fails clearly without a task definition, on broken JSON and on two target services", () => {
    assert.throws(
      () => readAppSpec("version: 0.0\nResources: []\n"),
      /no Resources\[0\]\.TargetService\.Properties\.TaskDefinition/,
    );
    assert.throws(() => readAppSpec('{"Resources": ['), /looks like JSON but does not parse/);
    assert.throws(
      () => readAppSpec(`${appSpecYaml()}\n${appSpecYaml()}`),
      /names TaskDefinition 2 times/,
    );
    assert.throws(() => readAppSpec("  "), /empty/);
  });
});

describe("hooks/codedeploy liveTargetGroupArn", () => {
  it("picks the forward target with the highest weight, skipping CodeDeploy's weight-0 old group", () => {
    const arn = liveTargetGroupArn([
      {
        Type: "forward",
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE_TG, Weight: 0 },
            { TargetGroupArn: GREEN_TG, Weight: 1 },
          ],
        },
      },
    ]);
    assert.equal(arn, GREEN_TG);
  });

  it("picks the heavier group during a canary and the plain TargetGroupArn when not weighted", () => {
    const canary = liveTargetGroupArn([
      {
        Type: "forward",
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE_TG, Weight: 90 },
            { TargetGroupArn: GREEN_TG, Weight: 10 },
          ],
        },
      },
    ]);
    assert.equal(canary, BLUE_TG);
    assert.equal(liveTargetGroupArn([{ Type: "forward", TargetGroupArn: GREEN_TG }]), GREEN_TG);
    assert.equal(liveTargetGroupArn([{ Type: "fixed-response" }]), undefined);
  });

  it("joins base URLs and paths and reads regions from ARNs", () => {
    assert.equal(versionUrl("http://alb:80/", "version"), "http://alb:80/version");
    assert.equal(versionUrl("https://api.example.com", "/v"), "https://api.example.com/v");
    assert.equal(regionOfArn(TASK_DEFINITION_ARN), "eu-west-1");
  });
});

describe("hooks/codedeploy resolveDeployment", () => {
  it("follows deployment → AppSpec → task definition and deployment group → listener → load balancer", async () => {
    const aws = mockAws();
    const resolved = await resolveDeployment(DEPLOYMENT_ID, {
      codeDeploy: aws.codeDeployClient,
      ecs: aws.ecsClient,
      elb: aws.elbClient,
    });
    assert.deepEqual(resolved, {
      deploymentId: DEPLOYMENT_ID,
      applicationName: APPLICATION,
      deploymentGroupName: DEPLOYMENT_GROUP,
      createdAt: aws.createdAt.getTime(),
      taskDefinitionArn: TASK_DEFINITION_ARN,
      containerName: "app",
      image: IMAGE_URI,
      build: {
        version: "1.4.3",
        commit: COMMIT,
        ref: "main",
        refType: "branch",
        commitMessage: "Fix checkout totals & rounding",
        author: "Ada Lovelace",
      },
      service: "checkout",
      environment: "dev",
      repositoryUrl: "https://github.com/acme/shop",
      versionPath: "/version",
      versionUrl: "http://shop-123456.eu-west-1.elb.amazonaws.com:80/version",
      targetGroupArn: GREEN_TG,
    });
    assert.deepEqual(aws.ecs.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input, {
      taskDefinition: TASK_DEFINITION_ARN,
    });
  });

  it("reads where a promoted release came from (GREENLIGHT_PROMOTED_*), for its release record", async () => {
    const aws = mockAws();
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: TASK_DEFINITION_ARN,
        containerDefinitions: [
          {
            name: "app",
            image: IMAGE_URI,
            environment: [
              ...buildEnvironment(),
              { name: "GREENLIGHT_PROMOTED_FROM", value: "staging" },
              { name: "GREENLIGHT_PROMOTED_DEPLOYMENT", value: "d-STAGING42" },
            ],
          },
        ],
      },
    });
    const clients = { codeDeploy: aws.codeDeployClient, ecs: aws.ecsClient, elb: aws.elbClient };
    const resolved = await resolveDeployment(DEPLOYMENT_ID, clients);
    assert.deepEqual(resolved.promotedFrom, {
      environment: "staging",
      deploymentId: "d-STAGING42",
    });
    const built = await resolveDeployment(DEPLOYMENT_ID, {
      ...clients,
      ecs: mockAws().ecsClient,
    });
    assert.equal(built.promotedFrom, undefined);
  });

  it("probes the override base URL without asking for the load balancer", async () => {
    const aws = mockAws();
    const resolved = await resolveDeployment(
      DEPLOYMENT_ID,
      { codeDeploy: aws.codeDeployClient, ecs: aws.ecsClient, elb: aws.elbClient },
      { probeBaseUrl: "https://api.example.com" },
    );
    assert.equal(resolved.versionUrl, "https://api.example.com/version");
    assert.equal(aws.elb.commandCalls(DescribeLoadBalancersCommand).length, 0);
  });

  it("probes the configured host with each listener's own protocol and port", async () => {
    const aws = mockAws();
    const resolved = await resolveDeployment(
      DEPLOYMENT_ID,
      { codeDeploy: aws.codeDeployClient, ecs: aws.ecsClient, elb: aws.elbClient },
      { probeHost: "shop.example.com" },
    );
    assert.equal(resolved.versionUrl, "http://shop.example.com:80/version");
    assert.equal(aws.elb.commandCalls(DescribeLoadBalancersCommand).length, 0);
  });

  it("reads a revision given as a String revision too", async () => {
    const aws = mockAws();
    const info = deploymentOutput().deploymentInfo;
    aws.codeDeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        ...info,
        revision: { revisionType: "String", string: { content: appSpecYaml(), sha256: "0" } },
      },
    });
    const resolved = await resolveDeployment(DEPLOYMENT_ID, {
      codeDeploy: aws.codeDeployClient,
      ecs: aws.ecsClient,
      elb: aws.elbClient,
    });
    assert.equal(resolved.taskDefinitionArn, TASK_DEFINITION_ARN);
  });

  it("fails naming the variable when the task definition carries no version", async () => {
    const aws = mockAws();
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        containerDefinitions: [{ name: "app", environment: [{ name: "PORT", value: "8080" }] }],
      },
    });
    await assert.rejects(
      resolveDeployment(DEPLOYMENT_ID, {
        codeDeploy: aws.codeDeployClient,
        ecs: aws.ecsClient,
        elb: aws.elbClient,
      }),
      {
        name: "ResolveError",
        message: new RegExp(`container app of task definition .* has no GREENLIGHT_VERSION`),
      },
    );
  });

  it("reads target health into core states", async () => {
    const aws = mockAws({ targetStates: ["healthy", "unhealthy"] });
    const targets = await readTargetHealth(aws.elbClient, GREEN_TG);
    assert.deepEqual(targets, [
      { id: "10.0.1.10", port: 8080, state: "healthy" },
      {
        id: "10.0.2.10",
        port: 8080,
        state: "unhealthy",
        reason: "Target.FailedHealthChecks",
        description: "Health checks failed",
      },
    ]);
    assert.equal(
      aws.elb.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input.TargetGroupArn,
      GREEN_TG,
    );
  });
});

describe("hooks/codedeploy Slack webhook secret", () => {
  const url = "https://hooks.slack.com/services/T0/B0/secretsecret";

  it("accepts the URL itself or JSON with webhookUrl", () => {
    assert.equal(webhookUrlFromSecret(` ${url}\n`), url);
    assert.equal(webhookUrlFromSecret(JSON.stringify({ webhookUrl: url })), url);
  });

  it("rejects what is not a URL without echoing the secret", () => {
    for (const bad of [
      "",
      "hooks.slack.com/services/x/secretsecret",
      '{"other":1}',
      "ftp://secretsecret",
    ]) {
      assert.throws(
        () => webhookUrlFromSecret(bad),
        (error: Error) =>
          error.name === "WebhookSecretError" && !error.message.includes("secretsecret"),
      );
    }
  });

  it("reads the secret once and reuses it until invalidated or expired", async () => {
    const aws = mockAws({ webhookUrl: url });
    const clock = new FakeClock();
    const source = secretsManagerWebhookSource(aws.secretsClient, "arn:secret", clock, 60_000);
    assert.equal(await source.get(), url);
    assert.equal(await source.get(), url);
    assert.equal(aws.secrets.commandCalls(GetSecretValueCommand).length, 1);
    source.invalidate();
    await source.get();
    assert.equal(aws.secrets.commandCalls(GetSecretValueCommand).length, 2);
    await clock.sleep(60_000);
    await source.get();
    assert.equal(aws.secrets.commandCalls(GetSecretValueCommand).length, 3);
    assert.equal(
      aws.secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId,
      "arn:secret",
    );
  });

  it("keeps one source per secret for warm invocations", async () => {
    const aws = mockAws({ webhookUrl: url });
    const sources = cachedWebhookSources(aws.secretsClient, new FakeClock());
    assert.equal(sources("arn:a"), sources("arn:a"));
    assert.notEqual(sources("arn:a"), sources("arn:b"));
    await sources("arn:a").get();
    await sources("arn:a").get();
    assert.equal(aws.secrets.commandCalls(GetSecretValueCommand).length, 1);
  });
});
