/**
 * What a command acts on: an environment's stack index, the services named (or all), each one's
 * live release, and its pipeline (whether it accepts promotions, or only promotions).
 */
import { randomUUID } from "node:crypto";
import {
  GetPipelineCommand,
  StartPipelineExecutionCommand,
  type PipelineVariable,
  type SourceRevisionOverride,
} from "@aws-sdk/client-codepipeline";
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import {
  parseReleaseRecord,
  releaseParameterName,
  type ReleaseRecord,
  type StackIndex,
  type StackIndexService,
} from "../../hooks/core/release";
import { PROMOTE_ONLY_VARIABLE, PromoteVariables } from "../../components/buildspec";
import { AwsCallError, StackIndexMissingError } from "../status/errors";
import { call, readStackIndex } from "../status/collect";
import { readServiceEngine, type Engine } from "../status/engine";
import { CliError, Exit, type CliClients } from "./common";

/** An environment as a command sees it. */
export interface Environment {
  readonly name: string;
  readonly region?: string;
  readonly clients: CliClients;
  readonly index: StackIndex;
}

/** Reads an environment's stack index; an unknown environment is a usage error. */
export async function openEnvironment(
  command: string,
  name: string,
  region: string | undefined,
  clients: CliClients,
): Promise<Environment> {
  try {
    const index = await readStackIndex(clients.ssm, name);
    return { name, ...(region === undefined ? {} : { region }), clients, index };
  } catch (error) {
    if (error instanceof StackIndexMissingError) {
      throw new CliError(Exit.usage, [
        `${command}: unknown environment ${name}: no stack index at ${error.parameter}` +
          `${region === undefined ? "" : ` in ${region}`}.`,
        `Check the name (greenlight status lists every stack), pass --region, or run \`pulumi up\` in the ${name} stack.`,
      ]);
    }
    throw error;
  }
}

/** The services named (`all` or none: every one), checked against the index. */
export function pickServices(
  command: string,
  environment: Environment,
  names: readonly string[],
): { readonly service: string; readonly entry: StackIndexService }[] {
  const known = Object.keys(environment.index.services).sort();
  const wanted = names.length === 0 || names.includes("all") ? known : [...new Set(names)];
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new CliError(Exit.usage, [
      `${command}: ${environment.name} has no service ${unknown.join(", ")}; its services: ` +
        `${known.length === 0 ? "(none)" : known.join(", ")}.`,
    ]);
  }
  return wanted.map((service) => ({ service, entry: environment.index.services[service]! }));
}

/** The live release record of a service, `undefined` when none was recorded. */
export async function readLiveRelease(
  ssm: SSMClient,
  environment: string,
  service: string,
): Promise<ReleaseRecord | undefined> {
  try {
    const { Parameter: parameter } = await call("ssm:GetParameter", () =>
      ssm.send(new GetParameterCommand({ Name: releaseParameterName(environment, service) })),
    );
    return parameter?.Value === undefined ? undefined : parseReleaseRecord(parameter.Value);
  } catch (error) {
    const cause = error instanceof AwsCallError ? error.error : error;
    if (cause instanceof Error && cause.name === "ParameterNotFound") return undefined;
    throw error;
  }
}

/** What a pipeline's definition says about promotions. */
export interface PipelineFacts {
  readonly name: string;
  /** It declares the promote variables (its stack was deployed with promotion). */
  readonly acceptsPromotions: boolean;
  /** `pipeline.promoteOnly`: it accepts only promotions. */
  readonly promoteOnly: boolean;
}

/** Reads a pipeline's definition; a missing pipeline is a usage error. */
export async function readPipelineFacts(
  command: string,
  environment: Environment,
  service: string,
  name: string,
): Promise<PipelineFacts> {
  if (name === "") {
    throw new CliError(Exit.usage, [
      `${command}: the stack index of ${environment.name} names no pipeline for ${service}; run \`pulumi up\` in the ${environment.name} stack.`,
    ]);
  }
  try {
    const { pipeline } = await call("codepipeline:GetPipeline", () =>
      environment.clients.codePipeline.send(new GetPipelineCommand({ name })),
    );
    const variables = new Set((pipeline?.variables ?? []).map((variable) => variable.name));
    const build = pipeline?.stages
      ?.flatMap((stage) => stage.actions ?? [])
      .find((action) => action.actionTypeId?.provider === "CodeBuild");
    let promoteOnly = false;
    try {
      const env = JSON.parse(build?.configuration?.EnvironmentVariables ?? "[]") as {
        name?: string;
        value?: string;
      }[];
      promoteOnly = env.some((v) => v.name === PROMOTE_ONLY_VARIABLE && v.value === "true");
    } catch {
      promoteOnly = false;
    }
    return { name, acceptsPromotions: variables.has(PromoteVariables.from), promoteOnly };
  } catch (error) {
    const cause = error instanceof AwsCallError ? error.error : error;
    if (cause instanceof Error && cause.name === "PipelineNotFoundException") {
      throw new CliError(Exit.usage, [
        `${command}: pipeline ${name} of ${service} was not found in ${environment.name}` +
          `${environment.region === undefined ? "" : ` (${environment.region})`}; run \`pulumi up\` in the ${environment.name} stack.`,
      ]);
    }
    throw error;
  }
}

/** Starts a pipeline execution; resolves to its id. One request token, so SDK retries start once. */
export async function startPipeline(
  environment: Environment,
  pipeline: string,
  variables: readonly PipelineVariable[],
  sourceRevisions: readonly SourceRevisionOverride[] = [],
): Promise<string> {
  const { pipelineExecutionId } = await call("codepipeline:StartPipelineExecution", () =>
    environment.clients.codePipeline.send(
      new StartPipelineExecutionCommand({
        name: pipeline,
        clientRequestToken: randomUUID(),
        variables: [...variables],
        ...(sourceRevisions.length === 0 ? {} : { sourceRevisions: [...sourceRevisions] }),
      }),
    ),
  );
  if (pipelineExecutionId === undefined) {
    throw new CliError(Exit.failed, [
      `StartPipelineExecution of ${pipeline} returned no execution id`,
    ]);
  }
  return pipelineExecutionId;
}

/** `v1.4.0 (Ada Lovelace, 3 h ago)` or `nothing recorded`. */
export function describeLive(record: ReleaseRecord | undefined): string {
  return record === undefined ? "nothing recorded" : `${record.version} (${record.deployedAt})`;
}

/**
 * A service's engine, read from ECS (its deployment controller), and the ECS service to follow
 * when Amazon ECS blue/green deploys it. A service ECS does not know is left to CodeDeploy's path.
 */
export async function engineTarget(
  environment: Environment,
  entry: StackIndexService,
): Promise<{
  readonly engine: Engine | undefined;
  readonly ecs?: { readonly cluster: string; readonly service: string };
}> {
  const found = await readServiceEngine(
    environment.clients.ecs,
    environment.index.cluster,
    entry.ecsService,
  );
  if (found === undefined) return { engine: undefined };
  return found.engine === "ecs"
    ? { engine: "ecs", ecs: { cluster: environment.index.cluster, service: entry.ecsService } }
    : { engine: found.engine };
}
