import { strict as assert } from "assert";
import { alertPatterns } from "../components/notifier";
import { NotifierEnv } from "../hooks/notifier/settings";
import { stackFileRaw, STACKS, TEST_WEBHOOK_TOKEN, useStackRuns } from "./harness";

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
});
