import { strict as assert } from "assert";
import { ecsDeploymentStrategy } from "../components/ecsEngine";
import { WILDCARD_RESOURCE_ACTIONS } from "../components/iam";
import { ecsStack, stackFileRaw, runStack, value, type Run, type StackName } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- mock inputs are untyped */

const policyOf = (run: Run, name: string) =>
  JSON.parse(run.named("aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
const trustOf = (run: Run, name: string) =>
  JSON.parse(run.named("aws:iam/role:Role", name).inputs.assumeRolePolicy);

describe("ecs engine (Amazon ECS native blue/green)", () => {
  const runs = new Map<string, Run>();
  before(async function () {
    this.timeout(180_000);
    for (const stack of ["dev", "staging", "prod"] as const) {
      runs.set(stack, await runStack(ecsStack(stack), stack));
    }
  });
  const run = (stack: string) => runs.get(stack)!;

  it("maps traffic shifting and the termination wait to strategy and bake times", () => {
    assert.deepEqual(ecsDeploymentStrategy({ type: "AllAtOnce", predefined: "AllAtOnce" }, 5), {
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: "5",
    });
    assert.deepEqual(
      ecsDeploymentStrategy({ type: "Linear", percent: 10, intervalMinutes: 3 }, 0),
      {
        strategy: "LINEAR",
        bakeTimeInMinutes: "0",
        linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: "3" },
      },
    );
    assert.deepEqual(
      ecsDeploymentStrategy({ type: "Canary", percent: 10, intervalMinutes: 5 }, 60),
      {
        strategy: "CANARY",
        bakeTimeInMinutes: "60",
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "5" },
      },
    );
    for (const [stack, strategy] of [
      ["dev", "BLUE_GREEN"],
      ["staging", "LINEAR"],
      ["prod", "CANARY"],
    ]) {
      for (const svc of run(stack).ofType("aws:ecs/service:Service")) {
        assert.equal(svc.inputs.deploymentController.type, "ECS");
        assert.equal(svc.inputs.deploymentConfiguration.strategy, strategy, stack);
        const raw = stackFileRaw(stack as StackName);
        assert.equal(
          svc.inputs.deploymentConfiguration.bakeTimeInMinutes,
          String(raw.deployment.terminationWaitMinutes ?? 5),
        );
      }
    }
  });

  it("creates no CodeDeploy resource at all", () => {
    for (const stack of runs.keys()) {
      const codeDeploy = run(stack).resources.filter((r) => r.type.startsWith("aws:codedeploy/"));
      assert.deepEqual(codeDeploy, [], stack);
      const roles = run(stack).ofType("aws:iam/role:Role");
      for (const role of roles) {
        assert.doesNotMatch(role.inputs.assumeRolePolicy, /codedeploy/, role.name);
      }
      for (const policy of run(stack).ofType("aws:iam/rolePolicy:RolePolicy")) {
        assert.doesNotMatch(policy.inputs.policy, /codedeploy:/, policy.name);
      }
      const actions = run(stack)
        .ofType("aws:codepipeline/pipeline:Pipeline")
        .flatMap((p) => p.inputs.stages.flatMap((s: any) => s.actions));
      assert.ok(actions.every((a: any) => a.provider !== "CodeDeployToECS"));
    }
  });

  it("puts every service on one 443 listener (a 404 by default) and one test listener", async () => {
    const prod = run("prod");
    const listeners = prod.ofType("aws:lb/listener:Listener");
    assert.deepEqual(listeners.map((l) => [l.name, l.inputs.port, l.inputs.protocol]).sort(), [
      ["prod-prod", 443, "HTTPS"],
      ["prod-redirect", 80, "HTTP"],
      ["prod-test", 8443, "HTTPS"],
    ]);
    const shared = prod.named("aws:lb/listener:Listener", "prod-prod");
    assert.deepEqual(shared.inputs.defaultActions, [
      {
        type: "fixed-response",
        fixedResponse: {
          contentType: "text/plain",
          messageBody: "Not found: no Greenlight service is routed here.",
          statusCode: "404",
        },
      },
    ]);
    const rules = prod.ofType("aws:lb/listenerRule:ListenerRule");
    const services = ecsStack("prod").services;
    assert.equal(rules.length, services.length * 2);
    services.forEach((s: any, i: number) => {
      for (const role of ["prod", "test"]) {
        const rule = prod.named("aws:lb/listenerRule:ListenerRule", `${s.name}-${role}`);
        assert.equal(
          rule.inputs.listenerArn,
          prod.named("aws:lb/listener:Listener", `prod-${role}`).state.arn,
        );
        assert.equal(rule.inputs.priority, (i + 1) * 10);
        assert.deepEqual(
          rule.inputs.conditions,
          s.hostname
            ? [{ hostHeader: { values: [s.hostname] } }]
            : [{ pathPattern: { values: [s.pathPattern] } }],
        );
        const blue = prod.named("aws:lb/targetGroup:TargetGroup", `${s.name}-blue`).state.arn;
        const green = prod.named("aws:lb/targetGroup:TargetGroup", `${s.name}-green`).state.arn;
        assert.deepEqual(rule.inputs.actions, [
          {
            type: "forward",
            forward: {
              targetGroups: [
                { arn: blue, weight: 100 },
                { arn: green, weight: 0 },
              ],
            },
          },
        ]);
        assert.deepEqual(rule.ignoreChanges, ["actions"]);
      }
    });
    const outputs = prod.outputs.services;
    assert.equal(await value(outputs[services[0].name].prodUrl), `https://${services[0].hostname}`);
    assert.equal(
      await value(outputs[services[0].name].testUrl),
      `https://${services[0].hostname}:8443`,
    );
    if (services.length > 1) {
      assert.equal(
        await value(outputs[services[1].name].prodUrl),
        `https://shop.example.com/${services[1].name}`,
      );
    }
    assert.equal(prod.outputs.engine, "ecs");
    assert.equal(prod.outputs.codeDeployApplication, undefined);
  });

  it("opens only 80 and 443 to anywhere; the test port to the VPC and its ranges", () => {
    for (const stack of runs.keys()) {
      const open = run(stack)
        .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
        .map((r) => r.inputs.fromPort);
      assert.ok(open.length > 0);
      assert.ok(
        open.every((p: number) => p === 80 || p === 443),
        `${stack}: ${open}`,
      );
    }
  });

  it("points advancedConfiguration at the service's own rules, target groups and role", () => {
    const dev = run("dev");
    for (const s of ecsStack("dev").services) {
      const svc = dev.named("aws:ecs/service:Service", `${s.name}-service`);
      const [lb] = svc.inputs.loadBalancers;
      const arn = (type: string, name: string) => dev.named(type, name).state.arn;
      assert.equal(lb.targetGroupArn, arn("aws:lb/targetGroup:TargetGroup", `${s.name}-blue`));
      assert.deepEqual(lb.advancedConfiguration, {
        alternateTargetGroupArn: arn("aws:lb/targetGroup:TargetGroup", `${s.name}-green`),
        productionListenerRule: arn("aws:lb/listenerRule:ListenerRule", `${s.name}-prod`),
        testListenerRule: arn("aws:lb/listenerRule:ListenerRule", `${s.name}-test`),
        roleArn: arn("aws:iam/role:Role", `${s.name}-ecs-infrastructure`),
      });
      assert.deepEqual(svc.ignoreChanges, [
        "taskDefinition",
        "loadBalancers",
        "networkConfiguration",
        "platformVersion",
      ]);
      assert.deepEqual(svc.inputs.alarms, {
        alarmNames: [`${s.name}-5xx-0a1b2c3`, `${s.name}-unhealthy-0a1b2c3`],
        enable: true,
        rollback: true,
      });
      assert.deepEqual(trustOf(dev, `${s.name}-ecs-infrastructure`).Statement[0].Principal, {
        Service: "ecs.amazonaws.com",
      });
      const statements = policyOf(dev, `${s.name}-ecs-infrastructure`).Statement;
      const shift = statements.find((st: any) => st.Sid === "ShiftTraffic");
      assert.deepEqual(shift.Resource, [
        arn("aws:lb/listener:Listener", "dev-prod"),
        arn("aws:lb/listener:Listener", "dev-test"),
        arn("aws:lb/listenerRule:ListenerRule", `${s.name}-prod`),
        arn("aws:lb/listenerRule:ListenerRule", `${s.name}-test`),
      ]);
      const targets = statements.find((st: any) => st.Sid === "RegisterTargets");
      assert.deepEqual(targets.Resource, [
        arn("aws:lb/targetGroup:TargetGroup", `${s.name}-blue`),
        arn("aws:lb/targetGroup:TargetGroup", `${s.name}-green`),
      ]);
    }
  });

  it("registers the ECS live hook at POST_PRODUCTION_TRAFFIC_SHIFT, invoked by a role ECS trusts", () => {
    const dev = run("dev");
    const fn = dev.named("aws:lambda/function:Function", "dev-hook");
    assert.equal(
      fn.inputs.environment.variables.GREENLIGHT_ECS_CLUSTER_ARN,
      dev.named("aws:ecs/cluster:Cluster", "dev").state.arn,
    );
    assert.equal(fn.inputs.environment.variables.GREENLIGHT_ECS_SERVICE_NAMES, "web,orders");
    assert.ok(fn.inputs.timeout <= 900);
    for (const svc of dev.ofType("aws:ecs/service:Service")) {
      assert.deepEqual(svc.inputs.deploymentConfiguration.lifecycleHooks, [
        {
          hookTargetArn: fn.state.arn,
          roleArn: dev.named("aws:iam/role:Role", "dev-invoker").state.arn,
          lifecycleStages: ["POST_PRODUCTION_TRAFFIC_SHIFT"],
        },
      ]);
    }
    assert.deepEqual(trustOf(dev, "dev-invoker").Statement[0].Principal, {
      Service: "ecs.amazonaws.com",
    });
    assert.deepEqual(policyOf(dev, "dev-invoker").Statement, [
      {
        Sid: "InvokeHook",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: fn.state.arn,
      },
    ]);
  });

  it("grants only named resources, besides the actions that have none", () => {
    for (const stack of runs.keys()) {
      for (const policy of run(stack).ofType("aws:iam/rolePolicy:RolePolicy")) {
        for (const st of JSON.parse(policy.inputs.policy).Statement) {
          if (st.Resource === "*") {
            for (const action of st.Action) {
              assert.ok(WILDCARD_RESOURCE_ACTIONS.has(action), `${policy.name}: ${action} on *`);
            }
          }
        }
      }
    }
    const hook = policyOf(run("dev"), "dev-hook").Statement;
    assert.deepEqual(hook.find((s: any) => s.Sid === "VerdictMarkers").Resource, [
      "arn:aws:ssm:eu-west-1:123456789012:parameter/greenlight/dev/web/ecs-verdicts/*",
      "arn:aws:ssm:eu-west-1:123456789012:parameter/greenlight/dev/orders/ecs-verdicts/*",
    ]);
  });

  it("deploys from the pipeline with a CodeBuild step scoped to its service", () => {
    const prod = run("prod");
    for (const s of ecsStack("prod").services) {
      const pipeline = prod.named("aws:codepipeline/pipeline:Pipeline", `${s.name}-pipeline`);
      const deploy = pipeline.inputs.stages.at(-1);
      const project = prod.named("aws:codebuild/project:Project", `${s.name}-deploy`);
      assert.deepEqual(deploy.actions[0].configuration, { ProjectName: project.state.name });
      assert.equal(deploy.actions[0].provider, "CodeBuild");
      assert.equal(project.inputs.environment.privilegedMode, false);
      assert.ok(project.inputs.buildTimeout >= 5 && project.inputs.buildTimeout <= 2160);
      const service = prod.named("aws:ecs/service:Service", `${s.name}-service`).state.arn;
      const statements = policyOf(prod, `${s.name}-deploy`).Statement;
      assert.deepEqual(statements.find((st: any) => st.Sid === "Deploy").Resource, service);
      assert.deepEqual(
        statements.find((st: any) => st.Sid === "WatchDeployment").Resource,
        `${service.replace(":service/", ":service-deployment/")}/*`,
      );
      const pipelineStatements = policyOf(prod, `${s.name}-pipeline`).Statement;
      assert.deepEqual(pipelineStatements.find((st: any) => st.Sid === "Build").Resource, [
        prod.named("aws:codebuild/project:Project", `${s.name}-build`).state.arn,
        project.state.arn,
      ]);
    }
  });
});
