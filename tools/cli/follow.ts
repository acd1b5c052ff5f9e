/**
 * Following a release to live: a pipeline execution stage by stage, then its CodeDeploy
 * deployment lifecycle event by lifecycle event, the live hook's verdict (`AfterAllowTraffic`),
 * and the release record it writes. Progress goes to a callback as lines, each printed once.
 */
import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
  type LifecycleEvent,
} from "@aws-sdk/client-codedeploy";
import {
  GetPipelineExecutionCommand,
  ListActionExecutionsCommand,
  type ActionExecutionDetail,
} from "@aws-sdk/client-codepipeline";
import { STAGES } from "../../components/pipelineStages";
import { call } from "../status/collect";
import {
  BAKE_TIME,
  describeEcsStage,
  describeServiceDeployment,
  listServiceDeployments,
  serviceDeploymentShortId,
} from "../status/ecs";
import type { CliClients } from "./common";
import { readLiveRelease } from "./targets";

/** How a followed release ended. */
export type Outcome = "live" | "failed" | "rolled-back" | "timeout";

/** The end of one followed release. */
export interface FollowResult {
  readonly environment: string;
  readonly service: string;
  readonly outcome: Outcome;
  /** What it is about, in one line. */
  readonly detail: string;
  readonly executionId?: string;
  readonly deploymentId?: string;
  /** The version now live, from the release record the live hook wrote. */
  readonly version?: string;
}

/** What following needs. */
export interface FollowDeps {
  readonly clients: CliClients;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** One line of progress (already prefixed with nothing; the follower adds the service). */
  readonly progress: (line: string) => void;
  /** Between two polls. */
  readonly intervalMs: number;
  /** Epoch ms after which following gives up (outcome `timeout`). */
  readonly deadline: number;
}

/** The IAM actions following a pipeline run and its deployment calls. */
export const FOLLOW_ACTIONS = [
  "codepipeline:GetPipelineExecution",
  "codepipeline:ListActionExecutions",
  "codedeploy:GetDeployment",
  "codedeploy:ListDeploymentTargets",
  "codedeploy:GetDeploymentTarget",
  "ecs:DescribeServices",
  "ecs:ListServiceDeployments",
  "ecs:DescribeServiceDeployments",
] as const;

/** The CodeDeploy lifecycle event at which the live hook gives its verdict. */
export const VERDICT_EVENT = "AfterAllowTraffic";

/** Polls to wait, after the live verdict, for the release record the hook writes. */
const RECORD_POLLS = 3;

/** Pipeline execution statuses that are over without success. */
const PIPELINE_FAILED = new Set(["Failed", "Stopped", "Stopping", "Cancelled", "Superseded"]);
/** Deployment statuses that are over without success. */
const DEPLOYMENT_FAILED = new Set(["Failed", "Stopped"]);

/** Prints each distinct line once, prefixed with the service. */
function printer(service: string, deps: FollowDeps): (line: string) => void {
  const seen = new Set<string>();
  return (line) => {
    if (seen.has(line)) return;
    seen.add(line);
    deps.progress(`${service}: ${line}`);
  };
}

/** The deployment's state and lifecycle events. */
export interface DeploymentState {
  readonly status: string;
  readonly events: readonly LifecycleEvent[];
  readonly error?: string;
  readonly info?: DeploymentInfo;
}

/** Reads a deployment and its (ECS) target's lifecycle events. */
export async function readDeployment(
  clients: CliClients,
  deploymentId: string,
): Promise<DeploymentState> {
  const { deploymentInfo: info } = await call("codedeploy:GetDeployment", () =>
    clients.codeDeploy.send(new GetDeploymentCommand({ deploymentId })),
  );
  let events: LifecycleEvent[] = [];
  const { targetIds } = await call("codedeploy:ListDeploymentTargets", () =>
    clients.codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId })),
  );
  const targetId = targetIds?.[0];
  if (targetId !== undefined) {
    const { deploymentTarget } = await call("codedeploy:GetDeploymentTarget", () =>
      clients.codeDeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId })),
    );
    events = deploymentTarget?.ecsTarget?.lifecycleEvents ?? [];
  }
  const error = info?.errorInformation?.message;
  return {
    status: info?.status ?? "Unknown",
    events,
    ...(error === undefined ? {} : { error }),
    ...(info === undefined ? {} : { info }),
  };
}

