/**
 * `greenlight`: the command line's entry, with the real AWS clients, streams, clock and prompt.
 * `npm run build:cli` bundles it into `dist/greenlight.js`, which `tools/cli/launcher.js` (the
 * package's `bin`) runs; the logic is in `./cli/`.
 */
import * as path from "node:path";
import { spawn } from "node:child_process";
import * as readline from "node:readline";
import { Exit, type CliClients, type CliDeps } from "./cli/common";
import { run } from "./cli/main";

/** The package root: the bundle is in `dist/`, this file in `tools/`. */
const PACKAGE_ROOT = path.resolve(__dirname, "..");

function createClients(region: string | undefined, profile?: string): CliClients {
  /* eslint-disable @typescript-eslint/no-require-imports -- the SDK loads only when a command calls AWS */
  const { SSMClient } = require("@aws-sdk/client-ssm") as typeof import("@aws-sdk/client-ssm");
  const { CodeDeployClient } =
    require("@aws-sdk/client-codedeploy") as typeof import("@aws-sdk/client-codedeploy");
  const { ECSClient } = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
  const { CodePipelineClient } =
    require("@aws-sdk/client-codepipeline") as typeof import("@aws-sdk/client-codepipeline");
  const { ECRClient } = require("@aws-sdk/client-ecr") as typeof import("@aws-sdk/client-ecr");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const config = {
    ...(region === undefined ? {} : { region }),
    ...(profile === undefined ? {} : { profile }),
  };
  return {
    ssm: new SSMClient(config),
    codeDeploy: new CodeDeployClient(config),
    ecs: new ECSClient(config),
    codePipeline: new CodePipelineClient(config),
    ecr: new ECRClient(config),
  };
}

/** Asks on the terminal; `undefined` when stdin is not one (CI must pass --yes). */
function confirm(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY) return Promise.resolve(undefined);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(`${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/** Runs the rehearsal in its own process, as `npm run rehearse` does. */
function rehearse(argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin.js"),
        path.join(PACKAGE_ROOT, "tools", "rehearse.ts"),
        ...argv,
      ],
      { stdio: "inherit", cwd: PACKAGE_ROOT },
    );
    child.on("error", () => resolve(Exit.failed));
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? Exit.failed : 130)));
  });
}

const deps: CliDeps = {
  clients: createClients,
  stdout: process.stdout,
  stderr: process.stderr,
  confirm,
  root: process.cwd(),
  env: process.env,
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  rehearse,
  verify: async (argv) => {
    const { main } = await import("./verify");
    const { globalFetch } = await import("../hooks/core/http");
    const { systemClock } = await import("../hooks/core/clock");
    return main(argv, {
      fetch: globalFetch,
      clock: systemClock,
      env: process.env,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  },
  watch: async (argv) => {
    const { main } = await import("./watch-version");
    const controller = new AbortController();
    process.once("SIGINT", () => controller.abort());
    return main(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    });
  },
};

void run(process.argv.slice(2), deps).then((code) => {
  process.exitCode = code;
});
