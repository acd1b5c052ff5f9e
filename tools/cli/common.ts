/**
 * What every `greenlight` command shares: exit codes, the AWS clients, the surroundings a command
 * runs in (streams, clock, prompt, the repository's stack files), and failures that carry their
 * exit code and what to do next.
 */
import type { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import type { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { explainFailure } from "../status/errors";

/** Exit codes of every command: stable, documented in the README and in `--help`. */
export const Exit = {
  /** Done: shown, started, live, rolled back. */
  ok: 0,
  /** It ran and failed: a deployment failed or was rolled back, nothing to promote, AWS failed. */
  failed: 1,
  /**
   * Usage: the command cannot run as given (bad arguments, an unknown environment or service,
   * no confirmation, missing credentials or permission). Fix it and run again.
   */
  usage: 2,
} as const;

/** The AWS clients of one region. */
export interface CliClients {
  readonly ssm: SSMClient;
  readonly codeDeploy: CodeDeployClient;
  readonly ecs: ECSClient;
  readonly codePipeline: CodePipelineClient;
  readonly ecr: ECRClient;
}

/** Somewhere to write text. */
export interface Output {
  write(text: string): unknown;
}

/** What a command needs from its surroundings; tests pass fakes. */
export interface CliDeps {
  /**
   * The clients of a region (`undefined`: the SDK's own region chain), with the credentials of a
   * named profile when given (another account's environment).
   */
  readonly clients: (region: string | undefined, profile?: string) => CliClients;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Asks a yes/no question; resolves `undefined` when nobody can answer (no terminal). */
  readonly confirm: (question: string) => Promise<boolean | undefined>;
  /** Where the stack files are (`Pulumi.<env>.yaml`). */
  readonly root: string;
  /** The process environment, for AWS_REGION. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Runs the local rehearsal with these arguments; resolves to its exit code. */
  readonly rehearse: (argv: readonly string[]) => Promise<number>;
  /** Runs `verify` (the live check) with these arguments. */
  readonly verify: (argv: readonly string[]) => Promise<number>;
  /** Runs the `/version` watcher with these arguments. */
  readonly watch: (argv: readonly string[]) => Promise<number>;
  /** Called with the dashboard's address once it listens. @default - prints it */
  readonly onListening?: (url: string) => void;
  /** Resolves when the dashboard should stop. @default - SIGINT or SIGTERM */
  readonly stopSignal?: Promise<void>;
}

/** A failure with its exit code and the lines that say what to do. */
export class CliError extends Error {
  constructor(
    readonly exit: number,
    readonly lines: readonly string[],
  ) {
    super(lines.join("\n"));
    this.name = "CliError";
  }
}

/** Bad usage (exit 2). */
export function usageError(command: string, message: string): CliError {
  return new CliError(Exit.usage, [`${command}: ${message}`, `Run greenlight ${command} --help.`]);
}

/** Turns any failure into exit code and lines, naming the command and the IAM actions it needs. */
export function explain(
  failure: unknown,
  command: string,
  environment: string,
  actions: readonly string[],
  region?: string,
): { readonly exit: number; readonly lines: readonly string[] } {
  if (failure instanceof CliError) return { exit: failure.exit, lines: failure.lines };
  const explanation = explainFailure(failure, {
    environment,
    command,
    actions,
    ...(region === undefined ? {} : { region }),
  });
  // explainFailure's setup exit is 2, its failed exit 1: the same meaning as Exit.
  return explanation;
}

/** `+12.3 s` since `start`. */
export function elapsed(now: number, start: number): string {
  return `+${((now - start) / 1000).toFixed(1)} s`;
}

/** The prompt's answer, or a usage error when nobody can answer and `--yes` was not given. */
export async function confirmOrFail(
  deps: CliDeps,
  command: string,
  question: string,
  yes: boolean,
): Promise<boolean> {
  if (yes) return true;
  const answer = await deps.confirm(question);
  if (answer === undefined) {
    throw new CliError(Exit.usage, [
      `${command}: no terminal to confirm on; pass --yes to go ahead without asking (CI).`,
    ]);
  }
  return answer;
}
