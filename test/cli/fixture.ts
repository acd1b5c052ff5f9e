/**
 * A small fake AWS for the `greenlight` command tests: stack indexes and release records (with
 * their history) in SSM, ECS services, CodeDeploy deployments with lifecycle events, pipelines
 * with executions and action executions, ECR images. Every client class is mocked
 * (aws-sdk-client-mock), so the commands' own clients talk to it; each call is recorded.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type LifecycleEvent,
} from "@aws-sdk/client-codedeploy";
import {
  CodePipelineClient,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  PipelineNotFoundException,
  StartPipelineExecutionCommand,
  type ActionExecutionDetail,
  type PipelineExecutionStatus,
} from "@aws-sdk/client-codepipeline";
import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from "@aws-sdk/client-ecr";
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ListServiceDeploymentsRequest,
  type Service,
  type ServiceDeployment,
} from "@aws-sdk/client-ecs";
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PromoteVariables } from "../../components/buildspec";
import type { ReleaseRecord, StackIndex } from "../../hooks/core/release";
import type { CliClients, CliDeps } from "../../tools/cli/common";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";
export const NOW = Date.parse("2026-11-22T12:00:00Z");
export const DIGEST = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

export const td = (environment: string, service: string, revision: number): string =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/greenlight-${environment}-${service}:${revision}`;

export function stackIndex(environment: string, services: readonly string[]): StackIndex {
  return {
    environment,
    region: REGION,
    cluster: `greenlight-${environment}`,
    application: `greenlight-${environment}`,
    services: Object.fromEntries(
      services.map((name) => [
        name,
        {
          ecsService: name,
          deploymentGroup: `greenlight-${environment}-${name}`,
          pipeline: `greenlight-${environment}-${name}`,
          logGroup: `/greenlight/${environment}/${name}`,
          prodUrl: `http://greenlight-${environment}.example.com`,
        },
      ]),
    ),
  };
}

export function release(
  environment: string,
  service: string,
  version: string,
  revision: number,
  at: string,
  digest = DIGEST(revision % 10),
): ReleaseRecord {
  return {
    environment,
    service,
    version,
    imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${service}-${environment}abc@${digest}`,
    commit: `${String(revision % 10).repeat(40)}`,
    ref: version.startsWith("v") ? version : "main",
    refType: version.startsWith("v") ? "tag" : "branch",
    commitMessage: `Ship ${service} ${version}`,
    author: "Ada Lovelace",
    deployedAt: at,
    deploymentId: `d-${service.toUpperCase()}${revision}`,
    taskDefinitionArn: td(environment, service, revision),
    application: `greenlight-${environment}`,
    deploymentGroup: `greenlight-${environment}-${service}`,
    durationMs: 120_000,
  };
}

/** The ARN of an ECS service revision (its id is the task definition revision, for reading). */
export const serviceRevisionArn = (
  environment: string,
  service: string,
  revision: number,
): string =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/greenlight-${environment}/${service}/${revision}00000000000`;

/** The ARN of an ECS service deployment. */
export const serviceDeploymentArn = (environment: string, service: string, id: string): string =>
  `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/greenlight-${environment}/${service}/${id}`;

/** An ECS-controller (native blue/green) service whose one current revision runs `revision`. */
export function ecsNativeService(
  environment: string,
  name: string,
  revision: number,
  running = 2,
): Service {
  return {
    serviceName: name,
    status: "ACTIVE",
    deploymentController: { type: "ECS" },
    desiredCount: 2,
    runningCount: running,
    pendingCount: 0,
    taskDefinition: td(environment, name, revision),
    deployments: [{ status: "PRIMARY", taskDefinition: td(environment, name, revision) }],
    currentServiceRevisions: [
      {
        arn: serviceRevisionArn(environment, name, revision),
        runningTaskCount: running,
        requestedTaskCount: 2,
        pendingTaskCount: 0,
      },
    ],
  };
}

/** One step of an ECS service deployment, as DescribeServiceDeployments shows it. */
export type ServiceDeploymentStep = Pick<
  ServiceDeployment,
  "status" | "lifecycleStage" | "statusReason" | "rollback"
> & { readonly weight?: number };

/** One service deployment's life: each DescribeServiceDeployments moves to the next step. */
export interface ServiceDeploymentScript {
  readonly cluster: string;
  readonly service: string;
  readonly createdAt: Date;
  /** The target revision (its task definition is in `World.revisions`). */
  readonly targetRevision: string;
  readonly steps: readonly ServiceDeploymentStep[];
}

/** A release the ECS lifecycle hook recorded: the service deployment ARN, no CodeDeploy names. */
export function ecsRelease(
  environment: string,
  service: string,
  version: string,
  revision: number,
  at: string,
): ReleaseRecord {
  return {
    ...release(environment, service, version, revision, at),
    deploymentId: serviceDeploymentArn(environment, service, `SD${revision}`),
    application: "",
    deploymentGroup: "",
  };
}

/** A CODE_DEPLOY service whose PRIMARY task set runs `revision`. */
export function ecsService(
  environment: string,
  name: string,
  revision: number,
  running = 2,
): Service {
  return {
    serviceName: name,
    status: "ACTIVE",
    deploymentController: { type: "CODE_DEPLOY" },
    desiredCount: 2,
    runningCount: running,
    pendingCount: 0,
    taskSets: [
      {
        id: `ecs-svc/${revision}`,
        status: "PRIMARY",
        taskDefinition: td(environment, name, revision),
        computedDesiredCount: 2,
        runningCount: running,
      },
    ],
  };
}

const ECS_EVENTS = [
  "BeforeInstall",
  "Install",
  "AfterInstall",
  "AllowTestTraffic",
  "AfterAllowTestTraffic",
  "BeforeAllowTraffic",
  "AllowTraffic",
  "AfterAllowTraffic",
];

/** Lifecycle events: the first `done` Succeeded, then one `current` status, the rest Pending. */
export function events(done: number, current?: "InProgress" | "Failed"): LifecycleEvent[] {
  return ECS_EVENTS.map((name, i) => ({
    lifecycleEventName: name,
    status: i < done ? "Succeeded" : i === done && current !== undefined ? current : "Pending",
  }));
}

/** One deployment's life: each poll of GetDeployment moves to the next step (the last stays). */
export interface DeploymentScript {
  readonly info: DeploymentInfo;
  readonly steps: { status: string; events: LifecycleEvent[]; error?: string }[];
}

/** One pipeline execution's life, step by step, like a deployment's. */
export interface ExecutionScript {
  readonly steps: {
    status: PipelineExecutionStatus;
    actions: ActionExecutionDetail[];
  }[];
}

export interface World {
  /** Parameter name → its versions, oldest first. */
  readonly parameters: Map<string, string[]>;
  /** `cluster/service` → service. */
  readonly services: Map<string, Service>;
  /** Deployment group → active deployment ids. */
  readonly active: Map<string, string[]>;
  readonly deployments: Map<string, DeploymentScript>;
  /** Pipeline name → its definition's variables and the build's environment variables. */
  readonly pipelines: Map<
    string,
    { variables: string[]; buildEnv: { name: string; value: string }[] }
  >;
  /** Pipeline name → what each new execution does. */
  readonly executions: Map<string, ExecutionScript>;
  /** `repository@digest` present in ECR. */
  readonly images: Set<string>;
  /** Error thrown by every call of a command name, e.g. `GetParameterCommand`. */
  readonly failures: Map<string, Error>;
  readonly started: { pipeline: string; input: Record<string, unknown>; executionId: string }[];
  /** Parameter name → a version written after that many more reads (the live hook's record). */
  readonly later: Map<string, { reads: number; value: string }>;
  /** ECS service deployment ARN → its life. */
  readonly serviceDeployments: Map<string, ServiceDeploymentScript>;
  /** ECS service revision ARN → its task definition. */
  readonly revisions: Map<string, string>;
  /** The service deployment the next UpdateService starts (its ARN, scripted beforehand). */
  nextServiceDeployment?: string;
}

export interface Fake {
  readonly world: World;
  readonly deps: CliDeps;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly regions: (string | undefined)[];
  readonly profiles: (string | undefined)[];
  readonly questions: string[];
  readonly mocks: {
    ssm: AwsClientStub<SSMClient>;
    codeDeploy: AwsClientStub<CodeDeployClient>;
    ecs: AwsClientStub<ECSClient>;
    codePipeline: AwsClientStub<CodePipelineClient>;
    ecr: AwsClientStub<ECRClient>;
  };
  /** Puts a stack (index, records as history, ECS services, pipelines). */
  addStack(
    environment: string,
    services: Record<string, { releases?: ReleaseRecord[]; revision?: number; running?: number }>,
    options?: { promoteOnly?: boolean; withoutPromoteVariables?: boolean; engine?: "ecs" },
  ): void;
  restore(): void;
}

export interface FakeOptions {
  /** Answers of the prompt, in order; `undefined`: no terminal. */
  readonly answers?: (boolean | undefined)[];
  /** Stack files to write into the fake repository root: env → region. */
  readonly stackFiles?: Record<string, string>;
}

function notFoundParameter(): ParameterNotFound {
  return new ParameterNotFound({ message: "ParameterNotFound", $metadata: {} });
}

/** The fake world and the deps that talk to it. */
export function fake(options: FakeOptions = {}): Fake {
  const world: World = {
    parameters: new Map(),
    services: new Map(),
    active: new Map(),
    deployments: new Map(),
    pipelines: new Map(),
    executions: new Map(),
    images: new Set(),
    failures: new Map(),
    started: [],
    later: new Map(),
    serviceDeployments: new Map(),
    revisions: new Map(),
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-cli-"));
  for (const [environment, region] of Object.entries(options.stackFiles ?? {})) {
    fs.writeFileSync(
      path.join(root, `Pulumi.${environment}.yaml`),
      `config:\n  aws:region: ${region}\n  greenlight:environment: ${environment}\n`,
    );
  }
  let out = "";
  let err = "";
  let clock = NOW;
  const regions: (string | undefined)[] = [];
  const profiles: (string | undefined)[] = [];
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const mocks = {
    ssm: mockClient(SSMClient),
    codeDeploy: mockClient(CodeDeployClient),
    ecs: mockClient(ECSClient),
    codePipeline: mockClient(CodePipelineClient),
    ecr: mockClient(ECRClient),
  };
  const fail = (command: string): void => {
    const error = world.failures.get(command);
    if (error !== undefined) throw error;
  };
  const stepOf = new Map<string, number>();
  const next = <T>(key: string, steps: readonly T[]): T => {
    const i = stepOf.get(key) ?? 0;
    stepOf.set(key, i + 1);
    return steps[Math.min(i, steps.length - 1)]!;
  };
  const peek = <T>(key: string, steps: readonly T[]): T =>
    steps[Math.min(Math.max(0, (stepOf.get(key) ?? 1) - 1), steps.length - 1)]!;

  mocks.ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    fail("GetParameterCommand");
    const pending = world.later.get(input.Name);
    if (pending !== undefined && --pending.reads <= 0) {
      world.later.delete(input.Name);
      world.parameters.set(input.Name, [
        ...(world.parameters.get(input.Name) ?? []),
        pending.value,
      ]);
    }
    const versions = world.parameters.get(input.Name);
    if (versions === undefined || versions.length === 0) throw notFoundParameter();
    return {
      Parameter: {
        Name: input.Name,
        Value: versions[versions.length - 1],
        Version: versions.length,
      },
    };
  });
  mocks.ssm
    .on(GetParameterHistoryCommand)
    .callsFake((input: { Name: string; NextToken?: string }) => {
      fail("GetParameterHistoryCommand");
      const versions = world.parameters.get(input.Name);
      if (versions === undefined) throw notFoundParameter();
      return {
        Parameters: versions.map((value, i) => ({
          Name: input.Name,
          Value: value,
          Version: i + 1,
          LastModifiedDate: new Date(NOW - (versions.length - i) * 3_600_000),
        })),
      };
    });
  mocks.ssm
    .on(GetParametersByPathCommand)
    .callsFake((input: { Path: string; NextToken?: string }) => {
      fail("GetParametersByPathCommand");
      const all = [...world.parameters.entries()]
        .filter(([name]) => name.startsWith(`${input.Path}/`))
        .map(([name, versions]) => ({ Name: name, Value: versions[versions.length - 1] }));
      // Two per page, to exercise the paging.
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const page = all.slice(start, start + 2);
      return {
        Parameters: page,
        ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}),
      };
    });
  mocks.ecs
    .on(DescribeServicesCommand)
    .callsFake((input: { cluster: string; services: string[] }) => {
      fail("DescribeServicesCommand");
      return {
        services: input.services.flatMap((name) => {
          const service = world.services.get(`${input.cluster}/${name}`);
          return service === undefined ? [] : [service];
        }),
        failures: input.services
          .filter((name) => !world.services.has(`${input.cluster}/${name}`))
          .map((name) => ({ arn: name, reason: "MISSING" })),
      };
    });
  const serviceDeploymentOf = (arn: string, step: ServiceDeploymentStep): ServiceDeployment => {
    const script = world.serviceDeployments.get(arn)!;
    return {
      serviceDeploymentArn: arn,
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${script.cluster}/${script.service}`,
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${script.cluster}`,
      createdAt: script.createdAt,
      targetServiceRevision: {
        arn: script.targetRevision,
        requestedTaskCount: 2,
        ...(step.weight === undefined ? {} : { requestedProductionTrafficWeight: step.weight }),
      },
      ...(step.status === undefined ? {} : { status: step.status }),
      ...(step.lifecycleStage === undefined ? {} : { lifecycleStage: step.lifecycleStage }),
      ...(step.statusReason === undefined ? {} : { statusReason: step.statusReason }),
      ...(step.rollback === undefined ? {} : { rollback: step.rollback }),
    };
  };
  mocks.ecs.on(ListServiceDeploymentsCommand).callsFake((input: ListServiceDeploymentsRequest) => {
    fail("ListServiceDeploymentsCommand");
    const after = input.createdAt?.after?.getTime();
    return {
      serviceDeployments: [...world.serviceDeployments.entries()]
        .filter(
          ([, script]) => script.cluster === input.cluster && script.service === input.service,
        )
        .filter(([, script]) => after === undefined || script.createdAt.getTime() > after)
        // One created later than the test clock does not exist yet (UpdateService starts it).
        .filter(([, script]) => script.createdAt.getTime() <= clock)
        .map(([arn, script]) => {
          const step = peek(`sd:${arn}`, script.steps);
          return {
            serviceDeploymentArn: arn,
            createdAt: script.createdAt,
            targetServiceRevisionArn: script.targetRevision,
            status: step.status,
          };
        })
        .filter((brief) => input.status === undefined || input.status.includes(brief.status!)),
    };
  });
  mocks.ecs
    .on(DescribeServiceDeploymentsCommand)
    .callsFake((input: { serviceDeploymentArns: string[] }) => {
      fail("DescribeServiceDeploymentsCommand");
      return {
        serviceDeployments: input.serviceDeploymentArns.flatMap((arn) => {
          const script = world.serviceDeployments.get(arn);
          return script === undefined
            ? []
            : [serviceDeploymentOf(arn, next(`sd:${arn}`, script.steps))];
        }),
        failures: input.serviceDeploymentArns
          .filter((arn) => !world.serviceDeployments.has(arn))
          .map((arn) => ({ arn, reason: "MISSING" })),
      };
    });
  mocks.ecs
    .on(DescribeServiceRevisionsCommand)
    .callsFake((input: { serviceRevisionArns: string[] }) => {
      fail("DescribeServiceRevisionsCommand");
      return {
        serviceRevisions: input.serviceRevisionArns.flatMap((arn) => {
          const taskDefinition = world.revisions.get(arn);
          return taskDefinition === undefined ? [] : [{ serviceRevisionArn: arn, taskDefinition }];
        }),
      };
    });
  mocks.ecs
    .on(StopServiceDeploymentCommand)
    .callsFake((input: { serviceDeploymentArn: string }) => {
      fail("StopServiceDeploymentCommand");
      return { serviceDeploymentArn: input.serviceDeploymentArn };
    });
  mocks.ecs
    .on(UpdateServiceCommand)
    .callsFake((input: { cluster: string; service: string; taskDefinition?: string }) => {
      fail("UpdateServiceCommand");
      const service = world.services.get(`${input.cluster}/${input.service}`);
      return {
        service: {
          ...service,
          ...(input.taskDefinition === undefined ? {} : { taskDefinition: input.taskDefinition }),
          ...(world.nextServiceDeployment === undefined
            ? {}
            : { currentServiceDeployment: world.nextServiceDeployment }),
        },
      };
    });
  mocks.codeDeploy
    .on(ListDeploymentsCommand)
    .callsFake((input: { deploymentGroupName: string }) => {
      fail("ListDeploymentsCommand");
      return { deployments: world.active.get(input.deploymentGroupName) ?? [] };
    });
  mocks.codeDeploy.on(GetDeploymentCommand).callsFake((input: { deploymentId: string }) => {
    fail("GetDeploymentCommand");
    const script = world.deployments.get(input.deploymentId);
    if (script === undefined) {
      const error = new Error(`Deployment ${input.deploymentId} does not exist`);
      error.name = "DeploymentDoesNotExistException";
      throw error;
    }
    const step = next(`deployment:${input.deploymentId}`, script.steps);
    return {
      deploymentInfo: {
        ...script.info,
        deploymentId: input.deploymentId,
        status: step.status,
        ...(step.error === undefined ? {} : { errorInformation: { message: step.error } }),
      },
    };
  });
  mocks.codeDeploy
    .on(ListDeploymentTargetsCommand)
    .callsFake((input: { deploymentId: string }) => ({
      targetIds: world.deployments.has(input.deploymentId) ? [`cluster:${input.deploymentId}`] : [],
    }));
  mocks.codeDeploy.on(GetDeploymentTargetCommand).callsFake((input: { deploymentId: string }) => {
    const script = world.deployments.get(input.deploymentId)!;
    const step = peek(`deployment:${input.deploymentId}`, script.steps);
    return {
      deploymentTarget: {
        deploymentTargetType: "ECSTarget",
        ecsTarget: { lifecycleEvents: step.events },
      },
    };
  });
  mocks.codeDeploy.on(StopDeploymentCommand).callsFake(() => {
    fail("StopDeploymentCommand");
    return { status: "Pending", statusMessage: "Rolling back" };
  });
  mocks.codeDeploy.on(CreateDeploymentCommand).callsFake(() => {
    fail("CreateDeploymentCommand");
    return { deploymentId: "d-ROLLBACK1" };
  });
  mocks.codePipeline.on(GetPipelineCommand).callsFake((input: { name: string }) => {
    fail("GetPipelineCommand");
    const pipeline = world.pipelines.get(input.name);
    if (pipeline === undefined) {
      throw new PipelineNotFoundException({
        message: `Account does not have a pipeline with name '${input.name}'`,
        $metadata: {},
      });
    }
    return {
      pipeline: {
        name: input.name,
        variables: pipeline.variables.map((name) => ({ name, defaultValue: "none" })),
        stages: [
          {
            name: "Source",
            actions: [
              {
                name: "Source",
                actionTypeId: {
                  category: "Source",
                  owner: "AWS",
                  provider: "CodeStarSourceConnection",
                  version: "1",
                },
              },
            ],
          },
          {
            name: "Build",
            actions: [
              {
                name: "Build",
                actionTypeId: {
                  category: "Build",
                  owner: "AWS",
                  provider: "CodeBuild",
                  version: "1",
                },
                configuration: {
                  ProjectName: input.name,
                  EnvironmentVariables: JSON.stringify(pipeline.buildEnv),
                },
              },
            ],
          },
        ],
      },
    };
  });
  mocks.codePipeline.on(StartPipelineExecutionCommand).callsFake((input: { name: string }) => {
    fail("StartPipelineExecutionCommand");
    const executionId = `exec-${input.name}-${world.started.length + 1}`;
    world.started.push({
      pipeline: input.name,
      input: input as Record<string, unknown>,
      executionId,
    });
    return { pipelineExecutionId: executionId };
  });
  mocks.codePipeline
    .on(GetPipelineExecutionCommand)
    .callsFake((input: { pipelineName: string; pipelineExecutionId: string }) => {
      const script = world.executions.get(input.pipelineName);
      const step =
        script === undefined
          ? { status: "InProgress" as const, actions: [] }
          : next(`exec:${input.pipelineExecutionId}`, script.steps);
      return {
        pipelineExecution: {
          pipelineName: input.pipelineName,
          pipelineExecutionId: input.pipelineExecutionId,
          status: step.status,
        },
      };
    });
  mocks.codePipeline
    .on(ListActionExecutionsCommand)
    .callsFake((input: { pipelineName: string; filter: { pipelineExecutionId: string } }) => {
      const script = world.executions.get(input.pipelineName);
      const step =
        script === undefined
          ? { actions: [] }
          : peek(`exec:${input.filter.pipelineExecutionId}`, script.steps);
      return { actionExecutionDetails: step.actions };
    });
  mocks.ecr
    .on(DescribeImagesCommand)
    .callsFake((input: { repositoryName: string; imageIds: { imageDigest?: string }[] }) => {
      fail("DescribeImagesCommand");
      const digest = input.imageIds[0]?.imageDigest ?? "";
      if (!world.images.has(`${input.repositoryName}@${digest}`)) {
        throw new ImageNotFoundException({
          message: `The image with imageId {imageDigest:'${digest}'} does not exist`,
          $metadata: {},
        });
      }
      return { imageDetails: [{ repositoryName: input.repositoryName, imageDigest: digest }] };
    });

  const clients = (region: string | undefined, profile?: string): CliClients => {
    regions.push(region);
    profiles.push(profile);
    const config = {
      region: region ?? REGION,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    };
    return {
      ssm: new SSMClient(config),
      codeDeploy: new CodeDeployClient(config),
      ecs: new ECSClient(config),
      codePipeline: new CodePipelineClient(config),
      ecr: new ECRClient(config),
    };
  };
  const deps: CliDeps = {
    clients,
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    confirm: async (question) => {
      questions.push(question);
      return answers.shift();
    },
    root,
    env: {},
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    rehearse: async () => 0,
    verify: async () => 0,
    watch: async () => 0,
  };

  const addStack: Fake["addStack"] = (environment, services, stackOptions = {}) => {
    // The engine is read from ECS, not from the index: an ECS-engine stack's index has the same
    // fields (the stack index parser requires every one of them).
    const index = stackIndex(environment, Object.keys(services));
    world.parameters.set(`/greenlight/${environment}/stack`, [JSON.stringify(index)]);
    for (const [name, spec] of Object.entries(services)) {
      const releases = spec.releases ?? [];
      if (releases.length > 0) {
        world.parameters.set(
          `/greenlight/${environment}/${name}/live`,
          releases.map((r) => JSON.stringify(r)),
        );
        for (const r of releases) {
          const [repository, digest] = r.imageUri.split("/")[1]!.split("@");
          world.images.add(`${repository}@${digest}`);
        }
      }
      const revision =
        spec.revision ??
        (releases.length > 0
          ? Number(releases[releases.length - 1]!.taskDefinitionArn.split(":").pop())
          : 1);
      if (stackOptions.engine === "ecs") {
        world.services.set(
          `greenlight-${environment}/${name}`,
          ecsNativeService(environment, name, revision, spec.running),
        );
        for (const r of releases) {
          const recorded = Number(r.taskDefinitionArn.split(":").pop());
          world.revisions.set(serviceRevisionArn(environment, name, recorded), r.taskDefinitionArn);
        }
        world.revisions.set(
          serviceRevisionArn(environment, name, revision),
          td(environment, name, revision),
        );
      } else {
        world.services.set(
          `greenlight-${environment}/${name}`,
          ecsService(environment, name, revision, spec.running),
        );
      }
      world.pipelines.set(`greenlight-${environment}-${name}`, {
        variables:
          stackOptions.withoutPromoteVariables === true
            ? ["RELEASE_REF"]
            : ["RELEASE_REF", ...Object.values(PromoteVariables)],
        buildEnv: [
          { name: "PROMOTE_ONLY", value: stackOptions.promoteOnly === true ? "true" : "false" },
        ],
      });
    }
  };

  return {
    world,
    deps,
    stdout: () => out,
    stderr: () => err,
    regions,
    profiles,
    questions,
    mocks,
    addStack,
    restore: () => {
      for (const mock of Object.values(mocks)) mock.restore();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A pipeline execution that builds, then deploys `deploymentId`, and ends with `end`. */
export function executionScript(
  deploymentId: string,
  end: PipelineExecutionStatus = "Succeeded",
): ExecutionScript {
  const action = (
    stage: string,
    provider: string,
    category: string,
    status: string,
    extra: Partial<ActionExecutionDetail> = {},
  ): ActionExecutionDetail => ({
    stageName: stage,
    actionName: stage,
    status: status as ActionExecutionDetail["status"],
    startTime: new Date(NOW + ["Source", "Build", "Deploy"].indexOf(stage) * 1000),
    input: {
      actionTypeId: { category: category as "Build", owner: "AWS", provider, version: "1" },
    },
    ...extra,
  });
  const source = action("Source", "CodeStarSourceConnection", "Source", "Succeeded");
  const deploy = (status: string) =>
    action("Deploy", "CodeDeployToECS", "Deploy", status, {
      output: { executionResult: { externalExecutionId: deploymentId } },
    });
  return {
    steps: [
      {
        status: "InProgress",
        actions: [source, action("Build", "CodeBuild", "Build", "InProgress")],
      },
      {
        status: "InProgress",
        actions: [source, action("Build", "CodeBuild", "Build", "Succeeded"), deploy("InProgress")],
      },
      {
        status: "InProgress",
        actions: [source, action("Build", "CodeBuild", "Build", "Succeeded"), deploy("InProgress")],
      },
      {
        status: end,
        actions: [
          source,
          action("Build", "CodeBuild", "Build", "Succeeded"),
          deploy(end === "Succeeded" ? "Succeeded" : "Failed"),
        ],
      },
    ],
  };
}
