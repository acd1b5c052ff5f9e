/** Printing the status and the history: an aligned text table, or JSON. Pure. */
import { shortCommit } from "../../hooks/core/build-metadata";
import { taskDefinitionLabel } from "../../hooks/core/console";
import { firstLine, truncate } from "../../hooks/core/format";
import type { HistoryEntry, ServiceStatus, StatusReport } from "./collect";
import { engineLabel, type Engine } from "./engine";

/** Lays rows out in columns two spaces apart; the last column is not padded. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, column) =>
    Math.max(...all.map((row) => [...(row[column] ?? "")].length)),
  );
  return all.map((row) =>
    row
      .map((cell, column) =>
        column === row.length - 1
          ? cell
          : cell + " ".repeat((widths[column] ?? 0) - [...cell].length),
      )
      .join("  ")
      .trimEnd(),
  );
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAge(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "unknown";
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** `2026-11-22 03:44 UTC`. */
export function formatTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isFinite(at)
    ? `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`
    : iso;
}

/** The STATE column. */
export function stateLabel(status: ServiceStatus): string {
  switch (status.state) {
    case "deploying": {
      const deployment = status.deployment;
      const target =
        deployment?.taskDefinitionArn === undefined
          ? ""
          : ` ${taskDefinitionLabel(deployment.taskDefinitionArn)}`;
      const stage = deployment?.stage === undefined ? "" : `, ${deployment.stage}`;
      return `deploying${target} (${deployment?.status ?? "unknown"}${stage})`;
    }
    case "no-record":
      return "no record";
    default:
      return status.state;
  }
}

/** The status as text lines. */
export function renderStatusText(report: StatusReport, now: number): string[] {
  const rows = report.services.map((status) => {
    const release = status.release;
    return [
      status.service,
      release?.version ?? "-",
      stateLabel(status),
      release === undefined || release.author === "" ? "-" : release.author,
      release === undefined
        ? "-"
        : `${formatTime(release.deployedAt)} (${formatAge(release.deployedAt, now)})`,
      status.ecs === undefined ? "-" : `${status.ecs.runningCount}/${status.ecs.desiredCount}`,
      status.warnings.join("; "),
    ];
  });
  return [
    `Greenlight ${report.environment}: region ${report.region}, cluster ${report.cluster}, ` +
      describeEngines(report),
    "",
    ...formatTable(["SERVICE", "VERSION", "STATE", "WHO", "WHEN", "RUNNING", "WARNINGS"], rows),
  ];
}

/**
 * Which engines deploy the services: `CodeDeploy application …` as always when CodeDeploy
 * deploys them all, else each engine with its services. Pure.
 */
export function describeEngines(report: StatusReport): string {
  const codeDeploy = `CodeDeploy application ${report.application || "(none)"}`;
  const byEngine = new Map<Engine, string[]>();
  for (const status of report.services) {
    if (status.engine === undefined) continue;
    byEngine.set(status.engine, [...(byEngine.get(status.engine) ?? []), status.service]);
  }
  const engines = [...byEngine.keys()].sort();
  if (engines.length === 0 || (engines.length === 1 && engines[0] === "codedeploy")) {
    return codeDeploy;
  }
  if (engines.length === 1) return `deployed by ${engineLabel(engines[0]!)}`;
  return engines
    .map(
      (engine) =>
        `${engine === "codedeploy" ? codeDeploy : engineLabel(engine)} for ` +
        byEngine.get(engine)!.join(", "),
    )
    .join("; ");
}

/** The status as JSON (one document). */
export function renderStatusJson(report: StatusReport): string {
  return JSON.stringify(
    {
      environment: report.environment,
      region: report.region,
      cluster: report.cluster,
      application: report.application,
      generatedAt: report.generatedAt,
      services: report.services.map((status) => ({
        service: status.service,
        state: status.state,
        engine: status.engine ?? null,
        version: status.release?.version ?? null,
        author: status.release?.author ?? null,
        deployedAt: status.release?.deployedAt ?? null,
        running: status.ecs?.runningCount ?? null,
        desired: status.ecs?.desiredCount ?? null,
        release: status.release ?? null,
        deployment: status.deployment ?? null,
        ecs: status.ecs ?? null,
        warnings: status.warnings,
      })),
    },
    null,
    2,
  );
}

/** The history as text lines. */
export function renderHistoryText(
  environment: string,
  service: string,
  entries: readonly HistoryEntry[],
): string[] {
  if (entries.length === 0) {
    return [`No releases recorded for ${service} in ${environment} yet.`];
  }
  const rows = entries.map((entry) => {
    const release = entry.release;
    if (release === undefined) {
      return [
        String(entry.parameterVersion),
        "-",
        entry.modifiedAt === undefined ? "-" : formatTime(entry.modifiedAt),
        "-",
        "-",
        "-",
        "-",
        `(unreadable: ${entry.problem ?? "unknown"})`,
      ];
    }
    return [
      String(entry.parameterVersion),
      release.version,
      formatTime(release.deployedAt),
      release.author === "" ? "-" : release.author,
      release.ref === "" ? "-" : `${release.refType === "tag" ? "tag" : "branch"} ${release.ref}`,
      release.commit === "" ? "-" : shortCommit(release.commit),
      release.deploymentId === "" ? "-" : release.deploymentId,
      truncate(firstLine(release.commitMessage), 60),
    ];
  });
  return [
    `Releases of ${service} in ${environment}, newest first:`,
    "",
    ...formatTable(
      ["#", "VERSION", "DEPLOYED", "WHO", "REF", "COMMIT", "DEPLOYMENT", "MESSAGE"],
      rows,
    ),
  ];
}

/** The history as JSON (one document). */
export function renderHistoryJson(
  environment: string,
  service: string,
  entries: readonly HistoryEntry[],
): string {
  return JSON.stringify({ environment, service, releases: entries }, null, 2);
}
