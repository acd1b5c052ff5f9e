import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalingConfig } from "./config";
import type { Tags } from "./tags";

/** Seconds between scale-in steps (slow, so a short lull does not drop capacity). */
export const SCALE_IN_COOLDOWN_SECONDS = 300;
/** Seconds between scale-out steps. */
export const SCALE_OUT_COOLDOWN_SECONDS = 60;

/** A target group as CloudWatch names it. */
export interface TargetGroupMetricRef {
  readonly arnSuffix: pulumi.Input<string>;
}

export interface ServiceAutoscalingArgs {
  readonly config: AutoscalingConfig;
  readonly clusterName: pulumi.Input<string>;
  readonly serviceName: pulumi.Input<string>;
  /** `app/<name>/<id>`: the ALB part of the target groups' metrics. */
  readonly loadBalancerArnSuffix: pulumi.Input<string>;
  readonly blue: TargetGroupMetricRef;
  readonly green: TargetGroupMetricRef;
  readonly tags: Tags;
}

/**
 * The metric of `requestsPerTarget`: requests per minute per target of the *live* target group.
 * CodeDeploy swaps the production listener between blue and green at every deployment, so a
 * policy on one target group (the predefined ALBRequestCountPerTarget takes one fixed
 * `app/<alb>/<id>/targetgroup/<tg>/<id>` label) would track the idle group after every other
 * release. This takes the larger of the two groups' RequestCountPerTarget instead: the idle group
 * has no requests, so it is the live group's value; during a canary or linear shift both groups
 * carry traffic and the busier one drives scaling.
 */
export function requestsPerTargetMetrics(args: {
  loadBalancerArnSuffix: pulumi.Input<string>;
  blue: TargetGroupMetricRef;
  green: TargetGroupMetricRef;
}): aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetric[] {
  const stat = (id: "blue" | "green", tg: TargetGroupMetricRef) => ({
    id,
    metricStat: {
      metric: {
        namespace: "AWS/ApplicationELB",
        metricName: "RequestCountPerTarget",
        dimensions: [
          { name: "LoadBalancer", value: args.loadBalancerArnSuffix },
          { name: "TargetGroup", value: tg.arnSuffix },
        ],
      },
      stat: "Sum",
    },
    returnData: false,
  });
  return [
    stat("blue", args.blue),
    stat("green", args.green),
    {
      id: "live",
      label: "Requests per target, live target group",
      expression: "MAX([FILL(blue, 0), FILL(green, 0)])",
      returnData: true,
    },
  ];
}

/**
 * Application Auto Scaling on a service's desired count: a scalable target between `min` and
 * `max`, and one target-tracking policy per configured metric (CPU, memory, requests per target).
 * With several policies, Application Auto Scaling scales out when any asks and in only when all
 * agree. The ECS service ignores `desiredCount` changes (see FargateService), so `pulumi up` never
 * undoes the scaler's work.
 */
export class ServiceAutoscaling extends pulumi.ComponentResource {
  public readonly resourceId: pulumi.Output<string>;
  public readonly policyNames: pulumi.Output<string>[];

  constructor(name: string, args: ServiceAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:autoscaling:ServiceAutoscaling", name, {}, opts);
    const { config, tags } = args;
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${args.clusterName}/${args.serviceName}`,
        minCapacity: config.min,
        maxCapacity: config.max,
        tags,
      },
      { parent: this },
    );
    this.resourceId = target.resourceId;

    const policy = (
      metric: string,
      targetValue: number,
      spec: Pick<
        aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration,
        "predefinedMetricSpecification" | "customizedMetricSpecification"
      >,
    ) =>
      new aws.appautoscaling.Policy(
        `${name}-${metric}`,
        {
          policyType: "TargetTrackingScaling",
          serviceNamespace: target.serviceNamespace,
          scalableDimension: target.scalableDimension,
          resourceId: target.resourceId,
          targetTrackingScalingPolicyConfiguration: {
            targetValue,
            scaleInCooldown: SCALE_IN_COOLDOWN_SECONDS,
            scaleOutCooldown: SCALE_OUT_COOLDOWN_SECONDS,
            ...spec,
          },
        },
        { parent: this },
      );

    const policies: aws.appautoscaling.Policy[] = [];
    if (config.cpuPercent !== undefined) {
      policies.push(
        policy("cpu", config.cpuPercent, {
          predefinedMetricSpecification: {
            predefinedMetricType: "ECSServiceAverageCPUUtilization",
          },
        }),
      );
    }
    if (config.memoryPercent !== undefined) {
      policies.push(
        policy("memory", config.memoryPercent, {
          predefinedMetricSpecification: {
            predefinedMetricType: "ECSServiceAverageMemoryUtilization",
          },
        }),
      );
    }
    if (config.requestsPerTarget !== undefined) {
      policies.push(
        policy("requests", config.requestsPerTarget, {
          customizedMetricSpecification: { metrics: requestsPerTargetMetrics(args) },
        }),
      );
    }
    this.policyNames = policies.map((p) => p.name);
    this.registerOutputs({ resourceId: this.resourceId, policyNames: this.policyNames });
  }
}
