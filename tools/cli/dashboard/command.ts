/**
 * `greenlight dashboard [env...]`: serves the page on 127.0.0.1 until Ctrl-C, reading AWS with
 * this machine's credentials at most once per `--refresh` seconds.
 */
import { STATUS_ACTIONS } from "../../status/errors";
import { Exit, explain, usageError, type CliDeps } from "../common";
import { MATRIX_ACTIONS } from "../matrix";
import { isRegion } from "../region";
import { startDashboardServer } from "./server";
import { readSnapshot } from "./snapshot";

/** The options of `dashboard`. */
export interface DashboardOptions {
  readonly port?: string;
  readonly refresh?: string;
  readonly region?: string;
}

/** Runs `dashboard`; resolves to the exit code once it is stopped. */
export async function dashboardCommand(
  environments: readonly string[],
  options: DashboardOptions,
  deps: CliDeps,
): Promise<number> {
  const port = Number(options.port ?? "8710");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw usageError(
      "dashboard",
      `--port ${JSON.stringify(options.port)} must be a port number (0–65535)`,
    );
  }
  const refresh = Number(options.refresh ?? "30");
  if (!Number.isFinite(refresh) || refresh < 1 || refresh > 3600) {
    throw usageError(
      "dashboard",
      `--refresh ${JSON.stringify(options.refresh)} must be 1–3600 seconds`,
    );
  }
  if (options.region !== undefined && !isRegion(options.region)) {
    throw usageError(
      "dashboard",
      `--region ${JSON.stringify(options.region)} is not a region such as eu-west-1`,
    );
  }
  let server;
  try {
    server = await startDashboardServer({
      port,
      refreshMs: refresh * 1000,
      now: deps.now,
      read: () => readSnapshot(environments, options.region, deps),
      explain: (error) =>
        explain(
          error,
          "dashboard",
          environments.join(", ") || "every",
          [...MATRIX_ACTIONS, ...STATUS_ACTIONS],
          options.region,
        ).lines,
    });
  } catch (error) {
    deps.stderr.write(
      `dashboard: cannot listen on 127.0.0.1:${port}: ${(error as Error).message}; pass --port <another> or --port 0.\n`,
    );
    return Exit.usage;
  }
  if (deps.onListening !== undefined) deps.onListening(server.url);
  else
    deps.stderr.write(
      `Greenlight dashboard on ${server.url} (read-only, this machine only). Ctrl-C stops it.\n`,
    );
  const stop =
    deps.stopSignal ??
    new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  await stop;
  await server.close();
  return Exit.ok;
}
