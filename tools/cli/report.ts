/**
 * How commands that start work end: `--wait` (with `--timeout` and the poll interval), and the
 * summary of each service's outcome as text or JSON; exit 0 only when every one is done.
 */
import { Exit, usageError, type CliClients, type CliDeps } from "./common";
import type { FollowDeps } from "./follow";

/** The options shared by commands that can wait. */
export interface WaitOptions {
  readonly wait?: boolean;
  /** Minutes, as typed. @default 60 */
  readonly timeout?: string;
  /** Seconds between polls, as typed. @default 10 */
  readonly interval?: string;
}

/** Parsed wait options; bad numbers are usage errors. */
export function waitOptions(
  command: string,
  options: WaitOptions,
): { readonly wait: boolean; readonly timeoutMs: number; readonly intervalMs: number } {
  const number = (flag: string, value: string | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0 || parsed > max) {
      throw usageError(
        command,
        `${flag} ${JSON.stringify(value)} must be a number from 0 to ${max}`,
      );
    }
    return parsed;
  };
  return {
    wait: options.wait === true,
    timeoutMs: number("--timeout", options.timeout, 60, 24 * 60) * 60_000,
    intervalMs: number("--interval", options.interval, 10, 600) * 1000,
  };
}

/** One service's outcome. */
export interface ResultLine {
  readonly environment: string;
  readonly service: string;
  /** `started`, `live`, `rolled-back`, `failed`, `timeout`, `stopping`. */
  readonly outcome: string;
  readonly detail: string;
  readonly executionId?: string;
  readonly deploymentId?: string;
  readonly version?: string;
}

/** Outcomes that count as done. */
const DONE = new Set(["started", "live", "rolled-back", "stopping", "redeploying"]);

/** Prints the outcomes (stdout: a table, or JSON) and resolves to the exit code. */
export function reportResults(
  deps: CliDeps,
  json: boolean,
  results: readonly ResultLine[],
): number {
  const ok = results.every((result) => DONE.has(result.outcome));
  if (json) {
    deps.stdout.write(`${JSON.stringify({ ok, results }, null, 2)}\n`);
  } else {
    for (const result of results) {
      deps.stdout.write(
        `${result.environment} ${result.service}: ${result.outcome.toUpperCase()}: ${result.detail}\n`,
      );
    }
  }
  return ok ? Exit.ok : Exit.failed;
}

/** What following needs, from a command's surroundings: progress on stderr, `[12 s] …`. */
export function followDeps(
  deps: CliDeps,
  clients: CliClients,
  wait: { readonly intervalMs: number; readonly timeoutMs: number },
): FollowDeps {
  const start = deps.now();
  return {
    clients,
    now: deps.now,
    sleep: deps.sleep,
    progress: (line) =>
      deps.stderr.write(`[${((deps.now() - start) / 1000).toFixed(0)} s] ${line}\n`),
    intervalMs: wait.intervalMs,
    deadline: start + wait.timeoutMs,
  };
}
