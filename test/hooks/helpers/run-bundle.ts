import { fork } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Runs a Lambda bundle's `handler` once in a fresh Node.js process, the way Lambda does: the AWS
 * SDK comes from this repository's node_modules (as the runtime provides it), the context's
 * remaining time counts down from the moment the handler is called, and the process is killed
 * (SIGKILL) if it is still running at its timeout.
 */

/** What one invocation came to. */
export interface BundleRun {
  /** `returned`, `threw: …`, or `killed at the timeout`. */
  readonly outcome: string;
  /** Milliseconds from the handler's call to its end (or to the kill). */
  readonly elapsedMs: number;
  /** Whether the process was killed at its timeout. */
  readonly killed: boolean;
  /** Peak resident set size of the process, in MB (`process.resourceUsage().maxRSS`). */
  readonly maxRssMb?: number;
  /** The JSON log lines the function wrote to stdout. */
  readonly logs: { readonly event?: string; readonly [key: string]: unknown }[];
  /** Everything written to stderr. */
  readonly stderr: string;
}

const RUNNER = `
const fs = require("node:fs");
const [indexPath, resultPath, eventJson, timeoutMs] = process.argv.slice(2);
const { handler } = require(indexPath);
const deadline = Date.now() + Number(timeoutMs);
process.send({ started: true });
const started = Date.now();
Promise.resolve()
  .then(() => handler(JSON.parse(eventJson), { getRemainingTimeInMillis: () => deadline - Date.now() }))
  .then(() => "returned", (error) => "threw: " + String(error))
  .then((outcome) => {
    fs.writeFileSync(resultPath, JSON.stringify({
      outcome,
      elapsedMs: Date.now() - started,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }));
    // Lambda freezes the process once the handler has returned.
    process.exit(0);
  });
`;

export async function runBundle(
  code: string,
  request: {
    readonly event: unknown;
    readonly timeoutMs: number;
    readonly env: Readonly<Record<string, string>>;
  },
): Promise<BundleRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "greenlight-fault-"));
  try {
    const index = path.join(dir, "index.js");
    const runner = path.join(dir, "runner.js");
    const result = path.join(dir, "result.json");
    await writeFile(index, code);
    await writeFile(runner, RUNNER);
    const child = fork(
      runner,
      [index, result, JSON.stringify(request.event), String(request.timeoutMs)],
      {
        env: {
          PATH: process.env.PATH ?? "",
          NODE_PATH: path.resolve(__dirname, "..", "..", "..", "node_modules"),
          NODE_NO_WARNINGS: "1",
          ...request.env,
        },
        stdio: ["ignore", "pipe", "pipe", "ipc"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    let killed = false;
    let startedAt: number | undefined;
    let killer: NodeJS.Timeout | undefined;
    child.on("message", () => {
      startedAt = Date.now();
      killer = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, request.timeoutMs);
    });
    await new Promise<void>((resolve) => child.on("exit", () => resolve()));
    if (killer !== undefined) clearTimeout(killer);
    const logs = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as BundleRun["logs"][number]);
    if (killed) {
      return {
        outcome: "killed at the timeout",
        elapsedMs: Date.now() - (startedAt ?? Date.now()),
        killed,
        logs,
        stderr,
      };
    }
    const text = await readFile(result, "utf8").catch(() => {
      throw new Error(`the function wrote no result; stderr: ${stderr}`);
    });
    const written = JSON.parse(text) as {
      outcome: string;
      elapsedMs: number;
      maxRssMb: number;
    };
    return { ...written, killed, logs, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
