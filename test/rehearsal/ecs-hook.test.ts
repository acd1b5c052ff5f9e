import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { DescribeClustersCommand } from "@aws-sdk/client-ecs";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";

import { systemClock } from "../../hooks/core/clock";
import { readCheckState } from "../../hooks/ecs/event";
import {
  driveEcsHook,
  hookEvent,
  loopbackLookup,
  lookupFetch,
  MemoryParameterStore,
  rehearsalAwsClients,
  rehearsalHookDeps,
  rehearsalHookEnv,
  type RehearsalAwsState,
  type RehearsalDeployment,
} from "../../tools/rehearsal/ecs-hook";
import type { ListenerRoute } from "../../tools/rehearsal/haproxy-config";
import { startWebhookReceiver, type WebhookReceiver } from "../../tools/rehearsal/receiver";
import { buildEnvironment, buildFor } from "../../tools/rehearsal/run";
import { loadStackSettings } from "../../tools/rehearsal/stack";

const route: ListenerRoute = { service: "web", hostname: "web.rehearsal.local", priority: 10 };
const settings = loadStackSettings("dev");

/** A `/version` server that answers `version(n)` to its n-th request, and records Host headers. */
async function versionServer(version: (n: number) => string) {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? "");
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ version: version(hosts.length) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hosts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function deployment(version: string): RehearsalDeployment {
  return {
    id: "rehearsaltest1",
    greenSlot: "green",
    revision: 2,
    environment: buildEnvironment(buildFor(version, settings), settings),
    createdAt: Date.now() - 1000,
  };
}

