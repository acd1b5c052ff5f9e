import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { alertPatterns, Notifier, type NotifierArgs } from "../components/notifier";
import { classifyEvent } from "../hooks/notifier/events";
import { NotifierEnv } from "../hooks/notifier/settings";
import { stackFileRaw, STACKS, TEST_WEBHOOK_TOKEN, useStackRuns, value } from "./harness";
import { loadEvent } from "./notifier/helpers/fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const T = {
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  permission: "aws:lambda/permission:Permission",
  fn: "aws:lambda/function:Function",
  table: "aws:dynamodb/table:Table",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};

describe("alerts to the stack's Slack channel", function () {
  this.timeout(60_000);
  const run = useStackRuns({ withWebhook: true });

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      const notifier = () => run(stack).named(T.fn, `${stack}-notifier`);

      it("routes the stack's pipeline, deployment, task and alarm events to the notifier", () => {
        const r = run(stack);
        const pipelines = r.ofType("aws:codepipeline/pipeline:Pipeline").map((p) => p.inputs.name);
        const application = r.ofType("aws:codedeploy/application:Application")[0].state.name;
        const clusterArn = r.ofType("aws:ecs/cluster:Cluster")[0].state.arn;
        const alarms = r.ofType(T.alarm).map((a) => a.state.name);
        assert.equal(alarms.length, 4 * pipelines.length);
        const expected = alertPatterns({ pipelines, application, clusterArn, alarms });
        for (const kind of ["pipelines", "deployments", "tasks", "alarms"] as const) {
          const rule = r.named(T.rule, `${stack}-${kind}`);
          assert.deepEqual(JSON.parse(rule.inputs.eventPattern), expected[kind]);
          const target = r.named(T.target, `${stack}-${kind}`);
          assert.equal(target.inputs.rule, rule.state.name);
          assert.equal(target.inputs.arn, notifier().state.arn);
          const permission = r.named(T.permission, `${stack}-${kind}`);
          assert.deepEqual(
            {
              action: permission.inputs.action,
              principal: permission.inputs.principal,
              sourceArn: permission.inputs.sourceArn,
              function: permission.inputs.function,
            },
            {
              action: "lambda:InvokeFunction",
              principal: "events.amazonaws.com",
              sourceArn: rule.state.arn,
              function: notifier().state.name,
            },
          );
        }
      });

      it("folds bursts through a TTL'd incidents table and knows the webhook only by its secret's ARN", () => {
        const [table] = run(stack).ofType(T.table);
        assert.equal(table.inputs.hashKey, "incident");
        assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
        assert.equal(table.inputs.billingMode, "PAY_PER_REQUEST");
        const secret = run(stack).ofType("aws:secretsmanager/secret:Secret")[0];
        const c = stackFileRaw(stack);
        assert.deepEqual(notifier().inputs.environment.variables, {
          [NotifierEnv.environment]: stack,
          [NotifierEnv.incidentsTable]: table.state.name,
          [NotifierEnv.dedupWindowSeconds]: String(c.alerts.dedupWindowMinutes * 60),
          [NotifierEnv.slackSecretArn]: secret.state.arn,
          [NotifierEnv.clusterArn]: run(stack).ofType("aws:ecs/cluster:Cluster")[0].state.arn,
        });
        assert.ok(!JSON.stringify(notifier().inputs).includes(TEST_WEBHOOK_TOKEN));
      });

      it("allows the notifier its logs, its table, the deployments' reasons and the webhook only", () => {
        const doc = JSON.parse(run(stack).named(T.rolePolicy, `${stack}-notifier`).inputs.policy);
        const [table] = run(stack).ofType(T.table);
        const bySid = Object.fromEntries(doc.Statement.map((s: any) => [s.Sid, s]));
        assert.deepEqual(Object.keys(bySid).sort(), [
          "DeploymentReasons",
          "Incidents",
          "Logs",
          "SlackWebhook",
        ]);
        assert.deepEqual(bySid.Incidents.Action, ["dynamodb:PutItem", "dynamodb:UpdateItem"]);
        assert.equal(bySid.Incidents.Resource, table.state.arn);
        for (const s of doc.Statement) assert.notEqual(s.Resource, "*");
      });
    });
  }

  it("watches task stops of the stack's own cluster only, and alarms only when they fire", () => {
    const p = alertPatterns({
      pipelines: ["greenlight-dev-web"],
      application: "dev-app",
      clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/dev",
      alarms: ["web-5xx"],
    });
    assert.deepEqual(p.tasks.detail, {
      clusterArn: ["arn:aws:ecs:eu-west-1:123456789012:cluster/dev"],
      lastStatus: ["STOPPED"],
    });
    assert.deepEqual(p.alarms.detail, { alarmName: ["web-5xx"], state: { value: ["ALARM"] } });
    assert.deepEqual((p.pipelines.detail as any).state, ["FAILED", "SUPERSEDED"]);
    assert.deepEqual((p.deployments.detail as any).state, ["FAILURE", "STOP"]);
  });

  describe("the Notifier per deployment engine (mocks)", () => {
    const CLUSTER = "arn:aws:ecs:eu-west-1:123456789012:cluster/greenlight-dev";

    interface Seen {
      readonly type: string;
      readonly name: string;
      readonly inputs: Record<string, any>;
    }

    /** Builds one Notifier under fresh mocks and returns every resource it registered. */
    async function build(extra: Partial<NotifierArgs>): Promise<Seen[]> {
      const seen: Seen[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource(args) {
            seen.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state = { ...args.inputs, name: args.inputs.name ?? `${args.name}-0a1b2c3` };
            return { id: `${args.name}-id`, state: { ...state, arn: `arn:mock:${args.name}` } };
          },
          call: (args) => args.inputs,
        },
        "greenlight",
        "dev",
        false,
      );
      const notifier = new Notifier("dev", {
        environment: "dev",
        alerts: { dedupWindowMinutes: 15 } as NotifierArgs["alerts"],
        region: "eu-west-1",
        accountId: "123456789012",
        clusterArn: CLUSTER,
        pipelineNames: ["greenlight-dev-web"],
        alarmNames: ["web-5xx"],
        logRetentionDays: 14,
        tags: {},
        ...extra,
      });
      await value(pulumi.all([notifier.functionName, notifier.tableName]));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return seen;
    }

    const rules = (seen: Seen[]) =>
      Object.fromEntries(
        seen
          .filter((r) => r.type === T.rule)
          .map((r) => [r.name, JSON.parse(r.inputs.eventPattern)]),
      );
    const policy = (seen: Seen[]) =>
      JSON.parse(
        seen.find((r) => r.type === T.rolePolicy && r.name === "dev-notifier")!.inputs.policy,
      );

    it("with codedeploy (the default): the CodeDeploy rule and its read, no ECS deployment rule", async () => {
      const seen = await build({ applicationName: "greenlight-dev" });
      assert.deepEqual(Object.keys(rules(seen)).sort(), [
        "dev-alarms",
        "dev-deployments",
        "dev-pipelines",
        "dev-tasks",
      ]);
      assert.deepEqual(rules(seen)["dev-deployments"].detail.application, ["greenlight-dev"]);
      const sids = policy(seen).Statement.map((s: any) => s.Sid);
      assert.ok(sids.includes("DeploymentReasons"));
      const fn = seen.find((r) => r.type === T.fn)!;
      assert.equal(fn.inputs.environment.variables[NotifierEnv.clusterArn], CLUSTER);
    });

    it("with ecs: no CodeDeploy rule or read, and an ECS deployment rule on the cluster's services", async () => {
      const seen = await build({ engine: "ecs" });
      const byName = rules(seen);
      assert.deepEqual(Object.keys(byName).sort(), [
        "dev-alarms",
        "dev-ecs-deployments",
        "dev-pipelines",
        "dev-tasks",
      ]);
      assert.deepEqual(byName["dev-ecs-deployments"], {
        source: ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        resources: [{ prefix: "arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/" }],
        detail: { eventName: ["SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_FAILED"] },
      });
      for (const kind of ["ecs-deployments", "tasks"]) {
        assert.equal(seen.filter((r) => r.type === T.target && r.name === `dev-${kind}`).length, 1);
        const permission = seen.find((r) => r.type === T.permission && r.name === `dev-${kind}`);
        assert.equal(permission?.inputs.principal, "events.amazonaws.com");
      }
      const statements = policy(seen).Statement;
      assert.deepEqual(statements.map((s: any) => s.Sid).sort(), ["Incidents", "Logs"]);
      assert.ok(!JSON.stringify(statements).includes("codedeploy"));
    });

    it("fails before creating anything when codedeploy has no application", async () => {
      await assert.rejects(
        build({}),
        /codedeploy engine alerts on a CodeDeploy application; pass applicationName, or engine: "ecs"/,
      );
    });

    it("the ECS deployment rule's fields are the ones the handler reads from the documented event", () => {
      const pattern = alertPatterns({
        pipelines: [],
        clusterArn: CLUSTER,
        alarms: [],
      }).ecsDeployments as any;
      for (const name of ["ecs-deployment-failed", "ecs-deployment-rollback"] as const) {
        const event = loadEvent(name);
        assert.equal(event.source, pattern.source[0]);
        assert.equal(event["detail-type"], pattern["detail-type"][0]);
        assert.ok((event.resources as string[])[0]!.startsWith(pattern.resources[0].prefix));
        assert.ok(pattern.detail.eventName.includes((event.detail as any).eventName));
        assert.equal(classifyEvent(event, { clusterArn: CLUSTER }).kind, "incident");
      }
      assert.ok(!pattern.detail.eventName.includes("SERVICE_DEPLOYMENT_COMPLETED"));
    });
  });
});
