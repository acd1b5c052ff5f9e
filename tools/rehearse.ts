/**
 * `npm run rehearse -- [--stack dev|staging|prod] [--engine codedeploy|ecs] [--minute-ms 1000]
 * [--rate 150] [--steady-ms 10000] [--load <connections>] [--json]`
 *
 * The whole blue/green cutover on this machine with real processes: HAProxy as the load balancer,
 * app-sample v1 (blue) and v2 (green), traffic shifted as the stack file says (one minute lasting
 * `--minute-ms`), the `/version` watcher throughout, the live-hook core and a local Slack webhook;
 * then a broken v3 that the live check catches and rolls back; with `--load`, autocannon drives the
 * production frontend beside the watcher the whole time. `--engine ecs` plays Amazon ECS's native
 * blue/green instead of CodeDeploy: one shared listener routing each service by host name, the
 * ECS strategy, and the ECS lifecycle hook driven through its IN_PROGRESS protocol. It always ends with a verdict: exit code
 * 0 when every request succeeded, v2 went live and v3 was rolled back; 1 otherwise (also when a
 * child process died or HAProxy refused a command); 2 on bad usage or without HAProxy; 130 when
 * interrupted.
 */

import { formatEvent, formatMessage, formatResult } from "./rehearsal/format";
import {
  HaproxyMissingError,
  RehearsalAborted,
  RehearsalDefaults,
  runRehearsal,
  type RehearsalDeps,
  type RehearsalOptions,
  type RehearsalResult,
} from "./rehearsal/run";
import { ENGINES, isEngine, type Engine } from "./rehearsal/plan";
import {
  isStackName,
  loadStackSettings,
  STACKS,
  type StackName,
  type StackSettings,
} from "./rehearsal/stack";

/** How to run it. */
export const USAGE = `Usage: npm run rehearse -- [options]

  --stack <name>      dev, staging or prod: the stack file whose traffic shifting is rehearsed (default dev)
  --engine <name>     codedeploy or ecs: the deployment engine played (default: the stack's
                      deployment.engine, codedeploy unless set; ecs: one
                      listener routing each service by host name, the ECS lifecycle hook)
  --minute-ms <ms>    how long one minute of the shifting schedule lasts (default ${RehearsalDefaults.minuteMs})
  --rate <n>          watcher requests per second (default ${RehearsalDefaults.rate})
  --steady-ms <ms>    steady state watched before and after each deployment (default ${RehearsalDefaults.steadyMs})
  --load <n>          also drive the production frontend with n keep-alive connections (autocannon)
                      for the whole run, e.g. --load 64 (default 0: the watcher only)
  --json              print the result as JSON instead of the timeline
  --help              show this help
`;

/** The most load connections: HAProxy's `maxconn` is 4096 for both sides of every connection. */
export const MAX_LOAD_CONNECTIONS = 1024;

/** Bad command-line usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The parsed command line. */
export interface RehearseArgs {
  readonly stack: StackName;
  /** `--engine`; when not given, the stack's `deployment.engine`. */
  readonly engine?: Engine;
  readonly minuteMs: number;
  readonly rate: number;
  readonly steadyMs: number;
  /** Load generator connections; 0 for none. */
  readonly load: number;
  readonly json: boolean;
  readonly help: boolean;
}

function numberArg(name: string, value: string | undefined, min: number, max: number): number {
  const parsed = Number(value);
  if (
    value === undefined ||
    value === "" ||
    !Number.isFinite(parsed) ||
    parsed < min ||
    parsed > max
  ) {
    throw new UsageError(
      `--${name} is ${JSON.stringify(value ?? "")}; give a number from ${min} to ${max}.`,
    );
  }
  return parsed;
}

