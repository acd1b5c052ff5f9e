import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BUILD_FILES,
  IMAGE_PLACEHOLDER,
  PROMOTE_NONE,
  PROMOTE_ONLY_VARIABLE,
  PromoteVariables,
  RELEASE_REF_DEFAULT,
  RELEASE_REF_VARIABLE,
  renderAppSpec,
  renderBuildspec,
  renderEcsDeployBuildspec,
  renderTaskDefinitionTemplate,
  type LifecycleEvent,
} from "./buildspec";
import { commitUrlPrefix } from "../hooks/core/build-metadata";
import { isProduction, type PipelineConfig, type ServiceConfig, type SourceConfig } from "./config";
import { policyDocument, roleWithPolicy, type Statement } from "./iam";
import { MANAGED_BY, type Tags } from "./tags";
import { taskDefinitionInput } from "./taskdef";
import { teardownPolicy } from "./teardown";

/** CodeBuild's Amazon Linux image with Docker, git, jq and the AWS CLI. */
export const BUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

import { STAGES } from "./pipelineStages";

export { STAGES };
export const ARTIFACTS = { source: "SourceOutput", build: "BuildOutput" } as const;
export const SOURCE_NAMESPACE = "SourceVariables";
export const BUILD_NAMESPACE = "BuildVariables";

export interface DeliveryArgs {
  readonly environment: string;
  readonly source: SourceConfig;
  readonly pipeline: PipelineConfig;
  readonly tags: Tags;
}

/**
 * What every pipeline of the stack shares: the source connection (created PENDING — a person
 * completes the handshake once in the console — or adopted by ARN), the encrypted artifact bucket
 * and, when approvals are on, the approval topic.
 */
export class Delivery extends pulumi.ComponentResource {
  public readonly connectionArn: pulumi.Output<string>;
  public readonly artifactBucketName: pulumi.Output<string>;
  public readonly artifactBucketArn: pulumi.Output<string>;
  public readonly approvalTopicArn?: pulumi.Output<string>;

