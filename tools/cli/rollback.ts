/**
 * `greenlight rollback <env> <service> [--to <version>]`: while a deployment is still in progress
 * — shifting traffic, or in the termination wait with the old tasks kept — stop it with rollback
 * (instant: traffic goes back to the old task set); otherwise, or with `--to`, redeploy a recorded
 * earlier release without a rebuild: a CodeDeploy deployment of its task definition (which holds
 * its image digest and metadata), with the AppSpec of the deployment that made it live.
 */
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { StopServiceDeploymentCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { parse } from "yaml";
import { promotionNote, type ReleaseRecord } from "../../hooks/core/release";
import { ACTIVE_DEPLOYMENT_STATUSES, call, readHistory } from "../status/collect";
import { CliError, confirmOrFail, Exit, explain, usageError, type CliDeps } from "./common";
import {
  ACTIVE_SERVICE_DEPLOYMENT_STATUSES,
  BAKE_TIME,
  describeServiceDeployment,
  listServiceDeployments,
  ROLLING_BACK_STATUSES,
  serviceDeploymentShortId,
} from "../status/ecs";
import { readServiceEngine } from "../status/engine";
import { followDeployment, followEcsDeployment, hookVerdict, readDeployment } from "./follow";
import { regionFor } from "./region";
import { followDeps, reportResults, waitOptions, type WaitOptions } from "./report";
import {
  engineTarget,
  openEnvironment,
  pickServices,
  readLiveRelease,
  type Environment,
} from "./targets";

/** The IAM actions `rollback` calls. */
export const ROLLBACK_ACTIONS = [
  "ssm:GetParameter",
  "ssm:GetParameterHistory",
  "codedeploy:ListDeployments",
  "codedeploy:GetDeployment",
  "codedeploy:ListDeploymentTargets",
  "codedeploy:GetDeploymentTarget",
  "codedeploy:StopDeployment",
  "codedeploy:CreateDeployment",
  "codedeploy:GetDeploymentConfig",
  "codedeploy:GetApplicationRevision",
  "codedeploy:RegisterApplicationRevision",
  "ecs:DescribeServices",
  "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments",
  "ecs:StopServiceDeployment",
  "ecs:UpdateService",
] as const;

/** The options of `rollback`. */
export interface RollbackOptions extends WaitOptions {
  readonly to?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly region?: string;
}

/** The deployment in progress for a group, if any. */
async function activeDeployment(
  environment: Environment,
  deploymentGroupName: string,
): Promise<string | undefined> {
  const { deployments } = await call("codedeploy:ListDeployments", () =>
    environment.clients.codeDeploy.send(
      new ListDeploymentsCommand({
        applicationName: environment.index.application,
        deploymentGroupName,
        includeOnlyStatuses: ACTIVE_DEPLOYMENT_STATUSES,
      }),
    ),
  );
  return deployments?.[0];
}

/**
 * The release to go back to: `--to`'s newest record, else the newest recorded release with
 * another version and task definition than the live one. Pure.
 */
export function chooseRelease(
  history: readonly ReleaseRecord[],
  live: ReleaseRecord | undefined,
  to: string | undefined,
): ReleaseRecord | undefined {
  if (to !== undefined) return history.find((release) => release.version === to);
  return history.find(
    (release) =>
      live === undefined ||
      (release.version !== live.version && release.taskDefinitionArn !== live.taskDefinitionArn),
  );
}

/**
 * The AppSpec that deploys `taskDefinitionArn`: `content` (the AppSpec of an earlier deployment,
 * YAML or JSON) with its task definition replaced. Pure; throws when it is not an ECS AppSpec.
 */
export function appSpecFor(content: string, taskDefinitionArn: string): string {
  const doc = parse(content) as {
    Resources?: { TargetService?: { Properties?: { TaskDefinition?: string } } }[];
  } | null;
  const properties = doc?.Resources?.[0]?.TargetService?.Properties;
  if (properties === undefined || typeof properties !== "object") {
    throw new Error("it is not an ECS AppSpec (no Resources[0].TargetService.Properties)");
  }
  properties.TaskDefinition = taskDefinitionArn;
  return JSON.stringify(doc);
}

/** The AppSpec content of a deployment, when CodeDeploy still has it. */
async function appSpecOf(
  environment: Environment,
  deploymentId: string,
): Promise<string | undefined> {
  if (deploymentId === "") return undefined;
  try {
    const { deploymentInfo } = await call("codedeploy:GetDeployment", () =>
      environment.clients.codeDeploy.send(new GetDeploymentCommand({ deploymentId })),
    );
    return (
      deploymentInfo?.revision?.appSpecContent?.content ?? deploymentInfo?.revision?.string?.content
    );
  } catch (error) {
    const name = (error as { error?: { name?: string } }).error?.name;
    if (name === "DeploymentDoesNotExistException") return undefined;
    throw error;
  }
}

/** The live release and the recorded one to go back to; a CliError when there is none. */
async function releaseToRedeploy(
  environment: Environment,
  service: string,
  to: string | undefined,
): Promise<{ readonly live: ReleaseRecord | undefined; readonly target: ReleaseRecord }> {
  const [live, history] = await Promise.all([
    readLiveRelease(environment.clients.ssm, environment.name, service),
    readHistory(environment.clients.ssm, environment.name, service),
  ]);
  const releases = history.flatMap((item) => (item.release === undefined ? [] : [item.release]));
  const target = chooseRelease(releases, live, to);
  if (target === undefined) {
    throw new CliError(Exit.failed, [
      to === undefined
        ? `rollback: no earlier release of ${service} is recorded in ${environment.name} to go back to (releases recorded: ${releases.length}).`
        : `rollback: no release ${to} of ${service} is recorded in ${environment.name}; ` +
          `recorded: ${[...new Set(releases.map((r) => r.version))].slice(0, 10).join(", ") || "(none)"}.`,
      `See them with: greenlight status ${environment.name} --history ${service}`,
    ]);
  }
  if (live !== undefined && target.taskDefinitionArn === live.taskDefinitionArn) {
    throw new CliError(Exit.failed, [
      `rollback: ${target.version} is what is live in ${environment.name} already.`,
    ]);
  }
  if (target.taskDefinitionArn === "") {
    throw new CliError(Exit.failed, [
      `rollback: the record of ${target.version} names no task definition; deploy it with greenlight deploy ${environment.name} ${service} --ref ${target.ref || target.commit}.`,
    ]);
  }
  return { live, target };
}

/**
 * Rollback on the Amazon ECS engine: while a service deployment is not over (shifting traffic,
 * or in its bake time with the previous revision kept), `StopServiceDeployment` with `ROLLBACK`
 * (production traffic flips back); otherwise, or with `--to`, `UpdateService` with the recorded
 * release's task definition, which starts a blue/green deployment (the live hook runs again).
 */
async function rollbackEcs(
  environment: Environment,
  service: string,
  ecs: { readonly cluster: string; readonly service: string },
  options: RollbackOptions,
  wait: ReturnType<typeof waitOptions>,
  deps: CliDeps,
): Promise<number> {
  const clients = environment.clients;
  const [active] =
    options.to === undefined
      ? await listServiceDeployments(clients.ecs, ecs.cluster, ecs.service, {
          statuses: ACTIVE_SERVICE_DEPLOYMENT_STATUSES,
        })
      : [];
  const activeArn = active?.serviceDeploymentArn;
  if (activeArn !== undefined) {
    const id = serviceDeploymentShortId(activeArn);
    const deployment = await describeServiceDeployment(clients.ecs, activeArn);
    const status = deployment?.status ?? active?.status ?? "UNKNOWN";
    const stage = deployment?.lifecycleStage;
    const already = ROLLING_BACK_STATUSES.has(status);
    deps.stderr.write(
      `${service} in ${environment.name}: service deployment ${id} is ${status}${stage === undefined ? "" : ` at ${stage}`}` +
        (stage === BAKE_TIME
          ? ", live, with the previous revision still kept (bake time)"
          : already
            ? ", already going back"
            : ", not yet live") +
        ".\n" +
        (already
          ? ""
          : "Rollback stops it with ROLLBACK: production traffic goes back to the previous revision, instantly.\n"),
    );
    if (!already) {
      const go = await confirmOrFail(
        deps,
        "rollback",
        `Stop ${id} and roll back ${service} in ${environment.name}?`,
        options.yes === true,
      );
      if (!go) {
        deps.stderr.write("rollback: nothing changed.\n");
        return Exit.failed;
      }
      await call("ecs:StopServiceDeployment", () =>
        clients.ecs.send(
          new StopServiceDeploymentCommand({
            serviceDeploymentArn: activeArn,
            stopType: "ROLLBACK",
          }),
        ),
      );
      deps.stderr.write(`${service}: StopServiceDeployment ${id} (ROLLBACK) requested\n`);
    }
    if (!wait.wait) {
      return reportResults(deps, options.json === true, [
        {
          environment: environment.name,
          service,
          outcome: "stopping",
          deploymentId: activeArn,
          detail: `stopping service deployment ${id} with rollback`,
        },
      ]);
    }
    const result = await followEcsDeployment(
      { environment: environment.name, service, serviceDeploymentArn: activeArn, until: "stopped" },
      followDeps(deps, clients, wait),
    );
    return reportResults(deps, options.json === true, [result]);
  }

  const { live, target } = await releaseToRedeploy(environment, service, options.to);
  const running = (await readServiceEngine(clients.ecs, ecs.cluster, ecs.service))?.service;
  if (running?.taskDefinition === target.taskDefinitionArn) {
    throw new CliError(Exit.failed, [
      `rollback: ECS already runs ${target.taskDefinitionArn} (${target.version}) for ${service}; the release record is behind. See greenlight status ${environment.name}.`,
    ]);
  }
  const note = promotionNote(target);
  deps.stderr.write(
    `${service} in ${environment.name}: live now ${live?.version ?? "(nothing recorded)"}; ` +
      `roll back to ${target.version} (${target.imageUri || target.taskDefinitionArn}, deployed ${target.deployedAt}` +
      `${note === undefined ? "" : `, ${note}`}) without a rebuild: an ECS blue/green deployment of its task definition.\n`,
  );
  const go = await confirmOrFail(
    deps,
    "rollback",
    `Redeploy ${service} ${target.version} in ${environment.name}?`,
    options.yes === true,
  );
  if (!go) {
    deps.stderr.write("rollback: nothing changed.\n");
    return Exit.failed;
  }
  const updated = await call("ecs:UpdateService", () =>
    clients.ecs.send(
      new UpdateServiceCommand({
        cluster: ecs.cluster,
        service: ecs.service,
        taskDefinition: target.taskDefinitionArn,
      }),
    ),
  );
  const started =
    updated.service?.currentServiceDeployment ??
    (
      await listServiceDeployments(clients.ecs, ecs.cluster, ecs.service, {
        statuses: ACTIVE_SERVICE_DEPLOYMENT_STATUSES,
      })
    )[0]?.serviceDeploymentArn;
  if (started === undefined) {
    throw new CliError(Exit.failed, [
      `rollback: UpdateService of ${ecs.service} started no service deployment that ECS lists; see greenlight status ${environment.name}.`,
    ]);
  }
  const id = serviceDeploymentShortId(started);
  deps.stderr.write(`${service}: service deployment ${id} started\n`);
  if (!wait.wait) {
    return reportResults(deps, options.json === true, [
      {
        environment: environment.name,
        service,
        outcome: "redeploying",
        deploymentId: started,
        version: target.version,
        detail: `redeploying ${target.version} (service deployment ${id})`,
      },
    ]);
  }
  const result = await followEcsDeployment(
    { environment: environment.name, service, serviceDeploymentArn: started, until: "live" },
    followDeps(deps, clients, wait),
  );
  return reportResults(deps, options.json === true, [result]);
}

/** Runs `rollback`; resolves to the exit code. */
export async function rollbackCommand(
  environmentName: string,
  serviceName: string,
  options: RollbackOptions,
  deps: CliDeps,
): Promise<number> {
  const region = regionFor(deps.root, environmentName, options.region);
  try {
    if (options.to !== undefined && options.to.trim() === "") {
      throw usageError("rollback", "--to needs a version, e.g. --to v1.3.2");
    }
    const wait = waitOptions("rollback", options);
    const environment = await openEnvironment(
      "rollback",
      environmentName,
      region,
      deps.clients(region),
    );
    const [{ service, entry }] = pickServices("rollback", environment, [serviceName]) as [
      ReturnType<typeof pickServices>[number],
    ];

    const { ecs } = await engineTarget(environment, entry);
    if (ecs !== undefined) {
      return await rollbackEcs(environment, service, ecs, options, wait, deps);
    }
    const active =
      options.to === undefined
        ? await activeDeployment(environment, entry.deploymentGroup)
        : undefined;
    if (active !== undefined) {
      const state = await readDeployment(environment.clients, active);
      const inWait = hookVerdict(state.events) === "live";
      deps.stderr.write(
        `${service} in ${environment.name}: deployment ${active} is ${state.status}` +
          (inWait ? ", live, with the old tasks still kept (termination wait)" : ", not yet live") +
          ".\nRollback stops it and puts production traffic back on the old task set: instant, no new tasks.\n",
      );
      const go = await confirmOrFail(
        deps,
        "rollback",
        `Stop ${active} and roll back ${service} in ${environment.name}?`,
        options.yes === true,
      );
      if (!go) {
        deps.stderr.write("rollback: nothing changed.\n");
        return Exit.failed;
      }
      const stopped = await call("codedeploy:StopDeployment", () =>
        environment.clients.codeDeploy.send(
          new StopDeploymentCommand({ deploymentId: active, autoRollbackEnabled: true }),
        ),
      );
      deps.stderr.write(
        `${service}: StopDeployment ${active}: ${stopped.status ?? "requested"}${stopped.statusMessage ? ` (${stopped.statusMessage})` : ""}\n`,
      );
      if (!wait.wait) {
        return reportResults(deps, options.json === true, [
          {
            environment: environment.name,
            service,
            outcome: "stopping",
            deploymentId: active,
            detail: `stopping ${active} with rollback`,
          },
        ]);
      }
      const result = await followDeployment(
        { environment: environment.name, service, deploymentId: active, until: "stopped" },
        followDeps(deps, environment.clients, wait),
      );
      return reportResults(deps, options.json === true, [result]);
    }

    const { live, target } = await releaseToRedeploy(environment, service, options.to);
    const content =
      (await appSpecOf(environment, target.deploymentId)) ??
      (live === undefined ? undefined : await appSpecOf(environment, live.deploymentId));
    if (content === undefined) {
      throw new CliError(Exit.failed, [
        `rollback: CodeDeploy no longer has the AppSpec of ${target.deploymentId || "the release"} or of the live deployment.`,
        `Deploy ${target.version} through the pipeline instead: greenlight deploy ${environment.name} ${service} --ref ${target.ref || target.commit}`,
      ]);
    }
    const appSpec = appSpecFor(content, target.taskDefinitionArn);
    const note = promotionNote(target);
    deps.stderr.write(
      `${service} in ${environment.name}: live now ${live?.version ?? "(nothing recorded)"}; ` +
        `roll back to ${target.version} (${target.imageUri || target.taskDefinitionArn}, deployed ${target.deployedAt}` +
        `${note === undefined ? "" : `, ${note}`}) without a rebuild: a blue/green deployment of its task definition.\n`,
    );
    const go = await confirmOrFail(
      deps,
      "rollback",
      `Redeploy ${service} ${target.version} in ${environment.name}?`,
      options.yes === true,
    );
    if (!go) {
      deps.stderr.write("rollback: nothing changed.\n");
      return Exit.failed;
    }
    const { deploymentId } = await call("codedeploy:CreateDeployment", () =>
      environment.clients.codeDeploy.send(
        new CreateDeploymentCommand({
          applicationName: environment.index.application,
          deploymentGroupName: entry.deploymentGroup,
          description: `greenlight rollback of ${service} to ${target.version}`,
          revision: { revisionType: "AppSpecContent", appSpecContent: { content: appSpec } },
        }),
      ),
    );
    if (deploymentId === undefined)
      throw new CliError(Exit.failed, ["rollback: CreateDeployment returned no deployment id"]);
    deps.stderr.write(`${service}: deployment ${deploymentId} started\n`);
    if (!wait.wait) {
      return reportResults(deps, options.json === true, [
        {
          environment: environment.name,
          service,
          outcome: "redeploying",
          deploymentId,
          version: target.version,
          detail: `redeploying ${target.version} (deployment ${deploymentId})`,
        },
      ]);
    }
    const result = await followDeployment(
      { environment: environment.name, service, deploymentId, until: "live" },
      followDeps(deps, environment.clients, wait),
    );
    return reportResults(deps, options.json === true, [result]);
  } catch (error) {
    const explanation = explain(error, "rollback", environmentName, ROLLBACK_ACTIONS, region);
    for (const line of explanation.lines) deps.stderr.write(`${line}\n`);
    return explanation.exit;
  }
}