/** What the live hook said, from the lifecycle events. */
export function hookVerdict(events: readonly LifecycleEvent[]): "live" | "not live" | undefined {
  const event = events.find((candidate) => candidate.lifecycleEventName === VERDICT_EVENT);
  if (event?.status === "Succeeded") return "live";
  if (event?.status === "Failed") return "not live";
  return undefined;
}

/** The target of {@link followDeployment}. */
export interface DeploymentTarget {
  readonly environment: string;
  readonly service: string;
  readonly deploymentId: string;
  /**
   * `live`: done when the live hook says live (or the deployment succeeds); `stopped`: done when
   * the deployment is stopped and rolled back (a rollback inside the termination wait).
   */
  readonly until: "live" | "stopped";
}

/** One poll of a deployment: the lines to print, and the result when it is over. */
async function pollDeployment(
  target: DeploymentTarget,
  deps: FollowDeps,
  say: (line: string) => void,
  waited: { recordPolls: number },
): Promise<FollowResult | undefined> {
  const state = await readDeployment(deps.clients, target.deploymentId);
  for (const event of state.events) {
    if (event.status === undefined || event.status === "Pending") continue;
    say(`deployment ${target.deploymentId}: ${event.lifecycleEventName} ${event.status}`);
  }
  const base = {
    environment: target.environment,
    service: target.service,
    deploymentId: target.deploymentId,
  };
  const verdict = hookVerdict(state.events);
  if (target.until === "stopped") {
    if (state.status === "Stopped" || state.status === "Failed") {
      say(
        `deployment ${target.deploymentId}: ${state.status}; traffic is back on the previous task set`,
      );
      const live = await readLiveRelease(deps.clients.ssm, target.environment, target.service);
      return {
        ...base,
        outcome: "rolled-back",
        detail: `deployment ${target.deploymentId} stopped and rolled back`,
        ...(live === undefined ? {} : { version: live.version }),
      };
    }
    if (state.status === "Succeeded") {
      return {
        ...base,
        outcome: "failed",
        detail: `deployment ${target.deploymentId} finished before it could be stopped; roll back with --to <version>`,
      };
    }
    return undefined;
  }
  if (verdict === "not live") say(`live hook: NOT live; CodeDeploy rolls back`);
  if (verdict === "live" || state.status === "Succeeded") {
    const live = await readLiveRelease(deps.clients.ssm, target.environment, target.service);
    const version =
      live !== undefined && live.deploymentId === target.deploymentId ? live.version : undefined;
    // The hook writes the record just after it answers CodeDeploy: give it a few polls.
    if (
      version === undefined &&
      state.status !== "Succeeded" &&
      waited.recordPolls < RECORD_POLLS
    ) {
      waited.recordPolls += 1;
      return undefined;
    }
    say(`live hook: live${version === undefined ? "" : ` (${version})`}`);
    return {
      ...base,
      outcome: "live",
      detail: `live${version === undefined ? "" : ` ${version}`} (deployment ${target.deploymentId})`,
      ...(version === undefined ? {} : { version }),
    };
  }
  if (DEPLOYMENT_FAILED.has(state.status)) {
    return {
      ...base,
      outcome: "failed",
      detail:
        `deployment ${target.deploymentId} ${state.status.toLowerCase()}` +
        (state.error === undefined ? "" : `: ${state.error}`),
    };
  }
  return undefined;
}

/** Polls until `poll` has a result, or the deadline (then `atDeadline`). */
async function pollToEnd(
  service: string,
  deps: FollowDeps,
  poll: (
    say: (line: string) => void,
    waited: { recordPolls: number },
  ) => Promise<FollowResult | undefined>,
  atDeadline: () => FollowResult,
): Promise<FollowResult> {
  const say = printer(service, deps);
  const waited = { recordPolls: 0 };
  for (;;) {
    const result = await poll(say, waited);
    if (result !== undefined) return result;
    if (deps.now() >= deps.deadline) return atDeadline();
    await deps.sleep(deps.intervalMs);
  }
}

