/**
 * `greenlight <command>`: one command line for releases across environments, built with
 * commander (no dependencies of its own, loads in a few milliseconds, subcommands with generated
 * `--help`). Each command's implementation is loaded only when it runs, so `--help` stays fast.
 */
import { Command, CommanderError, Option } from "commander";
import { CliError, Exit, type CliDeps } from "./common";

const EXIT_CODES = `
Exit codes:
  0  done (shown, started, live, rolled back)
  1  it failed (a deployment failed or rolled back, nothing to promote, an AWS error)
  2  usage: bad arguments, unknown environment or service, no confirmation, missing credentials or permission`;

const REGION_HELP =
  "AWS region (default: aws:region of Pulumi.<env>.yaml, else AWS_REGION or your profile's)";

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join("\n")}\n${EXIT_CODES}\n`;
}

/** The command line, its commands wired to `deps`; `exit` receives each command's exit code. */
export function program(deps: CliDeps, exit: (code: number) => void): Command {
  const cli = new Command("greenlight")
    .description(
      "Releases across environments: what runs where, deploy, promote, roll back, verify, watch, rehearse.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void deps.stdout.write(text),
      writeErr: (text) => void deps.stderr.write(text),
    })
    .showHelpAfterError("(add --help for usage)")
    .enablePositionalOptions()
    .addHelpText(
      "after",
      examples(
        "greenlight status",
        "greenlight deploy dev web --wait",
        "greenlight promote staging prod all --wait",
        "greenlight rollback prod web",
        "greenlight dashboard",
      ),
    );
  const region = () => new Option("--region <region>", REGION_HELP);
  const waitFlags = (command: Command) =>
    command
      .option("--wait", "follow each one to live, stage by stage; exit 0 only when all are live")
      .option("--timeout <minutes>", "with --wait: give up after this long", "60")
      .option("--interval <seconds>", "with --wait: between two polls", "10")
      .option("--yes", "do not ask for confirmation (CI)")
      .option("--json", "print the outcome as JSON")
      .addOption(region());

  cli
    .command("status")
    .description(
      "What runs where: with no environment, every stack of the account and region as one matrix (service × environment); with one, its table",
    )
    .argument("[env...]", "environments (default: every stack found)")
    .option("--service <name>", "with one environment: only this service")
    .option("--history <service>", "with one environment: the service's past releases")
    .option("--json", "print JSON")
    .addOption(region())
    .addHelpText(
      "after",
      examples(
        "greenlight status",
        "greenlight status prod --json",
        "greenlight status dev --history web",
      ),
    )
    .action(async (environments: string[], options) => {
      const { statusCommand } = await import("./status");
      exit(await statusCommand(environments, options, deps));
    });

  waitFlags(
    cli
      .command("deploy")
      .description(
        "Start the pipelines of services in an environment (a build from source), after a confirmation listing them",
      )
      .argument("<env>", "the environment")
      .argument("<service...>", "services, or all")
      .option(
        "--ref <branch|tag|commit>",
        "build this branch, tag or full commit id instead of the source branch's tip",
      ),
  )
    .addHelpText(
      "after",
      examples(
        "greenlight deploy dev web api --wait",
        "greenlight deploy staging all --ref v1.4.0 --yes",
      ),
    )
    .action(async (environment: string, services: string[], options) => {
      const { deployCommand } = await import("./deploy");
      exit(await deployCommand(environment, services, options, deps));
    });

  waitFlags(
    cli
      .command("promote")
      .description(
        "Deploy to <to-env>, through its own pipeline and without a rebuild, exactly the image digest live in <from-env>",
      )
      .argument("<from-env>", "where the release is live")
      .argument("<to-env>", "where to deploy it")
      .argument("[service...]", "services, or all (default all)")
      .option("--from-profile <profile>", "AWS profile for <from-env> when it is another account"),
  )
    .addHelpText(
      "after",
      examples(
        "greenlight promote staging prod web --wait",
        "greenlight promote staging prod all --yes",
      ),
    )
    .action(async (from: string, to: string, services: string[], options) => {
      const { promoteCommand } = await import("./promote");
      exit(await promoteCommand(from, to, services, options, deps));
    });

  waitFlags(
    cli
      .command("rollback")
      .description(
        "Roll a service back: stop a deployment still in progress, in its termination wait or its ECS bake time (instant), else redeploy an earlier recorded release without a rebuild",
      )
      .argument("<env>", "the environment")
      .argument("<service>", "the service")
      .option(
        "--to <version>",
        "redeploy this recorded release (default: the one before the live one)",
      ),
  )
    .addHelpText(
      "after",
      examples(
        "greenlight rollback prod web",
        "greenlight rollback prod web --to v1.3.2 --wait --yes",
      ),
    )
    .action(async (environment: string, service: string, options) => {
      const { rollbackCommand } = await import("./rollback");
      exit(await rollbackCommand(environment, service, options, deps));
    });

  cli
    .command("dashboard")
    .description(
      "A local, read-only web page of what runs where, recent releases and deployments in progress, refreshing itself",
    )
    .argument("[env...]", "environments (default: every stack found)")
    .option("--port <port>", "port on 127.0.0.1 (0: any free port)", "8710")
    .option("--refresh <seconds>", "how often the page reads AWS again", "30")
    .addOption(region())
    .addHelpText(
      "after",
      examples("greenlight dashboard", "greenlight dashboard staging prod --port 9000"),
    )
    .action(async (environments: string[], options) => {
      const { dashboardCommand } = await import("./dashboard/command");
      exit(await dashboardCommand(environments, options, deps));
    });

  const passThrough = (
    name: string,
    description: string,
    run: (argv: readonly string[]) => Promise<number>,
    example: string,
  ) =>
    cli
      .command(name)
      .description(`${description} (its own options: greenlight ${name} --help)`)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .argument("[args...]")
      .addHelpText("after", examples(example))
      .action(async (args: string[]) => exit(await run(args)));
  passThrough(
    "verify",
    "The live hook's check against any URL: exit 0 only when the version is live",
    deps.verify,
    "greenlight verify --url https://shop.example.com --expect v1.4.0",
  );
  passThrough(
    "watch",
    "Poll /version at a fixed rate and summarise failures, versions and the flip",
    deps.watch,
    "greenlight watch --url http://127.0.0.1:8080 --duration 60s --expect-flip",
  );
  passThrough(
    "rehearse",
    "A real blue/green cutover and rollback on this machine (HAProxy and app-sample)",
    deps.rehearse,
    "greenlight rehearse --stack prod",
  );
  return cli;
}

/** Runs the command line; resolves to the exit code. Never rejects. */
export async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  let code: number = Exit.ok;
  const cli = program(deps, (value) => {
    code = value;
  });
  try {
    await cli.parseAsync([...argv], { from: "user" });
    if (argv.length === 0) {
      cli.outputHelp({ error: true });
      return Exit.usage;
    }
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version are not failures; every other parse error is usage.
      return error.exitCode === 0 ? Exit.ok : Exit.usage;
    }
    if (error instanceof CliError) {
      for (const line of error.lines) deps.stderr.write(`${line}\n`);
      return error.exit;
    }
    deps.stderr.write(`greenlight: ${error instanceof Error ? error.message : String(error)}\n`);
    return Exit.failed;
  }
}
