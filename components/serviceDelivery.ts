/**
 * What both engines give a service's pipeline and outputs alike: the pipeline's arguments that
 * do not depend on the engine, and the console link to the service's logs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GreenlightConfig, ServiceConfig } from "./config";
import type { PipelineArgs } from "./pipeline";
import type { Shared } from "./program";
import type { Registry } from "./registry";
import type { FargateService } from "./service";

/** The engine-independent arguments of a service's {@link Pipeline}. */
export function pipelineBase(
  config: GreenlightConfig,
  service: ServiceConfig,
  shared: Pick<Shared, "network" | "delivery" | "accountId">,
  built: { readonly registry: Registry; readonly fargate: FargateService },
  taskSecurityGroupId: pulumi.Input<string>,
  tags: Record<string, string>,
): PipelineArgs {
  const { registry, fargate } = built;
  return {
    environment: config.environment,
    service,
    source: config.source,
    pipeline: config.pipeline,
    delivery: shared.delivery,
    repositoryUrl: registry.repositoryUrl,
    repositoryArn: registry.repositoryArn,
    family: fargate.family,
    executionRoleArn: fargate.executionRoleArn,
    taskRoleArn: fargate.taskRoleArn,
    logGroupName: fargate.logGroupName,
    region: fargate.region,
    accountId: shared.accountId,
    subnetIds: shared.network.taskSubnetIds,
    securityGroupIds: [taskSecurityGroupId],
    assignPublicIp: shared.network.assignPublicIp,
    logRetentionDays: config.logRetentionDays,
    tags,
  };
}

/** The CloudWatch console page of a log group. */
export function logsConsoleUrl(
  region: pulumi.Input<string>,
  logGroupName: pulumi.Output<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${logGroupName.apply(encodeURIComponent)}`;
}
