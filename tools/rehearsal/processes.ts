/**
 * The rehearsal's child processes: free loopback ports, the sample service compiled once with
 * esbuild and run with plain `node`, HAProxy in the foreground, and a group that stops them all,
 * even when the rehearsal is interrupted. Every child runs in its own process group, so a stop
 * reaches whatever it started too.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { buildSync } from "esbuild";

import { systemClock, type Clock } from "../../hooks/core/clock";
import { LOOPBACK } from "./haproxy-config";
import type { RuntimeApi } from "./runtime";

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A free TCP port on 127.0.0.1 (the kernel picks it; it stays free until someone binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** Distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count && tries < count * 10; tries += 1) {
    ports.add(await freePort());
  }
  if (ports.size < count) throw new Error(`could not find ${count} distinct free ports`);
  return [...ports];
}

/**
 * Bundles `entry` into `outfile` for plain `node` (one file, fast to start); with `external`,
 * packages stay `require`s, resolved from the repository's node_modules at run time.
 */
export function bundleForNode(entry: string, outfile: string, external = false): string {
  buildSync({
    entryPoints: [entry],
    bundle: true,
    ...(external ? { packages: "external" as const } : {}),
    platform: "node",
    target: "node20",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** Bundles `app-sample/src/main.ts` into `outDir/app-sample.js`; returns its path. */
export function compileAppSample(outDir: string, root = REPO_ROOT): string {
  return bundleForNode(
    path.join(root, "app-sample", "src", "main.ts"),
    path.join(outDir, "app-sample.js"),
  );
}

/** Whether `haproxy` can be run; its version line when it can. */
export function haproxyVersion(): string | undefined {
  const result = spawnSync("haproxy", ["-v"], { encoding: "utf8", timeout: 5000 });
  if (result.error !== undefined || result.status !== 0) return undefined;
  const line = result.stdout.split("\n")[0]?.trim() ?? "";
  const version = /HAProxy version (\S+)/.exec(line)?.[1];
  return version === undefined ? line : `HAProxy ${version}`;
}

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A started child process. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** True once it has exited. */
  hasExited(): boolean;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** Calls `listener` with every later line it writes; returns how to stop listening. */
  onLine(listener: (line: string) => void): () => void;
  /**
   * Sends `signal` (default SIGTERM) to its process group, then SIGKILL after `graceMs`; resolves
   * with how it ended.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
}

/** How long a child may take to stop before it is killed. */
export const STOP_GRACE_MS = 15_000;

/** Starts and tracks children; `stopAll` (or the process exiting) ends every one still running. */
export class ProcessGroup {
  private readonly children = new Set<Child>();
  private readonly onExit = (): void => this.killAll();

  constructor(private readonly clock: Clock = systemClock) {
    process.on("exit", this.onExit);
  }

  /** Starts `command` in its own process group. */
  start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv): Child {
    const proc: ChildProcess = spawn(command, args, {
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    const listeners: ((line: string) => void)[] = [];
    const collect = (stream: NodeJS.ReadableStream | null): void => {
      let buffered = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        buffered += chunk;
        const parts = buffered.split("\n");
        buffered = parts.pop() ?? "";
        for (const line of parts) {
          lines.push(line);
          if (lines.length > 40) lines.shift();
          for (const listener of listeners) listener(line);
        }
      });
    };
    collect(proc.stdout);
    collect(proc.stderr);
    let exitInfo: ChildExit | undefined;
    const exited = new Promise<ChildExit>((resolve) => {
      proc.on("error", (error) => {
        lines.push(`spawn failed: ${error.message}`);
        exitInfo = { code: null, signal: null };
        resolve(exitInfo);
      });
      proc.on("exit", (code, signal) => {
        exitInfo = { code, signal };
        resolve(exitInfo);
      });
    });
    const pid = proc.pid ?? -1;
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (exitInfo !== undefined || pid <= 0) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    const child: Child & { kill(): void } = {
      name,
      pid,
      exited,
      onLine: (listener) => {
        listeners.push(listener);
        return () => {
          const index = listeners.indexOf(listener);
          if (index >= 0) listeners.splice(index, 1);
        };
      },
      hasExited: () => exitInfo !== undefined,
      tail: () => lines.slice(-12).join("\n"),
      kill: () => signalGroup("SIGKILL"),
      stop: async (signal = "SIGTERM", graceMs = STOP_GRACE_MS) => {
        signalGroup(signal);
        const timeout = new AbortController();
        const killed = this.clock.sleep(graceMs, timeout.signal).then(() => {
          if (!timeout.signal.aborted) signalGroup("SIGKILL");
        });
        const result = await exited;
        timeout.abort();
        await killed;
        return result;
      },
    };
    this.children.add(child);
    void exited.then(() => this.children.delete(child));
    return child;
  }

  /** Resolves with the first line `match` accepts, or rejects when the child exits or time runs out. */
  waitForLine<T>(
    child: Child,
    match: (line: string) => T | undefined,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${child.name} did not start within ${timeoutMs} ms:\n${child.tail()}`));
      }, timeoutMs);
      const listener = (line: string): void => {
        const value = match(line);
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
      };
      const unsubscribe = child.onLine(listener);
      void child.exited.then((exit) => {
        finish();
        reject(
          new Error(
            `${child.name} exited (code ${exit.code}, signal ${exit.signal}) before it was ready:\n${child.tail()}`,
          ),
        );
      });
    });
  }

  /** Children still running. */
  running(): readonly Child[] {
    return [...this.children];
  }

  /** Stops every child (SIGTERM, then SIGKILL after `graceMs`) and forgets the exit hook. */
  async stopAll(graceMs = 3000): Promise<void> {
    await Promise.all([...this.children].map((child) => child.stop("SIGTERM", graceMs)));
    process.removeListener("exit", this.onExit);
  }

  /** Kills every child at once (synchronous: safe in an `exit` handler). */
  killAll(): void {
    for (const child of this.children) (child as Child & { kill(): void }).kill();
  }
}

/** Build metadata and settings of one app-sample instance. */
export interface AppInstance {
  /** A label for the timeline, e.g. `v2 (green)`. */
  readonly name: string;
  /** Environment on top of a minimal base (PATH only): GREENLIGHT_* build metadata and settings. */
  readonly env: Readonly<Record<string, string>>;
}

/** The port of app-sample's `{"msg":"listening","port":…}` line; undefined for other lines. Pure. */
export function listeningPort(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown } | null;
    return entry?.msg === "listening" && typeof entry.port === "number" ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one app-sample from the compiled bundle on a port the kernel picks (`PORT=0`: no race
 * with other processes for a port chosen in advance) and waits for its `listening` line.
 */
export async function startApp(
  group: ProcessGroup,
  bundle: string,
  instance: AppInstance,
  timeoutMs = 10_000,
): Promise<{ child: Child; port: number }> {
  const child = group.start(instance.name, process.execPath, [bundle], {
    PATH: process.env.PATH ?? "",
    HOST: LOOPBACK,
    PORT: "0",
    GREENLIGHT_ACCESS_LOG: "off",
    ...instance.env,
  });
  const port = await group.waitForLine(child, listeningPort, timeoutMs);
  return { child, port };
}

/** Starts `haproxy -f <config> -db` and waits until its admin socket answers. */
export async function startHaproxy(
  group: ProcessGroup,
  configPath: string,
  api: RuntimeApi,
  clock: Clock = systemClock,
  timeoutMs = 5000,
): Promise<Child> {
  const child = group.start("haproxy", "haproxy", ["-f", configPath, "-db"], {
    PATH: process.env.PATH ?? "",
  });
  const end = clock.now() + timeoutMs;
  for (;;) {
    if (child.hasExited()) {
      const exit = await child.exited;
      throw new Error(`haproxy exited (code ${exit.code}) at start:\n${child.tail()}`);
    }
    try {
      if ((await api.send("show info")).includes("Name: HAProxy")) return child;
    } catch {
      // not listening yet
    }
    if (clock.now() > end) {
      await child.stop("SIGKILL", 0);
      throw new Error(`haproxy's admin socket did not answer within ${timeoutMs} ms`);
    }
    await clock.sleep(50);
  }
}