/** Follows a CodeDeploy deployment until it is live (or stopped), failed, or the deadline. */
export async function followDeployment(
  target: DeploymentTarget,
  deps: FollowDeps,
): Promise<FollowResult> {
  return pollToEnd(
    target.service,
    deps,
    (say, waited) => pollDeployment(target, deps, say, waited),
    () => ({
      environment: target.environment,
      service: target.service,
      deploymentId: target.deploymentId,
      outcome: "timeout",
      detail: `still in progress at the deadline (deployment ${target.deploymentId})`,
    }),
  );
}

/** The target of {@link followEcsDeployment}: an Amazon ECS service deployment. */
export interface EcsDeploymentTarget {
  readonly environment: string;
  readonly service: string;
  readonly serviceDeploymentArn: string;
  /** `live`: done at SUCCESSFUL; `stopped`: done at ROLLBACK_SUCCESSFUL (a rollback). */
  readonly until: "live" | "stopped";
}

/** Stages after the live hook's verdict (POST_PRODUCTION_TRAFFIC_SHIFT) while the deployment runs. */
const AFTER_VERDICT = new Set([BAKE_TIME, "CLEAN_UP"]);

/** One poll of an ECS service deployment: the lines to print, and the result when it is over. */
async function pollEcsDeployment(
  target: EcsDeploymentTarget,
  deps: FollowDeps,
  say: (line: string) => void,
  waited: { recordPolls: number },
): Promise<FollowResult | undefined> {
  const arn = target.serviceDeploymentArn;
  const id = serviceDeploymentShortId(arn);
  const base = { environment: target.environment, service: target.service, deploymentId: arn };
  const deployment = await describeServiceDeployment(deps.clients.ecs, arn);
  if (deployment === undefined) {
    return {
      ...base,
      outcome: "failed",
      detail: `ECS does not describe service deployment ${arn}`,
    };
  }
  const status = deployment.status ?? "UNKNOWN";
  const stage = describeEcsStage(deployment);
  say(`service deployment ${id}: ${status}${stage === undefined ? "" : ` ${stage}`}`);
  const reason = deployment.rollback?.reason ?? deployment.statusReason;
  const why = reason === undefined || reason === "" ? "" : `: ${reason}`;
  if (status === "IN_PROGRESS" && AFTER_VERDICT.has(deployment.lifecycleStage ?? "")) {
    say("live hook: live; the previous revision is kept until the bake time ends");
  }
  if (target.until === "stopped") {
    if (status === "ROLLBACK_SUCCESSFUL") {
      say(`service deployment ${id}: rolled back; production traffic is on the previous revision`);
      const live = await readLiveRelease(deps.clients.ssm, target.environment, target.service);
      return {
        ...base,
        outcome: "rolled-back",
        detail: `service deployment ${id} rolled back`,
        ...(live === undefined ? {} : { version: live.version }),
      };
    }
    if (status === "SUCCESSFUL") {
      return {
        ...base,
        outcome: "failed",
        detail: `service deployment ${id} finished before it could be stopped; roll back with --to <version>`,
      };
    }
    if (status === "ROLLBACK_FAILED" || status === "STOPPED") {
      return { ...base, outcome: "failed", detail: `service deployment ${id} ${status}${why}` };
    }
    return undefined;
  }
  if (status === "SUCCESSFUL") {
    const live = await readLiveRelease(deps.clients.ssm, target.environment, target.service);
    const version = live !== undefined && live.deploymentId === arn ? live.version : undefined;
    // The hook writes the record just after it answers ECS: give it a few polls.
    if (version === undefined && waited.recordPolls < RECORD_POLLS) {
      waited.recordPolls += 1;
      return undefined;
    }
    say(`live hook: live${version === undefined ? "" : ` (${version})`}`);
    return {
      ...base,
      outcome: "live",
      detail: `live${version === undefined ? "" : ` ${version}`} (service deployment ${id})`,
      ...(version === undefined ? {} : { version }),
    };
  }
  if (status === "ROLLBACK_SUCCESSFUL") {
    return {
      ...base,
      outcome: "failed",
      detail: `service deployment ${id} was rolled back${why}`,
    };
  }
  if (status === "ROLLBACK_FAILED" || status === "STOPPED") {
    return { ...base, outcome: "failed", detail: `service deployment ${id} ${status}${why}` };
  }
  return undefined;
}

