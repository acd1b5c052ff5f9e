import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TRAFFIC_SHIFTING, type DeploymentConfig, type TrafficShifting } from "./config";
import { roleWithPolicy, type Statement } from "./iam";
import type { Tags } from "./tags";

/** The events on which CodeDeploy rolls a deployment back. */
export const ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] as const;

export interface TargetGroupRef {
  readonly name: pulumi.Input<string>;
  readonly arnSuffix: pulumi.Input<string>;
}

export interface BlueGreenDeploymentArgs {
  readonly serviceName: string;
  readonly deployment: DeploymentConfig;
  readonly applicationName: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly ecsServiceName: pulumi.Input<string>;
  readonly ecsServiceArn: pulumi.Input<string>;
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly blue: TargetGroupRef;
  readonly green: TargetGroupRef;
  readonly prodListenerArn: pulumi.Input<string>;
  readonly testListenerArn: pulumi.Input<string>;
  /** Roles the task definitions name: CodeDeploy passes them to ECS when it creates a task set. */
  readonly taskRoleArns: pulumi.Input<string>[];
  /**
   * Lifecycle hook functions the AppSpec names; CodeDeploy must be allowed to invoke them.
   * @default - no hooks
   */
  readonly hookFunctionArns?: pulumi.Input<string>[];
  readonly tags: Tags;
}

/**
 * A service's CodeDeploy blue/green deployment group: production and test routes over the blue and
 * green target groups, traffic shifting from the stack config, termination of the old tasks after
 * the configured wait, and automatic rollback on failure and on alarm — with the alarms (5xx from
 * the service's targets, unhealthy targets) created here and wired in. Its service role may touch
 * only this service, its listeners, its alarms and its hook.
 */
export class BlueGreenDeployment extends pulumi.ComponentResource {
  public readonly deploymentGroupName: pulumi.Output<string>;
  public readonly deploymentGroupArn: pulumi.Output<string>;
  public readonly deploymentConfigName: pulumi.Output<string>;
  public readonly alarmNames: pulumi.Output<string>[];
  public readonly alarmArns: pulumi.Output<string>[];
  public readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: BlueGreenDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:deployment:BlueGreenDeployment", name, {}, opts);
    const { deployment, tags } = args;
    const alarms = deploymentAlarms(name, { ...args, deployment }, this);
    this.alarmNames = alarms.map((a) => a.name);
    this.alarmArns = alarms.map((a) => a.arn);

    const config = deploymentConfigFor(deployment.trafficShifting);
    this.deploymentConfigName =
      "name" in config
        ? pulumi.output(config.name)
        : new aws.codedeploy.DeploymentConfig(
            `${name}-traffic`,
            { computePlatform: "ECS", trafficRoutingConfig: config.trafficRoutingConfig },
            { parent: this },
          ).id;

    const { role, policy } = roleWithPolicy(
      `${name}-codedeploy`,
      {
        assumedBy: "codedeploy.amazonaws.com",
        description: `CodeDeploy shifts ${args.serviceName} between its blue and green task sets`,
        statements: codeDeployStatements({
          ecsServiceArn: args.ecsServiceArn,
          clusterName: args.clusterName,
          ecsServiceName: args.ecsServiceName,
          listenerArns: [args.prodListenerArn, args.testListenerArn],
          alarmArns: alarms.map((a) => a.arn),
          taskRoleArns: args.taskRoleArns,
          hookFunctionArns: args.hookFunctionArns ?? [],
        }),
        tags,
      },
      this,
    );
    this.roleArn = role.arn;

    const group = new aws.codedeploy.DeploymentGroup(
      `${name}-group`,
      {
        appName: args.applicationName,
        deploymentGroupName: args.serviceName,
        serviceRoleArn: role.arn,
        deploymentConfigName: this.deploymentConfigName,
        deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
        blueGreenDeploymentConfig: {
          deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: "TERMINATE",
            terminationWaitTimeInMinutes: deployment.terminationWaitMinutes,
          },
        },
        ecsService: { clusterName: args.clusterName, serviceName: args.ecsServiceName },
        loadBalancerInfo: {
          targetGroupPairInfo: {
            prodTrafficRoute: { listenerArns: [args.prodListenerArn] },
            testTrafficRoute: { listenerArns: [args.testListenerArn] },
            targetGroups: [{ name: args.blue.name }, { name: args.green.name }],
          },
        },
        autoRollbackConfiguration: { enabled: true, events: [...ROLLBACK_EVENTS] },
        alarmConfiguration: { enabled: true, alarms: this.alarmNames },
        tags,
      },
      // The policy must exist before CodeDeploy validates the group with the role.
      { parent: this, dependsOn: [policy!] },
    );
    this.deploymentGroupName = group.deploymentGroupName;
    this.deploymentGroupArn = group.arn;

    this.registerOutputs({
      deploymentGroupName: this.deploymentGroupName,
      deploymentGroupArn: this.deploymentGroupArn,
      deploymentConfigName: this.deploymentConfigName,
      alarmNames: this.alarmNames,
      roleArn: this.roleArn,
    });
  }
}

export interface DeploymentAlarmArgs {
  readonly serviceName: string;
  readonly deployment: Pick<DeploymentConfig, "target5xxThreshold" | "unhealthyHostsThreshold">;
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly blue: Pick<TargetGroupRef, "arnSuffix">;
  readonly green: Pick<TargetGroupRef, "arnSuffix">;
  readonly tags: Tags;
}

