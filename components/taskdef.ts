/**
 * The task definition template. The Pulumi program registers it once with a bootstrap image; the
 * pipeline renders the same template into `taskdef.json` with `<IMAGE1_NAME>` and the build
 * metadata, so CPU, memory, ports, logging and environment changes flow through CodeDeploy rather
 * than being reverted by the next `pulumi up`.
 */
import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
} from "@aws-sdk/client-ecs";
import { BuildEnv } from "../hooks/core/build-metadata";
import type { ServiceConfig } from "./config";

/** Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows up to 120). */
export const STOP_TIMEOUT_SECONDS = 30;

export interface TaskTemplateArgs {
  readonly service: ServiceConfig;
  readonly environment: string;
  /** The image: a real URI for Pulumi's bootstrap revision, `<IMAGE1_NAME>` for CodeDeploy. */
  readonly image: string;
  readonly family: string;
  readonly executionRoleArn: string;
  readonly taskRoleArn: string;
  readonly logGroupName: string;
  readonly region: string;
  readonly repositoryUrl: string;
  /** Further container environment (the pipeline adds the build metadata here). */
  readonly extraEnvironment?: readonly KeyValuePair[];
}

/** The one container of a Greenlight service. */
export function containerDefinition(args: TaskTemplateArgs): ContainerDefinition {
  const { service } = args;
  const staticEnvironment: KeyValuePair[] = [
    { name: BuildEnv.service, value: service.name },
    { name: BuildEnv.environment, value: args.environment },
    { name: BuildEnv.versionPath, value: service.versionPath },
    { name: BuildEnv.repositoryUrl, value: args.repositoryUrl },
    { name: "PORT", value: String(service.containerPort) },
    ...Object.entries(service.environment).map(([name, value]) => ({ name, value })),
  ];
  const environment = [...staticEnvironment, ...(args.extraEnvironment ?? [])].sort((a, b) =>
    (a.name ?? "").localeCompare(b.name ?? ""),
  );
  return {
    name: service.name,
    image: args.image,
    essential: true,
    portMappings: [
      { containerPort: service.containerPort, hostPort: service.containerPort, protocol: "tcp" },
    ],
    environment,
    stopTimeout: STOP_TIMEOUT_SECONDS,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": args.logGroupName,
        "awslogs-region": args.region,
        "awslogs-stream-prefix": service.name,
      },
    },
  };
}

/** The whole task definition, in the shape of ECS's RegisterTaskDefinition input. */
export function taskDefinitionInput(args: TaskTemplateArgs): RegisterTaskDefinitionCommandInput {
  return {
    family: args.family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: String(args.service.cpu),
    memory: String(args.service.memory),
    executionRoleArn: args.executionRoleArn,
    taskRoleArn: args.taskRoleArn,
    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
    containerDefinitions: [containerDefinition(args)],
  };
}
