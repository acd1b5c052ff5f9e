import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PermissionStatement, ServiceConfig } from "./config";
import { ECS_OWNED_SERVICE_FIELDS, type EcsServiceDeployment } from "./ecsEngine";
import { roleWithPolicy, type Statement } from "./iam";
import { secretStatements, type SecretScope } from "./secrets";
import type { Tags } from "./tags";
import { placeholderContainer, taskDefinitionInput } from "./taskdef";

/**
 * The image tag of the template revision Pulumi registers. Nothing runs that revision: the
 * service starts on the placeholder, and the pipeline registers every revision that runs.
 */
export const BOOTSTRAP_TAG = "bootstrap";

/** What ECS Exec needs in the task role: the SSM agent's session channels (no resource-level permissions). */
export const EXEC_CHANNEL_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
] as const;

const UNRESOLVED_SCOPE: SecretScope = { region: "", accountId: "" };

/** A stack-file permission statement as an IAM policy statement. */
export function iamStatement(p: PermissionStatement, index: number): Statement {
  return {
    Sid: p.sid ?? `Service${index}`,
    Effect: p.effect,
    Action: [...p.actions],
    Resource: p.resources.length === 1 ? p.resources[0] : [...p.resources],
    ...(p.conditions !== undefined ? { Condition: p.conditions } : {}),
  };
}

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
  /** The stack's account: secrets given by name are read from it. */
  readonly accountId: pulumi.Input<string>;
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
  /** The placeholder revision the service starts on. */
  public readonly placeholderTaskDefinitionArn: pulumi.Output<string>;
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
    const scope: pulumi.Output<SecretScope> = pulumi
      .all([this.region, args.accountId])
      .apply(([region, accountId]) => ({ region, accountId }));

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
          // Exactly the secrets and parameters of services[].secrets (and their key): the
          // statements' shape is known now, their ARNs once the region and account are.
          ...secretStatements(service.secrets, UNRESOLVED_SCOPE, service.secretsKmsKeyArn).map(
            (st, i) => ({
              ...st,
              Resource: scope.apply(
                (sc) => secretStatements(service.secrets, sc, service.secretsKmsKeyArn)[i].Resource,
              ) as pulumi.Output<string[]>,
            }),
          ),
        ],
        tags,
      },
      this,
    );
    this.executionRoleArn = executionRole.arn;

    // The application's own role: services[].permissions, and ECS Exec's channels when opted in.
    const { role: taskRole } = roleWithPolicy(
      `${name}-task`,
      {
        assumedBy: "ecs-tasks.amazonaws.com",
        description: `The ${service.name} application's own AWS permissions`,
        statements: [
          ...service.permissions.statements.map(iamStatement),
          ...(service.exec
            ? [
                {
                  Sid: "EcsExecChannels",
                  Effect: "Allow" as const,
                  Action: [...EXEC_CHANNEL_ACTIONS],
                  Resource: "*",
                },
                {
                  Sid: "EcsExecFindLogGroup",
                  Effect: "Allow" as const,
                  Action: ["logs:DescribeLogGroups"],
                  Resource: "*",
                },
                {
                  Sid: "EcsExecSessionLogs",
                  Effect: "Allow" as const,
                  Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                  Resource: pulumi.interpolate`${logGroup.arn}:*`,
                },
              ]
            : []),
        ],
        tags,
      },
      this,
    );
    this.taskRoleArn = taskRole.arn;
    service.permissions.managedPolicyArns.forEach(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-task-${i}`,
          { role: taskRole.name, policyArn },
          { parent: this },
        ),
    );

    const template = pulumi
      .all([args.repositoryUrl, executionRole.arn, taskRole.arn, logGroup.name, scope])
      .apply(([repositoryUrl, executionRoleArn, taskRoleArn, group, { region, accountId }]) =>
        taskDefinitionInput({
          service,
          environment,
          image: `${repositoryUrl}:${BOOTSTRAP_TAG}`,
          family: this.family,
          executionRoleArn,
          taskRoleArn,
          logGroupName: group,
          region,
          accountId,
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

    // What the service runs until its first release (see placeholderContainer): a quiet start.
    const placeholder = new aws.ecs.TaskDefinition(
      `${name}-placeholder`,
      {
        family: `${this.family}-placeholder`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        executionRoleArn: executionRole.arn,
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        containerDefinitions: pulumi
          .all([logGroup.name, this.region])
          .apply(([group, region]) =>
            JSON.stringify([placeholderContainer(service, group, region)]),
          ),
        // A failed first release rolls back to it.
        skipDestroy: true,
        tags,
      },
      { parent: this },
    );
    this.placeholderTaskDefinitionArn = placeholder.arn;

    const ecsService = new aws.ecs.Service(
      `${name}-service`,
      {
        name: service.name,
        cluster: args.clusterArn,
        taskDefinition: placeholder.arn,
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
        healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
        enableExecuteCommand: service.exec,
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        tags,
      },
      {
        parent: this,
        dependsOn: args.listeners,
        // With autoscaling, Application Auto Scaling owns the desired count too.
        ignoreChanges: [
          ...(args.ecs ? ECS_OWNED_SERVICE_FIELDS : CODEDEPLOY_OWNED_SERVICE_FIELDS),
          ...(service.autoscaling ? ["desiredCount"] : []),
        ],
      },
    );
    this.serviceName = ecsService.name;
    this.serviceArn = ecsService.arn;

    this.registerOutputs({
      serviceName: this.serviceName,
      serviceArn: this.serviceArn,
      taskDefinitionArn: this.taskDefinitionArn,
      placeholderTaskDefinitionArn: this.placeholderTaskDefinitionArn,
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
