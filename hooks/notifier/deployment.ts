/**
 * Why a CodeDeploy deployment failed or stopped, from `GetDeployment`: its error information and
 * what was rolled back.
 */
import {
  GetDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import { readAppSpec } from "../codedeploy/appspec";
import { nonBlank } from "../core/format";
import { callAws } from "../shared/aws";

/** What the alert says about a deployment. */
export interface DeploymentDetails {
  /** `Failed`, `Stopped`, … */
  readonly status?: string;
  /** `errorInformation.code`, e.g. `HEALTH_CONSTRAINTS`, `ALARM_ACTIVE`, `ECS_UPDATE_ERROR`. */
  readonly errorCode?: string;
  /** `errorInformation.message`. */
  readonly errorMessage?: string;
  /** Who started it: `user`, `autoscaling`, `codeDeployRollback`, `CodeDeployAutoUpdate`. */
  readonly creator?: string;
  /** The task definition it deployed, from its AppSpec. */
  readonly taskDefinitionArn?: string;
  readonly rollback?: {
    /** The deployment that rolls this one back. */
    readonly rollbackDeploymentId?: string;
    /** The deployment this one rolls back (when this is a rollback). */
    readonly rollsBackDeploymentId?: string;
    readonly message?: string;
  };
}

/** The details of a deployment, from `GetDeployment`'s answer. Pure. */
export function deploymentDetailsFrom(info: DeploymentInfo): DeploymentDetails {
  const rollbackInfo = info.rollbackInfo;
  const rollback = {
    ...optional("rollbackDeploymentId", nonBlank(rollbackInfo?.rollbackDeploymentId)),
    ...optional("rollsBackDeploymentId", nonBlank(rollbackInfo?.rollbackTriggeringDeploymentId)),
    ...optional("message", nonBlank(rollbackInfo?.rollbackMessage)),
  };
  const content = info.revision?.appSpecContent?.content ?? info.revision?.string?.content;
  let taskDefinitionArn: string | undefined;
  try {
    taskDefinitionArn = content === undefined ? undefined : readAppSpec(content).taskDefinitionArn;
  } catch {
    taskDefinitionArn = undefined;
  }
  return {
    ...optional("status", nonBlank(info.status)),
    ...optional("errorCode", nonBlank(info.errorInformation?.code)),
    ...optional("errorMessage", nonBlank(info.errorInformation?.message)),
    ...optional("creator", nonBlank(info.creator)),
    ...optional("taskDefinitionArn", taskDefinitionArn),
    ...(Object.keys(rollback).length === 0 ? {} : { rollback }),
  };
}

/** Reads the details of a deployment. Rejects with the SDK's error. */
export async function readDeploymentDetails(
  codeDeploy: CodeDeployClient,
  deploymentId: string,
  signal?: AbortSignal,
): Promise<DeploymentDetails> {
  const { deploymentInfo } = await callAws(signal, (o) =>
    codeDeploy.send(new GetDeploymentCommand({ deploymentId }), o),
  );
  return deploymentDetailsFrom(deploymentInfo ?? {});
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