/** Parses the command line; throws a {@link UsageError} naming a bad option. Pure. */
export function parseRehearseArgs(argv: readonly string[]): RehearseArgs {
  let stack: StackName = "dev";
  let engine: Engine | undefined;
  let minuteMs: number = RehearsalDefaults.minuteMs;
  let rate: number = RehearsalDefaults.rate;
  let steadyMs: number = RehearsalDefaults.steadyMs;
  let load = 0;
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const raw = argv[i] ?? "";
    const [flag, inline] = raw.includes("=") ? raw.split(/=(.*)/s, 2) : [raw, undefined];
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      i += 1;
      return argv[i];
    };
    switch (flag) {
      case "--stack": {
        const name = value() ?? "";
        if (!isStackName(name)) {
          throw new UsageError(
            `--stack is ${JSON.stringify(name)}; choose one of ${STACKS.join(", ")}.`,
          );
        }
        stack = name;
        break;
      }
      case "--engine": {
        const name = value() ?? "";
        if (!isEngine(name)) {
          throw new UsageError(
            `--engine is ${JSON.stringify(name)}; choose one of ${ENGINES.join(", ")}.`,
          );
        }
        engine = name;
        break;
      }
      case "--minute-ms":
        minuteMs = numberArg("minute-ms", value(), 0, 60_000);
        break;
      case "--rate":
        rate = numberArg("rate", value(), 1, 2000);
        break;
      case "--steady-ms":
        steadyMs = numberArg("steady-ms", value(), 0, 600_000);
        break;
      case "--load":
        load = numberArg("load", value(), 0, MAX_LOAD_CONNECTIONS);
        if (!Number.isInteger(load)) {
          throw new UsageError(`--load is ${load}; give a whole number of connections.`);
        }
        break;
      case "--json":
        json = true;
        break;
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(raw)}; see --help.`);
    }
  }
  return {
    stack,
    ...(engine === undefined ? {} : { engine }),
    minuteMs,
    rate,
    steadyMs,
    load,
    json,
    help,
  };
}

/** Where the CLI writes. */
export interface TextSink {
  write(text: string): unknown;
}

/** What {@link main} needs from its surroundings. */
export interface RehearseDeps {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Aborts the rehearsal (Ctrl-C); cleanup still runs. */
  readonly signal?: AbortSignal;
  /** @default - {@link loadStackSettings} */
  readonly loadSettings?: (stack: StackName) => StackSettings;
  /** @default - {@link runRehearsal} */
  readonly runRehearsal?: (
    options: RehearsalOptions,
    deps?: RehearsalDeps,
  ) => Promise<RehearsalResult>;
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], deps: RehearseDeps): Promise<number> {
  let args: RehearseArgs;
  try {
    args = parseRehearseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    deps.stdout.write(USAGE);
    return 0;
  }
  let settings: StackSettings;
  try {
    settings = (deps.loadSettings ?? loadStackSettings)(args.stack);
  } catch (error) {
    deps.stderr.write(
      `Pulumi.${args.stack}.yaml: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }
  const run = deps.runRehearsal ?? runRehearsal;
  const engine = args.engine ?? settings.engine;
  if (!args.json) {
    deps.stdout.write(
      `Greenlight rehearsal: stack ${args.stack} (${settings.service} in ${settings.environment}), engine ${engine}, one minute = ${args.minuteMs} ms, watcher ${args.rate} req/s${args.load > 0 ? `, load ${args.load} keep-alive connections` : ""}\n`,
    );
  }
  try {
    const result = await run(
      {
        settings,
        engine,
        minuteMs: args.minuteMs,
        rate: args.rate,
        steadyMs: args.steadyMs,
        load: args.load,
        ...(deps.signal === undefined ? {} : { signal: deps.signal }),
      },
      args.json
        ? {}
        : {
            onEvent: (event) => deps.stdout.write(`${formatEvent(event)}\n`),
            onMessage: (message) => deps.stdout.write(`${formatMessage(message)}\n`),
          },
    );
    deps.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatResult(result));
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof HaproxyMissingError) {
      deps.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof RehearsalAborted) {
      deps.stderr.write(`${error.message}\n`);
      return 130;
    }
    // Setup failed (HAProxy did not start, no free port, …): still a verdict, on stdout.
    const message = error instanceof Error ? error.message : String(error);
    deps.stderr.write(
      `rehearsal failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    deps.stdout.write(
      args.json
        ? `${JSON.stringify({ ok: false, problems: [`setup: ${message}`] }, null, 2)}\n`
        : `\nRehearsal: FAIL: setup: ${message}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // the exit hook kills every child
    process.stderr.write(`\n${signal}: stopping the rehearsal and its processes…\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
