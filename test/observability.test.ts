import { strict as assert } from "assert";
import { parseConfig } from "../components/config";
import { dashboardBody } from "../components/observability";
import type { StackIndex } from "../hooks/core/release";
import { stackFileRaw, STACKS, useStackRuns } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

describe("dashboards, usage alarms and the stack index", function () {
  this.timeout(60_000);
  const run = useStackRuns();

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      const config = () => parseConfig(stackFileRaw(stack));

      it("raises CPU and memory alarms per service at the stack's thresholds", () => {
        const c = config();
        const cluster = run(stack).ofType("aws:ecs/cluster:Cluster")[0].state.name;
        for (const s of c.services) {
          for (const [kind, metric, threshold] of [
            ["cpu", "CPUUtilization", c.alerts.cpuPercent],
            ["memory", "MemoryUtilization", c.alerts.memoryPercent],
          ] as const) {
            const alarm = run(stack).named(ALARM, `${s.name}-${kind}`);
            assert.equal(alarm.inputs.namespace, "AWS/ECS");
            assert.equal(alarm.inputs.metricName, metric);
            assert.equal(alarm.inputs.threshold, threshold);
            assert.deepEqual(alarm.inputs.dimensions, {
              ClusterName: cluster,
              ServiceName: s.name,
            });
            assert.equal(alarm.inputs.comparisonOperator, "GreaterThanThreshold");
          }
        }
      });

      it("draws one dashboard with a row of widgets per service and every alarm", () => {
        const [dashboard] = run(stack).ofType("aws:cloudwatch/dashboard:Dashboard");
        assert.equal(dashboard.inputs.dashboardName, `greenlight-${stack}`);
        const body = JSON.parse(dashboard.inputs.dashboardBody);
        const c = config();
        const titles = body.widgets
          .filter((w: any) => w.type === "metric")
          .map((w: any) => w.properties.title);
        for (const s of c.services) {
          assert.deepEqual(
            titles.filter((t: string) => t.startsWith(`${s.name}: `)),
            [
              `${s.name}: requests and 5xx`,
              `${s.name}: target response time`,
              `${s.name}: healthy hosts and running tasks`,
              `${s.name}: CPU and memory (%)`,
            ],
          );
        }
        const [alarms] = body.widgets.filter((w: any) => w.type === "alarm");
        const expected = run(stack)
          .ofType(ALARM)
          .map((a) => a.state.arn)
          .sort();
        assert.deepEqual([...alarms.properties.alarms].sort(), expected);
      });

      it("writes the stack index that `npm run status` reads", () => {
        const param = run(stack).named("aws:ssm/parameter:Parameter", `${stack}-index`);
        assert.equal(param.inputs.name, `/greenlight/${stack}/stack`);
        assert.equal(param.inputs.type, "String");
        const index: StackIndex = JSON.parse(param.inputs.insecureValue);
        assert.equal(index.environment, stack);
        assert.equal(index.region, "eu-west-1");
        assert.equal(index.cluster, run(stack).ofType("aws:ecs/cluster:Cluster")[0].state.name);
        assert.equal(
          index.application,
          run(stack).ofType("aws:codedeploy/application:Application")[0].state.name,
        );
        for (const s of config().services) {
          assert.equal(index.services[s.name].ecsService, s.name);
          assert.equal(index.services[s.name].deploymentGroup, s.name);
          assert.equal(index.services[s.name].pipeline, `greenlight-${stack}-${s.name}`);
          assert.equal(index.services[s.name].logGroup, `/greenlight/${stack}/${s.name}`);
        }
      });
    });
  }

  it("lays widgets out on the 24-column grid without overlap", () => {
    const body = dashboardBody({
      region: "eu-west-1",
      cluster: "c",
      loadBalancer: "app/lb/1",
      services: ["a", "b", "c"].map((name) => ({
        name,
        ecsService: name,
        blue: `targetgroup/${name}-blue/1`,
        green: `targetgroup/${name}-green/1`,
        alarms: [`arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`],
      })),
    });
    const cells = new Set<string>();
    for (const w of body.widgets as any[]) {
      assert.ok(w.x + w.width <= 24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          const key = `${x},${y}`;
          assert.ok(!cells.has(key), `widgets overlap at ${key}`);
          cells.add(key);
        }
      }
    }
    assert.equal(body.widgets.filter((w: any) => w.type === "text").length, 3);
  });
});
