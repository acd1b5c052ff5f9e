/**
 * Recording a release. Once the hook has told CodeDeploy that a deployment is live, it writes the
 * release record (`hooks/core/release.ts`) to Parameter Store at `/greenlight/<env>/<service>/live`.
 * Each write is a new version of the parameter, so `GetParameterHistory` lists the releases
 * (Parameter Store keeps the newest 100 versions).
 */
import { PutParameterCommand, type PutParameterCommandInput } from "@aws-sdk/client-ssm";
import { releaseParameterName, serialiseReleaseRecord, type ReleaseRecord } from "../core/release";
import { callAws, type HookClients } from "./aws";
import type { ResolvedDeployment } from "./resolve";

/** What became of the release record. */
export type ReleaseWrite =
  | {
      readonly written: true;
      /** The parameter name. */
      readonly name: string;
      /** The parameter version Parameter Store gave this write, when it said. */
      readonly parameterVersion?: number;
    }
  | { readonly written: false; readonly reason: string };

/** The facts of a release that the resolution does not hold. */
export interface ReleaseFacts {
  /** The environment name for the parameter path. */
  readonly environment: string;
  /** When the deployment was declared live (epoch milliseconds). */
  readonly deployedAt: number;
  /** How long the deployment took until then. @default - not recorded */
  readonly durationMs?: number;
}

/** The record of a resolved deployment that went live. Pure. */
export function releaseRecordFor(resolved: ResolvedDeployment, facts: ReleaseFacts): ReleaseRecord {
  const { build } = resolved;
  return {
    environment: facts.environment,
    service: resolved.service,
    version: build.version,
    imageUri: resolved.image ?? "",
    commit: build.commit,
    ref: build.ref,
    refType: build.refType,
    commitMessage: build.commitMessage,
    author: build.author,
    deployedAt: new Date(facts.deployedAt).toISOString(),
    deploymentId: resolved.deploymentId,
    taskDefinitionArn: resolved.taskDefinitionArn,
    application: resolved.applicationName,
    deploymentGroup: resolved.deploymentGroupName,
    ...(facts.durationMs === undefined ? {} : { durationMs: Math.round(facts.durationMs) }),
    ...(resolved.promotedFrom === undefined ? {} : { promotedFrom: resolved.promotedFrom }),
  };
}

/**
 * The `PutParameter` input that records `record`: a Standard-tier `String` parameter (value at most
 * 4 KB, the commit message cut to fit), overwritten so that each release is a new version. Pure;
 * throws `ReleaseRecordError` when the record cannot fit.
 */
export function putReleaseInput(record: ReleaseRecord): PutParameterCommandInput {
  return {
    Name: releaseParameterName(record.environment, record.service),
    Value: serialiseReleaseRecord(record),
    Type: "String",
    Overwrite: true,
    Tier: "Standard",
    DataType: "text",
  };
}

/** Writes the record; resolves to the new parameter version. Rejects with the SDK's error. */
export async function writeReleaseRecord(
  ssm: HookClients["ssm"],
  record: ReleaseRecord,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const input = putReleaseInput(record);
  const { Version: version } = await callAws(signal, (o) =>
    ssm.send(new PutParameterCommand(input), o),
  );
  return version;
}