/**
 * A service's deployment alarms, shared by both engines: 5xx answers from its targets and
 * unhealthy targets, each over both target groups (either may be the new one).
 */
export function deploymentAlarms(
  name: string,
  args: DeploymentAlarmArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm[] {
  const { deployment, tags } = args;
  const dims = (tg: Pick<TargetGroupRef, "arnSuffix">) => ({
    TargetGroup: tg.arnSuffix,
    LoadBalancer: args.loadBalancerArnSuffix,
  });
  const perTargetGroup = (metricName: string, stat: string) => [
    {
      id: "blue",
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: dims(args.blue),
        period: 60,
        stat,
      },
      returnData: false,
    },
    {
      id: "green",
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName,
        dimensions: dims(args.green),
        period: 60,
        stat,
      },
      returnData: false,
    },
  ];

  // Either target group may be the new one, so each alarm watches both.
  const errors = new aws.cloudwatch.MetricAlarm(
    `${name}-5xx`,
    {
      alarmDescription: `${args.serviceName}: 5xx answers from its targets; stops and rolls back a deployment`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: deployment.target5xxThreshold,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: "notBreaching",
      metricQueries: [
        ...perTargetGroup("HTTPCode_Target_5XX_Count", "Sum"),
        {
          id: "errors",
          expression: "FILL(blue, 0) + FILL(green, 0)",
          label: "Target 5xx",
          returnData: true,
        },
      ],
      tags,
    },
    { parent },
  );
  const unhealthy = new aws.cloudwatch.MetricAlarm(
    `${name}-unhealthy`,
    {
      alarmDescription: `${args.serviceName}: unhealthy targets for 2 minutes; stops and rolls back a deployment`,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: deployment.unhealthyHostsThreshold,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: "notBreaching",
      metricQueries: [
        ...perTargetGroup("UnHealthyHostCount", "Maximum"),
        {
          id: "unhealthy",
          expression: "MAX([FILL(blue, 0), FILL(green, 0)])",
          label: "Unhealthy targets",
          returnData: true,
        },
      ],
      tags,
    },
    { parent },
  );
  return [errors, unhealthy];
}

/** A predefined CodeDeploy configuration by name, or the traffic routing of a custom one. */
export function deploymentConfigFor(
  shifting: TrafficShifting,
):
  | { name: string }
  | { trafficRoutingConfig: aws.types.input.codedeploy.DeploymentConfigTrafficRoutingConfig } {
  if (shifting.predefined !== undefined) {
    return { name: TRAFFIC_SHIFTING[shifting.predefined] };
  }
  const step = { interval: shifting.intervalMinutes, percentage: shifting.percent };
  return shifting.type === "Canary"
    ? { trafficRoutingConfig: { type: "TimeBasedCanary", timeBasedCanary: step } }
    : { trafficRoutingConfig: { type: "TimeBasedLinear", timeBasedLinear: step } };
}

interface CodeDeployPermissions {
  readonly ecsServiceArn: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly ecsServiceName: pulumi.Input<string>;
  readonly listenerArns: pulumi.Input<string>[];
  readonly alarmArns: pulumi.Input<string>[];
  readonly taskRoleArns: pulumi.Input<string>[];
  readonly hookFunctionArns: pulumi.Input<string>[];
}

/** The CodeDeploy service role's statements: what an ECS blue/green deployment calls, and no more. */
export function codeDeployStatements(p: CodeDeployPermissions): Statement[] {
  const taskSets = pulumi
    .all([p.ecsServiceArn, p.clusterName, p.ecsServiceName])
    .apply(([serviceArn, cluster, service]) => {
      // arn:aws:ecs:<region>:<account>:service/<cluster>/<service> → task-set/<cluster>/<service>/*
      const prefix = serviceArn.slice(0, serviceArn.indexOf(":service/"));
      return `${prefix}:task-set/${cluster}/${service}/*`;
    });
  const listenerRules = p.listenerArns.map((arn) =>
    pulumi.output(arn).apply((a) => `${a.replace(":listener/", ":listener-rule/")}/*`),
  );
  const statements: Statement[] = [
    {
      Sid: "TaskSets",
      Effect: "Allow",
      Action: [
        "ecs:DescribeServices",
        "ecs:CreateTaskSet",
        "ecs:UpdateServicePrimaryTaskSet",
        "ecs:DeleteTaskSet",
      ],
      Resource: [p.ecsServiceArn, taskSets],
    },
    {
      Sid: "ShiftTraffic",
      Effect: "Allow",
      Action: ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"],
      Resource: [...p.listenerArns, ...listenerRules],
    },
    {
      Sid: "ReadLoadBalancer",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
      ],
      // Elastic Load Balancing's Describe* actions have no resource-level permissions.
      Resource: "*",
    },
    {
      Sid: "WatchAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms"],
      Resource: p.alarmArns,
    },
    {
      Sid: "PassTaskRoles",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: p.taskRoleArns,
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
  ];
  if (p.hookFunctionArns.length > 0) {
    statements.push({
      Sid: "InvokeHooks",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: p.hookFunctionArns,
    });
  }
  return statements;
}
