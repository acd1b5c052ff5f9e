/** The command line of `npm run status`. */
import { parseArgs } from "node:util";

export const STATUS_USAGE = `Usage: npm run status -- <env> [service|all] [--json] [--history <service>] [--region <region>]

Shows what runs where in one environment: per service, the live release (version, who, when),
whether a deployment is in progress, what ECS runs (running/desired tasks), and drift between the
recorded release and ECS.

Arguments:
  <env>                  the environment (stack) name, e.g. dev, staging, prod (required)
  [service|all]          one service, or all of them (default all)

Options:
  --history <service>    list the service's past releases, newest first
  --json                 print JSON instead of a table
  --region <region>      the AWS region (default: AWS_REGION or your profile's region)
  --help                 show this help

Credentials come from the standard AWS chain: AWS_PROFILE (or aws sso login), environment
variables, or an instance/container role.

Exit code: 0 shown, 1 an AWS call failed, 2 bad usage or missing credentials, permissions or stack.`;

/** Parsed command line. */
export interface StatusOptions {
  readonly environment: string;
  /** One service; `undefined` means all. */
  readonly service?: string;
  /** Show this service's release history instead of the status. */
  readonly history?: string;
  readonly json: boolean;
  /** @default - the SDK's region chain */
  readonly region?: string;
}

/** Bad usage; the message says what to change. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A name that can be a segment of a Parameter Store path. */
const NAME = /^[A-Za-z0-9_.-]+$/;

/** Parses the command line. Pure; throws {@link UsageError}; `undefined` means `--help`. */
export function parseStatusArgs(argv: readonly string[]): StatusOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        history: { type: "string" },
        region: { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return undefined;
  const [environment, service, ...extra] = positionals;
  if (environment === undefined || environment.trim() === "") {
    throw new UsageError("give the environment, e.g. npm run status -- dev");
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra[0])}; give one service or all`,
    );
  }
  const checkName = (what: string, value: string): string => {
    if (!NAME.test(value)) {
      throw new UsageError(
        `${what} ${JSON.stringify(value)} is not a name (letters, digits, ".", "_" and "-")`,
      );
    }
    return value;
  };
  checkName("the environment", environment);
  const history = typeof values.history === "string" ? values.history.trim() : undefined;
  if (history !== undefined) {
    checkName("--history", history);
    if (service !== undefined && service !== "all" && service !== history) {
      throw new UsageError(`give one service: ${service} or --history ${history}`);
    }
  }
  const region = typeof values.region === "string" ? values.region.trim() : undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new UsageError(`--region ${JSON.stringify(region)} is not a region such as eu-west-1`);
  }
  return {
    environment,
    ...(service === undefined || service === "all"
      ? {}
      : { service: checkName("the service", service) }),
    ...(history === undefined ? {} : { history }),
    json: values.json === true,
    ...(region === undefined ? {} : { region }),
  };
}
