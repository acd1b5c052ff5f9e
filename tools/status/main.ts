/**
 * `npm run status`, as a function of its dependencies: parse the command line, read the stack
 * index and each service's state (or one service's history), print a table or JSON, and turn
 * failures into what to do about them.
 */
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { parseStatusArgs, STATUS_USAGE, UsageError, type StatusOptions } from "./args";
import { collectStatus, readHistory, readStackIndex, type StatusClients } from "./collect";
import { explainFailure, StatusExit } from "./errors";
import { renderHistoryJson, renderHistoryText, renderStatusJson, renderStatusText } from "./format";

/** Somewhere to write text. */
export interface Output {
  write(text: string): unknown;
}

/** What `main` needs from its surroundings. */
export interface StatusDeps {
  /** The AWS clients, for `--region` (or the SDK's region chain when `undefined`). */
  readonly clients: (region: string | undefined) => StatusClients;
  readonly stdout: Output;
  readonly stderr: Output;
  /** @default - `Date.now` */
  readonly now?: () => number;
}

/** The real clients: the standard credential chain and region, `--region` first. */
export function createStatusClients(region: string | undefined): StatusClients {
  const config = region === undefined ? {} : { region };
  return {
    ssm: new SSMClient(config),
    codeDeploy: new CodeDeployClient(config),
    ecs: new ECSClient(config),
  };
}

/** Runs `status`; resolves to the exit code. Never rejects. */
export async function main(argv: readonly string[], deps: StatusDeps): Promise<number> {
  const out = (line: string): void => void deps.stdout.write(`${line}\n`);
  const err = (line: string): void => void deps.stderr.write(`${line}\n`);
  let options: StatusOptions | undefined;
  try {
    options = parseStatusArgs(argv);
  } catch (error) {
    err(`status: ${error instanceof UsageError ? error.message : String(error)}`);
    err("Run with --help for usage.");
    return StatusExit.setup;
  }
  if (options === undefined) {
    out(STATUS_USAGE);
    return StatusExit.ok;
  }
  const now = deps.now ?? Date.now;
  let clients: StatusClients | undefined;
  try {
    clients = deps.clients(options.region);
    if (options.history !== undefined) {
      const entries = await readHistory(clients.ssm, options.environment, options.history);
      const lines = options.json
        ? [renderHistoryJson(options.environment, options.history, entries)]
        : renderHistoryText(options.environment, options.history, entries);
      lines.forEach(out);
      return StatusExit.ok;
    }
    const index = await readStackIndex(clients.ssm, options.environment);
    const known = Object.keys(index.services).sort();
    if (options.service !== undefined && !known.includes(options.service)) {
      err(
        `status: ${options.environment} has no service ${options.service}; ` +
          `its services: ${known.length === 0 ? "(none)" : known.join(", ")}.`,
      );
      return StatusExit.setup;
    }
    const services = options.service === undefined ? known : [options.service];
    const report = await collectStatus(index, services, clients, now());
    const lines = options.json ? [renderStatusJson(report)] : renderStatusText(report, now());
    lines.forEach(out);
    return StatusExit.ok;
  } catch (error) {
    const region =
      options.region ?? (clients === undefined ? undefined : await regionOf(clients.ssm));
    const explanation = explainFailure(error, {
      environment: options.environment,
      ...(region === undefined ? {} : { region }),
    });
    explanation.lines.forEach(err);
    return explanation.exit;
  }
}

/** The region a client resolved, when it has one. */
async function regionOf(client: SSMClient): Promise<string | undefined> {
  try {
    const region: unknown = client.config.region;
    const value: unknown =
      typeof region === "function" ? await (region as () => Promise<unknown>)() : region;
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}
