import * as assert from "node:assert/strict";

import { main, parseRehearseArgs, UsageError } from "../../tools/rehearse";
import { DEFAULT_CHECK } from "../../tools/rehearsal/haproxy-config";
import {
  HaproxyMissingError,
  RehearsalAborted,
  type RehearsalOptions,
  type RehearsalResult,
} from "../../tools/rehearsal/run";
import { loadStackSettings, type StackSettings } from "../../tools/rehearsal/stack";

function sink(): { write(text: string): void; text(): string } {
  let written = "";
  return { write: (text) => void (written += text), text: () => written };
}

function result(ok: boolean): RehearsalResult {
  return {
    stack: "dev",
    engine: "codedeploy",
    environment: "dev",
    service: "web",
    shifting: "AllAtOnce: 100 % at once",
    haproxy: "HAProxy version 2.6",
    scenarios: [],
    notRun: [],
    check: DEFAULT_CHECK,
    timeline: [],
    requests: 6000,
    failed: ok ? 0 : 3,
    wallMs: 45_000,
    problems: ok ? [] : ["cutover: 3 of 3000 requests failed"],
    ok,
  };
}

describe("rehearse CLI", () => {
  it("defaults to the dev stack and its own engine, one minute = 1 s, 150 requests a second", () => {
    assert.deepEqual(parseRehearseArgs([]), {
      stack: "dev",
      minuteMs: 1000,
      rate: 150,
      steadyMs: 10_000,
      load: 0,
      json: false,
      help: false,
    });
  });

  it("reads --stack, --engine, --minute-ms, --rate, --steady-ms, --load and --json, also as --name=value", () => {
    assert.deepEqual(
      parseRehearseArgs([
        "--stack",
        "prod",
        "--engine=ecs",
        "--minute-ms=250",
        "--rate",
        "300",
        "--steady-ms",
        "0",
        "--load=64",
        "--json",
      ]),
      {
        stack: "prod",
        engine: "ecs",
        minuteMs: 250,
        rate: 300,
        steadyMs: 0,
        load: 64,
        json: true,
        help: false,
      },
    );
  });

  it("rejects an unknown stack, a bad number and an unknown option, naming the fix", () => {
    assert.throws(
      () => parseRehearseArgs(["--stack", "qa"]),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === '--stack is "qa"; choose one of dev, staging, prod.',
    );
    assert.throws(
      () => parseRehearseArgs(["--rate", "fast"]),
      /--rate is "fast"; give a number from 1 to 2000/,
    );
    assert.throws(() => parseRehearseArgs(["--minute-ms"]), /--minute-ms is ""/);
    assert.throws(
      () => parseRehearseArgs(["--engine", "codepipeline"]),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === '--engine is "codepipeline"; choose one of codedeploy, ecs.',
    );
    assert.throws(
      () => parseRehearseArgs(["--load", "2.5"]),
      /--load is 2\.5; give a whole number/,
    );
    assert.throws(
      () => parseRehearseArgs(["--load", "5000"]),
      /--load is "5000"; give a number from 0 to 1024/,
    );
    assert.throws(
      () => parseRehearseArgs(["--stack-name", "dev"]),
      /unknown option "--stack-name"/,
    );
  });

  it("exits 2 with the usage on bad usage, and 0 with --help", async () => {
    const stdout = sink();
    const stderr = sink();
    assert.equal(await main(["--rate", "0"], { stdout, stderr }), 2);
    assert.match(stderr.text(), /--rate is "0"/);
    assert.match(stderr.text(), /Usage: npm run rehearse/);
    assert.equal(await main(["--help"], { stdout, stderr }), 0);
    assert.match(stdout.text(), /--minute-ms <ms>/);
  });

  it("passes the stack's settings and the options to the rehearsal, and exits 0 when it passes", async () => {
    const stdout = sink();
    let seen: RehearsalOptions | undefined;
    const code = await main(
      [
        "--stack",
        "staging",
        "--engine",
        "ecs",
        "--minute-ms",
        "100",
        "--rate",
        "200",
        "--load",
        "16",
      ],
      {
        stdout,
        stderr: sink(),
        runRehearsal: (options) => {
          seen = options;
          return Promise.resolve(result(true));
        },
      },
    );
    assert.equal(code, 0);
    assert.equal(seen?.settings.stack, "staging");
    assert.deepEqual(seen?.settings.shifting, {
      type: "Linear",
      percent: 10,
      intervalMinutes: 1,
      predefined: "Linear10PercentEvery1Minutes",
    });
    assert.equal(seen?.engine, "ecs");
    assert.deepEqual(seen?.settings.routes, [
      { service: "web", hostname: "web.rehearsal.local", priority: 10 },
      { service: "orders", hostname: "orders.rehearsal.local", priority: 20 },
    ]);
    assert.equal(seen?.minuteMs, 100);
    assert.equal(seen?.rate, 200);
    assert.equal(seen?.load, 16);
    assert.match(stdout.text(), /PASS: 6000 requests, 0 failed/);
  });

  it("exits 1 and says why when the rehearsal found a problem; --json prints the result", async () => {
    const stdout = sink();
    const code = await main(["--json"], {
      stdout,
      stderr: sink(),
      runRehearsal: () => Promise.resolve(result(false)),
    });
    assert.equal(code, 1);
    const printed = JSON.parse(stdout.text()) as RehearsalResult;
    assert.deepEqual(printed.problems, ["cutover: 3 of 3000 requests failed"]);
  });

  it("exits 2 with the install command when HAProxy is missing, 130 when interrupted", async () => {
    const stderr = sink();
    const missing = await main([], {
      stdout: sink(),
      stderr,
      runRehearsal: () => Promise.reject(new HaproxyMissingError()),
    });
    assert.equal(missing, 2);
    assert.match(stderr.text(), /sudo apt-get install haproxy/);
    const interrupted = await main([], {
      stdout: sink(),
      stderr: sink(),
      runRehearsal: () => Promise.reject(new RehearsalAborted()),
    });
    assert.equal(interrupted, 130);
  });

  it("prints a FAIL verdict and exits 1 when the rehearsal could not even set up", async () => {
    const stdout = sink();
    const stderr = sink();
    const code = await main([], {
      stdout,
      stderr,
      runRehearsal: () => Promise.reject(new Error("haproxy exited (code 1) at start")),
    });
    assert.equal(code, 1);
    assert.match(stdout.text(), /\nRehearsal: FAIL: setup: haproxy exited \(code 1\) at start\n$/);
    assert.match(stderr.text(), /rehearsal failed: Error: haproxy exited/);
    const json = sink();
    await main(["--json"], {
      stdout: json,
      stderr: sink(),
      runRehearsal: () => Promise.reject(new Error("no free port")),
    });
    assert.deepEqual(JSON.parse(json.text()), { ok: false, problems: ["setup: no free port"] });
  });

  it("exits 2 naming the stack file when its configuration is invalid", async () => {
    const stderr = sink();
    const code = await main(["--stack", "prod"], {
      stdout: sink(),
      stderr,
      loadSettings: (): StackSettings => {
        throw new Error('greenlight:deployment.trafficShifting is "Fast"');
      },
    });
    assert.equal(code, 2);
    assert.match(
      stderr.text(),
      /^Pulumi\.prod\.yaml: greenlight:deployment\.trafficShifting is "Fast"/,
    );
  });

  it("reads each stack file's traffic shifting, delay and build naming", () => {
    const dev = loadStackSettings("dev");
    assert.equal(dev.shifting.type, "AllAtOnce");
    assert.equal(dev.deregistrationDelayMs, 5000);
    assert.deepEqual(dev.healthCheck, {
      intervalSeconds: 5,
      timeoutSeconds: 4,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      matcher: "200-299",
    });
    assert.equal(dev.slowStartSeconds, 0);
    assert.equal(dev.refType, "branch");
    assert.equal(dev.branch, "development");
    const prod = loadStackSettings("prod");
    assert.equal(prod.shifting.predefined, "Canary10Percent5Minutes");
    assert.equal(prod.refType, "tag");
    assert.equal(prod.service, "web");
    assert.equal(prod.healthCheckPath, "/health");
  });
});
