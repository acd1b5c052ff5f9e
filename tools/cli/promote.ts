/**
 * `greenlight promote <from-env> <to-env> [service...|all]`: deploys to `<to-env>`, through its
 * own pipeline (its approval, its deployment settings), exactly the image digest recorded live in
 * `<from-env>`, without a rebuild: the pipeline's promote variables carry the image, the release's
 * metadata and the deployment it comes from; the build copies the image by digest and renders the
 * release's own `taskdef.json`.
 */
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import type { PipelineVariable, SourceRevisionOverride } from "@aws-sdk/client-codepipeline";
import {
  ECR_DIGEST_URI,
  PROMOTE_NONE,
  PromoteVariables,
  RELEASE_REF_DEFAULT,
  RELEASE_REF_VARIABLE,
  type PromoteMetadata,
} from "../../components/buildspec";
import { STAGES } from "../../components/pipelineStages";
import type { ReleaseRecord } from "../../hooks/core/release";
import { AwsCallError } from "../status/errors";
import { call } from "../status/collect";
import { formatTable } from "../status/format";
import { CliError, confirmOrFail, Exit, explain, usageError, type CliDeps } from "./common";
import { FOLLOW_ACTIONS, followPipeline } from "./follow";
import { regionFor } from "./region";
import {
  followDeps,
  reportResults,
  waitOptions,
  type ResultLine,
  type WaitOptions,
} from "./report";
import {
  openEnvironment,
  readLiveRelease,
  readPipelineFacts,
  startPipeline,
  type Environment,
  engineTarget,
} from "./targets";

/** The IAM actions `promote` calls (in the source environment: the first three). */
export const PROMOTE_ACTIONS = [
  "ssm:GetParameter",
  "ecr:DescribeImages",
  "codepipeline:GetPipeline",
  "codepipeline:StartPipelineExecution",
  ...FOLLOW_ACTIONS,
] as const;

/** CodePipeline's limit on a pipeline variable's value. */
export const PIPELINE_VARIABLE_MAX = 1000;

/** The options of `promote`. */
export interface PromoteOptions extends WaitOptions {
  readonly yes?: boolean;
  readonly json?: boolean;
  readonly region?: string;
  /** The source environment's credentials, when it is another account. */
  readonly fromProfile?: string;
}

/** The repository, registry and digest of an image pinned by digest. */
export function parseDigestUri(uri: string):
  | {
      readonly registryId: string;
      readonly region: string;
      readonly repositoryName: string;
      readonly digest: string;
    }
  | undefined {
  if (!ECR_DIGEST_URI.test(uri)) return undefined;
  const [repository, digest] = uri.split("@") as [string, string];
  const slash = repository.indexOf("/");
  const host = repository.slice(0, slash);
  const [registryId, , , region] = host.split(".") as [string, string, string, string];
  return { registryId, region, repositoryName: repository.slice(slash + 1), digest };
}

/**
 * The release's metadata as the `PROMOTE_METADATA` value: base64 of its JSON (CodePipeline does
 * not escape variables inside the build's environment JSON), at most `max` characters, the
 * commit message shortened (with an ellipsis) when it would not fit. Pure.
 */
export function promoteMetadataValue(record: ReleaseRecord, max = PIPELINE_VARIABLE_MAX): string {
  const encode = (commitMessage: string): string => {
    const metadata: PromoteMetadata = {
      version: record.version,
      commit: record.commit,
      ref: record.ref,
      refType: record.refType,
      commitMessage,
      author: record.author,
    };
    return Buffer.from(JSON.stringify(metadata), "utf8").toString("base64");
  };
  const chars = [...record.commitMessage];
  const cut = (length: number) =>
    length >= chars.length
      ? record.commitMessage
      : `${chars.slice(0, Math.max(0, length - 1)).join("")}…`;
  if (encode(record.commitMessage).length <= max) return encode(record.commitMessage);
  if (encode("").length > max) {
    throw new CliError(Exit.failed, [
      `promote: the metadata of ${record.service} ${record.version} does not fit a pipeline variable (${max} characters)`,
    ]);
  }
  // The longest cut that fits: fits(lo), not fits(hi).
  let lo = 0;
  let hi = chars.length;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (encode(cut(mid)).length <= max) lo = mid;
    else hi = mid;
  }
  return encode(lo === 0 ? "" : cut(lo));
}