  constructor(name: string, args: DeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:pipeline:Delivery", name, {}, opts);
    const { source, pipeline, tags } = args;

    this.connectionArn = source.connectionArn
      ? pulumi.output(source.connectionArn)
      : new aws.codestarconnections.Connection(
          `${name}-source`,
          { name: `greenlight-${args.environment}`, providerType: source.provider, tags },
          { parent: this },
        ).arn;

    const bucket = new aws.s3.Bucket(
      `${name}-artifacts`,
      { forceDestroy: teardownPolicy(args.environment).deleteArtifacts, tags },
      { parent: this },
    );
    this.artifactBucketName = bucket.bucket;
    this.artifactBucketArn = bucket.arn;
    new aws.s3.BucketOwnershipControls(
      `${name}-artifacts`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      { parent: this },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-artifacts`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      { parent: this },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-artifacts`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
            bucketKeyEnabled: true,
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-artifacts`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-artifacts",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: pipeline.artifactExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-artifacts`,
      {
        bucket: bucket.id,
        policy: policyDocument([
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:*"],
            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      },
      { parent: this },
    );

    if (pipeline.approval) {
      const topic = new aws.sns.Topic(
        `${name}-approvals`,
        { kmsMasterKeyId: "alias/aws/sns", tags },
        { parent: this },
      );
      pipeline.approvalEmails.forEach((email, i) => {
        new aws.sns.TopicSubscription(
          `${name}-approvals-${i}`,
          { topic: topic.arn, protocol: "email", endpoint: email },
          { parent: this },
        );
      });
      this.approvalTopicArn = topic.arn;
    }

    this.registerOutputs({
      connectionArn: this.connectionArn,
      artifactBucketName: this.artifactBucketName,
      approvalTopicArn: this.approvalTopicArn,
    });
  }
}

export interface PipelineArgs {
  readonly environment: string;
  readonly service: ServiceConfig;
  readonly source: SourceConfig;
  readonly pipeline: PipelineConfig;
  readonly delivery: Delivery;
  readonly repositoryUrl: pulumi.Input<string>;
  readonly repositoryArn: pulumi.Input<string>;
  /** The task definition template's fields that come from other resources. */
  readonly family: string;
  readonly executionRoleArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  readonly logGroupName: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Where the replacement tasks run (the AppSpec's network configuration). */
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupIds: pulumi.Input<string>[];
  readonly assignPublicIp: boolean;
  /** codedeploy engine: the application, deployment group and configuration to deploy with. */
  readonly applicationName?: pulumi.Input<string>;
  readonly applicationArn?: pulumi.Input<string>;
  readonly deploymentGroupName?: pulumi.Input<string>;
  readonly deploymentGroupArn?: pulumi.Input<string>;
  readonly deploymentConfigName?: pulumi.Input<string>;
  /**
   * The ecs engine: the deploy stage is a CodeBuild step that starts the service's native
   * blue/green deployment and waits for its end. @default - CodeDeployToECS
   */
  readonly ecsDeploy?: {
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    readonly serviceArn: pulumi.Input<string>;
    /** How long the step waits: traffic shifting, the live check and the bake time. */
    readonly timeoutMinutes: number;
  };
  /**
   * Lambda functions the AppSpec runs at CodeDeploy lifecycle events (the live hook at
   * `AfterAllowTraffic`). @default - no hooks
   */
  readonly hooks?: Partial<Record<LifecycleEvent, pulumi.Input<string>>>;
  readonly logRetentionDays: number;
  readonly tags: Tags;
}

/**
 * One service's delivery: a CodeBuild project and a CodePipeline (V2) that a push triggers —
 * Source (the connection) → Build (image, imageDetail.json, taskdef.json, appspec.yaml) →
 * optional manual approval → Deploy (CodeDeployToECS, blue/green).
 */
export class Pipeline extends pulumi.ComponentResource {
  public readonly pipelineName: pulumi.Output<string>;
  public readonly pipelineArn: pulumi.Output<string>;
  public readonly projectName: pulumi.Output<string>;
  public readonly consoleUrl: pulumi.Output<string>;
  /** The rendered buildspec (for inspection and tests). */
  public readonly buildspec: pulumi.Output<string>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:pipeline:Pipeline", name, {}, opts);
    const { service, source, pipeline, delivery, tags } = args;
    const physicalName = pipelineName(args.environment, service.name);

    const buildLogs = new aws.cloudwatch.LogGroup(
      `${name}-build-logs`,
      {
        name: `/greenlight/${args.environment}/${service.name}/build`,
        retentionInDays: args.logRetentionDays,
        tags,
      },
      { parent: this },
    );

    const hookEntries = Object.entries(args.hooks ?? {}) as [
      LifecycleEvent,
      pulumi.Input<string>,
    ][];
    this.buildspec = pulumi
      .all([
        args.repositoryUrl,
        args.executionRoleArn,
        args.taskRoleArn,
        args.logGroupName,
        pulumi.all([args.region, args.accountId]),
        pulumi.all(args.subnetIds),
        pulumi.all(args.securityGroupIds),
        pulumi.all(hookEntries.map(([, fn]) => fn)),
      ])
      .apply(
        ([
          repositoryUri,
          executionRoleArn,
          taskRoleArn,
          logGroupName,
          [region, accountId],
          subnets,
          groups,
          hookFns,
        ]) =>
          renderBuildspec({
            repositoryUri,
            dockerfile: service.dockerfile,
            buildContext: service.sourcePath,
            tagPatterns: source.tags,
            taskDefinitionTemplate: renderTaskDefinitionTemplate(
              taskDefinitionInput({
                service,
                environment: args.environment,
                image: IMAGE_PLACEHOLDER,
                family: args.family,
                executionRoleArn,
                taskRoleArn,
                logGroupName,
                region,
                accountId,
                repositoryUrl: source.repositoryUrl,
              }),
            ),
            appSpec: renderAppSpec({
              containerName: service.name,
              containerPort: service.containerPort,
              subnets,
              securityGroups: groups,
              assignPublicIp: args.assignPublicIp,
              hooks: Object.fromEntries(hookEntries.map(([event], i) => [event, hookFns[i]])),
            }),
          }),
      );

    const { role: buildRole, policy: buildPolicy } = roleWithPolicy(
      `${name}-build`,
      {
        assumedBy: "codebuild.amazonaws.com",
        description: `CodeBuild builds and pushes ${service.name}'s image`,
        statements: buildStatements({
          logGroupArn: buildLogs.arn,
          repositoryArn: args.repositoryArn,
          artifactBucketArn: delivery.artifactBucketArn,
          connectionArn: delivery.connectionArn,
          service: service.name,
        }),
        tags,
      },
      this,
    );

    const project = new aws.codebuild.Project(
      `${name}-build`,
      {
        name: physicalName,
        description: `Builds ${service.name} (${args.environment}) and writes its blue/green deploy artifacts`,
        serviceRole: buildRole.arn,
        buildTimeout: 30,
        source: { type: "CODEPIPELINE", buildspec: this.buildspec },
        artifacts: { type: "CODEPIPELINE" },
        environment: {
          type: "LINUX_CONTAINER",
          computeType: pipeline.buildComputeType,
          image: BUILD_IMAGE,
          // Docker builds need the Docker daemon: privileged mode is for the image build only.
          privilegedMode: true,
        },
        cache: { type: "LOCAL", modes: ["LOCAL_DOCKER_LAYER_CACHE"] },
        logsConfig: { cloudwatchLogs: { groupName: buildLogs.name, status: "ENABLED" } },
        tags,
      },
      { parent: this, dependsOn: buildPolicy ? [buildPolicy] : [] },
    );
    this.projectName = project.name;

    // The ecs engine's deploy step: a second project, without Docker, that runs the deployment.
    const deployProject = args.ecsDeploy
      ? ecsDeployProject(name, { ...args, ecsDeploy: args.ecsDeploy, buildLogs }, this)
      : undefined;

    const { role: pipelineRole, policy: pipelinePolicy } = roleWithPolicy(
      `${name}-pipeline`,
      {
        assumedBy: "codepipeline.amazonaws.com",
        description: `CodePipeline runs ${service.name}'s source, build, approval and deploy`,
        statements: pipelineStatements({
          artifactBucketArn: delivery.artifactBucketArn,
          connectionArn: delivery.connectionArn,
          projectArns: deployProject ? [project.arn, deployProject.arn] : [project.arn],
          codeDeploy: deployProject
            ? undefined
            : {
                applicationArn: args.applicationArn!,
                deploymentGroupArn: args.deploymentGroupArn!,
                deploymentConfigArn: pulumi.interpolate`arn:aws:codedeploy:${args.region}:${args.accountId}:deploymentconfig:${args.deploymentConfigName}`,
                passRoleArns: [args.executionRoleArn, args.taskRoleArn],
              },
          approvalTopicArn: delivery.approvalTopicArn,
        }),
        tags,
      },
      this,
    );

    const stages: aws.types.input.codepipeline.PipelineStage[] = [
      {
        name: STAGES.source,
        actions: [
          {
            name: STAGES.source,
            category: "Source",
            owner: "AWS",
            provider: "CodeStarSourceConnection",
            version: "1",
            namespace: SOURCE_NAMESPACE,
            outputArtifacts: [ARTIFACTS.source],
            configuration: {
              ConnectionArn: delivery.connectionArn,
              FullRepositoryId: source.repository,
              BranchName: source.defaultBranch,
              // A full clone, so the build can read tags, the commit message and its author.
              OutputArtifactFormat: "CODEBUILD_CLONE_REF",
              // Promotions only: no run starts on a push.
              ...(pipeline.promoteOnly ? { DetectChanges: "false" } : {}),
            },
          },
        ],
      },
      {
        name: STAGES.build,
        actions: [
          {
            name: STAGES.build,
            category: "Build",
            owner: "AWS",
            provider: "CodeBuild",
            version: "1",
            namespace: BUILD_NAMESPACE,
            inputArtifacts: [ARTIFACTS.source],
            outputArtifacts: [ARTIFACTS.build],
            configuration: {
              ProjectName: project.name,
              EnvironmentVariables: JSON.stringify([
                {
                  name: "SOURCE_BRANCH",
                  value: `#{${SOURCE_NAMESPACE}.BranchName}`,
                  type: "PLAINTEXT",
                },
                {
                  name: "SOURCE_COMMIT_MESSAGE",
                  value: `#{${SOURCE_NAMESPACE}.CommitMessage}`,
                  type: "PLAINTEXT",
                },
                {
                  name: RELEASE_REF_VARIABLE,
                  value: `#{variables.${RELEASE_REF_VARIABLE}}`,
                  type: "PLAINTEXT",
                },
                ...Object.values(PromoteVariables).map((variable) => ({
                  name: variable,
                  value: `#{variables.${variable}}`,
                  type: "PLAINTEXT",
                })),
                {
                  name: PROMOTE_ONLY_VARIABLE,
                  value: pipeline.promoteOnly ? "true" : "false",
                  type: "PLAINTEXT",
                },
              ]),
            },
          },
        ],
      },
    ];
    if (pipeline.approval && delivery.approvalTopicArn) {
      stages.push({
        name: STAGES.approve,
        actions: [
          {
            name: STAGES.approve,
            category: "Approval",
            owner: "AWS",
            provider: "Manual",
            version: "1",
            configuration: {
              NotificationArn: delivery.approvalTopicArn,
              CustomData: `Deploy ${service.name} #{${BUILD_NAMESPACE}.GREENLIGHT_VERSION} (#{${BUILD_NAMESPACE}.GREENLIGHT_REF}) to ${args.environment}? Promoted from: #{variables.${PromoteVariables.from}}.`,
              ExternalEntityLink: `${commitUrlPrefix(source.repositoryUrl) ?? source.repositoryUrl}/#{${BUILD_NAMESPACE}.GREENLIGHT_COMMIT}`,
            },
          },
        ],
      });
    }
    stages.push({
      name: STAGES.deploy,
      actions: [
        deployProject
          ? {
              name: STAGES.deploy,
              category: "Build",
              owner: "AWS",
              provider: "CodeBuild",
              version: "1",
              inputArtifacts: [ARTIFACTS.build],
              configuration: { ProjectName: deployProject.name },
            }
          : {
              name: STAGES.deploy,
              category: "Deploy",
              owner: "AWS",
              provider: "CodeDeployToECS",
              version: "1",
              inputArtifacts: [ARTIFACTS.build],
              configuration: {
                ApplicationName: args.applicationName!,
                DeploymentGroupName: args.deploymentGroupName!,
                TaskDefinitionTemplateArtifact: ARTIFACTS.build,
                TaskDefinitionTemplatePath: BUILD_FILES.taskDefinition,
                AppSpecTemplateArtifact: ARTIFACTS.build,
                AppSpecTemplatePath: BUILD_FILES.appSpec,
                Image1ArtifactName: ARTIFACTS.build,
                Image1ContainerName: "IMAGE1_NAME",
              },
            },
      ],
    });

    const codePipeline = new aws.codepipeline.Pipeline(
      `${name}-pipeline`,
      {
        name: physicalName,
        pipelineType: "V2",
        // Production releases deploy one after another, in order; elsewhere the newest push wins.
        executionMode: isProduction(args.environment) ? "QUEUED" : "SUPERSEDED",
        roleArn: pipelineRole.arn,
        artifactStores: [{ type: "S3", location: delivery.artifactBucketName }],
        // Promotions only: no push starts a run (the build refuses anything but a promotion).
        ...(pipeline.promoteOnly ? {} : { triggers: pipelineTriggers(service, source) }),
        variables: pipelineVariables(),
        stages,
        tags,
      },
      { parent: this, dependsOn: pipelinePolicy ? [pipelinePolicy] : [] },
    );
    this.pipelineName = codePipeline.name;
    this.pipelineArn = codePipeline.arn;
    this.consoleUrl = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/codesuite/codepipeline/pipelines/${codePipeline.name}/view?region=${args.region}`;

    this.registerOutputs({
      pipelineName: this.pipelineName,
      pipelineArn: this.pipelineArn,
      projectName: this.projectName,
      consoleUrl: this.consoleUrl,
    });
  }
}

/**
 * The pipeline-level variables: the branch or tag a "Release change" builds, and the promote
 * variables that `greenlight promote` (and `rollback`) set; their defaults mean "build from source".
 */
export function pipelineVariables(): aws.types.input.codepipeline.PipelineVariable[] {
  const promote: Record<keyof typeof PromoteVariables, string> = {
    from: "The environment a promotion comes from (set by greenlight promote).",
    image: "The promoted image, pinned by digest.",
    deployment: "The deployment that made the promoted release live in its environment.",
    metadata: "The promoted release's build metadata (JSON).",
  };
  return [
    {
      name: RELEASE_REF_VARIABLE,
      defaultValue: RELEASE_REF_DEFAULT,
      description: `At "Release change": a branch or tag to deploy instead of the source revision (${RELEASE_REF_DEFAULT} = as fetched).`,
    },
    ...(Object.keys(PromoteVariables) as (keyof typeof PromoteVariables)[]).map((key) => ({
      name: PromoteVariables[key],
      defaultValue: PROMOTE_NONE,
      description: `${promote[key]} ${PROMOTE_NONE} = not a promotion.`,
    })),
  ];
}

/** A service's pipeline and build project name in an environment. */
export function pipelineName(environment: string, service: string): string {
  return `greenlight-${environment}-${service}`;
}

/** The folders whose changes deploy a service: its own and the shared ones it lists. */
export function triggerPaths(service: ServiceConfig): string[] {
  return [service.sourcePath, ...service.sharedPaths].map((p) => `${p}/**`);
}

/**
 * The V2 trigger: pushes to the stack's branches that touch the service's paths, and tags matching
 * the stack's patterns. (CodePipeline filters tag pushes by tag name only: a release tag deploys
 * every service of the stack; an unchanged service reuses its image.)
 */
export function pipelineTriggers(
  service: ServiceConfig,
  source: SourceConfig,
): aws.types.input.codepipeline.PipelineTrigger[] {
  const pushes: aws.types.input.codepipeline.PipelineTriggerGitConfigurationPush[] = [];
  if (source.branches.length > 0) {
    pushes.push({
      branches: { includes: [...source.branches] },
      filePaths: { includes: triggerPaths(service) },
    });
  }
  if (source.tags.length > 0) {
    pushes.push({ tags: { includes: [...source.tags] } });
  }
  return [
    {
      providerType: "CodeStarSourceConnection",
      gitConfiguration: { sourceActionName: STAGES.source, pushes },
    },
  ];
}

interface BuildPermissions {
  readonly logGroupArn: pulumi.Input<string>;
  readonly repositoryArn: pulumi.Input<string>;
  readonly artifactBucketArn: pulumi.Input<string>;
  readonly connectionArn: pulumi.Input<string>;
  /** The service: a promotion pulls its image from the service's repository of another stack. */
  readonly service: string;
}

/**
 * CodeBuild's statements: logs, its ECR repository, the pipeline's artifacts, the full clone, and
 * for promotions, pulling the same service's image from its repository in another Greenlight
 * stack (any account and region; chosen by the repository's `service` and `managed-by` tags,
 * since the other stacks' repository names are not known here). Another account's repository must
 * also allow the pull in its repository policy.
 */
export function buildStatements(p: BuildPermissions): Statement[] {
  return [
    {
      Sid: "BuildLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: [p.logGroupArn, pulumi.interpolate`${p.logGroupArn}:*`],
    },
    {
      Sid: "EcrAuthToken",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      // GetAuthorizationToken is account-wide: it has no resource-level permissions.
      Resource: "*",
    },
    {
      Sid: "PushImage",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:DescribeImages",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
      ],
      Resource: p.repositoryArn,
    },
    {
      Sid: "Artifacts",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
      Resource: pulumi.interpolate`${p.artifactBucketArn}/*`,
    },
    {
      Sid: "FullClone",
      Effect: "Allow",
      Action: ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
      Resource: p.connectionArn,
    },
    {
      Sid: "PullPromotedImage",
      Effect: "Allow",
      Action: PROMOTE_PULL_ACTIONS,
      Resource: "arn:aws:ecr:*:*:repository/*",
      Condition: {
        StringEquals: {
          "aws:ResourceTag/service": p.service,
          "aws:ResourceTag/managed-by": MANAGED_BY,
        },
      },
    },
  ];
}

/** What pulling a promoted image (and checking its digest) calls on the repository it is in. */
export const PROMOTE_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
  "ecr:DescribeImages",
] as const;

interface PipelinePermissions {
  readonly artifactBucketArn: pulumi.Input<string>;
  readonly connectionArn: pulumi.Input<string>;
  /** The build project, and on the ecs engine the deploy project. */
  readonly projectArns: pulumi.Input<string>[];
  /** codedeploy engine: what CodeDeployToECS calls. @default - none (the ecs engine) */
  readonly codeDeploy?: {
    readonly applicationArn: pulumi.Input<string>;
    readonly deploymentGroupArn: pulumi.Input<string>;
    readonly deploymentConfigArn: pulumi.Input<string>;
    readonly passRoleArns: pulumi.Input<string>[];
  };
  readonly approvalTopicArn?: pulumi.Input<string>;
}

/** CodePipeline's statements: exactly what its four actions call. */
export function pipelineStatements(p: PipelinePermissions): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "Artifacts",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
      Resource: pulumi.interpolate`${p.artifactBucketArn}/*`,
    },
    {
      Sid: "ArtifactBucket",
      Effect: "Allow",
      Action: ["s3:GetBucketVersioning", "s3:GetBucketLocation"],
      Resource: p.artifactBucketArn,
    },
    {
      Sid: "Source",
      Effect: "Allow",
      Action: ["codestar-connections:UseConnection", "codeconnections:UseConnection"],
      Resource: p.connectionArn,
    },
    {
      Sid: "Build",
      Effect: "Allow",
      Action: ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
      Resource: p.projectArns,
    },
  ];
  const cd = p.codeDeploy;
  if (cd) {
    statements.push(
      {
        Sid: "Deploy",
        Effect: "Allow",
        Action: ["codedeploy:CreateDeployment", "codedeploy:GetDeployment"],
        Resource: cd.deploymentGroupArn,
      },
      {
        Sid: "DeployApplication",
        Effect: "Allow",
        Action: [
          "codedeploy:GetApplication",
          "codedeploy:GetApplicationRevision",
          "codedeploy:RegisterApplicationRevision",
        ],
        Resource: cd.applicationArn,
      },
      {
        Sid: "DeployConfig",
        Effect: "Allow",
        Action: ["codedeploy:GetDeploymentConfig"],
        Resource: cd.deploymentConfigArn,
      },
      {
        Sid: "RegisterTaskDefinition",
        Effect: "Allow",
        Action: ["ecs:RegisterTaskDefinition"],
        // RegisterTaskDefinition has no resource-level permissions.
        Resource: "*",
      },
      {
        Sid: "PassTaskRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: cd.passRoleArns,
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    );
  }
  if (p.approvalTopicArn) {
    statements.push({
      Sid: "Approval",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: p.approvalTopicArn,
    });
  }
  return statements;
}

