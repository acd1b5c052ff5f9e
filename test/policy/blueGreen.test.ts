import { strict as assert } from "assert";
import {
  blueGreenTrafficControl,
  codeDeployOwnedFieldsIgnored,
  ecsBlueGreenIntegrity,
  listenerHasOneOwner,
  rollbackOnAlarm,
  serviceUsesCodeDeployController,
  targetGroupPairMatches,
} from "../../policy/policies/blueGreen";
import { TYPES } from "../../policy/lib/types";
import { policies } from "../../policy/pack";
import { ecsStack, runStack, STACKS, type StackName } from "../harness";
import {
  find,
  fromRun,
  messages,
  UNKNOWN_STRING,
  validate,
  withEdit,
  type FakeResource,
} from "./fakes";
import { asPreview, programResources } from "./program";

/* eslint-disable @typescript-eslint/no-explicit-any -- edits reach into untyped resource props */

const pairOf = (p: Record<string, any>) => p.loadBalancerInfo.targetGroupPairInfo;

describe("blue/green integrity policies", function () {
  this.timeout(60_000);
  let dev: FakeResource[];
  before(async () => {
    dev = await programResources("dev");
  });
  const arnOf = (name: string) => String(find(dev, TYPES.listener, name).outputs?.arn);

  describe("greenlight-service-codedeploy-controller", () => {
    const check = (resources: FakeResource[]) =>
      validate([serviceUsesCodeDeployController], resources);

    it("passes the program's services, which run under CODE_DEPLOY", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails a deployed service without a controller (ECS by default), naming both and the fix", async () => {
      const edited = withEdit(dev, TYPES.ecsService, "orders-service", (p) => {
        delete p.deploymentController;
      });
      const found = await check(edited);
      assert.deepEqual(messages(found), [
        'Service "orders-service" (service name "orders") is deployed by DeploymentGroup ' +
          '"orders-group" but its deploymentController.type is "ECS". Set deploymentController: ' +
          '{ type: "CODE_DEPLOY" } on the service; the controller is fixed at creation, so ' +
          "Pulumi replaces the service.",
      ]);
      assert.match(found[0].urn, /::orders-service$/);
    });

    it("leaves services that no deployment group deploys alone, and same-named ones in other clusters", async () => {
      const worker: FakeResource = {
        type: TYPES.ecsService,
        name: "worker",
        props: { name: "worker", cluster: "arn:aws:ecs:eu-west-1:1:cluster/dev-0a1b2c3" },
      };
      const elsewhere: FakeResource = {
        type: TYPES.ecsService,
        name: "web-elsewhere",
        props: { name: "web", cluster: "arn:aws:ecs:eu-west-1:1:cluster/other" },
      };
      assert.deepEqual(await check([...dev, worker, elsewhere]), []);
    });

    it("decides nothing while the group's service name is unknown (preview)", async () => {
      const edited = withEdit(dev, TYPES.ecsService, "web-service", (p) => {
        p.deploymentController = { type: "ECS" };
      }).map((r) =>
        r.type === TYPES.deploymentGroup
          ? { ...r, outputs: { ...r.outputs, ecsService: { serviceName: UNKNOWN_STRING } } }
          : r,
      );
      assert.deepEqual(await check(edited), []);
    });
  });

  describe("greenlight-codedeploy-rollback-on-alarm", () => {
    const check = (resources: FakeResource[]) => validate([rollbackOnAlarm], resources);

    it("passes the program's deployment groups", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails a group that rolls back only on failure, with its alarms switched off", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        p.autoRollbackConfiguration = { enabled: true, events: ["DEPLOYMENT_FAILURE"] };
        p.alarmConfiguration = { enabled: false, alarms: [] };
      });
      assert.deepEqual(messages(await check(edited)), [
        'DeploymentGroup "web-group": autoRollbackConfiguration.events lacks ' +
          "DEPLOYMENT_STOP_ON_ALARM. Roll back on both DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM.",
        'DeploymentGroup "web-group": alarmConfiguration.enabled is false. Set ' +
          "alarmConfiguration: { enabled: true, alarms: [...] } with the service's 5xx and " +
          "unhealthy-target alarms, or alarms never stop a deployment.",
        'DeploymentGroup "web-group": alarmConfiguration.alarms is empty. Name at least one ' +
          "CloudWatch alarm (target 5xx, unhealthy targets) so a failing release stops and rolls back.",
      ]);
    });

    it("fails a group without automatic rollback", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        delete p.autoRollbackConfiguration;
      });
      const found = messages(await check(edited));
      assert.equal(found.length, 2);
      assert.match(found[0], /autoRollbackConfiguration.enabled is null/);
      assert.match(found[1], /lacks DEPLOYMENT_FAILURE and DEPLOYMENT_STOP_ON_ALARM/);
    });

    it("accepts alarms whose names are unknown until they exist (preview)", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        p.alarmConfiguration = { enabled: true, alarms: [UNKNOWN_STRING, UNKNOWN_STRING] };
      });
      assert.deepEqual(await check(edited), []);
    });
  });

  describe("greenlight-codedeploy-blue-green", () => {
    const check = (resources: FakeResource[]) => validate([blueGreenTrafficControl], resources);

    it("passes the program's deployment groups", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails an in-place group, a single target group and a missing production route", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        p.deploymentStyle = {
          deploymentType: "IN_PLACE",
          deploymentOption: "WITH_TRAFFIC_CONTROL",
        };
        pairOf(p).targetGroups = [pairOf(p).targetGroups[0]];
        pairOf(p).prodTrafficRoute = { listenerArns: [] };
      });
      assert.deepEqual(messages(await check(edited)), [
        'DeploymentGroup "web-group": deploymentStyle is {"deploymentType":"IN_PLACE",' +
          '"deploymentOption":"WITH_TRAFFIC_CONTROL"}. Set deploymentStyle: { deploymentType: ' +
          '"BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" }.',
        'DeploymentGroup "web-group": targetGroupPairInfo.targetGroups has 1 entries. Give ' +
          "exactly two: the blue and the green target group.",
        'DeploymentGroup "web-group": targetGroupPairInfo.prodTrafficRoute.listenerArns is ' +
          "empty. Name the service's production listener.",
      ]);
    });

    it("fails a pair that names the same target group twice", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        pairOf(p).targetGroups = [pairOf(p).targetGroups[0], pairOf(p).targetGroups[0]];
      });
      assert.deepEqual(messages(await check(edited)), [
        'DeploymentGroup "web-group": both targetGroupPairInfo.targetGroups entries name ' +
          '"web-blue-0a1b2c3". Name two different target groups, blue and green.',
      ]);
    });

    it("fails a group without load balancer info", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        delete p.loadBalancerInfo;
      });
      assert.match(messages(await check(edited))[0], /targetGroupPairInfo is missing/);
    });
  });

  describe("greenlight-target-group-pair-matches", () => {
    const check = (resources: FakeResource[]) => validate([targetGroupPairMatches], resources);

    it("passes the program's blue and green target groups", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails a green target group with another health check and port, on the group", async () => {
      const edited = withEdit(dev, TYPES.targetGroup, "web-green", (p) => {
        p.port = 8081;
        p.healthCheck = { ...(p.healthCheck as object), path: "/" };
      });
      const found = await check(edited);
      assert.deepEqual(messages(found), [
        'DeploymentGroup "web-group" shifts traffic between TargetGroup "web-blue" and ' +
          'TargetGroup "web-green", which differ in port, healthCheck. Create both from the ' +
          "same settings (only the name and tags may differ).",
      ]);
      assert.match(found[0].urn, /::web-group$/);
    });

    it("ignores tags and names, and decides nothing on unknown values or target groups outside the stack", async () => {
      const retagged = withEdit(dev, TYPES.targetGroup, "web-green", (p) => {
        p.tags = { other: "tag" };
      });
      assert.deepEqual(await check(retagged), []);
      const unknownPath = withEdit(dev, TYPES.targetGroup, "web-green", (p) => {
        p.port = 1;
        p.healthCheck = { ...(p.healthCheck as object), path: UNKNOWN_STRING };
      });
      assert.equal((await check(unknownPath)).length, 1, "the known port difference still counts");
      const external = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        pairOf(p).targetGroups = [{ name: "imported-blue" }, { name: "imported-green" }];
      });
      assert.deepEqual(await check(external), []);
    });
  });

  describe("greenlight-listener-one-owner", () => {
    const check = (resources: FakeResource[]) => validate([listenerHasOneOwner], resources);

    it("passes the program's listeners: one pair per service", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails a production listener that is another group's test listener", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "orders-group", (p) => {
        pairOf(p).prodTrafficRoute = { listenerArns: [arnOf("web-test")] };
      });
      const found = await check(edited);
      assert.deepEqual(messages(found), [
        'Listener "web-test" is the production route of DeploymentGroup "orders-group" and also ' +
          'the test route of DeploymentGroup "web-group". Give every deployment group its own ' +
          "production and test listeners (own ports).",
      ]);
      assert.match(found[0].urn, /::orders-group$/);
    });

    it("fails a group whose production and test routes are one listener", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "web-group", (p) => {
        pairOf(p).testTrafficRoute = { listenerArns: [arnOf("web-prod")] };
      });
      assert.match(messages(await check(edited))[0], /and also its own test route/);
    });

    it("fails two groups that share a production listener", async () => {
      const edited = withEdit(dev, TYPES.deploymentGroup, "orders-group", (p) => {
        pairOf(p).prodTrafficRoute = { listenerArns: [arnOf("web-prod")] };
      });
      assert.deepEqual(messages(await check(edited)), [
        'Listener "web-prod" is the production route of DeploymentGroup "web-group" and ' +
          'DeploymentGroup "orders-group". Each deployment group needs listeners of its own: ' +
          "CodeDeploy switches a listener's default action.",
      ]);
    });

    it("decides nothing on listener ARNs that are unknown (preview)", async () => {
      const edited = dev.map((r) =>
        r.type === TYPES.deploymentGroup
          ? withEdit([r], r.type, r.name, (p) => {
              pairOf(p).prodTrafficRoute = { listenerArns: [UNKNOWN_STRING] };
              pairOf(p).testTrafficRoute = { listenerArns: [UNKNOWN_STRING] };
            })[0]
          : r,
      );
      assert.deepEqual(await check(edited), []);
    });
  });

  describe("greenlight-codedeploy-owned-fields-ignored", () => {
    const check = (resources: FakeResource[]) =>
      validate([codeDeployOwnedFieldsIgnored], resources);

    it("passes the program's services and listeners", async () => {
      assert.deepEqual(await check(dev), []);
    });

    it("fails a CODE_DEPLOY service that would put its task definition back", async () => {
      const edited = dev.map((r) =>
        r.name === "web-service" ? { ...r, ignoreChanges: ["loadBalancers"] } : r,
      );
      assert.deepEqual(messages(await check(edited)), [
        'Service "web-service" runs under CODE_DEPLOY but does not ignore taskDefinition. Add ' +
          'ignoreChanges: ["taskDefinition","loadBalancers"] to its resource options: CodeDeploy ' +
          "owns them after the first deployment.",
      ]);
    });

    it("asks for desiredCount as well when autoscaling owns it", async () => {
      const target: FakeResource = {
        type: TYPES.appAutoscalingTarget,
        name: "web-scaling",
        props: {
          resourceId: "service/dev-0a1b2c3/web",
          scalableDimension: "ecs:service:DesiredCount",
          serviceNamespace: "ecs",
          minCapacity: 1,
          maxCapacity: 4,
        },
      };
      const found = messages(await check([...dev, target]));
      assert.equal(found.length, 1);
      assert.match(
        found[0],
        /^Service "web-service" runs under CODE_DEPLOY but does not ignore desiredCount/,
      );
    });

    it("fails an untagged listener that a deployment group switches, found by its ARN", async () => {
      const edited = dev.map((r) =>
        r.name === "orders-prod"
          ? {
              ...r,
              ignoreChanges: [],
              outputs: { ...r.outputs, tags: {} },
              props: { ...r.props, tags: {} },
            }
          : r,
      );
      assert.match(
        messages(await check(edited))[0],
        /^Listener "orders-prod" is switched by CodeDeploy but does not ignore defaultActions/,
      );
    });
  });
});