/** The pipeline variables and source revision of a promotion. Pure. */
export function promoteInputs(
  from: string,
  record: ReleaseRecord,
): { readonly variables: PipelineVariable[]; readonly sourceRevisions: SourceRevisionOverride[] } {
  return {
    variables: [
      { name: RELEASE_REF_VARIABLE, value: RELEASE_REF_DEFAULT },
      { name: PromoteVariables.from, value: from },
      { name: PromoteVariables.image, value: record.imageUri },
      { name: PromoteVariables.deployment, value: record.deploymentId || PROMOTE_NONE },
      { name: PromoteVariables.metadata, value: promoteMetadataValue(record) },
    ],
    // The release's commit as the source revision: the run's source variables and the approval's
    // commit link then name it (the build does not use the checkout).
    sourceRevisions: /^[0-9a-f]{40}$/.test(record.commit)
      ? [{ actionName: STAGES.source, revisionType: "COMMIT_ID", revisionValue: record.commit }]
      : [],
  };
}

/** Checks that the promoted image is still in its repository (lifecycle policies expire images). */
async function checkImage(
  environment: Environment,
  service: string,
  record: ReleaseRecord,
): Promise<void> {
  const image = parseDigestUri(record.imageUri);
  if (image === undefined) {
    throw new CliError(Exit.failed, [
      `promote: the release of ${service} in ${environment.name} (${record.version}) has no image pinned by digest ` +
        `(${record.imageUri === "" ? "none recorded" : record.imageUri}); nothing to promote.`,
    ]);
  }
  try {
    await call("ecr:DescribeImages", () =>
      environment.clients.ecr.send(
        new DescribeImagesCommand({
          registryId: image.registryId,
          repositoryName: image.repositoryName,
          imageIds: [{ imageDigest: image.digest }],
        }),
      ),
    );
  } catch (error) {
    const cause = error instanceof AwsCallError ? error.error : error;
    if (cause instanceof Error && cause.name === "ImageNotFoundException") {
      throw new CliError(Exit.failed, [
        `promote: ${record.imageUri} (${service} ${record.version}, live in ${environment.name}) is no longer in its repository; nothing to promote.`,
        `Its repository's lifecycle policy may have expired it (keepImages). Deploy ${record.version} from source instead.`,
      ]);
    }
    throw error;
  }
}

