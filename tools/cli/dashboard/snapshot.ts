/**
 * What the dashboard shows, read in one go: the matrix (as `greenlight status --json` prints
 * it), each service's recent releases (commit message, author, digest), and the deployments in
 * progress. Only release facts: nothing about credentials is read or sent.
 */
import { shortCommit } from "../../../hooks/core/build-metadata";
import { firstLine, truncate } from "../../../hooks/core/format";
import { promotionNote } from "../../../hooks/core/release";
import { readHistory } from "../../status/collect";
import { serviceDeploymentShortId } from "../../status/ecs";
import { collectMatrix, matrixJson, type MatrixDeps } from "../matrix";

/** How many releases per service and environment the page lists. */
export const RECENT_RELEASES = 5;

/** One recent release, as the page shows it. */
export interface RecentRelease {
  readonly environment: string;
  readonly service: string;
  readonly version: string;
  readonly deployedAt: string;
  readonly author: string;
  readonly commit: string;
  readonly ref: string;
  readonly message: string;
  /** `sha256:` and the first 12 hex digits. */
  readonly digest: string;
  readonly deploymentId: string;
  readonly promotedFrom: string | null;
  readonly live: boolean;
}

/** A deployment in progress. */
export interface InProgress {
  readonly environment: string;
  readonly service: string;
  /** `codedeploy` or `ecs` (Amazon ECS blue/green), from the service's deployment controller. */
  readonly engine: string | null;
  /** CodeDeploy's `d-…`, or the ECS service deployment ARN. */
  readonly deploymentId: string;
  /** What the page shows: `d-…`, or the last part of the service deployment ARN. */
  readonly shortId: string;
  readonly status: string;
  readonly stage: string | null;
  readonly startedAt: string | null;
}

/** The page's data. */
export interface Snapshot {
  readonly generatedAt: string;
  readonly matrix: ReturnType<typeof matrixJson>;
  readonly inProgress: readonly InProgress[];
  readonly releases: readonly RecentRelease[];
}

/** `sha256:0123456789ab` of an image pinned by digest, else "". */
export function shortDigest(imageUri: string): string {
  const digest = /@(sha256:[0-9a-f]{12})/.exec(imageUri)?.[1];
  return digest ?? "";
}

/** Reads the snapshot. */
export async function readSnapshot(
  environments: readonly string[],
  region: string | undefined,
  deps: MatrixDeps,
): Promise<Snapshot> {
  const { matrix, problems } = await collectMatrix(environments, region, deps);
  const inProgress: InProgress[] = [];
  const reads: Promise<RecentRelease[]>[] = [];
  for (const column of matrix.environments) {
    const report = column.report;
    if (report === undefined) continue;
    const clients = deps.clients(column.region ?? report.region);
    for (const status of report.services) {
      if (status.deployment !== undefined) {
        inProgress.push({
          environment: column.environment,
          service: status.service,
          engine: status.engine ?? null,
          deploymentId: status.deployment.id,
          shortId:
            status.engine === "ecs"
              ? serviceDeploymentShortId(status.deployment.id)
              : status.deployment.id,
          status: status.deployment.status,
          stage: status.deployment.stage ?? null,
          startedAt: status.deployment.createdAt ?? null,
        });
      }
      reads.push(
        readHistory(clients.ssm, column.environment, status.service).then((entries) =>
          entries
            .flatMap((entry) => (entry.release === undefined ? [] : [entry.release]))
            .slice(0, RECENT_RELEASES)
            .map((release, i) => ({
              environment: column.environment,
              service: status.service,
              version: release.version,
              deployedAt: release.deployedAt,
              author: release.author,
              commit: shortCommit(release.commit),
              ref: release.ref,
              message: truncate(firstLine(release.commitMessage), 100),
              digest: shortDigest(release.imageUri),
              // An ECS record names the service deployment by ARN: its last part reads better.
              deploymentId: release.deploymentId.startsWith("arn:")
                ? serviceDeploymentShortId(release.deploymentId)
                : release.deploymentId,
              promotedFrom: promotionNote(release) ?? null,
              live: i === 0 && status.release?.deploymentId === release.deploymentId,
            })),
        ),
      );
    }
  }
  const releases = (await Promise.all(reads))
    .flat()
    .sort((a, b) => Date.parse(b.deployedAt) - Date.parse(a.deployedAt));
  return {
    generatedAt: matrix.generatedAt,
    matrix: matrixJson(matrix, problems),
    inProgress,
    releases,
  };
}
