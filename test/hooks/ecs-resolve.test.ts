import { strict as assert } from "node:assert";
import { DescribeServiceRevisionsCommand } from "@aws-sdk/client-ecs";
import {
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  hostOfConditions,
  listenerArnOfRule,
  resolveServiceDeployment,
  ResolveError,
} from "../../hooks/ecs/resolve";
import { heaviestForwardTarget } from "../../hooks/shared/elb";
import { BLUE_TG, GREEN_TG, NEW_VERSION } from "./helpers/aws-fixtures";
import {
  CREATED_AT,
  DEPLOYMENT_ARN,
  GREEN_REVISION,
  LISTENER_ARN,
  mockEcsAws,
  PROD_RULE,
  SERVICE_ARN,
  TASK_DEFINITION_ARN,
  TEST_RULE,
} from "./helpers/ecs-scenario";

const IDS = {
  serviceDeploymentArn: DEPLOYMENT_ARN,
  serviceArn: SERVICE_ARN,
  targetServiceRevisionArn: GREEN_REVISION,
};

describe("hooks/ecs resolveServiceDeployment", () => {
  it("probes the production rule's own host with the listener's protocol and port", async () => {
    const aws = mockEcsAws();
    const resolved = await resolveServiceDeployment(IDS, aws.clients, { route: "production" });
    assert.equal(resolved.versionUrl, "https://checkout.shop.example.com:443/version");
    assert.equal(resolved.ruleArn, PROD_RULE);
    assert.equal(resolved.targetGroupArn, GREEN_TG, "the green revision's own target group");
    assert.equal(resolved.taskDefinitionArn, TASK_DEFINITION_ARN);
    assert.equal(resolved.build.version, NEW_VERSION);
    assert.equal(resolved.service, "checkout");
    assert.equal(resolved.clusterName, "shop");
    assert.equal(resolved.createdAt, CREATED_AT.getTime());
    assert.equal(resolved.status, "IN_PROGRESS");
    assert.equal(resolved.containerName, "app", "the load balancer's container, not the sidecar");
    assert.equal(aws.elb.commandCalls(DescribeLoadBalancersCommand).length, 0);
  });

  it("goes through the test listener rule at the test route", async () => {
    const aws = mockEcsAws();
    const resolved = await resolveServiceDeployment(IDS, aws.clients, { route: "test" });
    assert.equal(resolved.ruleArn, TEST_RULE);
    assert.equal(resolved.versionUrl, "https://checkout.shop.example.com:9443/version");
  });

  it("falls back to the load balancer's DNS name when the rule has no single plain host", async () => {
    const aws = mockEcsAws();
    aws.elb.on(DescribeRulesCommand, { RuleArns: [PROD_RULE] }).resolves({
      Rules: [
        {
          RuleArn: PROD_RULE,
          Conditions: [{ Field: "path-pattern", PathPatternConfig: { Values: ["/checkout/*"] } }],
          Actions: [{ Type: "forward", TargetGroupArn: GREEN_TG }],
        },
      ],
    });
    const resolved = await resolveServiceDeployment(IDS, aws.clients, { route: "production" });
    assert.equal(
      resolved.versionUrl,
      "https://shop-123456.eu-west-1.elb.amazonaws.com:443/version",
    );
  });

  it("prefers the configured base URL or host over what the rule says", async () => {
    const aws = mockEcsAws();
    const byBase = await resolveServiceDeployment(IDS, aws.clients, {
      route: "production",
      probeBaseUrl: "http://127.0.0.1:8080/",
    });
    assert.equal(byBase.versionUrl, "http://127.0.0.1:8080/version");
    const byHost = await resolveServiceDeployment(IDS, aws.clients, {
      route: "production",
      probeHost: "api.example.com",
    });
    assert.equal(byHost.versionUrl, "https://api.example.com:443/version");
  });

  it("says which piece is missing: the revision, its test rule, a revision of another service", async () => {
    const aws = mockEcsAws();
    aws.ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [],
      failures: [{ arn: GREEN_REVISION, reason: "MISSING", detail: "revision not found" }],
    });
    await assert.rejects(
      resolveServiceDeployment(IDS, aws.clients, { route: "production" }),
      (error: unknown) =>
        error instanceof ResolveError &&
        /did not return .* \(MISSING: revision not found\)/.test(error.message),
    );
    aws.ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [
        {
          serviceRevisionArn: GREEN_REVISION,
          serviceArn: SERVICE_ARN,
          taskDefinition: TASK_DEFINITION_ARN,
          loadBalancers: [
            {
              advancedConfiguration: {
                productionListenerRule: PROD_RULE,
                alternateTargetGroupArn: BLUE_TG,
                roleArn: "r",
              },
            },
          ],
        },
      ],
    });
    await assert.rejects(
      resolveServiceDeployment(IDS, aws.clients, { route: "test" }),
      /has no test listener rule \(loadBalancers\[0\]\.advancedConfiguration\.testListenerRule\)/,
    );
    aws.ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [
        {
          serviceRevisionArn: GREEN_REVISION,
          serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/shop/cart",
          taskDefinition: TASK_DEFINITION_ARN,
        },
      ],
    });
    await assert.rejects(
      resolveServiceDeployment(IDS, aws.clients, { route: "production" }),
      /belongs to arn:aws:ecs:eu-west-1:123456789012:service\/shop\/cart/,
    );
  });
});

describe("hooks/ecs rule helpers", () => {
  it("derives the listener ARN from an ALB listener rule ARN", () => {
    assert.equal(listenerArnOfRule(PROD_RULE), LISTENER_ARN);
    assert.equal(listenerArnOfRule(LISTENER_ARN), undefined);
    assert.equal(
      listenerArnOfRule("arn:aws:elasticloadbalancing:eu-west-1:1:listener-rule/net/a/b/c/d"),
      undefined,
    );
  });

  it("takes the host from a single plain host-header value only", () => {
    const host = (values: string[]) => [
      { Field: "host-header", HostHeaderConfig: { Values: values } },
    ];
    assert.equal(hostOfConditions(host(["Shop.Example.com"])), "shop.example.com");
    assert.equal(hostOfConditions(host(["*.example.com"])), undefined);
    assert.equal(hostOfConditions(host(["a.example.com", "b.example.com"])), undefined);
    assert.equal(
      hostOfConditions([{ Field: "host-header", Values: ["legacy.example.com"] }]),
      "legacy.example.com",
    );
    assert.equal(hostOfConditions([]), undefined);
  });

  it("finds the heaviest weighted target group, or the plain one", () => {
    assert.equal(
      heaviestForwardTarget([
        {
          Type: "forward",
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 10 },
              { TargetGroupArn: GREEN_TG, Weight: 90 },
            ],
          },
        },
      ]),
      GREEN_TG,
    );
    assert.equal(heaviestForwardTarget([{ Type: "forward", TargetGroupArn: BLUE_TG }]), BLUE_TG);
    assert.equal(heaviestForwardTarget([{ Type: "fixed-response" }]), undefined);
  });
});