/** Runs `promote`; resolves to the exit code. */
export async function promoteCommand(
  fromName: string,
  toName: string,
  services: readonly string[],
  options: PromoteOptions,
  deps: CliDeps,
): Promise<number> {
  const fromRegion = regionFor(deps.root, fromName, options.region);
  const toRegion = regionFor(deps.root, toName, options.region);
  try {
    if (fromName === toName) {
      throw usageError(
        "promote",
        `promote from one environment to another, not ${fromName} to itself`,
      );
    }
    const wait = waitOptions("promote", options);
    const from = await openEnvironment(
      "promote",
      fromName,
      fromRegion,
      deps.clients(fromRegion, options.fromProfile),
    );
    const to = await openEnvironment("promote", toName, toRegion, deps.clients(toRegion));
    const fromServices = Object.keys(from.index.services).sort();
    const toServices = Object.keys(to.index.services).sort();
    const all = services.length === 0 || services.includes("all");
    const wanted = all
      ? fromServices.filter((name) => toServices.includes(name))
      : [...new Set(services)];
    for (const name of wanted) {
      if (!fromServices.includes(name) || !toServices.includes(name)) {
        const where = !fromServices.includes(name) ? from : to;
        throw new CliError(Exit.usage, [
          `promote: ${where.name} has no service ${name}; its services: ${Object.keys(where.index.services).sort().join(", ") || "(none)"}.`,
        ]);
      }
    }
    if (wanted.length === 0) {
      throw new CliError(Exit.usage, [
        `promote: ${from.name} and ${to.name} have no service in common.`,
      ]);
    }
    const plan = await Promise.all(
      wanted.map(async (service) => {
        const [record, current, facts] = await Promise.all([
          readLiveRelease(from.clients.ssm, from.name, service),
          readLiveRelease(to.clients.ssm, to.name, service),
          readPipelineFacts("promote", to, service, to.index.services[service]!.pipeline),
        ]);
        return { service, record, current, facts };
      }),
    );
    const nothing = plan.filter((item) => item.record === undefined).map((item) => item.service);
    if (nothing.length > 0) {
      throw new CliError(Exit.failed, [
        `promote: nothing recorded to promote: no live release of ${nothing.join(", ")} in ${from.name} ` +
          `(${nothing.map((s) => `/greenlight/${from.name}/${s}/live`).join(", ")}).`,
        `Deploy it to ${from.name} first (greenlight deploy ${from.name} ${nothing.join(" ")}), or leave it out.`,
      ]);
    }
    const old = plan.filter((item) => !item.facts.acceptsPromotions).map((item) => item.service);
    if (old.length > 0) {
      throw new CliError(Exit.usage, [
        `promote: the pipelines of ${old.join(", ")} in ${to.name} do not take promotions yet; run \`pulumi up\` in the ${to.name} stack.`,
      ]);
    }
    for (const item of plan) await checkImage(from, item.service, item.record!);
    const todo = plan.filter((item) => item.current?.imageUri !== item.record!.imageUri);
    const same = plan.filter((item) => item.current?.imageUri === item.record!.imageUri);
    deps.stderr.write(
      `Promote from ${from.name} to ${to.name}, through ${to.name}'s pipelines, without a rebuild:\n`,
    );
    for (const line of formatTable(
      [
        "SERVICE",
        "VERSION",
        "IMAGE",
        `LIVE IN ${from.name.toUpperCase()} SINCE`,
        `${to.name.toUpperCase()} NOW`,
      ],
      plan.map((item) => [
        item.service,
        item.record!.version,
        `…@${item.record!.imageUri.split("@")[1]!.slice(0, 19)}`,
        `${item.record!.deployedAt} (${item.record!.deploymentId || "-"})`,
        item.current === undefined
          ? "nothing recorded"
          : same.includes(item)
            ? `${item.current.version} (the same image: skipped)`
            : item.current.version,
      ]),
    )) {
      deps.stderr.write(`  ${line}\n`);
    }
    const skipped: ResultLine[] = same.map((item) => ({
      environment: to.name,
      service: item.service,
      outcome: "live",
      version: item.record!.version,
      detail: `${item.record!.version} is live in ${to.name} already (same image)`,
    }));
    if (todo.length === 0) return reportResults(deps, options.json === true, skipped);
    const go = await confirmOrFail(
      deps,
      "promote",
      `Promote ${todo.length} service${todo.length === 1 ? "" : "s"} from ${from.name} to ${to.name}?`,
      options.yes === true,
    );
    if (!go) {
      deps.stderr.write("promote: nothing started.\n");
      return Exit.failed;
    }
    const started = [];
    for (const item of todo) {
      const inputs = promoteInputs(from.name, item.record!);
      const executionId = await startPipeline(
        to,
        item.facts.name,
        inputs.variables,
        inputs.sourceRevisions,
      );
      deps.stderr.write(
        `${item.service}: started ${item.facts.name} execution ${executionId} (promotion of ${item.record!.version})\n`,
      );
      started.push({ ...item, executionId });
    }
    if (!wait.wait) {
      return reportResults(deps, options.json === true, [
        ...skipped,
        ...started.map((item) => ({
          environment: to.name,
          service: item.service,
          outcome: "started",
          executionId: item.executionId,
          version: item.record!.version,
          detail: `promoting ${item.record!.version} from ${from.name}: execution ${item.executionId} of ${item.facts.name}`,
        })),
      ]);
    }
    const follow = followDeps(deps, to.clients, wait);
    const results = await Promise.all(
      started.map(async (item) => {
        // Amazon ECS blue/green or CodeDeploy: read from the service's deployment controller.
        const { ecs } = await engineTarget(to, to.index.services[item.service]!);
        return followPipeline(
          {
            environment: to.name,
            service: item.service,
            pipeline: item.facts.name,
            executionId: item.executionId,
            ...(ecs === undefined ? {} : { ecs }),
          },
          follow,
        );
      }),
    );
    return reportResults(deps, options.json === true, [...skipped, ...results]);
  } catch (error) {
    const explanation = explain(
      error,
      "promote",
      `${fromName} → ${toName}`,
      PROMOTE_ACTIONS,
      toRegion,
    );
    for (const line of explanation.lines) deps.stderr.write(`${line}\n`);
    return explanation.exit;
  }
}
