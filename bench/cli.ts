/**
 * `greenlight --help` start-up: fresh `node` processes running the package's launcher (its
 * freshness check, then the bundle). The best of several runs is held to the 300 ms target (on
 * a shared machine the median measures the other processes too); the median, the CPU time and
 * `node -e ""` alone are shown beside it.
 * Also the bundle's size. The bundle is built first, so a rebuild is not what is measured.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/* eslint-disable @typescript-eslint/no-require-imports -- the build module is plain CommonJS */
const build = require("../tools/cli/build.js") as {
  buildCli(outdir?: string): { bundle: string };
  isStale(outdir?: string): boolean;
  ROOT: string;
};

export interface CliBench {
  readonly runs: number;
  readonly medianMs: number;
  /** The least disturbed run: on a shared machine, the closest to an idle one. */
  readonly bestMs: number;
  /** CPU time (user + system) of a run, median, when /usr/bin/time is there. */
  readonly cpuMedianMs?: number;
  readonly runsMs: readonly number[];
  /** `node -e ""` alone, the floor of any Node.js command. */
  readonly nodeMedianMs: number;
  readonly bundleKb: number;
  readonly targetMs: number;
  readonly ok: boolean;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timed(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  execFileSync(process.execPath, [...args], { stdio: "pipe", timeout: 30_000 });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** User + system CPU ms of one run, from /usr/bin/time. */
function cpuMs(args: readonly string[]): number | undefined {
  if (!fs.existsSync("/usr/bin/time")) return undefined;
  const out = spawnSync("/usr/bin/time", ["-f", "cpu %U %S", process.execPath, ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const match = /cpu ([\d.]+) ([\d.]+)/.exec(out.stderr);
  return match === null ? undefined : (Number(match[1]) + Number(match[2])) * 1000;
}

export async function benchCli(runs = 9, targetMs = 300): Promise<CliBench> {
  const { bundle } = build.isStale()
    ? build.buildCli()
    : { bundle: path.join(build.ROOT, "dist", "greenlight.js") };
  const launcher = path.join(build.ROOT, "tools", "cli", "launcher.js");
  timed([launcher, "--help"]); // warm the file cache
  const runsMs = Array.from({ length: runs }, () => timed([launcher, "--help"]));
  const nodeMs = Array.from({ length: runs }, () => timed(["-e", ""]));
  const medianMs = median(runsMs);
  const bestMs = Math.min(...runsMs);
  const cpu = Array.from({ length: runs }, () => cpuMs([launcher, "--help"])).filter(
    (ms): ms is number => ms !== undefined,
  );
  return {
    runs,
    medianMs,
    bestMs,
    ...(cpu.length === 0 ? {} : { cpuMedianMs: median(cpu) }),
    runsMs,
    nodeMedianMs: median(nodeMs),
    bundleKb: fs.statSync(bundle).size / 1024,
    targetMs,
    ok: bestMs <= targetMs,
  };
}