/** Follows an ECS service deployment until it is live (or rolled back), failed, or the deadline. */
export async function followEcsDeployment(
  target: EcsDeploymentTarget,
  deps: FollowDeps,
): Promise<FollowResult> {
  return pollToEnd(
    target.service,
    deps,
    (say, waited) => pollEcsDeployment(target, deps, say, waited),
    () => ({
      environment: target.environment,
      service: target.service,
      deploymentId: target.serviceDeploymentArn,
      outcome: "timeout",
      detail: `still in progress at the deadline (service deployment ${serviceDeploymentShortId(target.serviceDeploymentArn)})`,
    }),
  );
}

/** The target of {@link followPipeline}. */
export interface PipelineTarget {
  readonly environment: string;
  readonly service: string;
  readonly pipeline: string;
  readonly executionId: string;
  /**
   * The ECS service, when Amazon ECS blue/green deploys it: its deploy stage starts a service
   * deployment, which is followed instead of a CodeDeploy deployment.
   */
  readonly ecs?: { readonly cluster: string; readonly service: string };
}

/** The start of the pipeline's deploy stage (its earliest action), once it has started. */
function deployStageStart(actions: readonly ActionExecutionDetail[]): Date | undefined {
  const starts = actions
    .filter(
      (action) =>
        action.stageName === STAGES.deploy || action.input?.actionTypeId?.category === "Deploy",
    )
    .flatMap((action) => (action.startTime === undefined ? [] : [action.startTime]));
  return starts.sort((a, b) => a.getTime() - b.getTime())[0];
}

function actionLine(action: ActionExecutionDetail): string | undefined {
  if (action.status === undefined) return undefined;
  const name =
    action.stageName === action.actionName || action.actionName === undefined
      ? (action.stageName ?? "?")
      : `${action.stageName}/${action.actionName}`;
  const summary = action.output?.executionResult?.externalExecutionSummary;
  const waiting =
    action.status === "InProgress" && action.input?.actionTypeId?.category === "Approval"
      ? " (waiting for approval)"
      : "";
  return `${name} ${action.status}${waiting}${action.status === "Failed" && summary ? `: ${summary}` : ""}`;
}

