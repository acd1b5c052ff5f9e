/** Text renderings of a watch: the final summary and the live progress line. */

import { formatDuration } from "../../hooks/core/format";
import { judge, type FailureKind, type WatchRecord, type WatchSummary } from "./summary";

/** `03:04:05.123Z`: the UTC time of day of an epoch-ms instant. */
export function timeOfDay(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 23)}Z`;
}

/** Milliseconds with at most one decimal: `0.4 ms`, `12 ms`, `1520 ms`. */
function ms(value: number): string {
  return `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} ms`;
}

function failureList(failures: Readonly<Partial<Record<FailureKind, number>>>): string {
  return Object.entries(failures)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(", ");
}

/**
 * The summary for people, one labelled line per topic:
 * ```
 * Watched    http://127.0.0.1:8080/version at 50/s for 60 s
 * Requests   3000 in 60 s: 2998 ok, 2 failed (timeout 1, http_502 1)
 * Versions   v0.0.1 ×1500 (03:04:05.000Z – 03:04:35.020Z), v0.0.2 ×1498 (03:04:34.500Z – 03:05:04.980Z)
 * Flip       v0.0.1 → v0.0.2: first v0.0.2 at 03:04:34.500Z, last v0.0.1 at 03:04:35.020Z, overlap 520 ms (13 v0.0.1 answers after the first v0.0.2)
 * Latency    p50 1.2 ms, p90 2.3 ms, p99 5 ms, max 12 ms (2998 answers)
 * Result     FAILED: 2 of 3000 requests failed
 * ```
 */
export function formatSummary(
  summary: WatchSummary,
  options: { readonly expectFlip?: boolean } = {},
): string {
  const lines: string[] = [];
  const label = (name: string, text: string): void => void lines.push(`${name.padEnd(10)} ${text}`);
  const { run } = summary;
  if (run !== undefined) {
    const span = run.plannedMs === null ? "until stopped" : `for ${formatDuration(run.plannedMs)}`;
    label("Watched", `${run.url} at ${run.rate}/s ${span}${run.stopped ? " (stopped early)" : ""}`);
  }
  const spanMs =
    summary.firstAt === undefined || summary.lastAt === undefined
      ? 0
      : summary.lastAt - summary.firstAt;
  const failures = summary.failed > 0 ? ` (${failureList(summary.failures)})` : "";
  const retried = summary.retried > 0 ? `; ${summary.retried} retried on a stale connection` : "";
  label(
    "Requests",
    `${summary.total} in ${formatDuration(spanMs)}: ${summary.ok} ok, ${summary.failed} failed` +
      `${failures}${retried}`,
  );
  label(
    "Versions",
    summary.versions.length === 0
      ? "none"
      : summary.versions
          .map((v) => `${v.version} ×${v.count} (${timeOfDay(v.firstAt)} – ${timeOfDay(v.lastAt)})`)
          .join(", "),
  );
  if (summary.transitions.length === 0) {
    const only = summary.versions[0];
    label("Flip", only === undefined ? "none" : `none: every answer was ${only.version}`);
  }
  for (const flip of summary.transitions) {
    const interleaved =
      flip.oldAfterNew > 0
        ? ` (${flip.oldAfterNew} ${flip.from} answer${flip.oldAfterNew === 1 ? "" : "s"} after the first ${flip.to})`
        : "";
    label(
      "Flip",
      `${flip.from} → ${flip.to}: first ${flip.to} at ${timeOfDay(flip.firstNewAt)}, ` +
        `last ${flip.from} at ${timeOfDay(flip.lastOldAt)}, overlap ${flip.overlapMs} ms${interleaved}`,
    );
  }
  const { latency } = summary;
  label(
    "Latency",
    latency === undefined
      ? "no answers"
      : `p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p99 ${ms(latency.p99)}, ` +
          `max ${ms(latency.max)} (${latency.count} answers)`,
  );
  const verdict = judge(summary, options);
  const ending = summary.finalVersion === undefined ? "" : `; ended on ${summary.finalVersion}`;
  label(
    "Result",
    verdict.ok
      ? `OK: no failed requests${options.expectFlip === true ? ", version flipped" : ""}${ending}`
      : `FAILED: ${verdict.problems.join("; ")}`,
  );
  return `${lines.join("\n")}\n`;
}

/** Running counts for the progress line. */
export class ProgressCounter {
  total = 0;
  failed = 0;
  private readonly versions = new Map<string, number>();
  private lastVersion: string | undefined;

  /** Counts one record. */
  add(record: WatchRecord): void {
    this.total += 1;
    if (record.error !== undefined) this.failed += 1;
    else if (record.version !== undefined) {
      this.versions.set(record.version, (this.versions.get(record.version) ?? 0) + 1);
      this.lastVersion = record.version;
    }
  }

  /** `12 s  615 requests  0 failed  v0.0.1 ×600 v0.0.2 ×15  now v0.0.2` */
  line(elapsedMs: number): string {
    const versions = [...this.versions].map(([version, count]) => `${version} ×${count}`).join(" ");
    return (
      `${formatDuration(elapsedMs)}  ${this.total} requests  ${this.failed} failed` +
      `${versions === "" ? "" : `  ${versions}`}` +
      `${this.lastVersion === undefined ? "" : `  now ${this.lastVersion}`}`
    );
  }
}
