/**
 * The ecs engine's pieces: how a service's Amazon ECS native blue/green deployment is configured
 * (strategy, bake times, alarms, lifecycle hook, advanced load balancer configuration) and the
 * roles Amazon ECS assumes for it. Field names are `@pulumi/aws` 7.48's (`ecs/service.d.ts`,
 * `types/input.d.ts`); the facts they rest on are in `hooks/ecs/contract.ts` and DESIGN.md.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HOOK_INVOKER_PRINCIPAL, hookStages } from "../hooks/ecs/contract";
import type { DeploymentConfig, TrafficShifting } from "./config";
import { roleWithPolicy, type Statement } from "./iam";
import type { Tags } from "./tags";

/**
 * What the pipeline owns on an ECS-controller service, and `pulumi up` must never put back: the
 * task definition it registers and the target groups Amazon ECS alternates (its blue/green
 * deployments swap the primary and alternate target groups), and the network and platform
 * version, which the deploy step passes with every deployment. Changing any of them from Pulumi
 * would start a deployment outside the pipeline (terraform-provider-aws #45678: such a deployment
 * does not alternate target groups).
 */
export const ECS_OWNED_SERVICE_FIELDS = [
  "taskDefinition",
  "loadBalancers",
  "networkConfiguration",
  "platformVersion",
] as const;

/** The strategies of an ECS-controller service that shift traffic between two revisions. */
export const BLUE_GREEN_STRATEGIES = ["BLUE_GREEN", "LINEAR", "CANARY"] as const;

/**
 * `deploymentConfiguration` without its hooks, from the names users already write:
 * `AllAtOnce` → BLUE_GREEN; `Linear…` / `{type: Linear}` → LINEAR (`stepPercent`, step bake
 * time = the interval); `Canary…` / `{type: Canary}` → CANARY (`canaryPercent`, canary bake time
 * = the interval). The termination wait becomes `bakeTimeInMinutes`: blue is kept that long after
 * all production traffic is on green, and a rollback in that time is a weight flip. Amazon ECS
 * takes its minutes as strings.
 */
export function ecsDeploymentStrategy(
  shifting: TrafficShifting,
  terminationWaitMinutes: number,
): aws.types.input.ecs.ServiceDeploymentConfiguration {
  const bakeTimeInMinutes = String(terminationWaitMinutes);
  switch (shifting.type) {
    case "AllAtOnce":
      return { strategy: "BLUE_GREEN", bakeTimeInMinutes };
    case "Linear":
      return {
        strategy: "LINEAR",
        bakeTimeInMinutes,
        linearConfiguration: {
          stepPercent: shifting.percent,
          stepBakeTimeInMinutes: String(shifting.intervalMinutes),
        },
      };
    case "Canary":
      return {
        strategy: "CANARY",
        bakeTimeInMinutes,
        canaryConfiguration: {
          canaryPercent: shifting.percent,
          canaryBakeTimeInMinutes: String(shifting.intervalMinutes),
        },
      };
  }
}

export interface EcsDeploymentArgs {
  readonly deployment: DeploymentConfig;
  /** The service's blue (primary at creation) and green (alternate) target groups. */
  readonly blueTargetGroupArn: pulumi.Input<string>;
  readonly greenTargetGroupArn: pulumi.Input<string>;
  readonly containerName: string;
  readonly containerPort: number;
  /** The service's own production and test listener rules. */
  readonly prodRuleArn: pulumi.Input<string>;
  readonly testRuleArn: pulumi.Input<string>;
  /** The role Amazon ECS uses to move the rules' weights and register targets. */
  readonly infrastructureRoleArn: pulumi.Input<string>;
  /** The alarms that fail the deployment (and roll it back). */
  readonly alarmNames: pulumi.Input<string>[];
  /** The live hook and the role Amazon ECS invokes it with. */
  readonly hook: {
    readonly functionArn: pulumi.Input<string>;
    readonly roleArn: pulumi.Input<string>;
  };
}

