import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "./config";
import { ECS_OWNED_SERVICE_FIELDS, type EcsServiceDeployment } from "./ecsEngine";
import { roleWithPolicy } from "./iam";
import type { Tags } from "./tags";
import { taskDefinitionInput } from "./taskdef";

/** The tag of the image the service starts with, before its first pipeline run. */
export const BOOTSTRAP_TAG = "bootstrap";

/**
 * What CodeDeploy owns on a CODE_DEPLOY service, and `pulumi up` must never put back: the task
 * definition and load balancer (target group) of the live task set, and the network and platform
 * version, which only a deployment (the AppSpec) can change on such a service.
 */
export const CODEDEPLOY_OWNED_SERVICE_FIELDS = [
  "taskDefinition",
  "loadBalancers",
  "networkConfiguration",
  "platformVersion",
] as const;

export interface FargateServiceArgs {
  readonly service: ServiceConfig;
  readonly environment: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly repositoryUrl: pulumi.Input<string>;
  readonly repositoryArn: pulumi.Input<string>;
  /** The blue target group: the one the service starts behind. */
  readonly targetGroupArn: pulumi.Input<string>;
  /** The listeners that attach the target groups to the ALB (ECS requires that first). */
  readonly listeners: pulumi.Resource[];
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly assignPublicIp: boolean;
  readonly logRetentionDays: number;
  /** The source repository's web URL, shown in release notices. */
  readonly sourceRepositoryUrl: string;
  /**
   * The ecs engine: the service's native blue/green settings (see `ecsEngine.ts`).
   * @default - the CODE_DEPLOY controller
   */
  readonly ecs?: EcsServiceDeployment;
  readonly tags: Tags;
}

/**
 * A Fargate service under the CODE_DEPLOY deployment controller: its log group, execution and task
 * roles, the task definition template (the pipeline renders the same one) and the ECS service.
 */
export class FargateService extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly serviceArn: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  public readonly family: string;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly executionRoleArn: pulumi.Output<string>;
  public readonly taskRoleArn: pulumi.Output<string>;
  public readonly region: pulumi.Output<string>;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:service:FargateService", name, {}, opts);
    const { service, environment, tags } = args;
    this.family = taskFamily(environment, service.name);
    this.region = aws.getRegionOutput({}, { parent: this }).region;

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: logGroupName(environment, service.name),
        retentionInDays: args.logRetentionDays,
        tags,
      },
      { parent: this },
    );
    this.logGroupName = logGroup.name;

    const { role: executionRole } = roleWithPolicy(
      `${name}-execution`,
      {
        assumedBy: "ecs-tasks.amazonaws.com",
        description: `ECS pulls ${service.name}'s image and ships its logs`,
        statements: [
          {
            Sid: "EcrAuthToken",
            Effect: "Allow",
            Action: ["ecr:GetAuthorizationToken"],
            // GetAuthorizationToken is account-wide: it has no resource-level permissions.
            Resource: "*",
          },
          {
            Sid: "PullImage",
            Effect: "Allow",
            Action: [
              "ecr:BatchCheckLayerAvailability",
              "ecr:GetDownloadUrlForLayer",
              "ecr:BatchGetImage",
            ],
            Resource: args.repositoryArn,
          },
          {
            Sid: "WriteLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroup.arn}:*`,
          },
        ],
        tags,
      },
      this,
    );
    this.executionRoleArn = executionRole.arn;

    // The application's own role: no permissions until the service needs some.
    const { role: taskRole } = roleWithPolicy(
      `${name}-task`,
      {
        assumedBy: "ecs-tasks.amazonaws.com",
        description: `The ${service.name} application's own AWS permissions`,
        statements: [],
        tags,
      },
      this,
    );
    this.taskRoleArn = taskRole.arn;

    const template = pulumi
      .all([args.repositoryUrl, executionRole.arn, taskRole.arn, logGroup.name, this.region])
      .apply(([repositoryUrl, executionRoleArn, taskRoleArn, group, region]) =>
        taskDefinitionInput({
          service,
          environment,
          image: `${repositoryUrl}:${BOOTSTRAP_TAG}`,
          family: this.family,
          executionRoleArn,
          taskRoleArn,
          logGroupName: group,
          region,
          repositoryUrl: args.sourceRepositoryUrl,
        }),
      );

    const taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: this.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(service.cpu),
        memory: String(service.memory),
        executionRoleArn: executionRole.arn,
        taskRoleArn: taskRole.arn,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        containerDefinitions: template.apply((t) => JSON.stringify(t.containerDefinitions)),
        // CodeDeploy rolls back to earlier revisions: never deregister them.
        skipDestroy: true,
        tags,
      },
      { parent: this },
    );
    this.taskDefinitionArn = taskDefinition.arn;

    const ecsService = new aws.ecs.Service(
      `${name}-service`,
      {
        name: service.name,
        cluster: args.clusterArn,
        taskDefinition: taskDefinition.arn,
        desiredCount: service.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        deploymentController: { type: "CODE_DEPLOY" },
        loadBalancers: [
          {
            targetGroupArn: args.targetGroupArn,
            containerName: service.name,
            containerPort: service.containerPort,
          },
        ],
        // The ecs engine: the ECS controller, its strategy, alarms and advanced configuration.
        ...args.ecs,
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: args.securityGroupIds,
          assignPublicIp: args.assignPublicIp,
        },
        healthCheckGracePeriodSeconds: 30,
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        tags,
      },
      {
        parent: this,
        dependsOn: args.listeners,
        ignoreChanges: [...(args.ecs ? ECS_OWNED_SERVICE_FIELDS : CODEDEPLOY_OWNED_SERVICE_FIELDS)],
      },
    );
    this.serviceName = ecsService.name;
    this.serviceArn = ecsService.arn;

    this.registerOutputs({
      serviceName: this.serviceName,
      serviceArn: this.serviceArn,
      taskDefinitionArn: this.taskDefinitionArn,
      logGroupName: this.logGroupName,
      executionRoleArn: this.executionRoleArn,
      taskRoleArn: this.taskRoleArn,
    });
  }
}

/** The task definition family of a service: stable, so the pipeline registers new revisions of it. */
export function taskFamily(environment: string, service: string): string {
  return `greenlight-${environment}-${service}`;
}

/** Where a service's container logs go: `aws logs tail /greenlight/<env>/<service> --follow`. */
export function logGroupName(environment: string, service: string): string {
  return `/greenlight/${environment}/${service}`;
}
