/**
 * What runs where across environments: every stack of the account and region (their stack
 * indexes), or the environments named, as one matrix of service × environment, with warnings.
 */
import { GetParametersByPathCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { parseStackIndex, type StackIndex } from "../../hooks/core/release";
import {
  call,
  collectStatus,
  readStackIndex,
  type ServiceStatus,
  type StatusReport,
} from "../status/collect";
import { StackIndexMissingError } from "../status/errors";
import { formatAge, formatTable } from "../status/format";
import type { CliClients } from "./common";
import { regionFor, regionsToScan, stackFileEnvironments } from "./region";

/** The IAM actions the matrix calls (besides those of `status <env>`). */
export const MATRIX_ACTIONS = ["ssm:GetParametersByPath"] as const;

/** One environment (column) of the matrix. */
export interface EnvironmentColumn {
  readonly environment: string;
  readonly region?: string;
  /** The environment's status; absent when its stack is not deployed. */
  readonly report?: StatusReport;
  /** Why there is no report (`not deployed: …`). */
  readonly problem?: string;
}

/** The matrix. */
export interface Matrix {
  readonly generatedAt: string;
  readonly environments: readonly EnvironmentColumn[];
  /** Every service of any environment, sorted. */
  readonly services: readonly string[];
}

/** What the matrix needs. */
export interface MatrixDeps {
  readonly clients: (region: string | undefined) => CliClients;
  readonly root: string;
  readonly now: () => number;
}

/** Every stack index under `/greenlight` in a region, with those that cannot be read. */
export async function listStackIndexes(
  ssm: SSMClient,
): Promise<{ readonly indexes: StackIndex[]; readonly problems: string[] }> {
  const indexes: StackIndex[] = [];
  const problems: string[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await call("ssm:GetParametersByPath", () =>
      ssm.send(
        new GetParametersByPathCommand({
          Path: "/greenlight",
          Recursive: true,
          MaxResults: 10,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name === undefined || !/^\/greenlight\/[^/]+\/stack$/.test(parameter.Name)) {
        continue;
      }
      try {
        indexes.push(parseStackIndex(parameter.Value ?? ""));
      } catch (error) {
        problems.push(
          `the stack index at ${parameter.Name} cannot be read: ${(error as Error).message}`,
        );
      }
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== "");
  return { indexes, problems };
}

/** dev first, prod last, others alphabetically between. */
export function environmentRank(environment: string): number {
  if (/^dev/.test(environment)) return 0;
  if (/^(test|qa)/.test(environment)) return 1;
  if (/^(staging|stage|preprod)/.test(environment)) return 3;
  if (/^prod/.test(environment)) return 4;
  return 2;
}

function byRank(a: string, b: string): number {
  return environmentRank(a) - environmentRank(b) || a.localeCompare(b);
}

/**
 * Reads the matrix: the named environments (each in its region), or every stack found in the
 * regions the stack files name (plus stack files whose stack was not found, as not deployed).
 */
export async function collectMatrix(
  environments: readonly string[],
  region: string | undefined,
  deps: MatrixDeps,
): Promise<{ readonly matrix: Matrix; readonly problems: string[] }> {
  const problems: string[] = [];
  const found: { index: StackIndex; region: string | undefined }[] = [];
  const missing: EnvironmentColumn[] = [];
  if (environments.length > 0) {
    for (const environment of environments) {
      const where = regionFor(deps.root, environment, region);
      try {
        const index = await readStackIndex(deps.clients(where).ssm, environment);
        found.push({ index, region: where });
      } catch (error) {
        if (!(error instanceof StackIndexMissingError)) throw error;
        missing.push({
          environment,
          ...(where === undefined ? {} : { region: where }),
          problem: `not deployed: no stack index at ${error.parameter}${where === undefined ? "" : ` in ${where}`}`,
        });
      }
    }
  } else {
    for (const where of regionsToScan(deps.root, region)) {
      const listed = await listStackIndexes(deps.clients(where).ssm);
      problems.push(...listed.problems);
      for (const index of listed.indexes) found.push({ index, region: where });
    }
    const seen = new Set(found.map((entry) => entry.index.environment));
    for (const environment of stackFileEnvironments(deps.root)) {
      if (seen.has(environment)) continue;
      const where = regionFor(deps.root, environment, region);
      missing.push({
        environment,
        ...(where === undefined ? {} : { region: where }),
        problem: `not deployed: Pulumi.${environment}.yaml has no stack index${where === undefined ? "" : ` in ${where}`}`,
      });
    }
  }
  const now = deps.now();
  const columns: EnvironmentColumn[] = await Promise.all(
    found.map(async ({ index, region: where }): Promise<EnvironmentColumn> => {
      const report = await collectStatus(
        index,
        Object.keys(index.services).sort(),
        deps.clients(where ?? index.region),
        now,
      );
      return { environment: index.environment, region: index.region, report };
    }),
  );
  const all = [...columns, ...missing].sort((a, b) => byRank(a.environment, b.environment));
  const ordered =
    environments.length > 0
      ? environments.map((name) => all.find((column) => column.environment === name)!)
      : all;
  const services = new Set<string>();
  for (const column of ordered) {
    for (const status of column.report?.services ?? []) services.add(status.service);
  }
  return {
    matrix: {
      generatedAt: new Date(now).toISOString(),
      environments: ordered,
      services: [...services].sort(),
    },
    problems,
  };
}

/** The engines of a column's services, sorted (`codedeploy`, `ecs`). */
export function columnEngines(column: EnvironmentColumn): string[] {
  const engines = new Set<string>();
  for (const status of column.report?.services ?? []) {
    if (status.engine !== undefined) engines.add(status.engine);
  }
  return [...engines].sort();
}

/** A cell's state word: live, deploying + stage, drift, none. */
export function cellState(status: ServiceStatus | undefined): string {
  if (status === undefined) return "-";
  switch (status.state) {
    case "live":
      return "live";
    case "drift":
      return "drift";
    case "deploying": {
      const stage = status.deployment?.stage?.replace(/ \(.*\)$/, "");
      return stage === undefined ? "deploying" : `deploying ${stage}`;
    }
    default:
      return "none";
  }
}

/** The status of `service` in a column. */
export function cellOf(column: EnvironmentColumn, service: string): ServiceStatus | undefined {
  return column.report?.services.find((status) => status.service === service);
}

/** `v1.4.0 live · 3 h ago · Ada Lovelace`. */
export function cellText(status: ServiceStatus | undefined, now: number): string {
  if (status === undefined) return "-";
  const release = status.release;
  const parts = [`${release?.version ?? "-"} ${cellState(status)}`];
  if (release !== undefined) {
    parts.push(formatAge(release.deployedAt, now));
    if (release.author !== "") parts.push(release.author);
  }
  return parts.join(" · ");
}

/** Every warning of the matrix, prefixed with where it is. */
export function matrixWarnings(matrix: Matrix, problems: readonly string[] = []): string[] {
  const lines = [...problems];
  for (const column of matrix.environments) {
    if (column.problem !== undefined) lines.push(`${column.environment}: ${column.problem}`);
    for (const status of column.report?.services ?? []) {
      for (const warning of status.warnings) {
        lines.push(`${column.environment} ${status.service}: ${warning}`);
      }
    }
  }
  return lines;
}

/** The matrix as text lines. */
export function renderMatrixText(
  matrix: Matrix,
  problems: readonly string[],
  now: number,
): string[] {
  if (matrix.environments.length === 0) {
    return ["No Greenlight stacks found (no stack index under /greenlight, no stack files here)."];
  }
  const header = [
    "SERVICE",
    ...matrix.environments.map((column) =>
      column.report === undefined ? `${column.environment} (not deployed)` : column.environment,
    ),
  ];
  const rows = matrix.services.map((service) => [
    service,
    ...matrix.environments.map((column) => cellText(cellOf(column, service), now)),
  ]);
  // The engine is named when it is not CodeDeploy alone (the default engine).
  const engineNote = (column: EnvironmentColumn): string => {
    const engines = columnEngines(column);
    return engines.length === 0 || (engines.length === 1 && engines[0] === "codedeploy")
      ? ""
      : ` ${engines.join("+")}`;
  };
  const where = matrix.environments
    .map(
      (column) =>
        `${column.environment}${column.region === undefined ? "" : ` ${column.region}`}${engineNote(column)}`,
    )
    .join(", ");
  const warnings = matrixWarnings(matrix, problems);
  return [
    `Greenlight: ${matrix.environments.length} environment${matrix.environments.length === 1 ? "" : "s"} (${where})`,
    "",
    ...formatTable(header, rows),
    ...(warnings.length === 0 ? [] : ["", "Warnings:", ...warnings.map((line) => `  ${line}`)]),
  ];
}

/** The matrix as one JSON document. */
export function matrixJson(matrix: Matrix, problems: readonly string[]) {
  return {
    generatedAt: matrix.generatedAt,
    environments: matrix.environments.map((column) => ({
      environment: column.environment,
      region: column.region ?? null,
      deployed: column.report !== undefined,
      engines: columnEngines(column),
      problem: column.problem ?? null,
    })),
    services: matrix.services.map((service) => ({
      service,
      environments: Object.fromEntries(
        matrix.environments.map((column) => {
          const status = cellOf(column, service);
          return [
            column.environment,
            status === undefined
              ? null
              : {
                  state: status.state,
                  engine: status.engine ?? null,
                  label: cellState(status),
                  version: status.release?.version ?? null,
                  author: status.release?.author ?? null,
                  deployedAt: status.release?.deployedAt ?? null,
                  stage: status.deployment?.stage ?? null,
                  deploymentId: status.deployment?.id ?? null,
                  release: status.release ?? null,
                  running: status.ecs?.runningCount ?? null,
                  desired: status.ecs?.desiredCount ?? null,
                  warnings: status.warnings,
                },
          ];
        }),
      ),
    })),
    warnings: matrixWarnings(matrix, problems),
  };
}
