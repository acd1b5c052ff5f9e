/**
 * `greenlight deploy <env> <service...|all> [--ref <branch|tag|commit>] [--wait] [--yes]`: starts
 * each service's pipeline (a branch or tag through the `RELEASE_REF` variable, a commit as the
 * source revision), after a confirmation that lists what will be deployed; with `--wait`, follows
 * each one to live and exits 0 only when all are.
 */
import type { PipelineVariable, SourceRevisionOverride } from "@aws-sdk/client-codepipeline";
import {
  PROMOTE_NONE,
  PromoteVariables,
  RELEASE_REF_DEFAULT,
  RELEASE_REF_VARIABLE,
} from "../../components/buildspec";
import { STAGES } from "../../components/pipelineStages";
import { formatTable } from "../status/format";
import { CliError, confirmOrFail, Exit, explain, usageError, type CliDeps } from "./common";
import { FOLLOW_ACTIONS, followPipeline, type FollowResult } from "./follow";
import { regionFor } from "./region";
import { followDeps, reportResults, waitOptions, type WaitOptions } from "./report";
import {
  describeLive,
  engineTarget,
  openEnvironment,
  pickServices,
  readLiveRelease,
  readPipelineFacts,
  startPipeline,
} from "./targets";

/** The IAM actions `deploy` calls. */
export const DEPLOY_ACTIONS = [
  "ssm:GetParameter",
  "codepipeline:GetPipeline",
  "codepipeline:StartPipelineExecution",
  ...FOLLOW_ACTIONS,
] as const;

/** The options of `deploy`. */
export interface DeployOptions extends WaitOptions {
  readonly ref?: string;
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly region?: string;
}

/** A branch or tag name git accepts, or a full commit id. */
const REF = /^(?!-)(?!.*\.\.)[A-Za-z0-9._/@+-]{1,200}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * The pipeline variables and source revision of a deploy: a full commit id becomes the source
 * revision (the source action fetches it); a branch or tag, the `RELEASE_REF` variable (the build
 * fetches it). The promote variables are reset, so a deploy is never taken for a promotion. Pure.
 */
export function deployInputs(ref: string | undefined): {
  readonly variables: PipelineVariable[];
  readonly sourceRevisions: SourceRevisionOverride[];
} {
  const reset = Object.values(PromoteVariables).map((name) => ({ name, value: PROMOTE_NONE }));
  if (ref !== undefined && COMMIT.test(ref)) {
    return {
      variables: [{ name: RELEASE_REF_VARIABLE, value: RELEASE_REF_DEFAULT }, ...reset],
      sourceRevisions: [
        { actionName: STAGES.source, revisionType: "COMMIT_ID", revisionValue: ref },
      ],
    };
  }
  return {
    variables: [{ name: RELEASE_REF_VARIABLE, value: ref ?? RELEASE_REF_DEFAULT }, ...reset],
    sourceRevisions: [],
  };
}

/** Runs `deploy`; resolves to the exit code. */
export async function deployCommand(
  environmentName: string,
  services: readonly string[],
  options: DeployOptions,
  deps: CliDeps,
): Promise<number> {
  const region = regionFor(deps.root, environmentName, options.region);
  try {
    if (services.length === 0) {
      throw usageError("deploy", "name the services to deploy, or all");
    }
    if (options.ref !== undefined) {
      if (/^[0-9a-f]{7,39}$/.test(options.ref)) {
        throw usageError(
          "deploy",
          `--ref ${options.ref}: give the full 40-character commit id, or a branch or tag`,
        );
      }
      if (!REF.test(options.ref)) {
        throw usageError(
          "deploy",
          `--ref ${JSON.stringify(options.ref)} is not a branch, tag or commit`,
        );
      }
    }
    const wait = waitOptions("deploy", options);
    const environment = await openEnvironment(
      "deploy",
      environmentName,
      region,
      deps.clients(region),
    );
    const picked = pickServices("deploy", environment, services);
    const plan = await Promise.all(
      picked.map(async ({ service, entry }) => {
        const [facts, live, engine] = await Promise.all([
          readPipelineFacts("deploy", environment, service, entry.pipeline),
          readLiveRelease(environment.clients.ssm, environment.name, service),
          engineTarget(environment, entry),
        ]);
        return { service, pipeline: entry.pipeline, facts, live, engine };
      }),
    );
    const promoteOnly = plan.filter((item) => item.facts.promoteOnly);
    if (promoteOnly.length > 0) {
      throw new CliError(Exit.usage, [
        `deploy: ${environment.name} accepts only promotions (pipeline.promoteOnly): ` +
          `${promoteOnly.map((item) => item.service).join(", ")}.`,
        `Promote what is live elsewhere instead: greenlight promote <from-env> ${environment.name} ${promoteOnly.map((item) => item.service).join(" ")}`,
      ]);
    }
    const what = options.ref === undefined ? "the source branch's tip" : options.ref;
    deps.stderr.write(
      `Deploy to ${environment.name}${region === undefined ? "" : ` (${region})`}, building ${what}:\n`,
    );
    for (const line of formatTable(
      ["SERVICE", "PIPELINE", "ENGINE", "LIVE NOW"],
      plan.map((item) => [
        item.service,
        item.pipeline,
        item.engine.engine ?? "-",
        describeLive(item.live),
      ]),
    )) {
      deps.stderr.write(`  ${line}\n`);
    }
    const go = await confirmOrFail(
      deps,
      "deploy",
      `Deploy ${plan.length} service${plan.length === 1 ? "" : "s"} to ${environment.name}?`,
      options.yes === true,
    );
    if (!go) {
      deps.stderr.write("deploy: nothing started.\n");
      return Exit.failed;
    }
    const inputs = deployInputs(options.ref);
    const started = [];
    for (const item of plan) {
      // A pipeline from before promotion has no promote variables to reset.
      const variables = item.facts.acceptsPromotions
        ? inputs.variables
        : inputs.variables.filter((v) => v.name === RELEASE_REF_VARIABLE);
      const executionId = await startPipeline(
        environment,
        item.pipeline,
        variables,
        inputs.sourceRevisions,
      );
      deps.stderr.write(`${item.service}: started ${item.pipeline} execution ${executionId}\n`);
      started.push({ ...item, executionId });
    }
    if (!wait.wait) {
      return reportResults(
        deps,
        options.json === true,
        started.map((item) => ({
          environment: environment.name,
          service: item.service,
          outcome: "started",
          executionId: item.executionId,
          detail: `started ${item.pipeline} execution ${item.executionId}`,
        })),
      );
    }
    const follow = followDeps(deps, environment.clients, wait);
    const results: FollowResult[] = await Promise.all(
      started.map((item) =>
        followPipeline(
          {
            environment: environment.name,
            service: item.service,
            pipeline: item.pipeline,
            executionId: item.executionId,
            ...(item.engine.ecs === undefined ? {} : { ecs: item.engine.ecs }),
          },
          follow,
        ),
      ),
    );
    return reportResults(deps, options.json === true, results);
  } catch (error) {
    const explanation = explain(error, "deploy", environmentName, DEPLOY_ACTIONS, region);
    for (const line of explanation.lines) deps.stderr.write(`${line}\n`);
    return explanation.exit;
  }
}
