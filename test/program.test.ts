import { strict as assert } from "assert";
import { parseConfig } from "../components/config";
import { usesHttps } from "../components/domainRules";
import { HEALTH_CHECK, TLS_POLICY } from "../components/loadBalancer";
import { WILDCARD_RESOURCE_ACTIONS } from "../components/iam";
import { lifecyclePolicy } from "../components/registry";
import { CODEDEPLOY_OWNED_SERVICE_FIELDS } from "../components/service";
import { PLACEHOLDER_IMAGE } from "../components/taskdef";
import {
  ALB_HOSTED_ZONE_ID,
  runStack,
  stackFileRaw,
  TEST_ZONE_ID,
  STACKS,
  useStackRuns,
  value,
  type Recorded,
  type Run,
} from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const T = {
  service: "aws:ecs/service:Service",
  taskDef: "aws:ecs/taskDefinition:TaskDefinition",
  cluster: "aws:ecs/cluster:Cluster",
  tg: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  repo: "aws:ecr/repository:Repository",
  lifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  group: "aws:codedeploy/deploymentGroup:DeploymentGroup",
  deployConfig: "aws:codedeploy/deploymentConfig:DeploymentConfig",
  app: "aws:codedeploy/application:Application",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  nat: "aws:ec2/natGateway:NatGateway",
  eip: "aws:ec2/eip:Eip",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
  routeTable: "aws:ec2/routeTable:RouteTable",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

function count(run: Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of run.resources) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

function servicesConfig(n: number): Record<string, any> {
  const raw = stackFileRaw("dev");
  raw.services = Array.from({ length: n }, (_, i) => ({
    name: `svc${i}`,
    sourcePath: `services/svc${i}`,
    containerPort: 8080,
    prodPort: 8000 + i,
    testPort: 9000 + i,
  }));
  return raw;
}

describe("the Greenlight program", function () {
  this.timeout(60_000);
  const run = useStackRuns();

  for (const stack of STACKS) {
    describe(`stack ${stack}, from Pulumi.${stack}.yaml`, () => {
      const config = () => parseConfig(stackFileRaw(stack));

      it("runs every service under the CODE_DEPLOY controller, in the task subnets, ignoring what CodeDeploy owns", () => {
        const services = run(stack).ofType(T.service);
        assert.deepEqual(
          services.map((s) => s.inputs.name),
          config().services.map((s) => s.name),
        );
        const privateSubnets = run(stack)
          .ofType(T.subnet)
          .filter((s) => s.inputs.tags.tier === "private")
          .map((s) => `${s.name}-id`);
        for (const s of services) {
          assert.deepEqual(s.inputs.deploymentController, { type: "CODE_DEPLOY" });
          assert.equal(s.inputs.launchType, "FARGATE");
          const autoscaled = config().services.find((c) => c.name === s.inputs.name)!.autoscaling;
          assert.deepEqual(
            [...s.ignoreChanges].sort(),
            [...CODEDEPLOY_OWNED_SERVICE_FIELDS, ...(autoscaled ? ["desiredCount"] : [])].sort(),
          );
          assert.ok(
            s.ignoreChanges.includes("taskDefinition") && s.ignoreChanges.includes("loadBalancers"),
          );
          assert.deepEqual(s.inputs.networkConfiguration.subnets, privateSubnets);
          assert.equal(s.inputs.networkConfiguration.assignPublicIp, false);
          assert.deepEqual(s.dependsOn, [`${s.inputs.name}-prod`, `${s.inputs.name}-test`]);
          const blue = run(stack).named(T.tg, `${s.inputs.name}-blue`);
          assert.deepEqual(s.inputs.loadBalancers, [
            { containerName: s.inputs.name, containerPort: 8080, targetGroupArn: blue.state.arn },
          ]);
        }
      });

      it("gives each service a blue and a green ip target group with ~10 s health detection", () => {
        const c = config();
        for (const service of c.services) {
          for (const color of ["blue", "green"]) {
            const tg = run(stack).named(T.tg, `${service.name}-${color}`);
            assert.equal(tg.inputs.targetType, "ip");
            assert.equal(tg.inputs.port, service.containerPort);
            assert.equal(tg.inputs.deregistrationDelay, c.loadBalancer.deregistrationDelaySeconds);
            assert.deepEqual(tg.inputs.healthCheck, {
              enabled: true,
              protocol: "HTTP",
              path: service.healthCheckPath,
              port: "traffic-port",
              interval: HEALTH_CHECK.intervalSeconds,
              timeout: HEALTH_CHECK.timeoutSeconds,
              healthyThreshold: HEALTH_CHECK.healthyThreshold,
              unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
              matcher: "200-299",
            });
            assert.ok(HEALTH_CHECK.intervalSeconds * HEALTH_CHECK.healthyThreshold <= 15);
          }
        }
        assert.equal(run(stack).ofType(T.tg).length, 2 * c.services.length);
      });

      it("gives each service a production and a test listener on blue, ignoring default-action changes", () => {
        const c = config();
        const https = usesHttps(c.loadBalancer);
        const certificateArn =
          c.loadBalancer.certificateArn ??
          (c.loadBalancer.domain
            ? run(stack).named("aws:acm/certificate:Certificate", `${stack}-certificate`).state.arn
            : undefined);
        for (const service of c.services) {
          const blueArn = run(stack).named(T.tg, `${service.name}-blue`).state.arn;
          for (const [role, port] of [
            ["prod", service.prodPort],
            ["test", service.testPort],
          ] as const) {
            const l = run(stack).named(T.listener, `${service.name}-${role}`);
            assert.equal(l.inputs.port, port);
            assert.equal(l.inputs.protocol, https ? "HTTPS" : "HTTP");
            assert.equal(l.inputs.certificateArn, certificateArn);
            assert.equal(l.inputs.sslPolicy, https ? TLS_POLICY : undefined);
            assert.deepEqual(l.inputs.defaultActions, [
              { type: "forward", targetGroupArn: blueArn },
            ]);
            assert.deepEqual(l.ignoreChanges, ["defaultActions"]);
          }
        }
        const redirect = run(stack)
          .ofType(T.listener)
          .filter((l) => l.name === `${stack}-redirect`);
        assert.equal(redirect.length, https ? 1 : 0);
        if (https) {
          assert.deepEqual(redirect[0].inputs.defaultActions, [
            {
              type: "redirect",
              redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
            },
          ]);
        }
      });

      it("opens production ports to the configured ranges, test ports to the office and the VPC only", () => {
        const c = config();
        const albSg = run(stack).named(T.sg, `${stack}-alb`);
        const vpcCidr = c.network.cidr;
        const rules = run(stack).ofType(T.ingress);
        for (const service of c.services) {
          const onPort = (port: number) =>
            rules
              .filter(
                (r) =>
                  r.inputs.securityGroupId === `${albSg.name}-id` && r.inputs.fromPort === port,
              )
              .map((r) => r.inputs.cidrIpv4)
              .sort();
          assert.deepEqual(onPort(service.prodPort), [...c.loadBalancer.prodIngressCidrs].sort());
          assert.deepEqual(
            onPort(service.testPort),
            [...c.loadBalancer.testIngressCidrs, vpcCidr].sort(),
          );
          assert.ok(!onPort(service.testPort).includes("0.0.0.0/0"));

          const taskSg = run(stack).named(T.sg, `${service.name}-tasks`);
          const taskRules = rules.filter((r) => r.inputs.securityGroupId === `${taskSg.name}-id`);
          assert.deepEqual(
            taskRules.map((r) => ({
              from: r.inputs.fromPort,
              to: r.inputs.toPort,
              source: r.inputs.referencedSecurityGroupId,
              cidr: r.inputs.cidrIpv4,
            })),
            [
              {
                from: service.containerPort,
                to: service.containerPort,
                source: `${albSg.name}-id`,
                cidr: undefined,
              },
            ],
          );
          const service_ = run(stack)
            .ofType(T.service)
            .find((s) => s.inputs.name === service.name)!;
          assert.deepEqual(service_.inputs.networkConfiguration.securityGroups, [
            `${taskSg.name}-id`,
          ]);
        }
        // Nothing but production (and the HTTPS redirect) is open to anywhere.
        const open = rules
          .filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")
          .map((r) => r.inputs.fromPort);
        const allowed = new Set<number>(c.services.map((s) => s.prodPort));
        if (usesHttps(c.loadBalancer)) allowed.add(80);
        for (const port of open) assert.ok(allowed.has(port), `port ${port} is open to anywhere`);
      });

      it("keeps ECR images immutable, scanned on push, with a lifecycle that keeps enough to roll back", () => {
        const c = config();
        const repos = run(stack).ofType(T.repo);
        assert.equal(repos.length, c.services.length);
        for (const repo of repos) {
          assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
          assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
          assert.equal(repo.inputs.forceDelete, stack !== "prod");
          const policy = run(stack).named(T.lifecycle, repo.name);
          assert.equal(policy.inputs.repository, repo.state.name);
          assert.deepEqual(JSON.parse(policy.inputs.policy), lifecyclePolicy(c.keepImages, 7));
        }
        assert.equal(lifecyclePolicy(30, 7).rules[1].selection.countNumber, 30);
      });

      it("wires both alarms into each deployment group's rollback, with the stack's traffic shifting", () => {
        const c = config();
        const groups = run(stack).ofType(T.group);
        assert.equal(groups.length, c.services.length);
        const app = run(stack).ofType(T.app);
        assert.equal(app.length, 1);
        assert.equal(app[0].inputs.computePlatform, "ECS");
        for (const service of c.services) {
          const g = run(stack).named(T.group, `${service.name}-group`);
          const alarms = [`${service.name}-5xx`, `${service.name}-unhealthy`].map((n) =>
            run(stack).named(T.alarm, n),
          );
          assert.equal(g.inputs.appName, app[0].state.name);
          assert.equal(g.inputs.deploymentGroupName, service.name);
          assert.deepEqual(g.inputs.deploymentStyle, {
            deploymentOption: "WITH_TRAFFIC_CONTROL",
            deploymentType: "BLUE_GREEN",
          });
          assert.deepEqual(g.inputs.autoRollbackConfiguration, {
            enabled: true,
            events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
          });
          assert.deepEqual(g.inputs.alarmConfiguration, {
            enabled: true,
            alarms: alarms.map((a) => a.state.name),
          });
          assert.deepEqual(g.inputs.blueGreenDeploymentConfig, {
            deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
            terminateBlueInstancesOnDeploymentSuccess: {
              action: "TERMINATE",
              terminationWaitTimeInMinutes: c.deployment.terminationWaitMinutes,
            },
          });
          assert.equal(
            g.inputs.deploymentConfigName,
            `CodeDeployDefault.ECS${c.deployment.trafficShifting.predefined}`,
          );
          const tgs = ["blue", "green"].map((color) =>
            run(stack).named(T.tg, `${service.name}-${color}`),
          );
          assert.deepEqual(g.inputs.loadBalancerInfo, {
            targetGroupPairInfo: {
              prodTrafficRoute: {
                listenerArns: [run(stack).named(T.listener, `${service.name}-prod`).state.arn],
              },
              testTrafficRoute: {
                listenerArns: [run(stack).named(T.listener, `${service.name}-test`).state.arn],
              },
              targetGroups: tgs.map((tg) => ({ name: tg.state.name })),
            },
          });
          const svc = run(stack)
            .ofType(T.service)
            .find((s) => s.inputs.name === service.name)!;
          assert.deepEqual(g.inputs.ecsService, {
            clusterName: run(stack).ofType(T.cluster)[0].state.name,
            serviceName: svc.state.name,
          });

          // The 5xx alarm sums both target groups; the unhealthy alarm takes the worse of the two.
          const [errors, unhealthy] = alarms;
          assert.equal(errors.inputs.threshold, c.deployment.target5xxThreshold);
          const metrics = errors.inputs.metricQueries.filter((q: any) => q.metric);
          assert.deepEqual(
            metrics.map((q: any) => [q.metric.metricName, q.metric.dimensions.TargetGroup]),
            tgs.map((tg) => ["HTTPCode_Target_5XX_Count", tg.state.arnSuffix]),
          );
          assert.equal(
            errors.inputs.metricQueries.find((q: any) => q.returnData).expression,
            "FILL(blue, 0) + FILL(green, 0)",
          );
          assert.equal(
            unhealthy.inputs.metricQueries.find((q: any) => q.returnData).expression,
            "MAX([FILL(blue, 0), FILL(green, 0)])",
          );
        }
      });

      it("registers a Fargate task definition template with logs, ports and the service's environment", () => {
        const c = config();
        for (const service of c.services) {
          const td = run(stack).named(T.taskDef, `${service.name}-task`);
          assert.equal(td.inputs.family, `greenlight-${stack}-${service.name}`);
          assert.deepEqual(td.inputs.requiresCompatibilities, ["FARGATE"]);
          assert.equal(td.inputs.networkMode, "awsvpc");
          assert.equal(td.inputs.cpu, String(service.cpu));
          assert.equal(td.inputs.memory, String(service.memory));
          assert.equal(td.inputs.skipDestroy, true);
          const [container] = JSON.parse(td.inputs.containerDefinitions);
          assert.equal(container.name, service.name);
          assert.match(container.image, /\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/.+:bootstrap$/);
          assert.deepEqual(container.portMappings, [
            {
              containerPort: service.containerPort,
              hostPort: service.containerPort,
              protocol: "tcp",
            },
          ]);
          assert.deepEqual(container.logConfiguration.options, {
            "awslogs-group": `/greenlight/${stack}/${service.name}`,
            "awslogs-region": "eu-west-1",
            "awslogs-stream-prefix": service.name,
          });
          const env = Object.fromEntries(container.environment.map((e: any) => [e.name, e.value]));
          assert.equal(env.GREENLIGHT_SERVICE, service.name);
          assert.equal(env.GREENLIGHT_ENVIRONMENT, stack);
          assert.equal(env.GREENLIGHT_VERSION_PATH, service.versionPath);
          for (const [k, v] of Object.entries(service.environment)) assert.equal(env[k], v);
          const logs = run(stack).named(T.logGroup, `${service.name}-logs`);
          assert.equal(logs.inputs.retentionInDays, c.logRetentionDays);
        }
      });

      it("runs the cluster with Container Insights", () => {
        const [cluster] = run(stack).ofType(T.cluster);
        assert.deepEqual(cluster.inputs.settings, [
          { name: "containerInsights", value: "enabled" },
        ]);
      });

      it("puts the ALB in the public subnets with deletion protection only in prod", () => {
        const [alb] = run(stack).ofType(T.alb);
        const publicSubnets = run(stack)
          .ofType(T.subnet)
          .filter((s) => s.inputs.tags.tier === "public")
          .map((s) => `${s.name}-id`);
        assert.deepEqual(alb.inputs.subnets, publicSubnets);
        assert.equal(alb.inputs.internal, false);
        assert.equal(alb.inputs.enableDeletionProtection, stack === "prod");
        assert.equal(alb.inputs.dropInvalidHeaderFields, true);
      });

      it("grants named actions only, and resource * only where AWS allows nothing narrower", () => {
        const policies = run(stack).ofType(T.rolePolicy);
        assert.ok(policies.length >= 2 * config().services.length);
        for (const p of policies) {
          for (const statement of JSON.parse(p.inputs.policy).Statement) {
            const actions: string[] = [].concat(statement.Action);
            const resources: string[] = [].concat(statement.Resource);
            for (const action of actions)
              assert.ok(!action.includes("*"), `${p.name}: action ${action}`);
            if (resources.includes("*")) {
              for (const action of actions) {
                assert.ok(WILDCARD_RESOURCE_ACTIONS.has(action), `${p.name}: ${action} on "*"`);
              }
            }
          }
        }
      });

      it("tags every taggable resource with the environment and managed-by", () => {
        for (const r of run(stack).resources) {
          if (r.inputs.tags === undefined) continue;
          assert.equal(r.inputs.tags.environment, stack, `${r.type} ${r.name}`);
          assert.equal(r.inputs.tags["managed-by"], "greenlight", `${r.type} ${r.name}`);
        }
      });

      it("exports the URLs, repositories, CodeDeploy names and console links a person needs", async () => {
        const c = config();
        const outputs = run(stack).outputs;
        const scheme = usesHttps(c.loadBalancer) ? "https" : "http";
        const host =
          c.loadBalancer.domainName?.replace(/\./g, "\\.") ??
          `${stack}-alb-0a1b2c3-1234567890\\.eu-west-1\\.elb\\.amazonaws\\.com`;
        for (const service of c.services) {
          const o = outputs.services[service.name];
          const prodUrl = await value(o.prodUrl);
          assert.match(prodUrl, new RegExp(`^${scheme}://${host}(:\\d+)?$`));
          const defaultPort = scheme === "https" ? 443 : 80;
          assert.equal(prodUrl.endsWith(`:${service.prodPort}`), service.prodPort !== defaultPort);
          assert.ok((await value(o.testUrl)).endsWith(`:${service.testPort}`));
          assert.equal(await value(o.versionUrl), `${prodUrl}${service.versionPath}`);
          assert.match(
            await value(o.repositoryUrl),
            /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\//,
          );
          assert.equal(await value(o.deploymentGroup), service.name);
          assert.match(
            await value(o.deploymentGroupConsole!),
            new RegExp(
              `/codesuite/codedeploy/applications/${stack}-0a1b2c3/deployment-groups/${service.name}\\?region=eu-west-1$`,
            ),
          );
          assert.equal(await value(o.logGroup), `/greenlight/${stack}/${service.name}`);
        }
      });
    });
  }

  it("creates one NAT gateway in dev and staging and one per zone in prod", () => {
    assert.deepEqual(
      STACKS.map((s) => [run(s).ofType(T.nat).length, run(s).ofType(T.eip).length]),
      [
        [1, 1],
        [1, 1],
        [3, 3],
      ],
    );
    // With a single NAT gateway every private route table goes through it.
    const devNat = run("dev").ofType(T.nat)[0];
    const privateTables = run("dev")
      .ofType(T.routeTable)
      .filter((t) => t.name.includes("private"));
    assert.equal(privateTables.length, 2);
    for (const t of privateTables) {
      assert.deepEqual(t.inputs.routes, [
        { cidrBlock: "0.0.0.0/0", natGatewayId: `${devNat.name}-id` },
      ]);
    }
    // With one per zone, each zone's private routes use its own.
    const prodTables = run("prod")
      .ofType(T.routeTable)
      .filter((t) => t.name.includes("private"));
    assert.deepEqual(
      prodTables.map((t) => t.inputs.routes[0].natGatewayId),
      run("prod")
        .ofType(T.nat)
        .map((n) => `${n.name}-id`),
    );
  });

  it("spreads subnets over the stack's zones", () => {
    const zones = (s: string) =>
      run(s)
        .ofType(T.subnet)
        .map((x) => x.inputs.availabilityZone);
    assert.deepEqual(new Set(zones("dev")), new Set(["eu-west-1a", "eu-west-1b"]));
    assert.deepEqual(new Set(zones("prod")), new Set(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
  });

  it("scales per service: the resource counts for one and for three services", async () => {
    const one = count(await runStack(servicesConfig(1), "dev"));
    const three = count(await runStack(servicesConfig(3), "dev"));
    const perService: Record<string, number> = {
      [T.service]: 1,
      // The template the pipeline renders, and the placeholder the service starts on.
      [T.taskDef]: 2,
      [T.tg]: 2,
      [T.listener]: 2,
      [T.repo]: 1,
      [T.lifecycle]: 1,
      [T.group]: 1,
      [T.alarm]: 4,
      [T.logGroup]: 2,
      [T.role]: 5,
      [T.rolePolicy]: 4,
      [T.egress]: 2,
    };
    const shared: Record<string, number> = {
      [T.vpc]: 1,
      [T.alb]: 1,
      [T.cluster]: 1,
      [T.app]: 1,
      [T.nat]: 1,
      [T.subnet]: 4,
    };
    // The stack's own: the live hook's and the notifier's log groups, roles and policies.
    const stackWide: Record<string, number> = { [T.logGroup]: 2, [T.role]: 2, [T.rolePolicy]: 2 };
    for (const [type, n] of Object.entries(perService)) {
      const base = stackWide[type] ?? 0;
      assert.equal(one[type], base + n, `${type} for one service`);
      assert.equal(three[type], base + 3 * n, `${type} for three services`);
    }
    for (const [type, n] of Object.entries(shared)) {
      assert.equal(one[type], n, `${type} for one service`);
      assert.equal(three[type], n, `${type} for three services`);
    }
    // The ALB security group (shared) plus the tasks' (per service).
    assert.equal(one[T.sg], 1 + 1);
    assert.equal(three[T.sg], 1 + 3);
    assert.equal(three[T.deployConfig], undefined);
  });

  it("creates a custom CodeDeploy configuration for a custom canary", async () => {
    const raw = stackFileRaw("dev");
    raw.deployment = { trafficShifting: { type: "Canary", percent: 20, intervalMinutes: 3 } };
    const r = await runStack(raw, "dev");
    const configs = r.ofType(T.deployConfig);
    assert.equal(configs.length, raw.services.length);
    assert.deepEqual(configs[0].inputs.trafficRoutingConfig, {
      type: "TimeBasedCanary",
      timeBasedCanary: { interval: 3, percentage: 20 },
    });
    const group = r.named(T.group, `${raw.services[0].name}-group`);
    assert.equal(group.inputs.deploymentConfigName, `${configs[0].name}-id`);
  });

  it("adopts an existing VPC by ids, creating no network", async () => {
    const raw = stackFileRaw("dev");
    raw.network = {
      vpcId: "vpc-0abc123",
      publicSubnetIds: ["subnet-0a", "subnet-0b"],
      privateSubnetIds: ["subnet-0c", "subnet-0d"],
    };
    const r = await runStack(raw, "dev");
    for (const type of [T.vpc, T.subnet, T.nat, T.routeTable])
      assert.equal(r.ofType(type).length, 0, type);
    assert.deepEqual(r.ofType(T.alb)[0].inputs.subnets, ["subnet-0a", "subnet-0b"]);
    for (const s of r.ofType(T.service)) {
      assert.deepEqual(s.inputs.networkConfiguration.subnets, ["subnet-0c", "subnet-0d"]);
    }
    // The VPC's own CIDR (looked up) may reach the test listener.
    const testRule = r.named(T.ingress, `${raw.services[0].name}-test-vpc`);
    assert.equal(testRule.inputs.cidrIpv4, "10.99.0.0/16");
  });

  it("without NAT gateways, runs tasks in the public subnets with public IPs", async () => {
    const raw = stackFileRaw("dev");
    raw.network = { ...raw.network, natGateways: "none" };
    const r = await runStack(raw, "dev");
    assert.equal(r.ofType(T.nat).length, 0);
    const publicSubnets = r
      .ofType(T.subnet)
      .filter((s: Recorded) => s.inputs.tags.tier === "public")
      .map((s: Recorded) => `${s.name}-id`);
    for (const s of r.ofType(T.service)) {
      assert.deepEqual(s.inputs.networkConfiguration, {
        ...s.inputs.networkConfiguration,
        subnets: publicSubnets,
        assignPublicIp: true,
      });
    }
  });

  describe("real services: secrets, permissions, autoscaling, a domain, a quiet first deploy", () => {
    const X = {
      target: "aws:appautoscaling/target:Target",
      policy: "aws:appautoscaling/policy:Policy",
      cert: "aws:acm/certificate:Certificate",
      validation: "aws:acm/certificateValidation:CertificateValidation",
      record: "aws:route53/record:Record",
      attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      fn: "aws:lambda/function:Function",
    };
    const SM = "arn:aws:secretsmanager:eu-west-1:123456789012:secret";
    const statementsOf = (r: Run, name: string) =>
      JSON.parse(r.named(T.rolePolicy, name).inputs.policy).Statement;
    const containerOf = (r: Run, name: string) =>
      JSON.parse(r.named(T.taskDef, name).inputs.containerDefinitions)[0];

    it("puts prod orders' secrets in its task definition, by ARN, sorted", () => {
      assert.deepEqual(containerOf(run("prod"), "orders-task").secrets, [
        { name: "DB_PASSWORD", valueFrom: `${SM}:prod/orders/db:password::` },
        { name: "DB_USER", valueFrom: `${SM}:prod/orders/db:username::` },
        {
          name: "PAYMENTS_API_KEY",
          valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/orders/payments-api-key",
        },
      ]);
      assert.deepEqual(containerOf(run("prod"), "web-task").secrets, [
        { name: "SESSION_SIGNING_KEY", valueFrom: `${SM}:prod/web/session` },
      ]);
      assert.equal(containerOf(run("staging"), "web-task").secrets, undefined);
      assert.equal(containerOf(run("prod"), "orders-task").stopTimeout, 60);
      assert.equal(containerOf(run("dev"), "web-task").stopTimeout, 10);
    });

    it("lets each execution role read exactly its own secrets, and decrypt with the given key", () => {
      const base = (r: Run, name: string) => statementsOf(r, name).slice(0, 3);
      const logGroupArn = `${run("prod").named(T.logGroup, "orders-logs").state.arn}:*`;
      assert.deepEqual(statementsOf(run("prod"), "orders-execution"), [
        ...base(run("prod"), "orders-execution"),
        {
          Sid: "ReadSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [`${SM}:prod/orders/db-??????`],
        },
        {
          Sid: "ReadParameters",
          Effect: "Allow",
          Action: ["ssm:GetParameters"],
          Resource: ["arn:aws:ssm:eu-west-1:123456789012:parameter/prod/orders/payments-api-key"],
        },
        {
          Sid: "DecryptSecrets",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        },
      ]);
      assert.deepEqual(
        base(run("prod"), "orders-execution").map((st: any) => st.Sid),
        ["EcrAuthToken", "PullImage", "WriteLogs"],
      );
      assert.equal(base(run("prod"), "orders-execution")[2].Resource, logGroupArn);
      assert.deepEqual(statementsOf(run("prod"), "web-execution").slice(3), [
        {
          Sid: "ReadSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [`${SM}:prod/web/session-??????`],
        },
      ]);
      // A service without secrets reads none.
      assert.equal(statementsOf(run("staging"), "web-execution").length, 3);
    });

    it("gives task roles the stack file's statements and managed policies, and ECS Exec's channels", () => {
      assert.deepEqual(statementsOf(run("prod"), "orders-task"), [
        {
          Sid: "Service0",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
          Resource: [
            "arn:aws:dynamodb:eu-west-1:123456789012:table/prod-orders",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/prod-orders/index/*",
          ],
        },
        {
          Sid: "Service1",
          Effect: "Allow",
          Action: ["sqs:SendMessage"],
          Resource: "arn:aws:sqs:eu-west-1:123456789012:prod-order-events",
        },
      ]);
      assert.deepEqual(statementsOf(run("staging"), "web-task"), [
        {
          Sid: "ReadCatalogue",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: "arn:aws:s3:::acme-staging-catalogue/*",
        },
      ]);
      // No statements, no policy: prod web's role has none.
      assert.equal(
        run("prod")
          .ofType(T.rolePolicy)
          .filter((p) => p.name === "web-task").length,
        0,
      );

      const [attachment] = run("dev").ofType(X.attachment);
      assert.deepEqual(attachment.inputs, {
        role: run("dev").named(T.role, "orders-task").state.name,
        policyArn: "arn:aws:iam::123456789012:policy/dev-orders-data",
      });
      assert.equal(run("dev").ofType(X.attachment).length, 1);

      const logs = `${run("dev").named(T.logGroup, "web-logs").state.arn}:*`;
      assert.deepEqual(statementsOf(run("dev"), "web-task"), [
        {
          Sid: "EcsExecChannels",
          Effect: "Allow",
          Action: [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
          ],
          Resource: "*",
        },
        {
          Sid: "EcsExecFindLogGroup",
          Effect: "Allow",
          Action: ["logs:DescribeLogGroups"],
          Resource: "*",
        },
        {
          Sid: "EcsExecSessionLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          Resource: logs,
        },
      ]);
      const services = (stack: string) =>
        run(stack)
          .ofType(T.service)
          .map((x) => [x.inputs.name, x.inputs.enableExecuteCommand]);
      assert.deepEqual(services("dev"), [
        ["web", true],
        ["orders", true],
      ]);
      assert.deepEqual(services("prod"), [
        ["web", false],
        ["orders", false],
      ]);
    });

    it("scales autoscaled services by target tracking, and lets the service ignore desiredCount", () => {
      const r = run("prod");
      const cluster = r.ofType(T.cluster)[0].state.name;
      const alb = r.ofType(T.alb)[0].state.arnSuffix;
      for (const [name, min, max] of [
        ["web", 3, 12],
        ["orders", 3, 20],
      ] as const) {
        const target = r.named(X.target, `${name}-scaling`);
        assert.deepEqual(
          {
            ns: target.inputs.serviceNamespace,
            dim: target.inputs.scalableDimension,
            id: target.inputs.resourceId,
            min: target.inputs.minCapacity,
            max: target.inputs.maxCapacity,
          },
          {
            ns: "ecs",
            dim: "ecs:service:DesiredCount",
            id: `service/${cluster}/${name}`,
            min,
            max,
          },
        );
        const svc = r.ofType(T.service).find((x) => x.inputs.name === name)!;
        assert.ok(svc.ignoreChanges.includes("desiredCount"));
        assert.equal(svc.inputs.desiredCount, min);
      }
      const policy = (name: string) => {
        const p = r.named(X.policy, name);
        assert.equal(p.inputs.policyType, "TargetTrackingScaling");
        assert.equal(
          p.inputs.resourceId,
          r.named(X.target, `${name.split("-")[0]}-scaling`).state.resourceId,
        );
        return p.inputs.targetTrackingScalingPolicyConfiguration;
      };
      assert.deepEqual(policy("web-cpu"), {
        targetValue: 60,
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
      });
      assert.equal(
        policy("orders-memory").predefinedMetricSpecification.predefinedMetricType,
        "ECSServiceAverageMemoryUtilization",
      );
      assert.equal(policy("orders-memory").targetValue, 75);
      const requests = policy("web-requests");
      assert.equal(requests.targetValue, 1000);
      const [blue, green, live] = requests.customizedMetricSpecification.metrics;
      for (const [m, color] of [
        [blue, "blue"],
        [green, "green"],
      ] as const) {
        assert.deepEqual(m.metricStat, {
          metric: {
            namespace: "AWS/ApplicationELB",
            metricName: "RequestCountPerTarget",
            dimensions: [
              { name: "LoadBalancer", value: alb },
              { name: "TargetGroup", value: r.named(T.tg, `web-${color}`).state.arnSuffix },
            ],
          },
          stat: "Sum",
        });
        assert.equal(m.returnData, false);
      }
      assert.equal(live.expression, "MAX([FILL(blue, 0), FILL(green, 0)])");
      assert.equal(live.returnData, true);
      assert.deepEqual(
        r
          .ofType(X.policy)
          .map((p) => p.name)
          .sort(),
        ["orders-cpu", "orders-memory", "web-cpu", "web-requests"],
      );
      // Fixed-size services have no scaler and keep desiredCount in Pulumi's hands.
      assert.equal(run("dev").ofType(X.target).length, 0);
      const staging = run("staging");
      assert.deepEqual(
        staging.ofType(X.policy).map((p) => p.name),
        ["orders-requests"],
      );
      const web = staging.ofType(T.service).find((x) => x.inputs.name === "web")!;
      assert.ok(!web.ignoreChanges.includes("desiredCount"));
    });

    it("creates prod's certificate, validates it in the zone, and points A and AAAA at the ALB", () => {
      const r = run("prod");
      const [cert] = r.ofType(X.cert);
      assert.equal(r.ofType(X.cert).length, 1);
      assert.deepEqual(
        [cert.inputs.domainName, cert.inputs.validationMethod, cert.inputs.keyAlgorithm],
        ["shop.example.com", "DNS", "RSA_2048"],
      );
      const validationRecord = r.named(X.record, "prod-validation");
      const [option] = cert.state.domainValidationOptions;
      assert.deepEqual(
        {
          zoneId: validationRecord.inputs.zoneId,
          name: validationRecord.inputs.name,
          type: validationRecord.inputs.type,
          records: validationRecord.inputs.records,
        },
        {
          zoneId: TEST_ZONE_ID,
          name: option.resourceRecordName,
          type: "CNAME",
          records: [option.resourceRecordValue],
        },
      );
      const validation = r.named(X.validation, "prod-validation");
      assert.deepEqual(validation.inputs, {
        certificateArn: cert.state.arn,
        validationRecordFqdns: [validationRecord.state.fqdn],
      });
      const [alb] = r.ofType(T.alb);
      for (const type of ["A", "AAAA"]) {
        const alias = r.named(X.record, `prod-${type.toLowerCase()}`);
        assert.deepEqual(alias.inputs, {
          zoneId: TEST_ZONE_ID,
          name: "shop.example.com",
          type,
          aliases: [
            {
              name: `dualstack.${alb.state.dnsName}`,
              zoneId: ALB_HOSTED_ZONE_ID,
              evaluateTargetHealth: true,
            },
          ],
        });
      }
      assert.equal(r.ofType(X.record).length, 3);
      // The HTTPS listeners use the validated certificate; the hook probes the name.
      for (const l of r.ofType(T.listener).filter((x) => x.inputs.protocol === "HTTPS")) {
        assert.equal(l.inputs.certificateArn, validation.state.certificateArn);
      }
      const hook = r.named(X.fn, "prod-hook");
      assert.equal(hook.inputs.environment.variables.GREENLIGHT_PROBE_HOST, "shop.example.com");
      assert.equal(run("dev").ofType(X.cert).length + run("dev").ofType(X.record).length, 0);
    });

    it("finds a hosted zone given by id without looking it up by name", async () => {
      const raw = stackFileRaw("dev");
      raw.loadBalancer = {
        ...raw.loadBalancer,
        domain: { zone: "Z0ABCDEF12345", name: "dev.example.com" },
      };
      raw.services[0].prodPort = 443;
      const r = await runStack(raw, "dev");
      assert.deepEqual(
        r.ofType(X.record).map((x) => x.inputs.zoneId),
        ["Z0ABCDEF12345", "Z0ABCDEF12345", "Z0ABCDEF12345"],
      );
      assert.equal(await value(r.outputs.services.web.prodUrl), "https://dev.example.com");
    });

    it("starts every service on the placeholder, not on an image that does not exist yet", () => {
      for (const stack of STACKS) {
        for (const svc of run(stack).ofType(T.service)) {
          const placeholder = run(stack).named(T.taskDef, `${svc.inputs.name}-placeholder`);
          assert.equal(svc.inputs.taskDefinition, placeholder.state.arn);
          assert.equal(
            placeholder.inputs.family,
            `greenlight-${stack}-${svc.inputs.name}-placeholder`,
          );
          assert.equal(placeholder.inputs.taskRoleArn, undefined);
          assert.equal(
            placeholder.inputs.executionRoleArn,
            run(stack).named(T.role, `${svc.inputs.name}-execution`).state.arn,
          );
          const [container] = JSON.parse(placeholder.inputs.containerDefinitions);
          assert.equal(container.image, PLACEHOLDER_IMAGE);
          assert.equal(container.name, svc.inputs.loadBalancers[0].containerName);
          assert.equal(
            container.portMappings[0].containerPort,
            svc.inputs.loadBalancers[0].containerPort,
          );
          assert.equal(container.secrets, undefined);
        }
      }
      const grace = (stack: string) =>
        run(stack)
          .ofType(T.service)
          .map((x) => x.inputs.healthCheckGracePeriodSeconds);
      assert.deepEqual(grace("prod"), [60, 30]);
      assert.deepEqual(grace("dev"), [30, 30]);
    });
  });

  it("parents every resource under a Greenlight component", () => {
    for (const r of run("dev").resources) {
      if (r.type.startsWith("aws:")) {
        assert.ok(r.parent, `${r.type} ${r.name} has no parent`);
      }
    }
  });
});