describe("greenlight-ecs-blue-green, and the pack on the ecs engine", function () {
  this.timeout(180_000);
  const stacks = new Map<StackName, FakeResource[]>();
  before(async () => {
    for (const stack of STACKS) {
      stacks.set(stack, fromRun((await runStack(ecsStack(stack), stack)).resources));
    }
  });
  const dev = () => stacks.get("dev")!;
  const check = (resources: FakeResource[]) => validate([ecsBlueGreenIntegrity], resources);

  for (const stack of STACKS) {
    it(`finds no violation of the whole pack in the ${stack} stack on ecs, nor in its preview`, async () => {
      assert.deepEqual(messages(await validate(policies, stacks.get(stack)!)), []);
      assert.deepEqual(messages(await validate(policies, asPreview(stacks.get(stack)!))), []);
    });
  }

  it("fails a rolling strategy, a missing hook and alarms without rollback, with the fix", async () => {
    const edited = withEdit(dev(), TYPES.ecsService, "web-service", (p: any) => {
      p.deploymentConfiguration.strategy = "ROLLING";
      p.deploymentConfiguration.lifecycleHooks = [];
      p.alarms.rollback = false;
    });
    assert.deepEqual(messages(await check(edited)), [
      'Service "web-service" (ECS controller): deploymentConfiguration.strategy is "ROLLING"; set BLUE_GREEN, LINEAR or CANARY.',
      'Service "web-service" (ECS controller): no lifecycle hook runs at POST_PRODUCTION_TRAFFIC_SHIFT; add the live hook there.',
      'Service "web-service" (ECS controller): alarms are not enabled with rollback; set alarms: { alarmNames, enable: true, rollback: true }.',
    ]);
  });

  it("fails a missing advanced configuration field and a rule without the green target group", async () => {
    let edited = withEdit(dev(), TYPES.ecsService, "orders-service", (p: any) => {
      delete p.loadBalancers[0].advancedConfiguration.testListenerRule;
    });
    assert.deepEqual(messages(await check(edited)), [
      'Service "orders-service" (ECS controller): loadBalancers[].advancedConfiguration lacks testListenerRule; set them.',
    ]);
    edited = withEdit(dev(), TYPES.listenerRule, "orders-prod", (p: any) => {
      p.actions[0].forward.targetGroups = p.actions[0].forward.targetGroups.slice(0, 1);
    });
    assert.deepEqual(messages(await check(edited)), [
      'Service "orders-service" (ECS controller): its productionListenerRule ListenerRule "orders-prod" does not forward to both target groups; forward to both (weights 100 and 0), or Amazon ECS rolls the deployment back.',
    ]);
  });

  it("fails when what Amazon ECS owns is not ignored, on the service or its rules", async () => {
    const edited = dev().map((r) =>
      (r.type === TYPES.ecsService && r.name === "web-service") ||
      (r.type === TYPES.listenerRule && r.name === "web-test")
        ? { ...r, ignoreChanges: [] }
        : r,
    );
    assert.deepEqual(messages(await check(edited)), [
      'Service "web-service" (ECS controller): its testListenerRule ListenerRule "web-test" does not ignore actions; add ignoreChanges: ["actions"].',
      'Service "web-service" (ECS controller): it does not ignore taskDefinition, loadBalancers; add ignoreChanges: ["taskDefinition","loadBalancers"] (Amazon ECS owns them after the first deployment).',
    ]);
  });

  it("leaves CODE_DEPLOY services, those a deployment group deploys, and the default controller alone", async () => {
    assert.deepEqual(messages(await check(await programResources("dev"))), []);
    const underEcs = withEdit(
      await programResources("dev"),
      TYPES.ecsService,
      "web-service",
      (p) => {
        p.deploymentController = { type: "ECS" };
      },
    );
    assert.deepEqual(messages(await check(underEcs)), []);
    const worker: FakeResource = {
      type: TYPES.ecsService,
      name: "worker",
      props: { name: "worker" },
    };
    assert.deepEqual(messages(await check([...dev(), worker])), []);
  });
});
