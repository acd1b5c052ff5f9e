import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./cluster";
import { NAMESPACE, SLACK_WEBHOOK_KEY, type GreenlightConfig, type ServiceConfig } from "./config";
import { LiveHook } from "./liveHook";
import { BlueGreenDeployment } from "./deploymentGroup";
import { LoadBalancer, ServiceTraffic } from "./loadBalancer";
import { Network } from "./network";
import { Notifier } from "./notifier";
import { Observability, type ObservedService } from "./observability";
import { Delivery, Pipeline } from "./pipeline";
import { Registry } from "./registry";
import { logsConsoleUrl, pipelineBase } from "./serviceDelivery";
import { FargateService } from "./service";
import { SharedListeners } from "./sharedListener";
import { deployEcsService } from "./ecsStack";
import { ServiceAutoscaling } from "./autoscaling";
import { tagsFor } from "./tags";
import { teardownPolicy } from "./teardown";

/** What a person needs about one service after `pulumi up`. */
export interface ServiceOutputs {
  readonly prodUrl: pulumi.Output<string>;
  readonly testUrl: pulumi.Output<string>;
  readonly versionUrl: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly ecsService: pulumi.Output<string>;
  /** codedeploy engine: the service's deployment group. */
  readonly deploymentGroup?: pulumi.Output<string>;
  readonly logGroup: pulumi.Output<string>;
  /** codedeploy engine: the deployment group in the CodeDeploy console. */
  readonly deploymentGroupConsole?: pulumi.Output<string>;
  /** ecs engine: the service's deployments in the Amazon ECS console. */
  readonly deploymentsConsole?: pulumi.Output<string>;
  readonly logsConsole: pulumi.Output<string>;
  readonly pipeline: pulumi.Output<string>;
  readonly pipelineConsole: pulumi.Output<string>;
}

export interface StackOutputs {
  readonly environment: string;
  readonly vpcId: pulumi.Output<string>;
  readonly loadBalancerDns: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** Which engine deploys: `codedeploy` or `ecs`. */
  readonly engine: GreenlightConfig["deployment"]["engine"];
  /** codedeploy engine: the stack's CodeDeploy application (none on ecs). */
  readonly codeDeployApplication?: pulumi.Output<string>;
  /** The source connection: PENDING until its handshake is completed once in the console. */
  readonly sourceConnectionArn: pulumi.Output<string>;
  readonly artifactBucket: pulumi.Output<string>;
  readonly liveHookFunction: pulumi.Output<string>;
  readonly dashboardUrl: pulumi.Output<string>;
  readonly services: Record<string, ServiceOutputs>;
}

/**
 * Builds one environment: the network, the load balancer, the cluster and CodeDeploy application,
 * and for each service its traffic (target groups, listeners, security groups), registry, Fargate
 * service and blue/green deployment group. The config must already be validated.
 */
export function greenlight(config: GreenlightConfig): StackOutputs {
  const env = config.environment;
  const stackTags = tagsFor(env);

  const network = new Network(env, { config: config.network, tags: stackTags });
  const loadBalancer = new LoadBalancer(env, {
    config: config.loadBalancer,
    vpcId: network.vpcId,
    subnetIds: config.loadBalancer.internal ? network.privateSubnetIds : network.publicSubnetIds,
    tags: stackTags,
  });
  const ecs = config.deployment.engine === "ecs";
  const cluster = new Cluster(env, { codeDeploy: !ecs, tags: stackTags });
  // The ecs engine: every service on one production and one test listener, routed by rules.
  const sharedListeners = ecs
    ? new SharedListeners(env, {
        config: config.loadBalancer,
        loadBalancer,
        prodPort: config.services[0].prodPort,
        testPort: config.services[0].testPort,
        vpcCidr: network.vpcCidr,
        tags: stackTags,
      })
    : undefined;
  const delivery = new Delivery(env, {
    environment: env,
    source: config.source,
    pipeline: config.pipeline,
    tags: stackTags,
  });
  const accountId = aws.getCallerIdentityOutput().accountId;
  const region = aws.getRegionOutput().region;
  const liveHook = new LiveHook(env, {
    environment: env,
    liveCheck: config.liveCheck,
    slackWebhookUrl: new pulumi.Config(NAMESPACE).getSecret(SLACK_WEBHOOK_KEY),
    applicationName: cluster.applicationName,
    ...(ecs ? { ecs: { clusterArn: cluster.clusterArn } } : {}),
    region,
    accountId,
    // On ecs each service's rule names its host; the hook probes that.
    probeHost: ecs ? undefined : config.loadBalancer.domainName,
    services: config.services.map((s) => s.name),
    vpc: {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      albSecurityGroupId: loadBalancer.securityGroupId,
      natPublicIps: network.natPublicIps,
      prodPorts: [...new Set(config.services.map((s) => s.prodPort))],
    },
    logRetentionDays: config.logRetentionDays,
    tags: stackTags,
  });

  const services: Record<string, ServiceOutputs> = {};
  const observed: ObservedService[] = [];
  for (const service of config.services) {
    const shared = { network, loadBalancer, cluster, delivery, accountId, liveHook };
    const deployed = sharedListeners
      ? deployEcsService(config, service, { ...shared, listeners: sharedListeners })
      : deployService(config, service, shared);
    services[service.name] = deployed.outputs;
    observed.push(deployed.observed);
  }
  const observability = new Observability(env, {
    environment: env,
    alerts: config.alerts,
    region,
    clusterName: cluster.clusterName,
    applicationName: cluster.applicationName,
    loadBalancerArnSuffix: loadBalancer.arnSuffix,
    services: observed,
    tags: stackTags,
  });
  new Notifier(env, {
    environment: env,
    engine: config.deployment.engine,
    alerts: config.alerts,
    slackSecretArn: liveHook.secretArn,
    region,
    accountId,
    applicationName: cluster.applicationName,
    clusterArn: cluster.clusterArn,
    pipelineNames: observed.map((s) => s.pipelineName),
    alarmNames: [
      ...observed.flatMap((s) => s.deploymentAlarmNames),
      ...Object.values(observability.alarmNames).flat(),
    ],
    logRetentionDays: config.logRetentionDays,
    tags: stackTags,
  });

  return {
    environment: env,
    vpcId: network.vpcId,
    loadBalancerDns: loadBalancer.dnsName,
    clusterName: cluster.clusterName,
    engine: config.deployment.engine,
    codeDeployApplication: cluster.applicationName,
    sourceConnectionArn: delivery.connectionArn,
    liveHookFunction: liveHook.functionName,
    artifactBucket: delivery.artifactBucketName,
    dashboardUrl: observability.dashboardUrl,
    services,
  };
}

