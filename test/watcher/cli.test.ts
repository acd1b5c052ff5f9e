import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { main, type CliDeps } from "../../tools/watch-version";
import { parseDuration, parseWatchArgs, UsageError } from "../../tools/watcher/args";
import type { WatchOptions } from "../../tools/watcher/run";
import { summarise, type WatchRecord } from "../../tools/watcher/summary";
import { startVersionServer, type VersionServer } from "./version-server";

const REPO_ROOT = path.join(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/register/transpile-only");

interface Captured {
  readonly deps: CliDeps;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function capture(overrides: Partial<CliDeps> = {}, isTTY = false): Captured {
  let stdout = "";
  let stderr = "";
  return {
    deps: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY },
      ...overrides,
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe("watch-version arguments", () => {
  it("parses durations with a unit", () => {
    assert.deepEqual(
      ["500ms", "60s", "1.5s", "2m", "1h"].map(parseDuration),
      [500, 60_000, 1_500, 120_000, 3_600_000],
    );
  });

  it("rejects durations without a unit or not above zero", () => {
    for (const text of ["60", "1 minute", "-1s", "s", "0s"]) {
      assert.throws(() => parseDuration(text), UsageError, text);
    }
    assert.throws(
      () => parseDuration("60"),
      /^UsageError: --duration is "60"; give a number and a unit, such as 500ms, 60s, 2m or 1h\.$/,
    );
  });

  it("applies the defaults", () => {
    assert.deepEqual(parseWatchArgs(["--url", "http://lb"]), {
      url: "http://lb",
      path: "/version",
      rate: 50,
      durationMs: 60_000,
      timeoutMs: 1_000,
      expectFlip: false,
      quiet: false,
    });
  });

  it("reads every flag, in both --flag value and --flag=value forms", () => {
    assert.deepEqual(
      parseWatchArgs([
        "--url=http://lb/app",
        "--path",
        "/v",
        "--rate",
        "12.5",
        "--duration=2m",
        "--timeout-ms",
        "250",
        "--out",
        "watch.jsonl",
        "--expect-flip",
        "--quiet",
      ]),
      {
        url: "http://lb/app",
        path: "/v",
        rate: 12.5,
        durationMs: 120_000,
        timeoutMs: 250,
        out: "watch.jsonl",
        expectFlip: true,
        quiet: true,
      },
    );
    assert.equal(parseWatchArgs(["-h"]), "help");
  });
});

describe("watch-version main", function () {
  this.timeout(10_000);
  let server: VersionServer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("exits 2 with a clear message on bad usage", async () => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /^watch-version: Unknown option '--bogus'/],
      [[], /^watch-version: --url is required/],
      [["--url", "http://lb", "--duration", "60"], /--duration is "60"; give a number and a unit/],
      [["--url", "http://lb", "--rate", "fast"], /--rate is "fast"; give a number greater than 0/],
      [["--url", "http://lb", "--timeout-ms", "1.5"], /--timeout-ms is "1.5"; give a whole number/],
      [["--url", "http://lb", "--rate", "100000"], /--rate is 100000; give requests per second/],
      [["--url", "lb:80"], /--url is "lb:80"; only http:\/\/ and https:\/\/ URLs/],
      [["--url", "http://lb", "extra"], /Unexpected argument 'extra'/],
    ];
    for (const [argv, message] of cases) {
      const io = capture();
      assert.equal(await main(argv, io.deps), 2, argv.join(" "));
      assert.match(io.stderr(), message);
      assert.match(io.stderr(), /Run with --help for usage\.\n$/);
      assert.equal(io.stdout(), "");
    }
  });

  it("prints the usage for --help and exits 0", async () => {
    const io = capture();
    assert.equal(await main(["--help"], io.deps), 0);
    assert.match(io.stdout(), /^Usage: npm run watch-version -- --url <base url>/);
  });

  it("exits 0 after a clean run and writes every request to the JSON Lines file", async () => {
    server = await startVersionServer(() => ({ version: "v1" }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-"));
    const out = path.join(dir, "watch.jsonl");
    const io = capture();
    const argv = ["--url", server.url, "--rate", "50", "--duration", "300ms", "--out", out];
    assert.equal(await main(argv, io.deps), 0);

    const lines = fs.readFileSync(out, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 15);
    const records = lines.map((line) => JSON.parse(line) as WatchRecord);
    for (const record of records) {
      assert.deepEqual(Object.keys(record), ["t", "status", "latencyMs", "version"]);
      assert.equal(record.status, 200);
      assert.equal(record.version, "v1");
      assert.equal(typeof record.t, "number");
      assert.equal(typeof record.latencyMs, "number");
    }
    assert.match(io.stdout(), /^Requests {3}15 in \d+ ms: 15 ok, 0 failed$/m);
    assert.match(io.stdout(), /^Result {5}OK: no failed requests; ended on v1$/m);
    assert.match(io.stderr(), /15 requests {2}0 failed {2}v1 ×15 {2}now v1\n$/);
  });

  it("writes failed requests to the file with their kind and exits 1", async () => {
    server = await startVersionServer((n) => (n === 3 ? { status: 502 } : { version: "v1" }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-"));
    const out = path.join(dir, "watch.jsonl");
    const io = capture();
    const argv = ["--url", server.url, "--duration", "200ms", "--out", out, "--quiet"];
    assert.equal(await main(argv, io.deps), 1);
    const failed = fs
      .readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as WatchRecord)
      .filter((record) => record.error !== undefined);
    assert.deepEqual(
      failed.map(({ t: _t, latencyMs: _l, ...rest }) => rest),
      [{ status: 502, error: "http_502" }],
    );
    assert.match(io.stdout(), /^Result {5}FAILED: 1 of 10 requests failed$/m);
    assert.equal(io.stderr(), "", "--quiet prints no progress");
  });

  it("with --expect-flip exits 1 when the version never changed and 0 when it did", async () => {
    server = await startVersionServer(() => ({ version: "v1" }));
    const steady = capture();
    const argv = ["--url", server.url, "--duration", "200ms", "--quiet", "--expect-flip"];
    assert.equal(await main(argv, steady.deps), 1);
    assert.match(steady.stdout(), /FAILED: expected a version flip, but only v1 was seen/);
    await server.close();

    server = await startVersionServer((_n, elapsedMs) => ({
      version: elapsedMs < 100 ? "v1" : "v2",
    }));
    const flipping = capture();
    const flipArgv = ["--url", server.url, "--duration", "300ms", "--quiet", "--expect-flip"];
    assert.equal(await main(flipArgv, flipping.deps), 0);
    assert.match(flipping.stdout(), /^Flip {7}v1 → v2: first v2 at /m);
    assert.match(flipping.stdout(), /OK: no failed requests, version flipped; ended on v2/);
  });

  it("updates one progress line in place on a terminal", async () => {
    const fakeRun = async (options: WatchOptions) => {
      const records: WatchRecord[] = [];
      for (let i = 0; i < 3; i += 1) {
        const record = { t: Date.now(), status: 200, latencyMs: 1, version: "v1" };
        records.push(record);
        options.onRecord?.(record);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      return summarise(records);
    };
    const io = capture({ runWatcher: fakeRun, progressIntervalMs: { tty: 10, plain: 10 } }, true);
    assert.equal(await main(["--url", "http://lb"], io.deps), 0);
    const updates = io
      .stderr()
      .split("\r")
      .filter((part) => part !== "");
    assert.ok(updates.length >= 3, `${updates.length} updates`);
    assert.ok(updates.every((part) => part.includes("\x1b[K")));
    assert.ok(io.stderr().endsWith("3 requests  0 failed  v1 ×3  now v1\x1b[K\n"), io.stderr());
  });

  it("exits 2 when the --out file cannot be opened", async () => {
    const io = capture();
    const argv = [
      "--url",
      "http://lb",
      "--out",
      path.join(os.tmpdir(), "no-such-dir", "x", "w.jsonl"),
    ];
    assert.equal(await main(argv, io.deps), 2);
    assert.match(io.stderr(), /^watch-version: cannot write --out .*ENOENT/);
  });

  it("runs as a script: Ctrl-C stops the watch, prints the summary and exits by the verdict", async () => {
    server = await startVersionServer(() => ({ version: "v7" }));
    const child = spawn(
      process.execPath,
      ["-r", TS_NODE, path.join(REPO_ROOT, "tools", "watch-version.ts"), "--url", server.url],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const deadline = Date.now() + 8_000;
    while ((server?.received() ?? 0) < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGINT");
    assert.equal(await exited, 0);
    assert.match(
      stdout,
      /^Watched {4}http:\/\/127\.0\.0\.1:\d+\/version at 50\/s for 1 min \(stopped early\)$/m,
    );
    assert.match(stdout, /^Result {5}OK: no failed requests; ended on v7$/m);
  });

  it("runs as a script: exits 2 on bad usage", async () => {
    const child = spawn(
      process.execPath,
      ["-r", TS_NODE, path.join(REPO_ROOT, "tools", "watch-version.ts"), "--rate", "x"],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 2);
    assert.match(stderr, /^watch-version: --url is required/);
  });
});