describe("rehearsal ECS hook (the hook's core, in-process AWS, the IN_PROGRESS driver)", () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  async function drive(
    version: (n: number) => string,
    options: { budgetMs: number; deadlineMs: number; expected?: string },
  ) {
    const server = await versionServer(version);
    const current = deployment(options.expected ?? "v0.0.2");
    const state: RehearsalAwsState = {
      service: "web",
      route,
      ports: { prod: server.port, test: server.port },
      deployment: () => current,
      weights: () => ({ blue: 0, green: 100 }),
      targets: async () => [{ id: "127.0.0.1", port: server.port, state: "healthy" }],
    };
    const parameters = new MemoryParameterStore();
    const { fetch, close } = lookupFetch(loopbackLookup(["web.rehearsal.local"]));
    const sleeps: number[] = [];
    try {
      const deps = rehearsalHookDeps({
        clients: rehearsalAwsClients(state, parameters),
        env: rehearsalHookEnv({
          environment: "dev",
          consecutive: 3,
          intervalMs: 20,
          timeoutMs: 1000,
          deadlineMs: options.deadlineMs,
          invocationBudgetMs: options.budgetMs,
          callBackDelaySeconds: 1,
        }),
        clock: systemClock,
        fetch,
        webhookUrl: receiver.url,
      });
      const event = hookEvent(state, current, "POST_PRODUCTION_TRAFFIC_SHIFT", "exec-1");
      const driven = await driveEcsHook({
        event,
        deps,
        minuteMs: 600,
        clock: systemClock,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      // A late duplicate of the first invocation: the marker answers, nothing is posted again.
      const late = await driveEcsHook({
        event,
        deps,
        minuteMs: 600,
        clock: systemClock,
        sleep: async () => undefined,
      });
      return { driven, late, sleeps, parameters, hosts: server.hosts };
    } finally {
      close();
      await server.close();
    }
  }

  it("answers IN_PROGRESS while the old version answers, carries its state, then SUCCEEDED once, with the release record", async function () {
    this.timeout(20_000);
    const { driven, late, sleeps, parameters, hosts } = await drive(
      (n) => (n <= 12 ? "v0.0.1" : "v0.0.2"),
      { budgetMs: 150, deadlineMs: 8000 },
    );
    const answers = driven.invocations.map((record) => record.run.response.hookStatus);
    assert.equal(driven.status, "SUCCEEDED");
    assert.ok(answers.length >= 2, answers.join(", "));
    assert.deepEqual(new Set(answers.slice(0, -1)), new Set(["IN_PROGRESS"]));
    // callBackDelay 1 s, one minute lasting 600 ms: 10 ms a wait, one per IN_PROGRESS.
    assert.deepEqual(
      sleeps,
      answers.slice(0, -1).map(() => 10),
    );
    // The state rides in hookDetails: the first answer hands the second its count and start.
    const carried = readCheckState(
      driven.invocations[0]?.run.response.hookDetails ?? {},
      Date.now(),
    );
    assert.equal(carried?.invocations, 1);
    assert.ok((carried?.attempts ?? 0) >= 1);
    // Every probe carried the rule's host name, reached on loopback.
    assert.ok(hosts.length > 12);
    assert.deepEqual(
      new Set(hosts),
      new Set([`web.rehearsal.local:${/:(\d+)$/.exec(hosts[0] ?? "")?.[1]}`]),
    );
    assert.equal(receiver.messages.length, 1);
    assert.match(receiver.messages[0]?.text ?? "", /web v0\.0\.2 is live in dev/);
    const record = JSON.parse(parameters.values.get("/greenlight/dev/web/live") ?? "{}") as {
      version?: string;
      deploymentId?: string;
    };
    assert.equal(record.version, "v0.0.2");
    assert.match(
      record.deploymentId ?? "",
      /:service-deployment\/greenlight-rehearsal\/web\/rehearsaltest1$/,
    );
    assert.equal(late.status, "SUCCEEDED");
    assert.equal(late.invocations[0]?.run.skipped, "already-decided");
    assert.equal(receiver.messages.length, 1, "the late duplicate posted nothing");
  });

  it("answers FAILED at the deadline when the version never comes, after IN_PROGRESS, and posts one failure notice", async function () {
    this.timeout(20_000);
    const { driven, late } = await drive(() => "0.0.0-dev", {
      budgetMs: 300,
      deadlineMs: 2000,
      expected: "v0.0.3",
    });
    const answers = driven.invocations.map((record) => record.run.response.hookStatus);
    assert.equal(driven.status, "FAILED");
    assert.ok(answers.length >= 2 && answers[0] === "IN_PROGRESS", answers.join(", "));
    assert.equal(driven.invocations.at(-1)?.run.outcome?.verdict.failedCheck, "version");
    assert.equal(receiver.messages.length, 1);
    assert.match(receiver.messages[0]?.text ?? "", /web v0\.0\.3 failed the live check in dev/);
    assert.equal(late.status, "FAILED");
    assert.equal(receiver.messages.length, 1);
  });

  it("answers commands the rehearsal does not model with an error, and keeps Parameter Store create-only", async () => {
    const parameters = new MemoryParameterStore();
    const clients = rehearsalAwsClients(
      {
        service: "web",
        route,
        ports: { prod: 1, test: 2 },
        deployment: () => deployment("v0.0.2"),
        weights: () => ({ blue: 100, green: 0 }),
        targets: async () => [],
      },
      parameters,
    );
    await assert.rejects(
      clients.ecs.send(new DescribeClustersCommand({})),
      /the rehearsal does not answer DescribeClustersCommand/,
    );
    await assert.rejects(
      clients.ssm.send(new GetParameterCommand({ Name: "/x" })),
      (error: unknown) => error instanceof Error && error.name === "ParameterNotFound",
    );
    await clients.ssm.send(new PutParameterCommand({ Name: "/x", Value: "1", Type: "String" }));
    await assert.rejects(
      clients.ssm.send(new PutParameterCommand({ Name: "/x", Value: "2", Type: "String" })),
      (error: unknown) => error instanceof Error && error.name === "ParameterAlreadyExists",
    );
    await clients.ssm.send(
      new PutParameterCommand({ Name: "/x", Value: "3", Type: "String", Overwrite: true }),
    );
    assert.equal(parameters.values.get("/x"), "3");
  });

  it("resolves only the rehearsal's host names to loopback, and fetches plain http only", async () => {
    const lookup = loopbackLookup(["web.rehearsal.local"]);
    const single = await new Promise<string>((resolve, reject) =>
      lookup("WEB.rehearsal.local", {}, (error, address) =>
        error === null ? resolve(String(address)) : reject(error),
      ),
    );
    assert.equal(single, "127.0.0.1");
    const all = await new Promise<unknown>((resolve, reject) =>
      lookup("web.rehearsal.local", { all: true }, (error, addresses) =>
        error === null ? resolve(addresses) : reject(error),
      ),
    );
    assert.deepEqual(all, [{ address: "127.0.0.1", family: 4 }]);
    const { fetch, close } = lookupFetch(lookup);
    try {
      await assert.rejects(fetch("https://web.rehearsal.local/version"), /http:\/\/ URLs only/);
    } finally {
      close();
    }
  });
});
