/**
 * The release record of a live ECS deployment: the same parameter and JSON as the CodeDeploy hook
 * writes (`/greenlight/<env>/<service>/live`, Standard tier, overwritten so that each release is a
 * new version), written with this hook's own Parameter Store client so that its bundle loads no
 * CodeDeploy code.
 */
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { releaseParameterName, serialiseReleaseRecord, type ReleaseRecord } from "../core/release";
import { callAws } from "../shared/aws";
import type { EcsHookClients } from "./aws";

export type { ReleaseWrite } from "../codedeploy/record";

/** Writes the record; resolves to the new parameter version. Rejects with the SDK's error. */
export async function writeRelease(
  ssm: EcsHookClients["ssm"],
  record: ReleaseRecord,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const { Version: version } = await callAws(signal, (o) =>
    ssm.send(
      new PutParameterCommand({
        Name: releaseParameterName(record.environment, record.service),
        Value: serialiseReleaseRecord(record),
        Type: "String",
        Overwrite: true,
        Tier: "Standard",
        DataType: "text",
      }),
      o,
    ),
  );
  return version;
}