export interface Shared {
  readonly network: Network;
  readonly loadBalancer: LoadBalancer;
  readonly cluster: Cluster;
  readonly delivery: Delivery;
  readonly accountId: pulumi.Output<string>;
  readonly liveHook: LiveHook;
}

/** What deploying one service gives the stack: its outputs and what is watched of it. */
export interface DeployedService {
  readonly outputs: ServiceOutputs;
  readonly observed: ObservedService;
}

function deployService(
  config: GreenlightConfig,
  service: ServiceConfig,
  shared: Shared,
): DeployedService {
  const { network, loadBalancer, cluster } = shared;
  const applicationName = cluster.applicationName!;
  const tags = tagsFor(config.environment, service.name);
  const name = service.name;

  const traffic = new ServiceTraffic(name, {
    service,
    config: config.loadBalancer,
    loadBalancer,
    vpcId: network.vpcId,
    vpcCidr: network.vpcCidr,
    tags,
  });
  const registry = new Registry(name, {
    keepImages: config.keepImages,
    forceDelete: teardownPolicy(config.environment).deleteImages,
    tags,
  });
  const fargate = new FargateService(name, {
    service,
    environment: config.environment,
    clusterArn: cluster.clusterArn,
    repositoryUrl: registry.repositoryUrl,
    repositoryArn: registry.repositoryArn,
    accountId: shared.accountId,
    targetGroupArn: traffic.blueTargetGroup.arn,
    listeners: [traffic.prodListener, traffic.testListener],
    subnetIds: network.taskSubnetIds,
    securityGroupIds: [traffic.taskSecurityGroupId],
    assignPublicIp: network.assignPublicIp,
    logRetentionDays: config.logRetentionDays,
    sourceRepositoryUrl: config.source.repositoryUrl,
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
  const deployment = new BlueGreenDeployment(name, {
    serviceName: service.name,
    deployment: config.deployment,
    applicationName,
    clusterName: cluster.clusterName,
    ecsServiceName: fargate.serviceName,
    ecsServiceArn: fargate.serviceArn,
    loadBalancerArnSuffix: loadBalancer.arnSuffix,
    blue: { name: traffic.blueTargetGroup.name, arnSuffix: traffic.blueTargetGroup.arnSuffix },
    green: { name: traffic.greenTargetGroup.name, arnSuffix: traffic.greenTargetGroup.arnSuffix },
    prodListenerArn: traffic.prodListener.arn,
    testListenerArn: traffic.testListener.arn,
    taskRoleArns: [fargate.executionRoleArn, fargate.taskRoleArn],
    hookFunctionArns: [shared.liveHook.functionArn],
    tags,
  });

  const pipeline = new Pipeline(name, {
    ...pipelineBase(
      config,
      service,
      shared,
      { registry, fargate },
      traffic.taskSecurityGroupId,
      tags,
    ),
    applicationName,
    applicationArn: cluster.applicationArn!,
    deploymentGroupName: deployment.deploymentGroupName,
    deploymentGroupArn: deployment.deploymentGroupArn,
    deploymentConfigName: deployment.deploymentConfigName,
    hooks: { AfterAllowTraffic: shared.liveHook.functionName },
  });

  const region = fargate.region;
  const observed: ObservedService = {
    name: service.name,
    ecsServiceName: fargate.serviceName,
    blueTargetGroupArnSuffix: traffic.blueTargetGroup.arnSuffix,
    greenTargetGroupArnSuffix: traffic.greenTargetGroup.arnSuffix,
    deploymentAlarmArns: deployment.alarmArns,
    deploymentAlarmNames: deployment.alarmNames,
    deploymentGroupName: deployment.deploymentGroupName,
    pipelineName: pipeline.pipelineName,
    logGroupName: fargate.logGroupName,
    prodUrl: traffic.prodUrl,
  };
  const outputs: ServiceOutputs = {
    prodUrl: traffic.prodUrl,
    testUrl: traffic.testUrl,
    versionUrl: pulumi.interpolate`${traffic.prodUrl}${service.versionPath}`,
    repositoryUrl: registry.repositoryUrl,
    ecsService: fargate.serviceName,
    deploymentGroup: deployment.deploymentGroupName,
    logGroup: fargate.logGroupName,
    deploymentGroupConsole: pulumi.interpolate`https://${region}.console.aws.amazon.com/codesuite/codedeploy/applications/${applicationName}/deployment-groups/${deployment.deploymentGroupName}?region=${region}`,
    pipeline: pipeline.pipelineName,
    pipelineConsole: pipeline.consoleUrl,
    logsConsole: logsConsoleUrl(region, fargate.logGroupName),
  };
  return { outputs, observed };
}
