/**
 * How many requests per second app-sample answers on one core: the service runs as one child
 * process (one event loop) on 127.0.0.1 and a closed-loop keep-alive client in this process keeps
 * `connections` requests outstanding for a fixed time. The client speaks raw HTTP/1.1 over
 * `node:net` so that it costs far less CPU than the server it measures.
 */

import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

import { percentile } from "../tools/watcher/summary";

/** Settings of {@link benchApp}. */
export interface AppBenchOptions {
  /**
   * Measured time, after the warm-up.
   * @default 5000
   */
  readonly durationMs?: number;
  /**
   * Load before measuring (JIT, connection setup), not counted.
   * @default 1000
   */
  readonly warmupMs?: number;
  /**
   * Concurrent keep-alive connections, one request outstanding on each.
   * @default 64
   */
  readonly connections?: number;
  /**
   * Path requested.
   * @default "/version"
   */
  readonly path?: string;
  /**
   * Whether the service writes its access log (one stdout line per request).
   * @default false - the rehearsal and the load balancer health checks run with it on in
   * production, but here it would measure the pipe, not the service
   */
  readonly accessLog?: boolean;
}

/** What {@link benchApp} measured. */
export interface AppBenchResult {
  readonly name: "app-sample";
  readonly path: string;
  readonly connections: number;
  readonly accessLog: boolean;
  /** The measured window, ms. */
  readonly durationMs: number;
  /** Requests answered 200 in the window. */
  readonly requests: number;
  /** Answers other than 200, and connection failures, in the window. */
  readonly errors: number;
  /** `requests` per second of the window. */
  readonly rps: number;
  /** Per-request latency in the window, ms. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU the service process used in the window, percent of one core (Linux; else null). */
  readonly serverCpuPercent: number | null;
  /** CPU this (client) process used in the window, percent of one core. */
  readonly clientCpuPercent: number;
  readonly node: string;
}

const REPO_ROOT = path.resolve(__dirname, "..");
const APP_MAIN = path.join(REPO_ROOT, "app-sample", "src", "main.ts");

interface Service {
  readonly child: ChildProcess;
  readonly port: number;
}

/** Starts app-sample on 127.0.0.1 with a free port; resolves with its port once it listens. */
function startService(accessLog: boolean): Promise<Service> {
  const child = spawn(
    process.execPath,
    ["-r", require.resolve("ts-node/register/transpile-only"), APP_MAIN],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        PORT: "0",
        GREENLIGHT_VERSION: "bench",
        GREENLIGHT_ACCESS_LOG: accessLog ? "on" : "off",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const match = /"msg":"listening".*?"port":(\d+)/.exec(buffered);
      if (match === null) return;
      child.stdout?.off("data", onData);
      child.stdout?.resume(); // keep draining access lines, if any
      resolve({ child, port: Number(match[1]) });
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`app-sample exited with ${code} before listening`)),
    );
    child.once("error", reject);
  });
}

/** Ticks of CPU (user + system) a Linux process has used, or null when unknown. */
function cpuTicks(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

/** Linux reports CPU in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

interface Window {
  /** Measuring from (performance.now), inclusive. */
  start: number;
  /** Measuring until, exclusive. */
  end: number;
}

interface Tally {
  requests: number;
  errors: number;
  readonly latencies: number[];
}

/**
 * One keep-alive connection that sends the next request as soon as the previous answer is complete,
 * until the window ends. Counts what completes inside `window`.
 */
function driveConnection(
  port: number,
  request: Buffer,
  window: Window,
  tally: Tally,
): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    let buffer: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    const send = (): void => {
      if (performance.now() >= window.end) {
        socket.end();
        return;
      }
      sentAt = performance.now();
      socket.write(request);
    };
    const count = (ok: boolean, now: number): void => {
      if (now < window.start || now >= window.end) return;
      if (ok) {
        tally.requests += 1;
        tally.latencies.push(now - sentAt);
      } else tally.errors += 1;
    };
    socket.on("connect", send);
    socket.on("data", (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        const headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd === -1) return;
        const head = buffer.toString("latin1", 0, headerEnd);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? "0");
        const total = headerEnd + 4 + length;
        if (buffer.length < total) return;
        buffer = buffer.subarray(total);
        count(head.startsWith("HTTP/1.1 200"), performance.now());
        send();
      }
    });
    socket.on("error", () => count(false, performance.now()));
    socket.on("close", () => resolve());
  });
}

const round = (value: number, digits = 2): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** Measures app-sample's requests per second and latency on one core (see the module comment). */
export async function benchApp(options: AppBenchOptions = {}): Promise<AppBenchResult> {
  const durationMs = options.durationMs ?? 5_000;
  const warmupMs = options.warmupMs ?? 1_000;
  const connections = options.connections ?? 64;
  const requestPath = options.path ?? "/version";
  const accessLog = options.accessLog ?? false;

  const service = await startService(accessLog);
  try {
    const request = Buffer.from(`GET ${requestPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, "latin1");
    const now = performance.now();
    const window: Window = { start: now + warmupMs, end: now + warmupMs + durationMs };
    const tally: Tally = { requests: 0, errors: 0, latencies: [] };
    const drivers = Array.from({ length: connections }, () =>
      driveConnection(service.port, request, window, tally),
    );

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, window.start - performance.now())),
    );
    const serverBefore = cpuTicks(service.child.pid);
    const clientBefore = process.cpuUsage();
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, window.end - performance.now())),
    );
    const serverAfter = cpuTicks(service.child.pid);
    const client = process.cpuUsage(clientBefore);
    await Promise.all(drivers);

    const sorted = tally.latencies.sort((a, b) => a - b);
    const seconds = durationMs / 1000;
    return {
      name: "app-sample",
      path: requestPath,
      connections,
      accessLog,
      durationMs,
      requests: tally.requests,
      errors: tally.errors,
      rps: Math.round(tally.requests / seconds),
      latencyMs: {
        p50: round(percentile(sorted, 50)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted[sorted.length - 1] ?? Number.NaN),
      },
      serverCpuPercent:
        serverBefore === null || serverAfter === null
          ? null
          : Math.round(((serverAfter - serverBefore) / TICKS_PER_SECOND / seconds) * 100),
      clientCpuPercent: Math.round(((client.user + client.system) / 1e6 / seconds) * 100),
      node: process.version,
    };
  } finally {
    const exited = new Promise((resolve) => service.child.once("exit", resolve));
    service.child.kill("SIGTERM");
    await exited;
  }
}

if (require.main === module) {
  benchApp().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(
        `bench/app: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
