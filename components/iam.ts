import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement: named actions on named resources. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  /** Only in resource policies (bucket and topic policies). */
  readonly Principal?:
    "*" | Readonly<Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
  readonly Action: readonly string[];
  /** ARNs; an Output of a list when the list itself is only known at deploy time. */
  readonly Resource:
    pulumi.Input<string> | readonly pulumi.Input<string>[] | pulumi.Output<string[]>;
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>>
  >;
}

/** An IAM policy document as JSON, resolving the ARNs it names. */
export function policyDocument(statements: readonly Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** A trust policy letting one AWS service assume the role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

export interface RoleArgs {
  /** The AWS service that assumes the role, e.g. `codedeploy.amazonaws.com`. */
  readonly assumedBy: string;
  readonly description: string;
  /** The inline policy; none when empty. */
  readonly statements: readonly Statement[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A role for one AWS service with its inline least-privilege policy. Depend on `policy` (not on
 * `role`) when a resource validates the role's permissions at creation.
 */
export function roleWithPolicy(
  name: string,
  args: RoleArgs,
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy?: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(
    name,
    {
      description: args.description,
      assumeRolePolicy: assumeRolePolicy(args.assumedBy),
      tags: args.tags,
    },
    { parent },
  );
  if (args.statements.length === 0) {
    return { role };
  }
  const policy = new aws.iam.RolePolicy(
    name,
    { role: role.id, policy: policyDocument(args.statements) },
    { parent },
  );
  return { role, policy };
}

/**
 * The only actions Greenlight grants on resource `"*"`: AWS offers no resource-level permissions
 * for them. Kept in one place; the tests and the policy pack check every policy against it.
 */
export const WILDCARD_RESOURCE_ACTIONS: ReadonlySet<string> = new Set([
  "cloudwatch:PutMetricData",
  "ec2:AssignPrivateIpAddresses",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:UnassignPrivateIpAddresses",
  // No resource type in the Service Authorization Reference (see components/liveHook.ts).
  "codedeploy:BatchGetDeploymentTargets",
  "codedeploy:ListDeploymentTargets",
  "codedeploy:PutLifecycleEventHookExecutionStatus",
  "ecr:GetAuthorizationToken",
  "ecs:DescribeServiceDeployments",
  "ecs:DescribeServiceRevisions",
  "ecs:DescribeTaskDefinition",
  "ecs:RegisterTaskDefinition",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeRules",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  // ECS Exec: the task's SSM agent opens its session channels, and finds the log group.
  "logs:DescribeLogGroups",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
]);
