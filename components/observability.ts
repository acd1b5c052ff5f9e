import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  stackIndexParameterName,
  type StackIndex,
  type StackIndexService,
} from "../hooks/core/release";
import type { AlertsConfig } from "./config";
import type { Tags } from "./tags";

/** What the dashboard and the alarms need to know about one service. */
export interface ObservedService {
  readonly name: string;
  readonly ecsServiceName: pulumi.Input<string>;
  readonly blueTargetGroupArnSuffix: pulumi.Input<string>;
  readonly greenTargetGroupArnSuffix: pulumi.Input<string>;
  /** The deployment group's alarms (5xx, unhealthy hosts). */
  readonly deploymentAlarmArns: pulumi.Input<string>[];
  readonly deploymentAlarmNames: pulumi.Input<string>[];
  readonly deploymentGroupName: pulumi.Input<string>;
  readonly pipelineName: pulumi.Input<string>;
  readonly logGroupName: pulumi.Input<string>;
  readonly prodUrl: pulumi.Input<string>;
}

export interface ObservabilityArgs {
  readonly environment: string;
  readonly alerts: AlertsConfig;
  readonly region: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  /** The CodeDeploy application. @default - none (the ecs engine): the index names "" */
  readonly applicationName?: pulumi.Input<string>;
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly services: readonly ObservedService[];
  readonly tags: Tags;
}

/**
 * What the stack shows and watches: a CPU and a memory alarm per service (thresholds from the
 * stack config), one CloudWatch dashboard for every service, and the stack index in SSM that
 * `npm run status` reads to find each service's ECS service, deployment group and pipeline.
 */
export class Observability extends pulumi.ComponentResource {
  public readonly dashboardName: pulumi.Output<string>;
  public readonly dashboardUrl: pulumi.Output<string>;
  /** The CPU and memory alarms, per service. */
  public readonly alarmNames: Record<string, pulumi.Output<string>[]>;
  public readonly alarmArns: pulumi.Output<string>[];
  public readonly stackIndexParameter: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:observability:Observability", name, {}, opts);
    const { alerts, tags } = args;

    this.alarmNames = {};
    const alarmArns: pulumi.Output<string>[] = [];
    const usageAlarms: Record<string, pulumi.Output<string>[]> = {};
    for (const service of args.services) {
      const usage = (
        metric: "CPUUtilization" | "MemoryUtilization",
        threshold: number,
        label: string,
      ) =>
        new aws.cloudwatch.MetricAlarm(
          `${service.name}-${label}`,
          {
            alarmDescription: `${service.name} (${args.environment}): average ${label} above ${threshold}% for 5 minutes`,
            namespace: "AWS/ECS",
            metricName: metric,
            dimensions: { ClusterName: args.clusterName, ServiceName: service.ecsServiceName },
            statistic: "Average",
            period: 60,
            evaluationPeriods: 5,
            datapointsToAlarm: 5,
            threshold,
            comparisonOperator: "GreaterThanThreshold",
            treatMissingData: "notBreaching",
            tags: { ...tags, service: service.name },
          },
          { parent: this },
        );
      const cpu = usage("CPUUtilization", alerts.cpuPercent, "cpu");
      const memory = usage("MemoryUtilization", alerts.memoryPercent, "memory");
      this.alarmNames[service.name] = [cpu.name, memory.name];
      usageAlarms[service.name] = [cpu.arn, memory.arn];
      alarmArns.push(cpu.arn, memory.arn);
    }
    this.alarmArns = alarmArns;