/** Follows a pipeline execution stage by stage, then its deployment, to live or failure. */
export async function followPipeline(
  target: PipelineTarget,
  deps: FollowDeps,
): Promise<FollowResult> {
  const say = printer(target.service, deps);
  const waited = { recordPolls: 0 };
  const base = {
    environment: target.environment,
    service: target.service,
    executionId: target.executionId,
  };
  let serviceDeploymentArn: string | undefined;
  for (;;) {
    const { pipelineExecution: execution } = await call("codepipeline:GetPipelineExecution", () =>
      deps.clients.codePipeline.send(
        new GetPipelineExecutionCommand({
          pipelineName: target.pipeline,
          pipelineExecutionId: target.executionId,
        }),
      ),
    );
    const { actionExecutionDetails: actions = [] } = await call(
      "codepipeline:ListActionExecutions",
      () =>
        deps.clients.codePipeline.send(
          new ListActionExecutionsCommand({
            pipelineName: target.pipeline,
            filter: { pipelineExecutionId: target.executionId },
          }),
        ),
    );
    // Oldest first, so the lines read in order.
    const ordered = [...actions].sort(
      (a, b) => (a.startTime?.getTime() ?? 0) - (b.startTime?.getTime() ?? 0),
    );
    for (const action of ordered) {
      const line = actionLine(action);
      if (line !== undefined) say(line);
    }
    if (target.ecs !== undefined) {
      // The deploy stage starts an ECS service deployment: the first one created after it began.
      const started = deployStageStart(ordered);
      if (serviceDeploymentArn === undefined && started !== undefined) {
        const created = await listServiceDeployments(
          deps.clients.ecs,
          target.ecs.cluster,
          target.ecs.service,
          { createdAfter: started },
        );
        serviceDeploymentArn = created[created.length - 1]?.serviceDeploymentArn;
        if (serviceDeploymentArn !== undefined) {
          say(`service deployment ${serviceDeploymentShortId(serviceDeploymentArn)} started`);
        }
      }
      if (serviceDeploymentArn !== undefined) {
        // The service deployment is the truth: follow it whatever the pipeline says meanwhile.
        const result = await pollEcsDeployment(
          {
            environment: target.environment,
            service: target.service,
            serviceDeploymentArn,
            until: "live",
          },
          deps,
          say,
          waited,
        );
        if (result !== undefined) return { ...result, executionId: target.executionId };
        if (deps.now() >= deps.deadline) {
          return {
            ...base,
            deploymentId: serviceDeploymentArn,
            outcome: "timeout",
            detail: `service deployment ${serviceDeploymentShortId(serviceDeploymentArn)} still in progress at the deadline`,
          };
        }
        await deps.sleep(deps.intervalMs);
        continue;
      }
      if (execution?.status === "Succeeded") {
        // ListServiceDeployments may lag a moment behind the action that started the deployment.
        if (waited.recordPolls < RECORD_POLLS) {
          waited.recordPolls += 1;
          await deps.sleep(deps.intervalMs);
          continue;
        }
        return {
          ...base,
          outcome: "failed",
          detail: `pipeline ${target.pipeline} succeeded but no ECS service deployment of ${target.ecs.service} was started by its deploy stage`,
        };
      }
    }
    const deploy = ordered.find(
      (action) => action.input?.actionTypeId?.provider === "CodeDeployToECS",
    );
    const deploymentId = deploy?.output?.executionResult?.externalExecutionId;
    if (deploymentId !== undefined && /^d-[A-Z0-9]+$/.test(deploymentId)) {
      const result = await pollDeployment(
        { environment: target.environment, service: target.service, deploymentId, until: "live" },
        deps,
        say,
        waited,
      );
      if (result !== undefined) return { ...result, executionId: target.executionId };
    }
    const status = execution?.status ?? "Unknown";
    if (PIPELINE_FAILED.has(status)) {
      const failed = ordered.find((action) => action.status === "Failed");
      const why =
        failed?.output?.executionResult?.errorDetails?.message ??
        failed?.output?.executionResult?.externalExecutionSummary ??
        execution?.statusSummary;
      return {
        ...base,
        outcome: "failed",
        detail:
          `pipeline ${target.pipeline} ${status.toLowerCase()}` +
          (failed === undefined ? "" : ` at ${failed.stageName}`) +
          (why === undefined || why === "" ? "" : `: ${why}`),
      };
    }
    if (status === "Succeeded") {
      const live = await readLiveRelease(deps.clients.ssm, target.environment, target.service);
      const recorded =
        live !== undefined && (deploymentId === undefined || live.deploymentId === deploymentId);
      if (!recorded && deploymentId !== undefined && waited.recordPolls < RECORD_POLLS) {
        waited.recordPolls += 1;
        await deps.sleep(deps.intervalMs);
        continue;
      }
      if (recorded) say(`live hook: live (${live.version})`);
      return {
        ...base,
        outcome: "live",
        detail: recorded
          ? `live ${live.version}${deploymentId === undefined ? "" : ` (deployment ${deploymentId})`}`
          : `pipeline ${target.pipeline} succeeded`,
        ...(deploymentId === undefined ? {} : { deploymentId }),
        ...(recorded ? { version: live.version } : {}),
      };
    }
    if (deps.now() >= deps.deadline) {
      return {
        ...base,
        outcome: "timeout",
        detail: `pipeline ${target.pipeline} still ${status} at the deadline`,
      };
    }
    await deps.sleep(deps.intervalMs);
  }
}
