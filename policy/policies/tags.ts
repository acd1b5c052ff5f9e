/**
 * Operability: every taggable resource says which environment it belongs to and who manages it,
 * and per-service resources say which service.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { describe } from "../lib/stack";
import { TYPES } from "../lib/types";
import { isUnknown, record, resolveProps } from "../lib/values";

/** Tags every taggable resource carries. */
export const REQUIRED_TAGS = ["environment", "managed-by"] as const;

/** The tag per-service resources carry as well. */
export const SERVICE_TAG = "service";

/**
 * The AWS resource types Greenlight creates (or is about to) that accept `tags`. A resource of
 * another type is checked too when its properties carry a `tags` object. The tests compare this
 * list with @pulumi/aws for every type the program creates, so it cannot fall behind.
 */
export const TAGGABLE_TYPES: readonly string[] = [
  "aws:acm/certificate:Certificate",
  "aws:appautoscaling/target:Target",
  "aws:cloudwatch/compositeAlarm:CompositeAlarm",
  "aws:cloudwatch/eventBus:EventBus",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:codebuild/project:Project",
  "aws:codebuild/reportGroup:ReportGroup",
  "aws:codedeploy/application:Application",
  "aws:codedeploy/deploymentGroup:DeploymentGroup",
  "aws:codepipeline/pipeline:Pipeline",
  "aws:codestarconnections/connection:Connection",
  "aws:codestarnotifications/notificationRule:NotificationRule",
  "aws:dynamodb/table:Table",
  "aws:ec2/eip:Eip",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ecr/repository:Repository",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:iam/policy:Policy",
  "aws:iam/role:Role",
  "aws:kms/key:Key",
  "aws:lambda/function:Function",
  "aws:lb/listener:Listener",
  "aws:lb/listenerRule:ListenerRule",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:s3/bucket:Bucket",
  "aws:secretsmanager/secret:Secret",
  "aws:sns/topic:Topic",
  "aws:sqs/queue:Queue",
  "aws:ssm/parameter:Parameter",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
];

/** Types that exist once per service by nature: they carry the `service` tag. */
export const PER_SERVICE_TYPES: readonly string[] = [
  TYPES.ecsService,
  TYPES.taskDefinition,
  TYPES.ecrRepository,
  TYPES.targetGroup,
  TYPES.deploymentGroup,
  TYPES.codebuildProject,
  TYPES.codepipeline,
];

/**
 * Taggable resources carry `environment` and `managed-by`; per-service ones also `service`.
 */
export const requiredTags: ResourceValidationPolicy = {
  name: "greenlight-required-tags",
  description:
    "Every taggable resource must carry the tags environment and managed-by, and per-service " +
    "resources (ECS service and task definition, ECR repository, target group, deployment " +
    "group, CodeBuild project, pipeline) also service: cost reports, ownership and alerts are " +
    "filtered by them.",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    const props = resolveProps(args.props);
    const tags = props.tags;
    if (!TAGGABLE_TYPES.includes(args.type) && record(tags) === undefined) return;
    if (isUnknown(tags)) return;
    const present = record(tags) ?? {};
    const required: string[] = [...REQUIRED_TAGS];
    if (PER_SERVICE_TYPES.includes(args.type)) required.push(SERVICE_TAG);
    const missing = required.filter((key) => {
      const value = present[key];
      return !isUnknown(value) && (typeof value !== "string" || value.trim() === "");
    });
    if (missing.length === 0) return;
    reportViolation(
      `${describe(args)} lacks the tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}. ` +
        `Pass tags: tagsFor(environment${required.includes(SERVICE_TAG) ? ", service" : ""}) ` +
        `(components/tags.ts) to it.`,
    );
  },
};

/** The operability policies. */
export const tagPolicies = [requiredTags] as const;