/** The fields of `aws.ecs.Service` that make it an Amazon ECS native blue/green service. */
export interface EcsServiceDeployment {
  readonly deploymentController: aws.types.input.ecs.ServiceDeploymentController;
  readonly deploymentConfiguration: aws.types.input.ecs.ServiceDeploymentConfiguration;
  readonly alarms: aws.types.input.ecs.ServiceAlarms;
  readonly loadBalancers: aws.types.input.ecs.ServiceLoadBalancer[];
}

/**
 * A service's native blue/green settings. Alarms: the ECS guide ("How CloudWatch alarms detect
 * Amazon ECS deployment failures") describes them for blue/green — the alarms are watched while
 * blue and green both run after production traffic has shifted, i.e. through the bake time, and
 * `rollback` sends production back to blue — while the older API and CloudFormation text still
 * says "ECS (rolling update)" only. Greenlight wires them with rollback; the live hook at
 * POST_PRODUCTION_TRAFFIC_SHIFT is the check that does not depend on that reading.
 */
export function ecsServiceDeployment(args: EcsDeploymentArgs): EcsServiceDeployment {
  return {
    deploymentController: { type: "ECS" },
    deploymentConfiguration: {
      ...ecsDeploymentStrategy(
        args.deployment.trafficShifting,
        args.deployment.terminationWaitMinutes,
      ),
      lifecycleHooks: [
        {
          hookTargetArn: args.hook.functionArn,
          roleArn: args.hook.roleArn,
          lifecycleStages: hookStages(false),
        },
      ],
    },
    alarms: { alarmNames: args.alarmNames, enable: true, rollback: true },
    loadBalancers: [
      {
        targetGroupArn: args.blueTargetGroupArn,
        containerName: args.containerName,
        containerPort: args.containerPort,
        advancedConfiguration: {
          alternateTargetGroupArn: args.greenTargetGroupArn,
          productionListenerRule: args.prodRuleArn,
          testListenerRule: args.testRuleArn,
          roleArn: args.infrastructureRoleArn,
        },
      },
    ],
  };
}

export interface InfrastructureScope {
  readonly listenerArns: pulumi.Input<string>[];
  readonly ruleArns: pulumi.Input<string>[];
  readonly targetGroupArns: pulumi.Input<string>[];
}

/**
 * The infrastructure role's statements: the AWS managed policy
 * `AmazonECSInfrastructureRolePolicyForLoadBalancers` (read in the AWS Managed Policy Reference:
 * ELB Describe* on `*`, Register/DeregisterTargets on every target group, ModifyListener on every
 * ALB and NLB listener, and ModifyRule on rules) narrowed to this service's own target groups,
 * listeners and rules. The managed policy would let a deployment of one service rewrite any
 * listener of the account; this one cannot leave the service.
 */
export function infrastructureStatements(scope: InfrastructureScope): Statement[] {
  return [
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
      Sid: "RegisterTargets",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: scope.targetGroupArns,
    },
    {
      Sid: "ShiftTraffic",
      Effect: "Allow",
      Action: ["elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"],
      Resource: [...scope.listenerArns, ...scope.ruleArns],
    },
  ];
}

/** The role Amazon ECS assumes to shift one service's traffic (`advancedConfiguration.roleArn`). */
export function infrastructureRole(
  name: string,
  serviceName: string,
  scope: InfrastructureScope,
  tags: Tags,
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy?: aws.iam.RolePolicy } {
  return roleWithPolicy(
    `${name}-ecs-infrastructure`,
    {
      assumedBy: HOOK_INVOKER_PRINCIPAL,
      description: `Amazon ECS shifts ${serviceName}'s listener rules between its blue and green target groups`,
      statements: infrastructureStatements(scope),
      tags,
    },
    parent,
  );
}

/** The role Amazon ECS invokes the lifecycle hook with: that one function, nothing else. */
export function hookInvokerRole(
  name: string,
  functionArn: pulumi.Input<string>,
  tags: Tags,
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy?: aws.iam.RolePolicy } {
  return roleWithPolicy(
    `${name}-invoker`,
    {
      assumedBy: HOOK_INVOKER_PRINCIPAL,
      description: "Amazon ECS invokes Greenlight's live hook at its lifecycle stages",
      statements: [
        {
          Sid: "InvokeHook",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: functionArn,
        },
      ],
      tags,
    },
    parent,
  );
}
