import * as pulumi from "@pulumi/pulumi";
import { ServiceAutoscaling } from "./autoscaling";
import type { GreenlightConfig, ServiceConfig } from "./config";
import { deploymentAlarms } from "./deploymentGroup";
import { ecsServiceDeployment, infrastructureRole } from "./ecsEngine";
import { Pipeline } from "./pipeline";
import type { DeployedService, Shared } from "./program";
import { Registry } from "./registry";
import { logsConsoleUrl, pipelineBase } from "./serviceDelivery";
import { FargateService } from "./service";
import { EcsServiceTraffic, type SharedListeners } from "./sharedListener";
import { tagsFor } from "./tags";
import { teardownPolicy } from "./teardown";

/** Minutes the deploy step waits beyond shifting and baking: task start-up, hooks, clean-up. */
export const ECS_DEPLOY_MARGIN_MINUTES = 20;

/**
 * How long the ecs engine's deploy step waits for a deployment: every traffic step's bake time,
 * the bake time, the live check's deadline at each hook, and a margin (CodeBuild allows 5 to
 * 2160 minutes).
 */
export function ecsDeployTimeoutMinutes(config: GreenlightConfig): number {
  const shifting = config.deployment.trafficShifting;
  const stepsMinutes =
    shifting.type === "AllAtOnce"
      ? 0
      : shifting.type === "Canary"
        ? shifting.intervalMinutes
        : Math.ceil(100 / shifting.percent) * shifting.intervalMinutes;
  const total =
    stepsMinutes +
    config.deployment.terminationWaitMinutes +
    Math.ceil(config.liveCheck.deadlineSeconds / 60) +
    ECS_DEPLOY_MARGIN_MINUTES;
  return Math.min(2160, Math.max(5, total));
}

/**
 * One service on the ecs engine: its rules on the shared listeners and target groups, registry,
 * deployment alarms, infrastructure role, Fargate service under the ECS controller with the live
 * hook at POST_PRODUCTION_TRAFFIC_SHIFT, and the pipeline whose deploy step starts the native
 * blue/green deployment. No CodeDeploy resource.
 */
export function deployEcsService(
  config: GreenlightConfig,
  service: ServiceConfig,
  shared: Shared & { readonly listeners: SharedListeners },
): DeployedService {
  const { network, loadBalancer, cluster, liveHook } = shared;
  const tags = tagsFor(config.environment, service.name);
  const name = service.name;

  const traffic = new EcsServiceTraffic(name, {
    service,
    config: config.loadBalancer,
    loadBalancer,
    listeners: shared.listeners,
    vpcId: network.vpcId,
    tags,
  });
  const registry = new Registry(name, {
    keepImages: config.keepImages,
    forceDelete: teardownPolicy(config.environment).deleteImages,
    tags,
  });
  const alarms = deploymentAlarms(
    name,
    {
      serviceName: service.name,
      deployment: config.deployment,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      blue: traffic.blueTargetGroup,
      green: traffic.greenTargetGroup,
      tags,
    },
    traffic,
  );
  const { role: infrastructure, policy: infrastructurePolicy } = infrastructureRole(
    name,
    service.name,
    {
      listenerArns: [shared.listeners.prodListener.arn, shared.listeners.testListener.arn],
      ruleArns: [traffic.prodRule.arn, traffic.testRule.arn],
      targetGroupArns: [traffic.blueTargetGroup.arn, traffic.greenTargetGroup.arn],
    },
    tags,
    traffic,
  );
  const fargate = new FargateService(name, {
    service,
    environment: config.environment,
    clusterArn: cluster.clusterArn,
    repositoryUrl: registry.repositoryUrl,
    repositoryArn: registry.repositoryArn,
    accountId: shared.accountId,
    targetGroupArn: traffic.blueTargetGroup.arn,
    // Amazon ECS checks the rules and the infrastructure role's permissions at creation.
    listeners: [
      shared.listeners.prodListener,
      shared.listeners.testListener,
      traffic.prodRule,
      traffic.testRule,
      ...(infrastructurePolicy ? [infrastructurePolicy] : []),
    ],
    subnetIds: network.taskSubnetIds,
    securityGroupIds: [traffic.taskSecurityGroupId],
    assignPublicIp: network.assignPublicIp,
    logRetentionDays: config.logRetentionDays,
    sourceRepositoryUrl: config.source.repositoryUrl,
    ecs: ecsServiceDeployment({
      deployment: config.deployment,
      blueTargetGroupArn: traffic.blueTargetGroup.arn,
      greenTargetGroupArn: traffic.greenTargetGroup.arn,
      containerName: service.name,
      containerPort: service.containerPort,
      prodRuleArn: traffic.prodRule.arn,
      testRuleArn: traffic.testRule.arn,
      infrastructureRoleArn: infrastructure.arn,
      alarmNames: alarms.map((a) => a.name),
      hook: { functionArn: liveHook.functionArn, roleArn: liveHook.invokerRoleArn! },
    }),
    tags,
  });

  if (service.autoscaling) {
    new ServiceAutoscaling(name, {
      config: service.autoscaling,
      clusterName: cluster.clusterName,
      serviceName: fargate.serviceName,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      blue: traffic.blueTargetGroup,
      green: traffic.greenTargetGroup,
      tags,
    });
  }

  const pipeline = new Pipeline(name, {
    ...pipelineBase(
      config,
      service,
      shared,
      { registry, fargate },
      traffic.taskSecurityGroupId,
      tags,
    ),
    ecsDeploy: {
      clusterName: cluster.clusterName,
      serviceName: fargate.serviceName,
      serviceArn: fargate.serviceArn,
      timeoutMinutes: ecsDeployTimeoutMinutes(config),
    },
  });

  const region = fargate.region;
  const observed = {
    name: service.name,
    ecsServiceName: fargate.serviceName,
    blueTargetGroupArnSuffix: traffic.blueTargetGroup.arnSuffix,
    greenTargetGroupArnSuffix: traffic.greenTargetGroup.arnSuffix,
    deploymentAlarmArns: alarms.map((a) => a.arn),
    deploymentAlarmNames: alarms.map((a) => a.name),
    // No deployment group on the ecs engine: the stack index names "".
    deploymentGroupName: "",
    pipelineName: pipeline.pipelineName,
    logGroupName: fargate.logGroupName,
    prodUrl: traffic.prodUrl,
  };
  return {
    observed,
    outputs: {
      prodUrl: traffic.prodUrl,
      testUrl: traffic.testUrl,
      versionUrl: pulumi.interpolate`${traffic.prodUrl}${service.versionPath}`,
      repositoryUrl: registry.repositoryUrl,
      ecsService: fargate.serviceName,
      logGroup: fargate.logGroupName,
      deploymentsConsole: pulumi.interpolate`https://${region}.console.aws.amazon.com/ecs/v2/clusters/${cluster.clusterName}/services/${fargate.serviceName}/deployments?region=${region}`,
      pipeline: pipeline.pipelineName,
      pipelineConsole: pipeline.consoleUrl,
      logsConsole: logsConsoleUrl(region, fargate.logGroupName),
    },
  };
}