type EcsDeployProjectArgs = PipelineArgs & {
  readonly ecsDeploy: NonNullable<PipelineArgs["ecsDeploy"]>;
  readonly buildLogs: aws.cloudwatch.LogGroup;
};

/** Seconds between the deploy step's polls of the deployment. */
export const ECS_DEPLOY_POLL_SECONDS = 15;

/**
 * The ecs engine's deploy project: registers the build's task definition, calls UpdateService and
 * waits on DescribeServiceDeployments (see `ecsDeployScript`). Chosen over CodePipeline's "ECS"
 * deploy action, which derives a new revision from the service's current task definition and
 * replaces only the image (AWS CodePipeline guide, "Amazon Elastic Container Service deploy action
 * reference"), so CPU, memory and environment changes of the template would never reach the
 * service; this step deploys the same rendered `taskdef.json` CodeDeploy would.
 */
function ecsDeployProject(
  name: string,
  args: EcsDeployProjectArgs,
  parent: pulumi.Resource,
): aws.codebuild.Project {
  const { service, ecsDeploy, tags } = args;
  const buildspec = pulumi
    .all([
      ecsDeploy.clusterName,
      ecsDeploy.serviceName,
      pulumi.all(args.subnetIds),
      pulumi.all(args.securityGroupIds),
    ])
    .apply(([clusterName, serviceName, subnets, securityGroups]) =>
      renderEcsDeployBuildspec({
        clusterName,
        serviceName,
        subnets,
        securityGroups,
        assignPublicIp: args.assignPublicIp,
        pollSeconds: ECS_DEPLOY_POLL_SECONDS,
        timeoutSeconds: ecsDeploy.timeoutMinutes * 60,
      }),
    );
  const serviceDeployments = pulumi
    .output(ecsDeploy.serviceArn)
    .apply((arn) => `${arn.replace(":service/", ":service-deployment/")}/*`);
  const { role, policy } = roleWithPolicy(
    `${name}-deploy`,
    {
      assumedBy: "codebuild.amazonaws.com",
      description: `CodeBuild starts ${service.name}'s Amazon ECS blue/green deployment and waits for it`,
      statements: [
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: pulumi.interpolate`${args.buildLogs.arn}:*`,
        },
        {
          Sid: "Artifacts",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion"],
          Resource: pulumi.interpolate`${args.delivery.artifactBucketArn}/*`,
        },
        {
          Sid: "RegisterTaskDefinition",
          Effect: "Allow",
          Action: ["ecs:RegisterTaskDefinition"],
          // RegisterTaskDefinition has no resource-level permissions.
          Resource: "*",
        },
        {
          Sid: "PassTaskRoles",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [args.executionRoleArn, args.taskRoleArn],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
        {
          Sid: "Deploy",
          Effect: "Allow",
          Action: ["ecs:DescribeServices", "ecs:UpdateService"],
          Resource: ecsDeploy.serviceArn,
        },
        {
          Sid: "WatchDeployment",
          Effect: "Allow",
          Action: ["ecs:DescribeServiceDeployments"],
          Resource: serviceDeployments,
        },
      ],
      tags,
    },
    parent,
  );
  return new aws.codebuild.Project(
    `${name}-deploy`,
    {
      name: `${pipelineName(args.environment, service.name)}-deploy`,
      description: `Deploys ${service.name} (${args.environment}) with Amazon ECS blue/green and waits for the result`,
      serviceRole: role.arn,
      buildTimeout: ecsDeploy.timeoutMinutes,
      source: { type: "CODEPIPELINE", buildspec },
      artifacts: { type: "CODEPIPELINE" },
      environment: {
        type: "LINUX_CONTAINER",
        computeType: "BUILD_GENERAL1_SMALL",
        image: BUILD_IMAGE,
        privilegedMode: false,
      },
      logsConfig: {
        cloudwatchLogs: { groupName: args.buildLogs.name, streamName: "deploy", status: "ENABLED" },
      },
      tags,
    },
    { parent, dependsOn: policy ? [policy] : [] },
  );
}