    const dashboardServices = pulumi.all(
      args.services.map((s) =>
        pulumi
          .all([
            s.ecsServiceName,
            s.blueTargetGroupArnSuffix,
            s.greenTargetGroupArnSuffix,
            pulumi.all([...s.deploymentAlarmArns, ...usageAlarms[s.name]]),
          ])
          .apply(([ecsService, blue, green, alarms]): DashboardService => ({
            name: s.name,
            ecsService,
            blue,
            green,
            alarms,
          })),
      ),
    );
    const body = pulumi
      .all([args.region, args.clusterName, args.loadBalancerArnSuffix, dashboardServices])
      .apply(([region, cluster, loadBalancer, services]) =>
        JSON.stringify(dashboardBody({ region, cluster, loadBalancer, services })),
      );
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: `greenlight-${args.environment}`, dashboardBody: body },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;
    this.dashboardUrl = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${dashboard.dashboardName}`;

    const indexServices = pulumi.all(
      args.services.map((s) =>
        pulumi
          .all([s.ecsServiceName, s.deploymentGroupName, s.pipelineName, s.logGroupName, s.prodUrl])
          .apply(
            ([ecsService, deploymentGroup, pipeline, logGroup, prodUrl]): [
              string,
              StackIndexService,
            ] => [s.name, { ecsService, deploymentGroup, pipeline, logGroup, prodUrl }],
          ),
      ),
    );
    const index = pulumi
      .all([args.region, args.clusterName, args.applicationName ?? "", indexServices])
      .apply(([region, cluster, application, entries]): StackIndex => ({
        environment: args.environment,
        region,
        cluster,
        application,
        services: Object.fromEntries(entries),
      }));
    const parameter = new aws.ssm.Parameter(
      `${name}-index`,
      {
        name: stackIndexParameterName(args.environment),
        description: `Greenlight ${args.environment}: where each service runs, deploys and logs (read by npm run status)`,
        type: "String",
        insecureValue: index.apply((i) => JSON.stringify(i)),
        tags,
      },
      { parent: this },
    );
    this.stackIndexParameter = parameter.name;

    this.registerOutputs({
      dashboardName: this.dashboardName,
      dashboardUrl: this.dashboardUrl,
      stackIndexParameter: this.stackIndexParameter,
    });
  }
}

interface DashboardService {
  readonly name: string;
  readonly ecsService: string;
  readonly blue: string;
  readonly green: string;
  readonly alarms: readonly string[];
}

interface DashboardData {
  readonly region: string;
  readonly cluster: string;
  readonly loadBalancer: string;
  readonly services: readonly DashboardService[];
}

/**
 * The dashboard body: per service, one row of widgets — requests and 5xx, target response time
 * (p50, p99), healthy hosts per target group, CPU and memory, running tasks — and the state of its
 * alarms. Both target groups are shown: either may be live.
 */
export function dashboardBody(d: DashboardData) {
  const widgets: object[] = [];
  const width = 6;
  const height = 6;
  d.services.forEach((s, row) => {
    const y = row * (height + 1);
    const tg = (metric: string, stat: string, label: string) =>
      (["blue", "green"] as const).map((color) => [
        "AWS/ApplicationELB",
        metric,
        "TargetGroup",
        s[color],
        "LoadBalancer",
        d.loadBalancer,
        { stat, label: `${label} (${color})` },
      ]);
    const metricWidget = (x: number, title: string, metrics: unknown[][]) => ({
      type: "metric",
      x,
      y: y + 1,
      width,
      height,
      properties: {
        title: `${s.name}: ${title}`,
        region: d.region,
        view: "timeSeries",
        period: 60,
        metrics,
      },
    });
    widgets.push({
      type: "text",
      x: 0,
      y,
      width: 24,
      height: 1,
      properties: { markdown: `## ${s.name}` },
    });
    widgets.push(
      metricWidget(0, "requests and 5xx", [
        ...tg("RequestCount", "Sum", "requests"),
        ...tg("HTTPCode_Target_5XX_Count", "Sum", "5xx"),
      ]),
      metricWidget(width, "target response time", [
        ...tg("TargetResponseTime", "p50", "p50"),
        ...tg("TargetResponseTime", "p99", "p99"),
      ]),
      metricWidget(2 * width, "healthy hosts and running tasks", [
        ...tg("HealthyHostCount", "Minimum", "healthy"),
        [
          "ECS/ContainerInsights",
          "RunningTaskCount",
          "ClusterName",
          d.cluster,
          "ServiceName",
          s.ecsService,
          { stat: "Average", label: "running tasks" },
        ],
      ]),
      metricWidget(3 * width, "CPU and memory (%)", [
        [
          "AWS/ECS",
          "CPUUtilization",
          "ClusterName",
          d.cluster,
          "ServiceName",
          s.ecsService,
          { stat: "Average", label: "CPU" },
        ],
        [
          "AWS/ECS",
          "MemoryUtilization",
          "ClusterName",
          d.cluster,
          "ServiceName",
          s.ecsService,
          { stat: "Average", label: "memory" },
        ],
      ]),
    );
  });
  widgets.push({
    type: "alarm",
    x: 0,
    y: d.services.length * (height + 1),
    width: 24,
    height: 4,
    properties: {
      title: "Deployment, CPU and memory alarms",
      alarms: d.services.flatMap((s) => s.alarms),
    },
  });
  return { widgets };
}
