/**
 * The task definition template. The Pulumi program registers it once (image tag `bootstrap`, which
 * nothing runs: a service starts on the placeholder below until its first release); the
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
import { secretValueFrom } from "./secrets";

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
  /** The stack's account: a secret given by name is read from it. */
  readonly accountId: string;
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
  const scope = { region: args.region, accountId: args.accountId };
  const secrets = service.secrets.map((s) => ({
    name: s.name,
    valueFrom: secretValueFrom(s.source, scope),
  }));
  return {
    name: service.name,
    image: args.image,
    essential: true,
    portMappings: [
      { containerPort: service.containerPort, hostPort: service.containerPort, protocol: "tcp" },
    ],
    environment,
    // ECS reads these when a task starts (the execution role may read exactly these).
    ...(secrets.length > 0 ? { secrets } : {}),
    stopTimeout: service.stopTimeoutSeconds,
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

/**
 * The placeholder that stands in for a service between `pulumi up` and its first release: BusyBox
 * httpd (from the Docker official images on ECR Public, no Docker Hub rate limit) answering the
 * service's health check path and its version path on the container port, so the ECS service is
 * healthy from the start — no failing tasks, no stopped-task alerts — and the first pipeline run
 * replaces it through an ordinary blue/green deployment. No secrets, no task role.
 */
export const PLACEHOLDER_IMAGE = "public.ecr.aws/docker/library/busybox:1.36.1";

/** The version the placeholder answers, so `/version` says plainly that nothing is released yet. */
export const PLACEHOLDER_VERSION = "placeholder";

/** The file httpd serves for a URL path: a path ending in `/` serves its `index.html`. */
function documentFor(root: string, urlPath: string): string {
  return `${root}${urlPath}${urlPath.endsWith("/") ? "index.html" : ""}`;
}

/** A word for `sh`, quoted: paths come from the stack file. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The placeholder's script: write the two documents under `root`, then serve them in the
 * foreground on the container port.
 */
export function placeholderScript(service: ServiceConfig, root = "/srv"): string {
  const health = documentFor(root, service.healthCheckPath);
  const version = documentFor(root, service.versionPath);
  const body = JSON.stringify({ version: PLACEHOLDER_VERSION, service: service.name });
  const lines = [
    "set -e",
    ...[health, version].map((f) => `mkdir -p "$(dirname ${shellQuote(f)})"`),
    `printf '%s\\n' ok > ${shellQuote(health)}`,
    `printf '%s\\n' ${shellQuote(body)} > ${shellQuote(version)}`,
    `exec httpd -f -v -p ${service.containerPort} -h ${shellQuote(root)}`,
  ];
  return lines.join("\n");
}

/** The placeholder's container: the service's name and port (the ECS service's load balancer). */
export function placeholderContainer(
  service: ServiceConfig,
  logGroupName: string,
  region: string,
): ContainerDefinition {
  return {
    name: service.name,
    image: PLACEHOLDER_IMAGE,
    essential: true,
    entryPoint: ["sh", "-c"],
    command: [placeholderScript(service)],
    portMappings: [
      { containerPort: service.containerPort, hostPort: service.containerPort, protocol: "tcp" },
    ],
    // An init process forwards SIGTERM to httpd, so a replaced placeholder stops at once.
    linuxParameters: { initProcessEnabled: true },
    stopTimeout: 5,
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": logGroupName,
        "awslogs-region": region,
        "awslogs-stream-prefix": "placeholder",
      },
    },
  };
}
