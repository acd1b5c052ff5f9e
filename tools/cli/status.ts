/**
 * `greenlight status [env...]`: with no environment, every stack of the account and region as one
 * matrix (service × environment) then warnings; with one, that environment's table as
 * `npm run status` always showed it; with several, their matrix.
 */
import { STATUS_ACTIONS } from "../status/errors";
import { main as statusMain } from "../status/main";
import { Exit, explain, usageError, type CliDeps } from "./common";
import { collectMatrix, matrixJson, MATRIX_ACTIONS, renderMatrixText } from "./matrix";
import { isRegion, regionFor } from "./region";

/** The options of `status`. */
export interface StatusCommandOptions {
  readonly json?: boolean;
  readonly region?: string;
  readonly service?: string;
  readonly history?: string;
}

/** Runs `status`; resolves to the exit code. */
export async function statusCommand(
  environments: readonly string[],
  options: StatusCommandOptions,
  deps: CliDeps,
): Promise<number> {
  if (options.region !== undefined && !isRegion(options.region)) {
    throw usageError(
      "status",
      `--region ${JSON.stringify(options.region)} is not a region such as eu-west-1`,
    );
  }
  // `status <env> all`, as `npm run status -- <env> all` always read.
  if (environments.length === 2 && environments[1] === "all") {
    return statusCommand([environments[0]!], options, deps);
  }
  if (environments.length === 1) {
    const [environment] = environments as [string];
    const region = regionFor(deps.root, environment, options.region);
    return statusMain(
      [
        environment,
        ...(options.service === undefined ? [] : [options.service]),
        ...(options.history === undefined ? [] : ["--history", options.history]),
        ...(options.json === true ? ["--json"] : []),
        ...(region === undefined ? [] : ["--region", region]),
      ],
      { clients: deps.clients, stdout: deps.stdout, stderr: deps.stderr, now: deps.now },
    );
  }
  if (options.service !== undefined || options.history !== undefined) {
    throw usageError("status", "--service and --history need exactly one environment");
  }
  try {
    const { matrix, problems } = await collectMatrix(environments, options.region, deps);
    const lines =
      options.json === true
        ? [JSON.stringify(matrixJson(matrix, problems), null, 2)]
        : renderMatrixText(matrix, problems, deps.now());
    for (const line of lines) deps.stdout.write(`${line}\n`);
    return Exit.ok;
  } catch (error) {
    const explanation = explain(
      error,
      "status",
      environments.join(", ") || "every",
      [...MATRIX_ACTIONS, ...STATUS_ACTIONS],
      options.region,
    );
    for (const line of explanation.lines) deps.stderr.write(`${line}\n`);
    return explanation.exit;
  }
}
